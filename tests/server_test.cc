// The HTTP API over real SQLite on loopback: auth and roles, workspace isolation, the error shape
// and limits, every route, Idempotency-Key, the OpenAPI document, and the graceful shutdown of the
// real binary. The event streams: server_streams_test.cc.
#include "atelier/server/server.h"

#include <httplib.h>
#include <signal.h>

#include <cctype>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/server/api_keys.h"
#include "tests/server_fixture.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// Text and an image attached into a document, then a person's approval.
const char* kReviewed = R"({
  "name": "Reviewed doc",
  "category": "docs",
  "inputs": {"topic": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "text", "type": "generate_text", "data": {"prompt": "About {{inputs.topic}}"}},
    {"id": "pic", "type": "generate_image", "data": {"prompt": "{{inputs.topic}}", "size": "32x32"}},
    {"id": "doc", "type": "attach", "data": {"document": "{{steps.text.text}}",
        "images": "{{steps.pic.images}}", "title": "On {{inputs.topic}}"}},
    {"id": "review", "type": "approval", "data": {"message": "Publish?"}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "text"}, {"id": "2", "source": "start", "target": "pic"},
    {"id": "3", "source": "text", "target": "doc"}, {"id": "4", "source": "pic", "target": "doc"},
    {"id": "5", "source": "doc", "target": "review"}, {"id": "6", "source": "review", "target": "done"}
  ]})";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---- plumbing ----------------------------------------------------------------------------------

TEST_F(ServerTest, OpenApiDocumentNamesEveryRouteAndNothingElse) {
  Resp r = Get("/api/v1/openapi.json", "");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["openapi"], "3.1.0");
  const Json& paths = r.body["paths"];
  size_t operations = 0;
  for (const auto& route : ApiRoutes()) {
    ASSERT_TRUE(paths.contains(route.pattern)) << route.pattern;
    EXPECT_TRUE(paths[route.pattern].contains(Lower(route.method)))
        << route.method << " " << route.pattern;
  }
  for (const auto& [path, ops] : paths.items()) operations += ops.size();
  EXPECT_EQ(operations, ApiRoutes().size());
}

TEST_F(ServerTest, EveryApiRouteNeedsAKey) {
  for (const auto& route : ApiRoutes()) {
    if (!route.auth) continue;
    std::string path = route.pattern;
    for (auto p = path.find('{'); p != std::string::npos; p = path.find('{'))
      path.replace(p, path.find('}', p) - p + 1, "x1");
    if (path.find("/stream") != std::string::npos) continue;  // checked below
    Resp r = Call(route.method, path, "");
    EXPECT_EQ(r.status, 401) << route.method << " " << path << " " << r.raw;
    EXPECT_EQ(r.code(), "unauthenticated");
    Resp bad = Call(route.method, path, "atl_0000000000000000000000000000000000000000");
    EXPECT_EQ(bad.status, 401) << route.method << " " << path;
  }
  EXPECT_EQ(Get("/api/v1/events/stream", "").status, 401);
  Resp malformed = Call("GET", "/api/v1/templates", "", "", {{"Authorization", "Basic abc"}});
  EXPECT_EQ(malformed.status, 401);
  EXPECT_EQ(Get("/healthz", "").status, 200);
  EXPECT_EQ(Get("/readyz", "").status, 200);
}

TEST_F(ServerTest, RoleMatrixAnswers403NamingTheRoleNeeded) {
  const std::vector<std::string> roles = {"viewer", "editor", "admin"};
  for (const auto& route : ApiRoutes()) {
    if (!route.auth || route.pattern.find("/stream") != std::string::npos) continue;
    std::string path = route.pattern;
    for (auto p = path.find('{'); p != std::string::npos; p = path.find('{'))
      path.replace(p, path.find('}', p) - p + 1, "missing1");
    for (size_t i = 0; i < roles.size(); ++i) {
      // A request the handler refuses (unknown field) so that nothing changes either way.
      std::string body = route.method == "GET" ? "" : R"({"zzz_unknown": 1})";
      Resp r = Call(route.method, path, Key(roles[i]), body);
      int needed = static_cast<int>(route.role) - 1;
      if (static_cast<int>(i) < needed) {
        EXPECT_EQ(r.status, 403) << route.method << " " << path << " as " << roles[i];
        EXPECT_EQ(r.code(), "forbidden");
        EXPECT_EQ(r.message(), std::string("this requires the ") + RoleName(route.role) +
                                   " role; your key has " + roles[i]);
      } else {
        EXPECT_NE(r.status, 403) << route.method << " " << path << " as " << roles[i];
        EXPECT_NE(r.status, 401) << route.method << " " << path << " as " << roles[i];
      }
    }
  }
}

