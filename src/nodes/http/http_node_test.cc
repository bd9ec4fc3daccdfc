#include "nodes/http/http_node.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "providers/http/curl_http_client.h"
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

}  // namespace
}  // namespace atelier
