#include "atelier/providers/http/host_allow_list.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

namespace atelier {
namespace {

// Names mapped to addresses without DNS, counting lookups: an address literal must not get one.
class FakeResolver : public HostResolver {
 public:
  explicit FakeResolver(std::map<std::string, std::vector<std::string>> names)
      : names_(std::move(names)) {}
  Result<std::vector<IpAddress>> Resolve(const std::string& host, int) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++lookups[host];
    auto it = names_.find(host);
    if (it == names_.end()) return Err(Unavailable("resolving '" + host + "': unknown name"));
    std::vector<IpAddress> out;
    for (const auto& a : it->second) out.push_back(*IpAddress::Parse(a));
    return out;
  }
  std::map<std::string, int> lookups;

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> names_;
};

HttpUrl Url(const std::string& text) {
  auto u = ParseHttpUrl(text);
  EXPECT_TRUE(u.has_value()) << text << ": " << u.error().ToString();
  return u.value_or(HttpUrl{});
}

// A resolver that knows no name: Allows never resolves, and these tests would fail loudly if it
// did (the lookups are counted).
std::shared_ptr<FakeResolver> NoNames() {
  return std::make_shared<FakeResolver>(std::map<std::string, std::vector<std::string>>{});
}

TEST(HostAllowListTest, EntryFormsAndPorts) {
  auto resolver = NoNames();
  HostAllowList list({"a.test", "B.test:8080", "[2001:db8::5]:443", "[2001:DB8::6]", "c.test:80x",
                      "d.test:0", "e.test:65536", "192.0.2.7:8443", "2001:db8::9"},
                     resolver);
  // A host alone: every port, whatever the case on either side.
  EXPECT_TRUE(list.Allows(Url("http://a.test/")));
  EXPECT_TRUE(list.Allows(Url("https://A.TEST:9999/")));
  // host:port: that port only (the URL's default port counts).
  EXPECT_TRUE(list.Allows(Url("http://b.test:8080/")));
  EXPECT_FALSE(list.Allows(Url("http://b.test/")));
  EXPECT_FALSE(list.Allows(Url("https://b.test:8443/")));
  // [v6]:port and [v6], compared as addresses, not as text.
  EXPECT_TRUE(list.Allows(Url("https://[2001:db8:0::5]/")));
  EXPECT_FALSE(list.Allows(Url("http://[2001:db8::5]/")));
  EXPECT_TRUE(list.Allows(Url("http://[2001:db8::6]:1234/")));
  // A bare IPv6 address is a host without a port, not host "2001" port "db8::9".
  EXPECT_TRUE(list.Allows(Url("http://[2001:db8::9]:81/")));
  // IPv4 host:port.
  EXPECT_TRUE(list.Allows(Url("https://192.0.2.7:8443/")));
  EXPECT_FALSE(list.Allows(Url("https://192.0.2.7/")));
  // A malformed or out-of-range port allows nothing, not every port.
  for (const char* url : {"http://c.test/", "http://c.test:80/", "http://d.test/",
                          "http://d.test:1/", "http://e.test/", "http://e.test:6553/"})
    EXPECT_FALSE(list.Allows(Url(url))) << url;
  // Hosts not listed, and the same name under another domain.
  EXPECT_FALSE(list.Allows(Url("http://a.test.evil.example/")));
  EXPECT_FALSE(list.Allows(Url("http://sub.a.test/")));
  EXPECT_TRUE(resolver->lookups.empty());
}

TEST(HostAllowListTest, AnEmptyListAllowsNothing) {
  HostAllowList list({}, NoNames());
  EXPECT_FALSE(list.Allows(Url("http://127.0.0.1/")));
  EXPECT_FALSE(list.Allows(Url("https://example.com/")));
  HostAllowList blanks({"", "[::1"}, NoNames());
  EXPECT_FALSE(blanks.Allows(Url("http://[::1]/")));
}

TEST(HostAllowListTest, CheckRefusesAHostNotListedWithoutResolving) {
  auto resolver = std::make_shared<FakeResolver>(
      std::map<std::string, std::vector<std::string>>{{"other.test", {"192.0.2.1"}}});
  HostAllowList list({"hooks.test:443"}, resolver);
  auto r = list.Check(Url("http://other.test:8080/x"), "url: ", "url: refused: ");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_EQ(r.error().message(),
            std::string("url: refused: host 'other.test:8080' is not on the allow-list ") +
                HostAllowList::kWhereTheList);
  auto v6 = list.Check(Url("http://[::1]:8080/"), "url: ", "");
  ASSERT_FALSE(v6.has_value());
  EXPECT_EQ(v6.error().message(), std::string("host '[::1]:8080' is not on the allow-list ") +
                                      HostAllowList::kWhereTheList);
  EXPECT_TRUE(resolver->lookups.empty());
}

// DNS rebinding and names pointed at the metadata service: a listed name may not lead to an
// internal address unless the list names that address too.
TEST(HostAllowListTest, ANameLeadingOnlyInternallyIsRefusedUnlessTheAddressIsListed) {
  auto resolver = std::make_shared<FakeResolver>(std::map<std::string, std::vector<std::string>>{
      {"evil.test", {"127.0.0.1"}}, {"metadata.test", {"169.254.169.254", "fd00:ec2::254"}}});
  HostAllowList list({"evil.test", "metadata.test"}, resolver);

  auto evil = list.Check(Url("http://evil.test:8080/"), "url: ", "url: ");
  ASSERT_FALSE(evil.has_value());
  EXPECT_EQ(evil.error().code(), Code::kPermissionDenied);
  EXPECT_EQ(evil.error().message(),
            std::string("url: host 'evil.test:8080' resolves only to 127.0.0.1 (loopback); a "
                        "name on the allow-list may not lead there. To allow it, list the "
                        "address itself, e.g. \"127.0.0.1:8080\" ") +
                HostAllowList::kWhereTheList);

  auto meta = list.Check(Url("http://metadata.test/latest"), "url: ", "url: ");
  ASSERT_FALSE(meta.has_value());
  EXPECT_EQ(meta.error().code(), Code::kPermissionDenied);
  EXPECT_NE(meta.error().message().find("169.254.169.254 (link-local), fd00:ec2::254 (cloud "
                                        "metadata)"),
            std::string::npos)
      << meta.error().message();
  EXPECT_NE(meta.error().message().find("\"169.254.169.254:80\""), std::string::npos)
      << meta.error().message();

  // Listing the address itself (for this port, or any) lets the name lead there.
  HostAllowList named({"evil.test", "127.0.0.1:8080"}, resolver);
  auto ok = named.Check(Url("http://evil.test:8080/"), "url: ", "url: ");
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->host, "evil.test");
  EXPECT_EQ(ok->port, 8080);
  EXPECT_EQ(ok->addresses, (std::vector<std::string>{"127.0.0.1"}));
  // .. but only for the port it is listed with.
  auto other_port = named.Check(Url("http://evil.test:9090/"), "url: ", "url: ");
  ASSERT_FALSE(other_port.has_value());
  EXPECT_EQ(other_port.error().code(), Code::kPermissionDenied);
  HostAllowList any_port({"metadata.test", "[fd00:ec2::254]"}, resolver);
  auto v6 = any_port.Check(Url("http://metadata.test:81/"), "url: ", "url: ");
  ASSERT_TRUE(v6.has_value()) << v6.error().ToString();
  EXPECT_EQ(v6->addresses, (std::vector<std::string>{"fd00:ec2::254"}));
}