TEST_F(ServerTest, BadInputAnswersTheRight4xxAndChangesNothing) {
  std::string tid = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  // Malformed JSON, with where it broke.
  Resp r = Call("POST", "/api/v1/executions", editor(), "{\"template_id\": ");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "invalid_argument");
  EXPECT_NE(r.message().find("line"), std::string::npos) << r.raw;
  // Unknown field.
  r = Post("/api/v1/executions", editor(), {{"template_id", tid}, {"input", Json::object()}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["details"]["field"], "input");
  // Wrong type.
  r = Post("/api/v1/executions", editor(), {{"template_id", 7}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["details"]["field"], "template_id");
  EXPECT_NE(r.message().find("must be a string"), std::string::npos) << r.raw;
  // An input of the wrong type and a missing required one, each named.
  r = Post("/api/v1/executions", editor(),
           {{"template_id", tid}, {"inputs", {{"hashtags", "many"}}}});
  EXPECT_EQ(r.status, 400) << r.raw;
  std::set<std::string> fields;
  for (const auto& e : r.body["error"]["details"]["errors"]) fields.insert(e["field"]);
  EXPECT_TRUE(fields.count("inputs.product")) << r.raw;
  EXPECT_TRUE(fields.count("inputs.hashtags")) << r.raw;
  // Not an object.
  r = Call("POST", "/api/v1/executions", editor(), "[1, 2]");
  EXPECT_EQ(r.status, 400);
  // Oversized body.
  std::string big = "{\"inputs\": {\"product\": \"" + std::string(2 << 20, 'x') + "\"}}";
  r = Call("POST", "/api/v1/executions", editor(), big);
  EXPECT_EQ(r.status, 413) << r.raw.substr(0, 200);
  EXPECT_EQ(r.code(), "payload_too_large");
  // Unknown route, wrong method.
  r = Get("/api/v1/nothing/here", viewer());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.code(), "not_found");
  r = Call("DELETE", "/api/v1/executions", editor());
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.code(), "method_not_allowed");
  EXPECT_NE(r.header("Allow").find("POST"), std::string::npos);
  EXPECT_NE(r.header("Allow").find("GET"), std::string::npos);
  // A bad id, a bad query parameter.
  r = Get("/api/v1/executions/ex%20bad", viewer());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["details"]["field"], "id");
  r = Get("/api/v1/executions?status=sleepy", viewer());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["details"]["field"], "status");
  r = Get("/api/v1/executions?limit=abc", viewer());
  EXPECT_EQ(r.status, 400);
  // Bytes that are not UTF-8, in the path and in a body.
  r = Get("/api/v1/%FF%FE", viewer());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.code(), "not_found");
  r = Call("POST", "/api/v1/executions", editor(), "{\"template_id\": \"\xff\xfe\"}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "invalid_argument");
  // None of it launched anything.
  r = Get("/api/v1/executions", viewer());
  EXPECT_EQ(r.body["items"].size(), 0u) << r.raw;
  // The error shape everywhere.
  EXPECT_TRUE(r.body.is_object());
}

TEST_F(ServerTest, OversizedBodyLimitIsConfigurable) {
  server_.reset();
  app_.reset();
  StartServer(64);
  Resp r = Call("POST", "/api/v1/templates/validate", viewer(), std::string(100, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.code(), "payload_too_large");
  r = Call("POST", "/api/v1/templates/validate", viewer(), "{}");
  EXPECT_EQ(r.status, 200);
}

TEST_F(ServerTest, RequestIdsAreEchoedAndRequestsLoggedAsJson) {
  Resp r = Call("GET", "/healthz", "", "", {{"X-Request-Id", "trace-42"}});
  EXPECT_EQ(r.header("X-Request-Id"), "trace-42");
  Resp g = Get("/api/v1/templates", viewer());
  EXPECT_EQ(g.header("X-Request-Id").rfind("req_", 0), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::lock_guard<std::mutex> l(log_mu_);
  bool found = false;
  for (const auto& line : logs_) {
    Json j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    if (j.value("request_id", "") != "trace-42") continue;
    found = true;
    for (const char* k : {"ts", "level", "msg", "method", "path", "status", "duration_ms"})
      EXPECT_TRUE(j.contains(k)) << k << " in " << line;
    EXPECT_EQ(j["path"], "/healthz");
    EXPECT_EQ(j["status"], 200);
  }
  EXPECT_TRUE(found);
}

// ---- templates ---------------------------------------------------------------------------------

TEST_F(ServerTest, TemplatesCreateListUpdateCloneDelete) {
  std::string tid = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  std::string other = CreateTemplate(UserTemplateFile("templates/blog_article.json"));
  ASSERT_FALSE(tid.empty());
  // The same name again is a conflict.
  Resp r = Call("POST", "/api/v1/templates", editor(),
                UserTemplateFile("templates/instagram_post.json"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"]["details"]["template_id"], tid);
  // An invalid template answers every error.
  r = Call("POST", "/api/v1/templates", editor(),
           R"({"name": "Bad", "nodes": [{"id": "start", "type": "start"},
               {"id": "x", "type": "generate_txt"}], "edges": []})");
  EXPECT_EQ(r.status, 400);
  EXPECT_GE(r.body["error"]["details"]["errors"].size(), 1u);
  // List (the built-ins too), filter by category, search by name.
  const size_t builtins = Get("/api/v1/templates?limit=1000", viewer()).body["items"].size() - 2;
  EXPECT_GE(builtins, 8u);
  r = Get("/api/v1/templates?category=social_media", viewer());
  ASSERT_EQ(r.body["items"].size(), 2u);  // the built-in "Instagram post" and "My Instagram post"
  EXPECT_EQ(r.body["items"][1]["id"], tid);
  EXPECT_EQ(r.body["items"][1]["builtin"], false);
  r = Get("/api/v1/templates?q=MY%20BLOG", viewer());
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["id"], other);
  r = Get("/api/v1/templates?limit=1", viewer());
  ASSERT_EQ(r.body["items"].size(), 1u);
  ASSERT_TRUE(r.body["next_cursor"].is_string());
  Resp page2 =
      Get("/api/v1/templates?limit=1&cursor=" + r.body["next_cursor"].get<std::string>(), viewer());
  ASSERT_EQ(page2.body["items"].size(), 1u);
  EXPECT_NE(page2.body["items"][0]["id"], r.body["items"][0]["id"]);
  // Categories: those of the built-ins, these two counted in theirs.
  r = Get("/api/v1/templates/categories", viewer());
  bool counted = false;
  for (const auto& c : r.body["items"])
    if (c["category"] == "social_media") counted = c["count"] == 2;
  EXPECT_TRUE(counted) << r.raw;
  // Get; update makes version 2; versions lists both.
  r = Get("/api/v1/templates/" + tid, viewer());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["version"], 1);
  Json def = Json::parse(UserTemplateFile("templates/instagram_post.json"));
  def["description"] = "changed";
  r = Call("PUT", "/api/v1/templates/" + tid, editor(), def.dump());
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["version"], 2);
  def["name"] = "Renamed";
  r = Call("PUT", "/api/v1/templates/" + tid, editor(), def.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["details"]["field"], "name");
  r = Get("/api/v1/templates/" + tid + "/versions", viewer());
  EXPECT_EQ(r.body["items"].size(), 2u);
  r = Get("/api/v1/templates/" + tid + "?version=1", viewer());
  EXPECT_EQ(r.body["version"], 1);
  // Clone.
  r = Post("/api/v1/templates/" + tid + "/clone", editor(), {{"name", "Copy"}});
  EXPECT_EQ(r.status, 201) << r.raw;
  EXPECT_NE(r.body["id"], tid);
  EXPECT_EQ(r.body["name"], "Copy");
  r = Post("/api/v1/templates/" + tid + "/clone", editor(), {{"name", "Copy"}});
  EXPECT_EQ(r.status, 409);
  // Validate.
  r = Call("POST", "/api/v1/templates/validate", viewer(),
           R"({"name": "Bad", "nodes": [{"id": "start", "type": "start"},
               {"id": "y", "type": "generate_text", "data": {"prompt": "{{inputs.nope}}"}}],
               "edges": [{"id": "e", "source": "start", "target": "ghost"}]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["valid"], false);
  EXPECT_GE(r.body["errors"].size(), 2u) << r.raw;
  EXPECT_NE(r.body["errors"][0].value("where", ""), "");
  r = Call("POST", "/api/v1/templates/validate", viewer(),
           TemplateFile("templates/instagram_post.json"));
  EXPECT_EQ(r.body["valid"], true);
  // Delete.
  r = Call("DELETE", "/api/v1/templates/" + other, editor());
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(Get("/api/v1/templates/" + other, viewer()).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/templates/" + other, editor()).status, 404);
}

