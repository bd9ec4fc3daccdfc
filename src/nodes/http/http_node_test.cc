#include "atelier/nodes/http/http_node.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "atelier/providers/http/curl_http_client.h"
#include "tests/loopback_server.h"

namespace atelier {
namespace {

// The endpoints the node calls, on a loopback server.
class Server : public testing::LoopbackServer {
 public:
  Server() {
    svr().Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      last_body = req.body;
      last_auth = req.get_header_value("Authorization");
      res.set_content(R"({"received": true, "id": 7})", "application/json");
    });
    svr().Post("/broken", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_content(R"({"error": {"message": "down for maintenance"}})", "application/json");
    });
    svr().Post("/bad", [](const httplib::Request&, httplib::Response& res) {
      res.status = 422;
      res.set_content(R"({"error": "title is required"})", "application/json");
    });
    Start();
  }
  std::string last_body, last_auth;
};

Result<NodeResult> Call(HttpNode& node, const Json& data, const Json& scope) {
  CancelToken cancel;
  NodeContext ctx;
  ctx.execution_id = "ex_1";
  ctx.step_id = "notify";
  ctx.data = &data;
  ctx.scope = &scope;
  ctx.cancel = &cancel;
  return node.Execute(ctx);
}

TEST(HttpNode, PostsTheRenderedBodyToAnAllowedHost) {
  Server s;
  HttpNode node(std::make_shared<CurlHttpClient>(), {"127.0.0.1:" + std::to_string(s.port())});
  Json scope = {{"inputs", {{"title", "Spring"}}}, {"steps", {{"draft", {{"text", "Hello"}}}}}};
  Json data = {{"url", "http://127.0.0.1:" + std::to_string(s.port()) + "/hook"},
               {"headers", {{"Authorization", "Bearer {{inputs.title}}"}}},
               {"body", {{"title", "{{inputs.title}}"}, {"text", "{{steps.draft.text}}"}}}};
  auto r = Call(node, data, scope);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->output["status"], 200);
  EXPECT_EQ(r->output["json"]["id"], 7);
  EXPECT_EQ(Json::parse(s.last_body), (Json{{"title", "Spring"}, {"text", "Hello"}}));
  EXPECT_EQ(s.last_auth, "Bearer Spring");
}