TEST(HostAllowListTest, AMixedNameIsPinnedToItsPublicAddressesOnly) {
  auto resolver = std::make_shared<FakeResolver>(std::map<std::string, std::vector<std::string>>{
      {"mixed.test", {"127.0.0.1", "192.0.2.10", "169.254.169.254", "2001:db8::10"}}});
  HostAllowList list({"mixed.test"}, resolver);
  auto pin = list.Check(Url("https://Mixed.Test/x"), "url: ", "url: ");
  ASSERT_TRUE(pin.has_value()) << pin.error().ToString();
  EXPECT_EQ(pin->host, "mixed.test");
  EXPECT_EQ(pin->port, 443);
  EXPECT_EQ(pin->addresses, (std::vector<std::string>{"192.0.2.10", "2001:db8::10"}));
  EXPECT_EQ(resolver->lookups["mixed.test"], 1);
}

TEST(HostAllowListTest, AnAddressLiteralIsPinnedWithoutResolving) {
  auto resolver = NoNames();
  HostAllowList list({"127.0.0.1", "[2001:db8::5]:8443"}, resolver);
  auto v4 = list.Check(Url("http://127.0.0.1:9000/"), "url: ", "url: ");
  ASSERT_TRUE(v4.has_value()) << v4.error().ToString();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9000);
  EXPECT_EQ(v4->addresses, (std::vector<std::string>{"127.0.0.1"}));
  auto v6 = list.Check(Url("https://[2001:db8:0:0::5]:8443/"), "url: ", "url: ");
  ASSERT_TRUE(v6.has_value()) << v6.error().ToString();
  EXPECT_EQ(v6->addresses, (std::vector<std::string>{"2001:db8::5"}));
  EXPECT_TRUE(resolver->lookups.empty());
}

TEST(HostAllowListTest, ANameThatDoesNotResolveIsUnavailableWithWhere) {
  auto resolver = std::make_shared<FakeResolver>(
      std::map<std::string, std::vector<std::string>>{{"empty.test", {}}});
  HostAllowList list({"gone.test", "empty.test"}, resolver);
  auto gone = list.Check(Url("http://gone.test/"), "url: redirect 1: ", "refused: ");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code(), Code::kUnavailable);
  EXPECT_EQ(gone.error().message(), "url: redirect 1: resolving 'gone.test': unknown name");
  auto empty = list.Check(Url("http://empty.test/"), "url: ", "refused: ");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), Code::kUnavailable);
  EXPECT_EQ(empty.error().message(), "url: 'empty.test' resolves to nothing");
}

TEST(HostAllowListTest, HostPortBracketsIpv6) {
  EXPECT_EQ(HostPort("hooks.test", 443), "hooks.test:443");
  EXPECT_EQ(HostPort("192.0.2.1", 80), "192.0.2.1:80");
  EXPECT_EQ(HostPort("::1", 8080), "[::1]:8080");
}

}  // namespace
}  // namespace atelier