// ---- executions --------------------------------------------------------------------------------

TEST_F(ServerTest, LaunchRunsToCompletionAndExposesEverything) {
  std::string tid = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  std::string id = Launch(tid, {{"product", "oat milk"}});
  ASSERT_EQ(WaitFor(id, {"completed", "failed"}), "completed");
  Resp r = Get("/api/v1/executions/" + id, viewer());
  EXPECT_EQ(r.body["progress"]["percent"], 100.0);
  EXPECT_EQ(r.body["stage"], "stage " + std::to_string(r.body["progress"]["stages"].get<int>()) +
                                 " of " + std::to_string(r.body["progress"]["stages"].get<int>()));
  EXPECT_TRUE(r.body["totals"].contains("input_tokens"));
  r = Get("/api/v1/executions/" + id + "/steps", viewer());
  EXPECT_GE(r.body["items"].size(), 3u);
  r = Get("/api/v1/executions/" + id + "/events", viewer());
  EXPECT_EQ(r.body["items"].size(), LogOf(id).size());
  r = Get("/api/v1/executions/" + id + "/events?after=2&limit=1", viewer());
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["seq"], 3);
  // Listing with filters and cursor pagination.
  std::string id2 = Launch(tid, {{"product", "tea"}});
  WaitFor(id2, {"completed"});
  r = Get("/api/v1/executions?limit=1", viewer());
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["id"], id2);
  Resp next = Get("/api/v1/executions?limit=1&cursor=" + r.body["next_cursor"].get<std::string>(),
                  viewer());
  ASSERT_EQ(next.body["items"].size(), 1u) << next.raw;
  EXPECT_EQ(next.body["items"][0]["id"], id);
  EXPECT_TRUE(next.body["next_cursor"].is_null());
  EXPECT_EQ(
      Get("/api/v1/executions?status=completed&template_id=" + tid, viewer()).body["items"].size(),
      2u);
  EXPECT_EQ(Get("/api/v1/executions?status=failed", viewer()).body["items"].size(), 0u);
  EXPECT_EQ(
      Get("/api/v1/executions?created_after=2999-01-01T00:00:00Z", viewer()).body["items"].size(),
      0u);
  EXPECT_EQ(
      Get("/api/v1/executions?created_before=2999-01-01T00:00:00Z", viewer()).body["items"].size(),
      2u);
  // Artifacts: by execution, kind; download with type and length.
  r = Get("/api/v1/executions/" + id + "/artifacts", viewer());
  ASSERT_GE(r.body["items"].size(), 2u) << r.raw;
  r = Get("/api/v1/artifacts?execution_id=" + id + "&kind=image", viewer());
  ASSERT_EQ(r.body["items"].size(), 1u) << r.raw;
  Json art = r.body["items"][0];
  EXPECT_EQ(Get("/api/v1/artifacts?kind=image&step=image", viewer()).body["items"].size(), 2u);
  EXPECT_EQ(
      Get("/api/v1/artifacts?created_after=2999-01-01T00:00:00Z", viewer()).body["items"].size(),
      0u);
  r = Get("/api/v1/artifacts/" + art["id"].get<std::string>(), viewer());
  EXPECT_EQ(r.body["sha256"], art["sha256"]);
  r = Get("/api/v1/artifacts/" + art["id"].get<std::string>() + "/content", viewer());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "image/png");
  EXPECT_EQ(r.header("Content-Length"), std::to_string(art["size"].get<int64_t>()));
  EXPECT_EQ(r.raw.size(), art["size"].get<size_t>());
  EXPECT_EQ(r.raw.substr(1, 3), "PNG");
  EXPECT_EQ(Get("/api/v1/artifacts/art_missing/content", viewer()).status, 404);
  // A refused state change names the current state.
  r = Post("/api/v1/executions/" + id + "/pause", editor());
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code(), "conflict");
  EXPECT_NE(r.message().find("completed"), std::string::npos) << r.raw;
  // Regenerate a generative step, list its versions, revert.
  r = Post("/api/v1/executions/" + id + "/steps/caption/regenerate", editor());
  EXPECT_EQ(r.status, 200) << r.raw;
  WaitFor(id, {"completed"});
  r = Get("/api/v1/executions/" + id + "/steps/caption/versions", viewer());
  EXPECT_EQ(r.body["items"].size(), 2u) << r.raw;
  r = Post("/api/v1/executions/" + id + "/steps/caption/revert", editor(), {{"version", 1}});
  EXPECT_EQ(r.status, 200) << r.raw;
  WaitFor(id, {"completed"});
  EXPECT_EQ(
      Get("/api/v1/executions/" + id + "/steps/caption/versions", viewer()).body["items"].size(),
      3u);
  r = Post("/api/v1/executions/" + id + "/steps/caption/revert", editor(), {{"version", 99}});
  EXPECT_EQ(r.status, 404) << r.raw;
  r = Post("/api/v1/executions/" + id + "/steps/caption/tweak", editor(),
           {{"instruction", "shorter"}});
  EXPECT_EQ(r.status, 200) << r.raw;
  WaitFor(id, {"completed"});
  EXPECT_EQ(Get("/api/v1/executions/" + id + "/steps/nope/versions", viewer()).status, 404);
  // Metrics saw the steps.
  Resp m = Get("/metrics", "");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.raw.find("atelier_executions{status=\"completed\"} 2"), std::string::npos) << m.raw;
  EXPECT_NE(m.raw.find("atelier_step_duration_seconds_count"), std::string::npos);
  EXPECT_NE(m.raw.find("atelier_provider_calls_total{provider=\"offline\"}"), std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("atelier_queue_depth 0"), std::string::npos);
}