TEST(HttpNode, RefusesHostsOffTheAllowListWithoutCalling) {
  Server s;
  HttpNode node(std::make_shared<CurlHttpClient>(), {"api.example.com"});
  Json data = {{"url", "http://127.0.0.1:" + std::to_string(s.port()) + "/hook"}, {"body", "x"}};
  auto r = Call(node, data, {{"inputs", Json::object()}, {"steps", Json::object()}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
  EXPECT_NE(r.error().message().find("allow-list"), std::string::npos);
  EXPECT_TRUE(s.last_body.empty());
  for (const char* url : {"file:///etc/passwd", "ftp://example.com/x", "http://user:pw@127.0.0.1/"}) {
    auto bad = Call(node, {{"url", url}}, {{"inputs", Json::object()}, {"steps", Json::object()}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code(), Code::kInvalidArgument) << url;
  }
}

TEST(HttpNode, ServerErrorsAreRetryableAndClientErrorsAreNot) {
  Server s;
  std::string base = "http://127.0.0.1:" + std::to_string(s.port());
  HttpNode node(std::make_shared<CurlHttpClient>(), {"127.0.0.1"});
  Json scope = {{"inputs", Json::object()}, {"steps", Json::object()}};
  auto down = Call(node, {{"url", base + "/broken"}, {"body", Json::object()}}, scope);
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code(), Code::kUnavailable);
  EXPECT_NE(down.error().message().find("maintenance"), std::string::npos);
  auto bad = Call(node, {{"url", base + "/bad"}, {"body", Json::object()}}, scope);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("title is required"), std::string::npos);
}

// ---- Redirects and where a request may go ----

Json NoScope() { return {{"inputs", Json::object()}, {"steps", Json::object()}}; }

std::string Allow(const testing::LoopbackServer& s) {
  return "127.0.0.1:" + std::to_string(s.port());
}

// A server whose every request is counted: the one a redirect must not reach.
class Target : public testing::LoopbackServer {
 public:
  Target() {
    auto count = [this](const httplib::Request& req, httplib::Response& res) {
      ++hits;
      last_method = req.method;
      last_body = req.body;
      last_auth = req.get_header_value("Authorization");
      res.set_content(R"({"where": "target", "secret": "iam-credentials"})", "application/json");
    };
    svr().Get(".*", count);
    svr().Post(".*", count);
    Start();
  }
  std::atomic<int> hits{0};
  std::string last_method, last_body, last_auth;
};

// A server that answers every request with `status` and Location `location`.
class Redirector : public testing::LoopbackServer {
 public:
  Redirector(std::string location, int status = 302) : location_(std::move(location)) {
    auto jump = [this, status](const httplib::Request&, httplib::Response& res) {
      ++hits;
      res.status = status;
      res.set_header("Location", location_);
    };
    svr().Get(".*", jump);
    svr().Post(".*", jump);
    Start();
  }
  std::atomic<int> hits{0};

 private:
  std::string location_;
};

// Names to addresses without DNS, counting lookups.
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

// Records what would be sent and answers 200, for checks that must not touch the network.
class RecordingClient : public HttpClient {
 public:
  Result<HttpResponse> Send(const HttpRequest& req, CancelToken&) override {
    sent.push_back(req);
    HttpResponse r;
    r.status = 200;
    r.body = "{}";
    return r;
  }
  std::vector<HttpRequest> sent;
};

// The reported attack: an allowed host answers 302 to a metadata-style address on loopback.
TEST(HttpNode, RedirectToAHostOffTheAllowListFailsAndIsNeverCalled) {
  Target b;
  Redirector a("http://127.0.0.1:" + std::to_string(b.port()) + "/latest/meta-data/iam");
  HttpNode node(std::make_shared<CurlHttpClient>(), {Allow(a)});
  for (const char* method : {"POST", "GET"}) {
    auto r = Call(node, {{"url", a.Url("/hook?token=abc")}, {"method", method}, {"body", "x"}},
                  NoScope());
    ASSERT_FALSE(r.has_value()) << method;
    EXPECT_EQ(r.error().code(), Code::kPermissionDenied) << r.error().ToString();
    const std::string& m = r.error().message();
    EXPECT_NE(m.find("redirect 1"), std::string::npos) << m;
    EXPECT_NE(m.find("'127.0.0.1:" + std::to_string(b.port()) + "'"), std::string::npos) << m;
    EXPECT_NE(m.find("allow-list"), std::string::npos) << m;
    EXPECT_EQ(m.find("token=abc"), std::string::npos) << m;
    EXPECT_EQ(m.find("iam-credentials"), std::string::npos) << m;
  }
  EXPECT_EQ(a.hits.load(), 2);
  EXPECT_EQ(b.hits.load(), 0);
}

TEST(HttpNode, RedirectToAnotherAllowedHostIsFollowedWithoutTheCredentials) {
  Target b;
  Redirector a("http://127.0.0.1:" + std::to_string(b.port()) + "/final");
  HttpNode node(std::make_shared<CurlHttpClient>(), {Allow(a), Allow(b)});
  auto r = Call(node,
                {{"url", a.Url("/hook")},
                 {"headers", {{"Authorization", "Bearer for-a-only"}}},
                 {"body", {{"k", 1}}}},
                NoScope());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->output["status"], 200);
  EXPECT_EQ(r->output["json"]["where"], "target");
  EXPECT_EQ(a.hits.load(), 1);
  EXPECT_EQ(b.hits.load(), 1);
  EXPECT_EQ(b.last_method, "GET");  // 302 after a POST continues as a GET, as curl would
  EXPECT_EQ(b.last_body, "");
  EXPECT_EQ(b.last_auth, "");  // another origin: Authorization stays with the first host
}

