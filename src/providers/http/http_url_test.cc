#include "atelier/providers/http/http_url.h"

#include <gtest/gtest.h>

#include "atelier/providers/http/host_resolver.h"

namespace atelier {
namespace {

TEST(HttpUrlTest, ParsesHostAndPortTheWayCurlWill) {
  auto u = ParseHttpUrl("HTTP://Hooks.Example.COM/x?y=1");
  ASSERT_TRUE(u.has_value()) << u.error().ToString();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, 80);
  auto s = ParseHttpUrl("https://[::1]:8443/");
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->port, 8443);
  // Other spellings of 127.0.0.1 come out as 127.0.0.1, so an allow-list check sees through them.
  for (const char* odd : {"http://0x7f.1/", "http://2130706433/", "http://0177.0.0.1/"}) {
    auto o = ParseHttpUrl(odd);
    ASSERT_TRUE(o.has_value()) << odd << ": " << o.error().ToString();
    EXPECT_EQ(o->host, "127.0.0.1") << odd;
  }
  // The host is the one before the path, whatever the fragment or query pretend.
  auto f = ParseHttpUrl("http://a.example#@b.example/");
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->host, "a.example");
}

TEST(HttpUrlTest, RefusesOtherSchemesCredentialsAndJunk) {
  for (const char* bad :
       {"file:///etc/passwd", "gopher://127.0.0.1:70/x", "ftp://example.com/", "example.com/hook",
        "http://user:pw@example.com/", "http://[::1/x", "http://:80/", ""}) {
    auto u = ParseHttpUrl(bad);
    ASSERT_FALSE(u.has_value()) << bad;
    EXPECT_EQ(u.error().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseHttpUrl("gopher://x/").error().message().find("'gopher'"), std::string::npos);
}

TEST(HttpUrlTest, ResolvesRelativeLocations) {
  const std::string base = "https://a.example:8443/dir/page?q=1";
  auto at = [&](const std::string& loc) {
    auto r = ResolveHttpUrl(base, loc);
    EXPECT_TRUE(r.has_value()) << loc << ": " << r.error().ToString();
    return r ? r->url : std::string();
  };
  EXPECT_EQ(at("/root"), "https://a.example:8443/root");
  EXPECT_EQ(at("next"), "https://a.example:8443/dir/next");
  EXPECT_EQ(at("../up"), "https://a.example:8443/up");
  EXPECT_EQ(at("//b.example/x"), "https://b.example/x");
  EXPECT_EQ(at("http://c.example:81/y"), "http://c.example:81/y");
  auto b = ResolveHttpUrl(base, "//b.example/x");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->host, "b.example");
  EXPECT_EQ(b->port, 443);
}

TEST(HttpUrlTest, RefusesRedirectsToOtherSchemes) {
  for (const char* loc :
       {"file:///etc/passwd", "gopher://127.0.0.1:70/_x", "FTP://x/", "javascript:alert(1)"}) {
    auto r = ResolveHttpUrl("http://a.example/", loc);
    ASSERT_FALSE(r.has_value()) << loc;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << loc;
    EXPECT_NE(r.error().message().find("only http and https"), std::string::npos)
        << r.error().message();
  }
}

TEST(HttpUrlTest, RedactDropsQueryAndFragment) {
  EXPECT_EQ(RedactUrl("http://a/b?key=s#f"), "http://a/b");
  EXPECT_EQ(RedactUrl("http://a/b#f"), "http://a/b");
  EXPECT_EQ(RedactUrl("http://a/b"), "http://a/b");
}

TEST(IpAddressTest, ParsesAndPrints) {
  EXPECT_EQ(IpAddress::Parse("192.0.2.1")->ToString(), "192.0.2.1");
  EXPECT_EQ(IpAddress::Parse("[2001:DB8:0::1]")->ToString(), "2001:db8::1");
  EXPECT_EQ(IpAddress::Parse("::1"), IpAddress::Parse("0:0:0:0:0:0:0:1"));
  EXPECT_FALSE(IpAddress::Parse("example.com"));
  EXPECT_FALSE(IpAddress::Parse("127.1"));  // not a literal getaddrinfo-free form
}

TEST(IpAddressTest, ClassifiesTheAddressesANameMustNotReach) {
  auto kind = [](const char* text) {
    const char* k = InternalAddressKind(*IpAddress::Parse(text));
    return std::string(k ? k : "");
  };
  EXPECT_EQ(kind("127.0.0.1"), "loopback");
  EXPECT_EQ(kind("127.8.9.10"), "loopback");
  EXPECT_EQ(kind("::1"), "loopback");
  EXPECT_EQ(kind("::ffff:127.0.0.1"), "loopback");
  EXPECT_EQ(kind("64:ff9b::7f00:1"), "loopback");
  EXPECT_EQ(kind("0.0.0.0"), "unspecified");
  EXPECT_EQ(kind("::"), "unspecified");
  EXPECT_EQ(kind("169.254.169.254"), "link-local");
  EXPECT_EQ(kind("::ffff:169.254.169.254"), "link-local");
  EXPECT_EQ(kind("fe80::1"), "link-local");
  EXPECT_EQ(kind("fd00:ec2::254"), "cloud metadata");
  EXPECT_EQ(kind("100.100.100.200"), "cloud metadata");
  EXPECT_EQ(kind("168.63.129.16"), "cloud metadata");
  for (const char* ok : {"93.184.216.34", "10.1.2.3", "192.168.0.10", "172.16.0.1",
                         "2606:2800:220:1::1", "fd12::1", "::ffff:93.184.216.34"}) {
    EXPECT_EQ(kind(ok), "") << ok;
  }
}

TEST(SystemResolverTest, ResolvesLiteralsAndFailsOnUnknownNames) {
  SystemResolver r;
  auto lit = r.Resolve("127.0.0.1", 80);
  ASSERT_TRUE(lit.has_value()) << lit.error().ToString();
  ASSERT_EQ(lit->size(), 1u);
  EXPECT_EQ((*lit)[0].ToString(), "127.0.0.1");
  auto bad = r.Resolve("no-such-host.invalid", 80);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace atelier