TEST_F(ServerTest, StepsCarryTheLabelsAPersonGaveThem) {
  std::string tid = CreateTemplate(R"({"name": "Labelled", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "outline", "type": "generate_text", "data": {"label": "Write the outline", "prompt": "x"}},
      {"id": "sections", "type": "map", "data": {"label": "Sections", "items": ["a", "b"],
        "node": {"type": "generate_text", "data": {"prompt": "{{item}}"}}}},
      {"id": "plain", "type": "transform", "data": {"output": {"v": 1}}}],
    "edges": [{"id": "1", "source": "start", "target": "outline"},
              {"id": "2", "source": "outline", "target": "sections"},
              {"id": "3", "source": "sections", "target": "plain"}]})");
  std::string id = Launch(tid, Json::object());
  ASSERT_EQ(WaitFor(id, {"completed"}), "completed");
  Resp r = Get("/api/v1/executions/" + id + "/steps", viewer());
  ASSERT_EQ(r.status, 200) << r.raw;
  std::map<std::string, std::string> labels;
  for (const auto& st : r.body["items"]) labels[st["id"]] = st.value("label", "?");
  EXPECT_EQ(labels["outline"], "Write the outline");
  EXPECT_EQ(labels["sections"], "Sections");
  EXPECT_EQ(labels["sections[0]"], "Sections #1");
  EXPECT_EQ(labels["sections[1]"], "Sections #2");
  EXPECT_EQ(labels["plain"], "plain");
}

// Seeds 002/003 over HTTP: one map item is regenerated, tweaked and reverted by its step id
// (brackets percent-encoded or not); a failed item is retried while a later gate waits.
TEST_F(ServerTest, OneMapItemIsControlledAsItsOwnStep) {
  std::string tid = CreateTemplate(R"({"name": "Items", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "sections", "type": "map", "data": {"items": ["a", "b"], "on_item_error": "continue",
        "node": {"type": "generate_text", "data": {"prompt": "{{item}}", "fail_first": "{{index}}",
                 "retry": {"max_attempts": 1, "backoff_ms": 1}}}}},
      {"id": "gate", "type": "approval", "data": {"message": "{{steps.sections.failed}} failed"}},
      {"id": "done", "type": "end"}],
    "edges": [{"id": "1", "source": "start", "target": "sections"},
              {"id": "2", "source": "sections", "target": "gate"},
              {"id": "3", "source": "gate", "target": "done"}]})");
  std::string id = Launch(tid, Json::object());
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");
  const std::string steps = "/api/v1/executions/" + id + "/steps/";
  Resp r = Post(steps + "sections%5B1%5D/retry", editor());
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");
  r = Get("/api/v1/executions/" + id + "/steps", viewer());
  std::map<std::string, Json> by_id;
  for (const auto& st : r.body["items"]) by_id[st["id"]] = st;
  EXPECT_EQ(by_id["sections[1]"]["status"], "succeeded") << r.raw;
  EXPECT_EQ(by_id["gate"]["status"], "waiting");
  // Nothing failed is left: retrying the map again is refused, saying why.
  r = Post(steps + "sections/retry", editor());
  EXPECT_EQ(r.status, 409) << r.raw;
  EXPECT_NE(r.message().find("no failed or cancelled items"), std::string::npos) << r.raw;
  // A succeeded item: tweak, versions, revert.
  r = Post(steps + "sections[0]/tweak", editor(), {{"instruction", "shorter"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");
  r = Get(steps + "sections%5B0%5D/versions", viewer());
  ASSERT_EQ(r.body["items"].size(), 2u) << r.raw;
  r = Post(steps + "sections%5B0%5D/revert", editor(), {{"version", 1}});
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");
  r = Get("/api/v1/executions/" + id + "/steps", viewer());
  for (const auto& st : r.body["items"]) by_id[st["id"]] = st;
  EXPECT_EQ(by_id["sections[0]"]["version"], 3) << r.raw;
  EXPECT_EQ(by_id["sections"]["status"], "succeeded");
  r = Post(steps + "gate/retry", editor());
  EXPECT_EQ(r.status, 409) << r.raw;
  r = Post(steps + "gate/approve", editor());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(WaitFor(id, {"completed"}), "completed");
}

TEST_F(ServerTest, MetricsCountProviderErrorsByProvider) {
  std::string tid = CreateTemplate(R"({"name": "Flaky", "nodes": [{"id": "start", "type": "start"},
    {"id": "t", "type": "generate_text", "data": {"prompt": "hi", "fail_first": 1,
      "retry": {"max_attempts": 2, "backoff_ms": 1}}}],
    "edges": [{"id": "1", "source": "start", "target": "t"}]})");
  Resp r = Post("/api/v1/executions", editor(), {{"template_id", tid}, {"inputs", Json::object()}});
  ASSERT_EQ(r.status, 201) << r.raw;
  WaitFor(r.body["id"], {"completed"});
  Resp m = Get("/metrics", "");
  EXPECT_NE(m.raw.find("atelier_provider_errors_total{provider=\"offline\"} 1"), std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("atelier_provider_calls_total{provider=\"offline\"} 1"), std::string::npos)
      << m.raw;
}