TEST(HttpNode, Redirect307RepeatsThePostAnd303SwitchesToGet) {
  Target b;
  const std::string to_b = "http://127.0.0.1:" + std::to_string(b.port()) + "/final";
  Redirector keep(to_b, 307);
  Redirector see_other(to_b, 303);
  HttpNode node(std::make_shared<CurlHttpClient>(), {Allow(keep), Allow(see_other), Allow(b)});
  auto r = Call(node, {{"url", keep.Url("/hook")}, {"body", {{"k", 1}}}}, NoScope());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(b.last_method, "POST");
  EXPECT_EQ(Json::parse(b.last_body), (Json{{"k", 1}}));
  r = Call(node, {{"url", see_other.Url("/hook")}, {"body", {{"k", 1}}}}, NoScope());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(b.last_method, "GET");
  EXPECT_EQ(b.last_body, "");
}

// /chain/N/I redirects (relative Location) to /chain/N/I+1 until I == N, which answers.
class Chain : public testing::LoopbackServer {
 public:
  Chain() {
    svr().Get(R"(/chain/(\d+)/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      int n = std::stoi(req.matches[1].str());
      int i = std::stoi(req.matches[2].str());
      ++hits;
      if (i < n) {
        res.status = 302;
        res.set_header("Location", std::to_string(i + 1));  // relative: same directory
      } else {
        ++finals;
        res.set_content(R"({"hops": )" + std::to_string(i) + "}", "application/json");
      }
    });
    Start();
  }
  std::atomic<int> hits{0}, finals{0};
};

TEST(HttpNode, FollowsAtMostFiveRedirects) {
  Chain c;
  HttpNode node(std::make_shared<CurlHttpClient>(), {Allow(c)});
  auto five = Call(node, {{"url", c.Url("/chain/5/0")}, {"method", "GET"}}, NoScope());
  ASSERT_TRUE(five.has_value()) << five.error().ToString();
  EXPECT_EQ(five->output["json"]["hops"], 5);
  EXPECT_EQ(c.hits.load(), 6);

  c.hits = 0;
  c.finals = 0;
  auto six = Call(node, {{"url", c.Url("/chain/6/0")}, {"method", "GET"}}, NoScope());
  ASSERT_FALSE(six.has_value());
  EXPECT_EQ(six.error().code(), Code::kInvalidArgument) << six.error().ToString();
  EXPECT_NE(six.error().message().find("more than 5 redirects"), std::string::npos)
      << six.error().message();
  EXPECT_EQ(c.hits.load(), 6);  // the 6th Location (to /chain/6/6) is not requested
  EXPECT_EQ(c.finals.load(), 0);
}

// timeout_ms bounds the whole chain, not each hop: two 300 ms hops do not fit in 500 ms.
TEST(HttpNode, TimeoutCoversAllHops) {
  testing::LoopbackServer s;
  s.svr().Get(R"(/slow/(\d))", [&](const httplib::Request& req, httplib::Response& res) {
    s.HandlerWait(300);
    if (req.matches[1].str() == "0") {
      res.status = 302;
      res.set_header("Location", "1");
    } else {
      res.set_content("{}", "application/json");
    }
  });
  s.Start();
  HttpNode node(std::make_shared<CurlHttpClient>(), {Allow(s)});
  auto r =
      Call(node, {{"url", s.Url("/slow/0")}, {"method", "GET"}, {"timeout_ms", 500}}, NoScope());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDeadlineExceeded) << r.error().ToString();
}

TEST(HttpNode, RelativeLocationsResolveAgainstTheHop) {
  testing::LoopbackServer s;
  std::string seen;
  s.svr().Get("/dir/hook", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "../other/data?x=1");
  });
  s.svr().Get("/other/data", [&](const httplib::Request& req, httplib::Response& res) {
    seen = req.get_param_value("x");
    res.set_content(R"({"found": true})", "application/json");
  });
  s.Start();
  HttpNode node(std::make_shared<CurlHttpClient>(), {Allow(s)});
  auto r = Call(node, {{"url", s.Url("/dir/hook")}, {"method", "GET"}}, NoScope());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->output["json"]["found"], true);
  EXPECT_EQ(seen, "1");

  Chain c;  // bare relative names: /chain/2/0 -> 1 -> 2
  HttpNode chain_node(std::make_shared<CurlHttpClient>(), {Allow(c)});
  auto ok = Call(chain_node, {{"url", c.Url("/chain/2/0")}, {"method", "GET"}}, NoScope());
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->output["json"]["hops"], 2);
}

TEST(HttpNode, RedirectsToOtherSchemesAreRefused) {
  Target b;
  const std::string b_port = std::to_string(b.port());
  for (const std::string& loc :
       std::vector<std::string>{"file:///etc/passwd", "gopher://127.0.0.1:" + b_port + "/_GET",
                                "ftp://127.0.0.1:" + b_port + "/x", "dict://127.0.0.1:" + b_port}) {
    Redirector a(loc);
    HttpNode node(std::make_shared<CurlHttpClient>(), {Allow(a), Allow(b)});
    auto r = Call(node, {{"url", a.Url("/hook")}, {"method", "GET"}}, NoScope());
    ASSERT_FALSE(r.has_value()) << loc;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << r.error().ToString();
    const std::string& m = r.error().message();
    EXPECT_NE(m.find("redirect 1"), std::string::npos) << m;
    EXPECT_NE(m.find("only http and https"), std::string::npos) << m;
    EXPECT_EQ(a.hits.load(), 1);
  }
  EXPECT_EQ(b.hits.load(), 0);
}

// The name is resolved once, by the node, and the connection goes to that address: "hooks.test"
// exists in no DNS, so the request can only arrive if the client used the pinned address.
TEST(HttpNode, ConnectsToTheAddressItChecked) {
  Server s;
  auto resolver = std::make_shared<FakeResolver>(
      std::map<std::string, std::vector<std::string>>{{"hooks.test", {"127.0.0.1"}}});
  // 127.0.0.1 is loopback: a name may lead there only because the list names it too.
  HttpNode node(std::make_shared<CurlHttpClient>(), {"hooks.test", Allow(s)}, resolver);
  auto r = Call(node,
                {{"url", "http://hooks.test:" + std::to_string(s.port()) + "/hook"}, {"body", "x"}},
                NoScope());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->output["json"]["id"], 7);
  EXPECT_EQ(s.last_body, "x");
  EXPECT_EQ(resolver->lookups["hooks.test"], 1);

  RecordingClient rec;
  auto shared = std::shared_ptr<HttpClient>(&rec, [](HttpClient*) {});
  auto two = std::make_shared<FakeResolver>(std::map<std::string, std::vector<std::string>>{
      {"hooks.test", {"192.0.2.10", "2001:db8::10"}}});
  HttpNode pinned(shared, {"hooks.test"}, two);
  ASSERT_TRUE(Call(pinned, {{"url", "https://hooks.test/x"}}, NoScope()).has_value());
  ASSERT_EQ(rec.sent.size(), 1u);
  ASSERT_TRUE(rec.sent[0].pin.has_value());
  EXPECT_EQ(rec.sent[0].pin->host, "hooks.test");
  EXPECT_EQ(rec.sent[0].pin->port, 443);
  EXPECT_EQ(rec.sent[0].pin->addresses, (std::vector<std::string>{"192.0.2.10", "2001:db8::10"}));
  EXPECT_FALSE(rec.sent[0].follow_redirects);
}