TEST_F(ServerTest, IdempotencyKeyReturnsTheSameExecution) {
  std::string tid = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  Json body = {{"template_id", tid}, {"inputs", {{"product", "soap"}}}};
  Resp a = Call("POST", "/api/v1/executions", editor(), body.dump(), {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(a.status, 201) << a.raw;
  Resp b = Call("POST", "/api/v1/executions", editor(), body.dump(), {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(b.status, 200) << b.raw;
  EXPECT_EQ(b.body["id"], a.body["id"]);
  body["inputs"]["product"] = "shampoo";
  Resp c = Call("POST", "/api/v1/executions", editor(), body.dump(), {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(c.status, 422) << c.raw;
  EXPECT_EQ(c.code(), "idempotency_key_reused");
  // Another workspace has its own keys.
  std::string tid2 =
      CreateTemplate(UserTemplateFile("templates/instagram_post.json"), Key("editor", "other"));
  Json body2 = {{"template_id", tid2}, {"inputs", {{"product", "soap"}}}};
  Resp d = Call("POST", "/api/v1/executions", Key("editor", "other"), body2.dump(),
                {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(d.status, 201) << d.raw;
  EXPECT_EQ(Get("/api/v1/executions", viewer()).body["items"].size(), 1u);
  WaitFor(a.body["id"], {"completed"});
  WaitFor(d.body["id"], {"completed"}, "other");
}

TEST_F(ServerTest, ConcurrentRetriesWithOneKeyMakeOneExecution) {
  std::string tid = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  Json body = {{"template_id", tid}, {"inputs", {{"product", "soap"}}}};
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ids.size(); ++i)
    threads.emplace_back([&, i] {
      Resp r =
          Call("POST", "/api/v1/executions", editor(), body.dump(), {{"Idempotency-Key", "same"}});
      ids[i] = r.body.value("id", "");
    });
  for (auto& t : threads) t.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(Get("/api/v1/executions", viewer()).body["items"].size(), 1u);
  WaitFor(ids[0], {"completed"});
}

TEST(ServerOptions, ListenAddresses) {
  std::string host;
  int port = -1;
  EXPECT_TRUE(ParseListenAddress("127.0.0.1:8080", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  EXPECT_TRUE(ParseListenAddress(":0", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  EXPECT_TRUE(ParseListenAddress("[::1]:9000", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(ParseListenAddress("localhost", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("h:70000", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("h:8o", &host, &port).ok());
}

TEST_F(ServerTest, PauseResumeStopRetry) {
  std::string tid = CreateTemplate(kSlowChain);
  std::string id = Launch(tid, {{"topic", "x"}});
  Resp r = Post("/api/v1/executions/" + id + "/pause", editor());
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(WaitFor(id, {"paused"}), "paused");
  r = Post("/api/v1/executions/" + id + "/resume", editor());
  EXPECT_EQ(r.status, 200) << r.raw;
  r = Post("/api/v1/executions/" + id + "/stop", editor());
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(WaitFor(id, {"stopped"}), "stopped");
  r = Post("/api/v1/executions/" + id + "/pause", editor());
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code(), "conflict");
  EXPECT_NE(r.message().find("stopped"), std::string::npos) << r.raw;
  r = Post("/api/v1/executions/" + id + "/retry", editor());
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(WaitFor(id, {"completed"}), "completed");
  r = Post("/api/v1/executions/" + id + "/resume", editor(), {{"force", true}});
  EXPECT_EQ(r.status, 400);
}

TEST_F(ServerTest, ApprovalsAndDocuments) {
  std::string tid = CreateTemplate(kReviewed);
  std::string a = Launch(tid, {{"topic", "otters"}});
  std::string b = Launch(tid, {{"topic", "seals"}});
  ASSERT_EQ(WaitFor(a, {"waiting", "failed"}), "waiting");
  ASSERT_EQ(WaitFor(b, {"waiting", "failed"}), "waiting");
  Resp r = Get("/api/v1/executions/" + a + "/documents", viewer());
  ASSERT_EQ(r.body["items"].size(), 1u) << r.raw;
  const Json& doc = r.body["items"][0];
  EXPECT_EQ(doc["step"], "doc");
  EXPECT_EQ(doc["title"], "On otters");
  EXPECT_EQ(doc["images"].size(), 1u);
  EXPECT_EQ(doc["primary_index"], 0);
  EXPECT_EQ(doc["primary_image"], doc["images"][0]) << r.raw;
  EXPECT_EQ(Post("/api/v1/executions/" + a + "/steps/doc/approve", editor()).status, 409);
  r = Post("/api/v1/executions/" + a + "/steps/review/approve", editor(), {{"comment", "ok"}});
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(WaitFor(a, {"completed", "failed"}), "completed");
  r = Post("/api/v1/executions/" + b + "/steps/review/reject", editor());
  EXPECT_EQ(r.status, 200) << r.raw;
  WaitFor(b, {"completed", "failed"});
  r = Post("/api/v1/executions/" + b + "/steps/review/approve", editor());
  EXPECT_EQ(r.status, 409) << r.raw;
}

// Status GETs are kept between commits (StatusCache); a GET after a successful POST still sees
// what that POST committed.
TEST_F(ServerTest, AStatusReadAfterADecisionShowsTheDecision) {
  std::string tid = CreateTemplate(kReviewed);
  std::string a = Launch(tid, {{"topic", "otters"}});
  ASSERT_EQ(WaitFor(a, {"waiting", "failed"}), "waiting");
  const Json waiting = Json::array({"review"});
  for (int i = 0; i < 3; ++i) {
    Resp r = Get("/api/v1/executions/" + a, viewer());
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["progress"]["waiting"], waiting) << r.raw;
  }
  Resp r = Post("/api/v1/executions/" + a + "/steps/review/approve", editor());
  ASSERT_EQ(r.status, 200) << r.raw;
  r = Get("/api/v1/executions/" + a, viewer());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["progress"]["waiting"], Json::array()) << r.raw;
  EXPECT_EQ(WaitFor(a, {"completed", "failed"}), "completed");
  r = Get("/api/v1/executions/" + a, viewer());
  EXPECT_EQ(r.body["status"], "completed") << r.raw;
}

// Seed 004: after a run, the user adds an image, makes it the primary one and drops another;
// each change is a new version of the attach step, and an export is rebuilt on request.
TEST_F(ServerTest, AttachmentsCanBeChangedAfterTheRunAsNewVersions) {
  std::string tid = CreateTemplate(R"({"name": "Post", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "copy", "type": "generate_text", "data": {"prompt": "Post about otters"}},
      {"id": "hero", "type": "generate_image", "data": {"prompt": "otter", "size": "32x32"}},
      {"id": "alt", "type": "generate_image", "data": {"prompt": "seal", "size": "32x32"}},
      {"id": "doc", "type": "attach", "data": {"document": "{{steps.copy.text}}", "images": "{{steps.hero.images}}"}},
      {"id": "page", "type": "export", "data": {"title": "Otters", "formats": ["markdown"],
        "sections": [{"heading": "Post", "body": "{{steps.doc.document.text}}", "images": "{{steps.doc.primary}}"}]}}],
    "edges": [{"id": "1", "source": "start", "target": "copy"}, {"id": "2", "source": "start", "target": "hero"},
              {"id": "3", "source": "start", "target": "alt"}, {"id": "4", "source": "copy", "target": "doc"},
              {"id": "5", "source": "hero", "target": "doc"}, {"id": "6", "source": "alt", "target": "doc"},
              {"id": "7", "source": "doc", "target": "page"}]})");
  std::string id = Launch(tid, Json::object());
  ASSERT_EQ(WaitFor(id, {"completed", "failed"}), "completed");
  Resp arts = Get("/api/v1/artifacts?execution_id=" + id, viewer());
  std::string hero, alt, document;
  for (const auto& a : arts.body["items"]) {
    if (a["step"] == "hero") hero = a["id"];
    if (a["step"] == "alt") alt = a["id"];
    if (a["step"] == "doc") document = a["id"];
  }
  ASSERT_FALSE(hero.empty() || alt.empty() || document.empty()) << arts.raw;
  const std::string path = "/api/v1/executions/" + id + "/steps/doc/attachments";
  // Add the other image and make it the primary one.
  Resp r = Post(path, editor(), {{"add", {alt}}, {"primary", alt}});
  ASSERT_EQ(r.status, 200) << r.raw;
  Json doc = r.body["items"][0];
  EXPECT_EQ(doc["version"], 2);
  ASSERT_EQ(doc["images"].size(), 2u) << r.raw;
  EXPECT_EQ(doc["primary_index"], 1);
  EXPECT_EQ(doc["primary_image"]["artifact_id"], alt);
  // Drop the first: the primary stays.
  r = Post(path, editor(), {{"remove", {hero}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  doc = r.body["items"][0];
  EXPECT_EQ(doc["version"], 3);
  ASSERT_EQ(doc["images"].size(), 1u);
  EXPECT_EQ(doc["primary_image"]["artifact_id"], alt);
  Resp versions = Get("/api/v1/executions/" + id + "/steps/doc/versions", viewer());
  EXPECT_EQ(versions.body["items"].size(), 3u) << versions.raw;
  // Bad changes are refused naming what is wrong, and change nothing.
  r = Post(path, editor(), {{"add", {"art_nope"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message().find("art_nope"), std::string::npos) << r.raw;
  r = Post(path, editor(), {{"add", {document}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message().find("not an image"), std::string::npos) << r.raw;
  r = Post(path, editor(), {{"primary", hero}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.message().find("not attached"), std::string::npos) << r.raw;
  EXPECT_EQ(
      Post("/api/v1/executions/" + id + "/steps/copy/attachments", editor(), {{"remove", {hero}}})
          .status,
      409);
  EXPECT_EQ(Post(path, viewer(), {{"remove", {alt}}}).status, 403);
  EXPECT_EQ(Get("/api/v1/executions/" + id, viewer()).body.value("status", ""), "completed")
      << "nothing re-ran";
  // The export is rebuilt on request, with the new primary image.
  r = Post("/api/v1/executions/" + id + "/steps/page/regenerate", editor());
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(WaitFor(id, {"completed", "failed"}), "completed");
  Resp steps = Get("/api/v1/executions/" + id + "/steps", viewer());
  std::string md_id;
  for (const auto& st : steps.body["items"])
    if (st["id"] == "page") md_id = st["output"].value("markdown", "");
  Resp md = Call("GET", "/api/v1/artifacts/" + md_id + "/content", viewer());
  ASSERT_EQ(md.status, 200);
  EXPECT_NE(md.raw.find("alt.png"), std::string::npos) << md.raw;
  EXPECT_EQ(md.raw.find("hero.png"), std::string::npos) << md.raw;
}

// ---- workspaces --------------------------------------------------------------------------------

TEST_F(ServerTest, AnotherWorkspacesIdsAnswer404ExactlyLikeMissingOnes) {
  std::string tid = CreateTemplate(kReviewed);
  std::string id = Launch(tid, {{"topic", "owls"}});
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");
  std::string art = Get("/api/v1/executions/" + id + "/artifacts", viewer()).body["items"][0]["id"];
  std::string key_id = Get("/api/v1/workspace", viewer()).body["key"]["id"];
  std::map<std::string, std::string> real = {
      {"tpl", tid}, {"ex", id}, {"art", art}, {"key", key_id}};
  std::map<std::string, std::string> missing = {
      {"tpl", "tpl_nothere"}, {"ex", "ex_nothere"}, {"art", "art_nothere"}, {"key", "key_nothere"}};
  const std::string before = Get("/api/v1/executions/" + id, admin()).raw;
  const std::string other = Key("admin", "other");
  int checked = 0;
  for (const auto& route : ApiRoutes()) {
    if (route.pattern.find("{id}") == std::string::npos) continue;
    std::string kind = route.pattern.find("/templates/") != std::string::npos   ? "tpl"
                       : route.pattern.find("/artifacts/") != std::string::npos ? "art"
                       : route.pattern.find("/keys/") != std::string::npos      ? "key"
                                                                                : "ex";
    auto path_for = [&](const std::string& v) {
      std::string p = route.pattern;
      p.replace(p.find("{id}"), 4, v);
      if (auto s = p.find("{step}"); s != std::string::npos) p.replace(s, 6, "review");
      if (auto m = p.find("{milestone}"); m != std::string::npos) p.replace(m, 11, "submitted");
      return p;
    };
    std::string body;
    if (route.method != "GET") {
      if (route.pattern.find("/clone") != std::string::npos) body = R"({"name": "Stolen"})";
      if (route.pattern.find("/revert") != std::string::npos) body = R"({"version": 1})";
      if (route.pattern.find("/tweak") != std::string::npos) body = R"({"instruction": "x"})";
      if (route.pattern.find("/fork") != std::string::npos) body = R"({"step": "review"})";
      if (route.method == "PUT") body = kReviewed;
    }
    Resp theirs = Call(route.method, path_for(real[kind]), other, body);
    Resp none = Call(route.method, path_for(missing[kind]), other, body);
    EXPECT_EQ(theirs.status, 404) << route.method << " " << route.pattern << " " << theirs.raw;
    std::string normalised = theirs.raw;
    for (auto p = normalised.find(real[kind]); p != std::string::npos;
         p = normalised.find(real[kind]))
      normalised.replace(p, real[kind].size(), missing[kind]);
    EXPECT_EQ(normalised, none.raw) << route.method << " " << route.pattern;
    ++checked;
  }
  EXPECT_GE(checked, 20);
  // Nothing changed for the owner.
  EXPECT_EQ(Get("/api/v1/executions/" + id, admin()).raw, before);
  EXPECT_EQ(Get("/api/v1/templates/" + tid, viewer()).status, 200);
  // "other" has its own built-ins and nothing else.
  const Resp others = Get("/api/v1/templates", Key("viewer", "other"));
  for (const auto& t : others.body["items"]) {
    EXPECT_EQ(t["builtin"], true) << t.dump();
    EXPECT_NE(t["id"], tid);
  }
  EXPECT_EQ(Get("/api/v1/executions", Key("viewer", "other")).body["items"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/artifacts", Key("viewer", "other")).body["items"].size(), 0u);
}

TEST_F(ServerTest, KeysAreShownOnceHashedAndRevocable) {
  Resp r = Post("/api/v1/keys", admin(), {{"role", "editor"}, {"name", "ci"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  std::string secret = r.body["secret"];
  EXPECT_EQ(secret.size(), 44u);
  EXPECT_EQ(secret.rfind("atl_", 0), 0u);
  EXPECT_EQ(r.body["prefix"], secret.substr(0, 12));
  auto stored = app_->accounts().FindApiKeyByHash(Sha256Hex(secret));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->role, Role::kEditor);
  EXPECT_EQ(Get("/api/v1/workspace", secret).body["key"]["role"], "editor");
  Resp list = Get("/api/v1/keys", admin());
  EXPECT_EQ(list.raw.find(secret), std::string::npos);
  EXPECT_EQ(list.body["items"].size(), 4u);
  EXPECT_EQ(Post("/api/v1/keys", admin(), {{"role", "owner"}}).status, 400);
  r = Call("DELETE", "/api/v1/keys/" + r.body["id"].get<std::string>(), admin());
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_TRUE(r.body["revoked_at"].is_string());
  Resp denied = Get("/api/v1/workspace", secret);
  EXPECT_EQ(denied.status, 401);
  EXPECT_NE(denied.message().find("revoked"), std::string::npos);
}

TEST_F(ServerTest, CreditsBalanceLedgerAndGrants) {
  Resp r = Get("/api/v1/credits", viewer());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["balance"], 0);
  r = Post("/api/v1/credits/grants", admin(), {{"amount", 5000000}, {"note", "welcome"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body["balance"]["balance"], 5000000);
  EXPECT_EQ(Post("/api/v1/credits/grants", admin(), {{"amount", -5}}).status, 400);
  EXPECT_EQ(Post("/api/v1/credits/grants", admin(), {{"amount", 1.5}}).status, 400);
  EXPECT_EQ(Post("/api/v1/credits/grants", admin(), {{"amount", 7}}).status, 201);
  r = Get("/api/v1/credits", viewer());
  EXPECT_EQ(r.body["balance"], 5000007);
  EXPECT_EQ(r.body["granted"], 5000007);
  r = Get("/api/v1/credits/ledger?limit=1", viewer());
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["kind"], "grant");
  EXPECT_EQ(r.body["items"][0]["note"], "welcome");
  r = Get("/api/v1/credits/ledger?cursor=" + r.body["next_cursor"].get<std::string>(), viewer());
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["amount"], 7);
  // Newest first (what a ledger screen shows), paged from that end.
  r = Get("/api/v1/credits/ledger?order=newest&limit=1", viewer());
  ASSERT_EQ(r.body["items"].size(), 1u) << r.raw;
  EXPECT_EQ(r.body["items"][0]["amount"], 7);
  r = Get("/api/v1/credits/ledger?order=newest&cursor=" + r.body["next_cursor"].get<std::string>(),
          viewer());
  ASSERT_EQ(r.body["items"].size(), 1u) << r.raw;
  EXPECT_EQ(r.body["items"][0]["note"], "welcome");
  EXPECT_TRUE(r.body["next_cursor"].is_null()) << r.raw;
  r = Get("/api/v1/credits/ledger?order=sideways", viewer());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["error"]["details"]["field"], "order") << r.raw;
  EXPECT_EQ(Get("/api/v1/credits", Key("viewer", "other")).body["balance"], 0);
}

// ---- the binary --------------------------------------------------------------------------------

struct Spawned : ChildProcess {
  std::string admin_key;
  int port = 0;
};

void SpawnServe(const TempDir& d, const std::string& tag, Spawned& s) {
  std::string out = d / (tag + ".out");
  s.pid = SpawnAtelier(
      {"serve", "--db", d / "atelier.db", "--listen", "127.0.0.1:0", "--grace-ms", "2000"},
      d.path().string(), out, d / (tag + ".err"));
  const ServeBanner banner = WaitForServeBanner(out);
  s.port = banner.port;
  s.admin_key = banner.admin_key;
}

TEST(ServerBinary, FirstStartPrintsAnAdminKeyAndSigtermShutsDownGracefully) {
  TempDir d;
  Spawned s;
  SpawnServe(d, "first", s);
  ASSERT_GT(s.port, 0) << ReadAll(d / "first.err");
  ASSERT_EQ(s.admin_key.size(), 44u) << ReadAll(d / "first.out");
  httplib::Client c("127.0.0.1", s.port);
  httplib::Headers auth = {{"Authorization", "Bearer " + s.admin_key}};
  auto t = c.Post("/api/v1/templates", auth, kSlowChain, "application/json");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->status, 201) << t->body;
  std::string tid = Json::parse(t->body)["id"];
  auto l =
      c.Post("/api/v1/executions", auth,
             Json{{"template_id", tid}, {"inputs", {{"topic", "x"}}}}.dump(), "application/json");
  ASSERT_TRUE(l);
  ASSERT_EQ(l->status, 201) << l->body;
  std::string id = Json::parse(l->body)["id"];
  // Wait until a step runs, then SIGTERM mid-step.
  for (int i = 0; i < 200; ++i) {
    auto e = c.Get(("/api/v1/executions/" + id + "/events").c_str(), auth);
    if (e && e->body.find("step_started") != std::string::npos &&
        e->body.find("\"a\"") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(kill(s.pid, SIGTERM), 0);
  EXPECT_EQ(s.Wait(), 0) << ReadAll(d / "first.err");
  // Every log line is one JSON object.
  std::istringstream err(ReadAll(d / "first.err"));
  for (std::string line; std::getline(err, line);)
    EXPECT_TRUE(Json::parse(line, nullptr, false).is_object()) << line;
  {
    // No step is left running: each committed or was handed back.
    auto store = SqliteStore::Open(d / "atelier.db");
    ASSERT_TRUE(store.has_value());
    auto steps = (*store)->GetSteps("default", id);
    ASSERT_TRUE(steps.has_value());
    for (const auto& st : *steps) EXPECT_NE(st.status, StepStatus::kRunning) << st.step_id;
    // Nor does the execution read `running` while no process runs it.
    auto ex = (*store)->GetExecution("default", id);
    ASSERT_TRUE(ex.has_value());
    EXPECT_EQ(ex->status, ExecStatus::kQueued) << ExecStatusName(ex->status);
    EXPECT_NE(ex->reason.find("interrupted"), std::string::npos) << ex->reason;
  }
  // The next start prints no key, adopts the execution and finishes it.
  Spawned again;
  SpawnServe(d, "second", again);
  ASSERT_GT(again.port, 0) << ReadAll(d / "second.err");
  EXPECT_TRUE(again.admin_key.empty());
  httplib::Client c2("127.0.0.1", again.port);
  std::string status;
  for (int i = 0; i < 500 && status != "completed"; ++i) {
    auto g = c2.Get(("/api/v1/executions/" + id).c_str(), auth);
    if (g && g->status == 200) status = Json::parse(g->body).value("status", "");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, "completed");
  // `atelier keys create` makes a key the running server accepts.
  auto made = RunAtelier({"keys", "create", "--db", d / "atelier.db", "--workspace", "team",
                          "--role", "viewer", "--name", "bob"},
                         d.path().string());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string secret = made.out.substr(0, made.out.find('\n'));
  auto who = c2.Get("/api/v1/workspace", {{"Authorization", "Bearer " + secret}});
  ASSERT_TRUE(who);
  EXPECT_EQ(who->status, 200) << who->body;
  EXPECT_EQ(Json::parse(who->body)["id"], "team");
  auto denied =
      c2.Get(("/api/v1/executions/" + id).c_str(), {{"Authorization", "Bearer " + secret}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 404);
  kill(again.pid, SIGINT);
  EXPECT_EQ(again.Wait(), 0);
}

}  // namespace
}  // namespace atelier::testing