// DNS rebinding and names pointed at the metadata service: an allowed name leading to loopback,
// link-local or metadata addresses is refused unless the list names the address itself.
TEST(HttpNode, AnAllowedNameMayNotLeadToInternalAddresses) {
  Server s;
  auto resolver = std::make_shared<FakeResolver>(std::map<std::string, std::vector<std::string>>{
      {"evil.test", {"127.0.0.1"}},
      {"metadata.test", {"169.254.169.254", "fd00:ec2::254"}},
      {"mixed.test", {"127.0.0.1", "192.0.2.10"}}});
  HttpNode node(std::make_shared<CurlHttpClient>(), {"evil.test", "metadata.test", "mixed.test"},
                resolver);
  auto evil =
      Call(node, {{"url", "http://evil.test:" + std::to_string(s.port()) + "/hook"}, {"body", "x"}},
           NoScope());
  ASSERT_FALSE(evil.has_value());
  EXPECT_EQ(evil.error().code(), Code::kPermissionDenied) << evil.error().ToString();
  EXPECT_NE(evil.error().message().find("127.0.0.1 (loopback)"), std::string::npos)
      << evil.error().message();
  EXPECT_NE(evil.error().message().find("\"127.0.0.1:" + std::to_string(s.port()) + "\""),
            std::string::npos)
      << evil.error().message();  // tells the operator what to list if they mean it
  EXPECT_TRUE(s.last_body.empty());

  auto meta = Call(node, {{"url", "http://metadata.test/latest/meta-data/"}}, NoScope());
  ASSERT_FALSE(meta.has_value());
  EXPECT_EQ(meta.error().code(), Code::kPermissionDenied);
  EXPECT_NE(meta.error().message().find("169.254.169.254 (link-local)"), std::string::npos)
      << meta.error().message();
  EXPECT_NE(meta.error().message().find("fd00:ec2::254 (cloud metadata)"), std::string::npos)
      << meta.error().message();

  // Of a mixed answer only the ordinary address is kept and pinned.
  RecordingClient rec;
  HttpNode recorded(std::shared_ptr<HttpClient>(&rec, [](HttpClient*) {}), {"mixed.test"},
                    resolver);
  ASSERT_TRUE(Call(recorded, {{"url", "http://mixed.test/x"}}, NoScope()).has_value());
  ASSERT_EQ(rec.sent.size(), 1u);
  EXPECT_EQ(rec.sent[0].pin->addresses, (std::vector<std::string>{"192.0.2.10"}));

  // The same holds for a redirect's host.
  Redirector a("http://evil.test:" + std::to_string(s.port()) + "/hook");
  HttpNode via(std::make_shared<CurlHttpClient>(), {Allow(a), "evil.test"}, resolver);
  auto hop = Call(via, {{"url", a.Url("/start")}, {"body", "x"}}, NoScope());
  ASSERT_FALSE(hop.has_value());
  EXPECT_EQ(hop.error().code(), Code::kPermissionDenied);
  EXPECT_NE(hop.error().message().find("redirect 1"), std::string::npos) << hop.error().message();
  EXPECT_TRUE(s.last_body.empty());
}

TEST(HttpNode, AllowListEntriesMatchHostAndPortExactly) {
  RecordingClient rec;
  auto shared = std::shared_ptr<HttpClient>(&rec, [](HttpClient*) {});
  auto resolver = std::make_shared<FakeResolver>(std::map<std::string, std::vector<std::string>>{
      {"a.test", {"192.0.2.1"}}, {"b.test", {"192.0.2.2"}}});
  HttpNode node(shared, {"a.test", "B.test:8080", "[2001:db8::5]:443", "c.test:80x"}, resolver);
  auto ok = [&](const std::string& url) {
    return Call(node, {{"url", url}}, NoScope()).has_value();
  };
  EXPECT_TRUE(ok("http://a.test/"));
  EXPECT_TRUE(ok("http://A.TEST:9999/"));
  EXPECT_TRUE(ok("http://b.test:8080/"));
  EXPECT_FALSE(ok("http://b.test/"));
  EXPECT_TRUE(ok("https://[2001:db8:0::5]/"));
  EXPECT_FALSE(ok("http://[2001:db8::5]/"));
  EXPECT_FALSE(ok("http://c.test:80/"));  // a malformed port allows nothing, not every port
  EXPECT_FALSE(ok("http://a.test.evil.example/"));
  EXPECT_FALSE(ok("http://a.test@evil.example/"));
}

}  // namespace
}  // namespace atelier
