// The OpenAPI document against the server's real answers over loopback: every route is called
// until it answers success, each request body is checked against the operation's requestBody
// schema and each answer (errors included) against the schema the document gives for its status.
// Typed clients (web/) are generated from this document, so a body the document does not describe
// exactly would be a client that lies.
#include <atomic>
#include <ctime>
#include <string>
#include <thread>

#include "atelier/app/triggers.h"
#include "atelier/core/json_schema.h"
#include "server/api.h"
#include "server/openapi.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

// Text, two images, a document, a map with a failing item and a person's approval.
const char* kPipeline = R"({
  "name": "Conformance pipeline",
  "category": "tests",
  "description": "Every kind of step the API answers about",
  "inputs": {"topic": {"type": "string", "required": true, "description": "What it is about"},
             "words": {"type": "integer", "default": 100}},
  "nodes": [
    {"id": "start", "type": "start", "position": {"x": 0, "y": 0}},
    {"id": "text", "type": "generate_text", "data": {"label": "Text", "prompt": "About {{inputs.topic}}"}},
    {"id": "pic", "type": "generate_image", "data": {"prompt": "{{inputs.topic}}", "size": "32x32"}},
    {"id": "alt", "type": "generate_image", "data": {"prompt": "other {{inputs.topic}}", "size": "32x32"}},
    {"id": "doc", "type": "attach", "data": {"document": "{{steps.text.text}}",
        "images": "{{steps.pic.images}}", "title": "On {{inputs.topic}}"}},
    {"id": "sections", "type": "map", "data": {"items": ["a", "b"], "on_item_error": "continue",
        "node": {"type": "generate_text", "data": {"prompt": "{{item}}", "fail_first": "{{index}}",
                 "retry": {"max_attempts": 1, "backoff_ms": 1}}}}},
    {"id": "gate", "type": "approval", "data": {"message": "Publish?"}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "text"}, {"id": "2", "source": "start", "target": "pic"},
    {"id": "3", "source": "start", "target": "alt"}, {"id": "4", "source": "text", "target": "doc"},
    {"id": "5", "source": "pic", "target": "doc"}, {"id": "6", "source": "start", "target": "sections"},
    {"id": "7", "source": "doc", "target": "gate"}, {"id": "8", "source": "sections", "target": "gate"},
    {"id": "9", "source": "alt", "target": "gate"}, {"id": "10", "source": "gate", "target": "done"}
  ],
  "milestones": [{"id": "checked", "label": "Checked by a person", "manual": true}]
})";

const char* kSlow = R"({
  "name": "Conformance slow",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "a", "type": "generate_text", "data": {"prompt": "a", "latency_ms": 300}},
    {"id": "b", "type": "generate_text", "data": {"prompt": "b {{steps.a.text}}", "latency_ms": 300}},
    {"id": "done", "type": "end"}
  ],
  "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
            {"id": "3", "source": "b", "target": "done"}]
})";

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

class OpenApiConformanceTest : public ServerTest {
 protected:
  void SetUp() override {
    // A notification receiver on loopback, on the allow-list.
    receiver_.Post(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });
    receiver_port_ = receiver_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(receiver_port_, 0);
    receiver_thread_ = std::thread([this] { receiver_.listen_after_bind(); });
    providers_file_ = dir_ / "providers.json";
    WriteAll(providers_file_,
             Json{{"http", {{"allow_hosts", {"127.0.0.1:" + std::to_string(receiver_port_)}}}}}
                 .dump());
    configure_ = [](ServerOptions* so) {
      so->notifier.poll_ms = 20;
      so->notifier.first_backoff_ms = 100;
    };
    ServerTest::SetUp();
    Resp r = ServerTest::Call("GET", "/api/v1/openapi.json", "");
    ASSERT_EQ(r.status, 200);
    doc_ = r.body;
  }

  void TearDown() override {
    ServerTest::TearDown();
    receiver_.stop();
    if (receiver_thread_.joinable()) receiver_thread_.join();
  }
  std::string ReceiverUrl(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(receiver_port_) + path;
  }

  httplib::Server receiver_;
  int receiver_port_ = 0;
  std::thread receiver_thread_;

  // `schema` with every $ref replaced by what it names (the document's schemas are not
  // recursive); a $ref that names nothing fails the test.
  Json Resolve(const Json& schema, int depth = 0) {
    if (depth > 40) {
      ADD_FAILURE() << "schema nested too deeply (a recursive $ref?)";
      return Json();
    }
    if (schema.is_array()) {
      Json out = Json::array();
      for (const auto& v : schema) out.push_back(Resolve(v, depth + 1));
      return out;
    }
    if (!schema.is_object()) return schema;
    if (auto ref = schema.find("$ref"); ref != schema.end()) {
      const std::string prefix = "#/components/schemas/";
      std::string name = ref->get<std::string>();
      EXPECT_EQ(name.rfind(prefix, 0), 0u) << name;
      const Json& all = doc_["components"]["schemas"];
      std::string key = name.substr(prefix.size());
      if (!all.contains(key)) {
        ADD_FAILURE() << "$ref names no schema: " << name;
        return Json();
      }
      return Resolve(all[key], depth + 1);
    }
    Json out = Json::object();
    for (const auto& [k, v] : schema.items()) out[k] = Resolve(v, depth + 1);
    return out;
  }

  // The operation the document gives for `method` on `path` (query string dropped), and its
  // pattern; the most literal pattern wins, as in the router.
  std::pair<std::string, Json> Operation(const std::string& method, const std::string& target) {
    std::string path = target.substr(0, target.find('?'));
    auto want = Segments(path);
    std::string best;
    int best_literal = -1;
    std::string m = method;
    for (char& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const auto& [pattern, ops] : doc_["paths"].items()) {
      if (!ops.contains(m)) continue;
      auto segs = Segments(pattern);
      if (segs.size() != want.size()) continue;
      int literal = 0;
      bool ok = true;
      for (size_t i = 0; ok && i < segs.size(); ++i) {
        if (segs[i].front() == '{') continue;
        if (segs[i] == want[i]) {
          ++literal;
        } else {
          ok = false;
        }
      }
      if (ok && literal > best_literal) {
        best = pattern;
        best_literal = literal;
      }
    }
    if (best.empty()) return {"", Json()};
    return {best, doc_["paths"][best][m]};
  }

  // Calls the API and checks the request body and the answer against the document.
  Resp Call(const std::string& method, const std::string& target, const std::string& key,
            const std::string& body = "", httplib::Headers headers = {}) {
    auto [pattern, op] = Operation(method, target);
    EXPECT_FALSE(pattern.empty()) << "the document has no " << method << " " << target;
    Resp r = ServerTest::Call(method, target, key, body, headers);
    if (pattern.empty()) return r;
    const std::string where = method + " " + target + " (" + pattern + ")";
    if (!body.empty()) {
      EXPECT_TRUE(op.contains("requestBody")) << where << " takes no body";
      Json sent = Json::parse(body, nullptr, false);
      if (op.contains("requestBody") && !sent.is_discarded()) {
        // A body the document refuses, the server refuses too.
        Json schema = Resolve(op["requestBody"]["content"]["application/json"]["schema"]);
        Status s = CheckAgainstSchema(sent, schema);
        if (!s.ok()) {
          EXPECT_EQ(r.status, 400)
              << where << " took a body its schema refuses: " << s.ToString() << "\n"
              << body;
        }
      }
    }
    const std::string status = std::to_string(r.status);
    const Json& responses = op["responses"];
    EXPECT_TRUE(responses.contains(status))
        << where << " answered " << status << ", which the document does not list: " << r.raw;
    const Json& resp = responses.contains(status) ? responses[status] : responses["default"];
    std::string type = r.header("Content-Type");
    const std::string media_type = type.substr(0, type.find(';'));
    if (!resp.contains("content")) {
      EXPECT_TRUE(r.raw.empty()) << where << " answered a body the document does not describe";
    } else if (media_type == "text/event-stream" && resp["content"].contains(media_type) &&
               resp["content"][media_type].contains("x-data-schema")) {
      // An event stream the document lists beside JSON (POST /api/v1/mcp): each data line
      // follows its x-data-schema.
      Json schema = Resolve(resp["content"][media_type]["x-data-schema"]);
      size_t lines = 0;
      for (size_t at = r.raw.find("data: "); at != std::string::npos;
           at = r.raw.find("data: ", at + 1)) {
        size_t end = r.raw.find('\n', at);
        Json data = Json::parse(r.raw.substr(at + 6, end - at - 6), nullptr, false);
        Status s = CheckAgainstSchema(data, schema);
        EXPECT_TRUE(s.ok()) << where << " streamed " << s.ToString();
        ++lines;
      }
      EXPECT_GT(lines, 0u) << where << " streamed no data: " << r.raw;
    } else if (resp["content"].contains("application/json")) {
      EXPECT_EQ(type.rfind("application/json", 0), 0u) << where << ": " << type;
      Json schema = Resolve(resp["content"]["application/json"]["schema"]);
      EXPECT_FALSE(schema.is_null()) << where << ": no schema";
      Status s = CheckAgainstSchema(r.body, schema);
      EXPECT_TRUE(s.ok()) << where << " answered " << status << ": " << s.ToString() << "\n"
                          << r.raw.substr(0, 2000);
    } else if (!resp["content"].contains("*/*")) {
      std::string media = resp["content"].begin().key();
      EXPECT_EQ(type.rfind(media, 0), 0u) << where << ": " << type << " is not " << media;
    }
    if (r.status >= 200 && r.status < 400) succeeded_.insert(method + " " + pattern);
    return r;
  }
  Resp Get(const std::string& path, const std::string& key) { return Call("GET", path, key); }
  Resp Post(const std::string& path, const std::string& key, const Json& body = Json::object()) {
    return Call("POST", path, key, body.dump());
  }

  // Events of a stream, each data line checked against the document's StreamEvent.
  void CheckStream(const std::string& path, size_t at_least) {
    auto [pattern, op] = Operation("GET", path);
    ASSERT_FALSE(pattern.empty()) << path;
    Json data_schema =
        Resolve(op["responses"]["200"]["content"]["text/event-stream"]["x-data-schema"]);
    auto events = ReadStream(path, viewer(), {}, [&](const std::vector<SseEvent>& got) {
      return got.size() >= at_least;
    });
    ASSERT_GE(events.size(), at_least) << path;
    for (const auto& e : events) {
      Status s = CheckAgainstSchema(e.data, data_schema);
      EXPECT_TRUE(s.ok()) << path << ": " << s.ToString() << "\n" << e.data.dump();
      EXPECT_EQ(e.type, e.data.value("type", "")) << path;
    }
    succeeded_.insert("GET " + pattern);
  }

  std::string Wait(const std::string& id, std::set<std::string> want) {
    return ServerTest::WaitFor(id, std::move(want));
  }

  Json doc_;
  std::set<std::string> succeeded_;  // "METHOD /pattern" of every 2xx/3xx answer checked
};

TEST(OpenApiDocument, IsBuiltOnceAndServedAsBuilt) {
  const std::string& first = OpenApiJson();
  EXPECT_EQ(&first, &OpenApiJson()) << "built once, not again for every request";
  EXPECT_EQ(Json::parse(first), api::OpenApiDocument(api::AllRoutes()));
}

TEST_F(OpenApiConformanceTest, EveryRefResolvesAndEveryOperationHasTypedAnswers) {
  for (const auto& route : ApiRoutes())
    EXPECT_TRUE(api::Described(route.method, route.pattern))
        << route.method << " " << route.pattern << " is missing from openapi_operations.cc";
  Json all = Resolve(doc_);  // fails on a $ref to nothing
  for (const auto& [path, ops] : doc_["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      const std::string where = method + " " + path;
      ASSERT_TRUE(op.contains("responses")) << where;
      EXPECT_TRUE(op["responses"].contains("default")) << where;
      for (const auto& [status, resp] : op["responses"].items()) {
        if (!resp.contains("content")) continue;
        for (const auto& [media, content] : resp["content"].items()) {
          ASSERT_TRUE(content.contains("schema")) << where << " " << status << " " << media;
          // No answer is an untyped object: each names its properties or a component.
          const Json& schema = content["schema"];
          const Json untyped = {{"type", "object"}};
          EXPECT_NE(schema, untyped) << where << " " << status;
        }
      }
      for (const auto& p : op.value("parameters", Json::array())) {
        if (p["name"] == "limit" || p["name"] == "after" || p["name"] == "version") {
          EXPECT_EQ(p["schema"]["type"], "integer") << where << " " << p.dump();
        }
        if (p["name"] == "status") {
          EXPECT_TRUE(p["schema"].contains("$ref")) << where;
        }
      }
      // Every operation that says who may call it says what the others get.
      if (op.contains("x-required-role")) {
        EXPECT_TRUE(op["responses"].contains("401")) << where;
        EXPECT_TRUE(op["responses"].contains("403")) << where;
      }
    }
  }
  const Json& dl = doc_["paths"]["/api/v1/artifacts/{id}/content"]["get"]["responses"]["200"];
  EXPECT_EQ(dl["content"]["*/*"]["schema"]["format"], "binary") << dl.dump();
  EXPECT_TRUE(doc_["paths"]["/readyz"]["get"]["responses"].contains("503"));
  EXPECT_TRUE(doc_["paths"]["/api/v1/templates"]["post"]["responses"].contains("409"));
  EXPECT_TRUE(doc_["paths"]["/api/v1/executions"]["post"]["responses"].contains("422"));
}

TEST_F(OpenApiConformanceTest, EveryRouteAnswersAsTheDocumentSays) {
  // Operations.
  Get("/healthz", "");
  Get("/readyz", "");
  Get("/metrics", "");
  Get("/api/v1/openapi.json", "");

  // Templates.
  Resp t = Call("POST", "/api/v1/templates", editor(), kPipeline);
  ASSERT_EQ(t.status, 201) << t.raw;
  const std::string tid = t.body["id"];
  EXPECT_EQ(Call("POST", "/api/v1/templates", editor(), kPipeline).status, 409);
  EXPECT_EQ(Get("/api/v1/templates?limit=2", viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/templates?limit=0", viewer()).status, 400);
  EXPECT_EQ(Get("/api/v1/templates?category=tests&q=Conformance", viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/templates/categories", viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/node-types", viewer()).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/templates/validate", viewer(), kPipeline).body["valid"], true);
  Resp invalid = Call("POST", "/api/v1/templates/validate", viewer(),
                      R"({"name": "x", "nodes": [{"id": "a", "type": "nope"}]})");
  EXPECT_EQ(invalid.body["valid"], false) << invalid.raw;
  EXPECT_EQ(Get("/api/v1/templates/" + tid, viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/templates/" + tid + "?version=1", viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/templates/tpl_nope", viewer()).status, 404);
  Json def = Json::parse(kPipeline);
  def["description"] = "A second version";
  EXPECT_EQ(Call("PUT", "/api/v1/templates/" + tid, editor(), def.dump()).status, 200);
  EXPECT_EQ(Get("/api/v1/templates/" + tid + "/versions", viewer()).status, 200);
  Resp clone = Post("/api/v1/templates/" + tid + "/clone", editor(), {{"name", "Copy"}});
  ASSERT_EQ(clone.status, 201) << clone.raw;
  EXPECT_EQ(
      Call("DELETE", "/api/v1/templates/" + clone.body["id"].get<std::string>(), editor()).status,
      204);
  Resp builtins = Get("/api/v1/templates?category=", viewer());
  for (const auto& item : builtins.body["items"])
    if (item["builtin"] == true) {
      EXPECT_EQ(
          Call("DELETE", "/api/v1/templates/" + item["id"].get<std::string>(), editor()).status,
          409);
      break;
    }

  // Launch: created, replayed by its key, the key refused for another request.
  Json launch = {{"template_id", tid}, {"inputs", {{"topic", "wool socks"}}}};
  Resp l = Call("POST", "/api/v1/executions", editor(), launch.dump(), {{"Idempotency-Key", "k1"}});
  ASSERT_EQ(l.status, 201) << l.raw;
  const std::string id = l.body["id"];
  EXPECT_EQ(Call("POST", "/api/v1/executions", editor(), launch.dump(), {{"Idempotency-Key", "k1"}})
                .status,
            200);
  launch["inputs"]["topic"] = "other";
  EXPECT_EQ(Call("POST", "/api/v1/executions", editor(), launch.dump(), {{"Idempotency-Key", "k1"}})
                .status,
            422);
  EXPECT_EQ(Post("/api/v1/executions", editor(), {{"template_id", tid}}).status, 400);
  EXPECT_EQ(Post("/api/v1/executions", viewer(), {{"template_id", tid}}).status, 403);
  EXPECT_EQ(Get("/api/v1/executions", "").status, 401);
  ASSERT_EQ(Wait(id, {"waiting"}), "waiting");

  const std::string x = "/api/v1/executions/" + id;
  EXPECT_EQ(Get("/api/v1/executions?limit=5&status=waiting&include_sub=true", viewer()).status,
            200);
  EXPECT_EQ(Get("/api/v1/executions?status=bogus", viewer()).status, 400);
  Resp inbox = Get("/api/v1/approvals?limit=5", viewer());
  EXPECT_EQ(inbox.status, 200);
  EXPECT_EQ(inbox.body["items"].size(), 1u) << inbox.raw;
  EXPECT_EQ(Get("/api/v1/approvals?cursor=bogus", viewer()).status, 400);
  Json estimate = {{"template_id", tid}, {"inputs", {{"topic", "wool socks"}}}};
  EXPECT_EQ(Post("/api/v1/executions/estimate", viewer(), estimate).status, 200);
  estimate["inputs"] = {{"words", 3}};
  EXPECT_EQ(Post("/api/v1/executions/estimate", viewer(), estimate).status, 422);
  EXPECT_EQ(Get(x, viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/executions/ex_nope", viewer()).status, 404);
  EXPECT_EQ(Get(x + "/steps", viewer()).status, 200);
  EXPECT_EQ(Get(x + "/events?after=0&limit=5", viewer()).status, 200);
  EXPECT_EQ(Get(x + "/documents", viewer()).status, 200);
  EXPECT_EQ(Get(x + "/steps/text/versions", viewer()).status, 200);
  CheckStream(x + "/events/stream", 3);
  CheckStream("/api/v1/events/stream?after=0", 3);

  // Artifacts.
  Resp arts = Get("/api/v1/artifacts?execution_id=" + id + "&limit=100", viewer());
  ASSERT_EQ(arts.status, 200);
  std::string alt, any;
  for (const auto& a : arts.body["items"]) {
    if (a["step"] == "alt") alt = a["id"];
    any = a["id"];
  }
  ASSERT_FALSE(alt.empty()) << arts.raw;
  EXPECT_EQ(Get(x + "/artifacts?kind=image", viewer()).status, 200);
  EXPECT_EQ(Get(x + "/artifacts?kind=video", viewer()).status, 400);
  EXPECT_EQ(Get(x + "/artifacts?current=true", viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/artifacts?current=true&template_id=" + tid, viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/artifacts/" + any, viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/artifacts/" + any + "/content", viewer()).status, 200);

  // Steering while the gate waits.
  const std::string steps = x + "/steps/";
  EXPECT_EQ(Post(steps + "sections%5B1%5D/retry", editor()).status, 200);
  ASSERT_EQ(Wait(id, {"waiting"}), "waiting");
  EXPECT_EQ(Post(steps + "sections/retry", editor()).status, 409);
  EXPECT_EQ(Post(steps + "text/tweak", editor(), {{"instruction", "shorter"}}).status, 200);
  ASSERT_EQ(Wait(id, {"waiting"}), "waiting");
  EXPECT_EQ(Post(steps + "text/tweak", editor(), {{"comment", "no instruction"}}).status, 400);
  EXPECT_EQ(Post(steps + "text/regenerate", editor()).status, 200);
  ASSERT_EQ(Wait(id, {"waiting"}), "waiting");
  EXPECT_EQ(Post(steps + "text/revert", editor(), {{"version", 1}}).status, 200);
  ASSERT_EQ(Wait(id, {"waiting"}), "waiting");
  EXPECT_EQ(Post(steps + "doc/attachments", editor(), {{"add", {alt}}, {"primary", alt}}).status,
            200);
  EXPECT_EQ(Post(x + "/milestones/checked", editor(), {{"note", "looks right"}}).status, 200);
  // The gate reviews the image `alt`: not text, so no edit.
  EXPECT_EQ(Post(steps + "gate/approve", editor(), {{"edit", "a caption"}}).status, 409);
  EXPECT_EQ(Post(steps + "gate/approve", editor(), {{"comment", "ship it"}}).status, 200);
  EXPECT_EQ(Wait(id, {"completed"}), "completed");
  EXPECT_EQ(Post(x + "/pause", editor()).status, 409);
  // A fork of the finished run from its text step (the steps before it are kept).
  Resp fork = Post(x + "/fork", editor(), {{"step", "text"}});
  EXPECT_EQ(fork.status, 201) << fork.raw;
  EXPECT_EQ(fork.body["forked_from"]["execution_id"], id) << fork.raw;
  EXPECT_EQ(Post(x + "/fork", editor(), {{"step", "nope"}}).status, 404);
  EXPECT_EQ(Post(x + "/fork", editor(), {{"inputs", {{"topic", "x"}}}}).status, 400);
  EXPECT_EQ(Post(x + "/fork", viewer(), {{"step", "text"}}).status, 403);

  // A second run rejected at the gate.
  Resp l2 = Post("/api/v1/executions", editor(),
                 {{"template_name", "Conformance pipeline"}, {"inputs", {{"topic", "hats"}}}});
  ASSERT_EQ(l2.status, 201) << l2.raw;
  ASSERT_EQ(Wait(l2.body["id"], {"waiting"}), "waiting");
  EXPECT_EQ(Post("/api/v1/executions/" + l2.body["id"].get<std::string>() + "/steps/gate/reject",
                 editor())
                .status,
            200);

  // Commands on a slow run: pause, resume, stop, retry.
  Resp slow = Call("POST", "/api/v1/templates", editor(), kSlow);
  ASSERT_EQ(slow.status, 201) << slow.raw;
  Resp l3 = Post("/api/v1/executions", editor(), {{"template_id", slow.body["id"]}});
  ASSERT_EQ(l3.status, 201) << l3.raw;
  const std::string y = "/api/v1/executions/" + l3.body["id"].get<std::string>();
  EXPECT_EQ(Post(y + "/fork", editor(), {{"step", "b"}}).status, 409) << "a running execution";
  EXPECT_EQ(Post(y + "/pause", editor()).status, 200);
  EXPECT_EQ(Post(y + "/resume", editor()).status, 200);
  EXPECT_EQ(Post(y + "/stop", editor()).status, 200);
  ASSERT_EQ(Wait(l3.body["id"], {"stopped"}), "stopped");
  EXPECT_EQ(Post(y + "/retry", editor()).status, 200);
  EXPECT_EQ(Wait(l3.body["id"], {"completed"}), "completed");

  // Schedules.
  Resp sch = Post("/api/v1/schedules", editor(),
                  {{"name", "weekly"}, {"template", "Instagram post"},
                   {"inputs", {{"product", "socks"}}}, {"cron", "0 9 * * mon"},
                   {"time_zone", "Europe/Paris"}});
  ASSERT_EQ(sch.status, 201) << sch.raw;
  const std::string sp = "/api/v1/schedules/" + sch.body["id"].get<std::string>();
  EXPECT_EQ(Post("/api/v1/schedules", editor(), {{"name", "x"}, {"cron", "0 9 * * *"}}).status,
            400);
  EXPECT_EQ(Get("/api/v1/schedules", viewer()).status, 200);
  EXPECT_EQ(Get(sp, viewer()).status, 200);
  EXPECT_EQ(Call("PATCH", sp, editor(), R"({"every_seconds": 3600})").status, 200);
  EXPECT_EQ(Post(sp + "/pause", editor()).status, 200);
  EXPECT_EQ(Post(sp + "/resume", editor()).status, 200);
  EXPECT_EQ(Call("DELETE", sp, editor()).status, 204);

  // Webhook triggers and a delivery.
  Resp trg = Post("/api/v1/triggers", editor(),
                  {{"name", "cms"}, {"template", "Instagram post"},
                   {"map", {{"product", "/data/name"}}}});
  ASSERT_EQ(trg.status, 201) << trg.raw;
  const std::string tp = "/api/v1/triggers/" + trg.body["id"].get<std::string>();
  EXPECT_EQ(Get("/api/v1/triggers", viewer()).status, 200);
  EXPECT_EQ(Get(tp, viewer()).status, 200);
  EXPECT_EQ(Call("PATCH", tp, editor(), R"({"tolerance_seconds": 60})").status, 200);
  Resp rotated = Post(tp + "/rotate", editor());
  ASSERT_EQ(rotated.status, 200) << rotated.raw;
  {
    const std::string ts = std::to_string(std::time(nullptr));
    const std::string body = R"({"data": {"name": "socks"}})";
    const std::string sig = TriggerService::Sign(rotated.body["secret"], ts, body);
    httplib::Headers h = {{"X-Atelier-Timestamp", ts},
                          {"X-Atelier-Signature", sig},
                          {"X-Atelier-Delivery", "d1"}};
    Resp delivered = Call("POST", trg.body["url"].get<std::string>(), "", body, h);
    ASSERT_EQ(delivered.status, 201) << delivered.raw;
    EXPECT_EQ(Call("POST", trg.body["url"].get<std::string>(), "", body, h).status, 200);
    h.erase("X-Atelier-Signature");
    EXPECT_EQ(Call("POST", trg.body["url"].get<std::string>(), "", body, h).status, 401);
    Wait(delivered.body["id"], {"completed"});
  }
  EXPECT_EQ(Call("DELETE", tp, editor()).status, 204);

  // Export and import (into the other workspace).
  Resp exported = Get("/api/v1/workspace/export", viewer());
  ASSERT_EQ(exported.status, 200) << exported.raw;
  EXPECT_FALSE(exported.body["templates"].empty());
  Resp imported =
      Call("POST", "/api/v1/workspace/import", Key("editor", "other"), exported.body.dump());
  ASSERT_EQ(imported.status, 200) << imported.raw;
  EXPECT_EQ(Call("POST", "/api/v1/workspace/import", editor(), R"({"atelier_export": 2})").status,
            400);

  // MCP over HTTP: JSON answers, a notification taken with no body, a tool call as a stream.
  Resp init = Call("POST", "/api/v1/mcp", viewer(),
                   R"({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                  "clientInfo": {"name": "t", "version": "1"}}})");
  ASSERT_EQ(init.status, 200) << init.raw;
  EXPECT_EQ(init.body["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(Call("POST", "/api/v1/mcp", viewer(),
                 R"({"jsonrpc": "2.0", "method": "notifications/initialized"})")
                .status,
            202);
  Resp listed =
      Call("POST", "/api/v1/mcp", editor(), R"({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  EXPECT_FALSE(listed.body["result"]["tools"].empty());
  Resp called = Call("POST", "/api/v1/mcp", viewer(),
                     Json{{"jsonrpc", "2.0"},
                          {"id", 3},
                          {"method", "tools/call"},
                          {"params", {{"name", "get_execution"}, {"arguments", {{"execution_id", id}}}}}}
                         .dump());
  EXPECT_EQ(called.status, 200);
  EXPECT_NE(called.raw.find("\"id\":3"), std::string::npos) << called.raw;
  EXPECT_EQ(Call("POST", "/api/v1/mcp", viewer(), "[1]").status, 400);

  // Outbound notifications: an endpoint on the loopback receiver, a launch's own callback, their
  // deliveries, a resend.
  Resp ep = Post("/api/v1/notifications/endpoints", editor(),
                 {{"name", "crm"}, {"url", ReceiverUrl("/in")}, {"events", {"execution_completed"}}});
  ASSERT_EQ(ep.status, 201) << ep.raw;
  const std::string epp = "/api/v1/notifications/endpoints/" + ep.body["id"].get<std::string>();
  EXPECT_EQ(Post("/api/v1/notifications/endpoints", editor(),
                 {{"name", "x"}, {"url", "http://10.0.0.1/"}})
                .status,
            400);
  EXPECT_EQ(Get("/api/v1/notifications/endpoints", viewer()).status, 200);
  EXPECT_EQ(Get(epp, viewer()).status, 200);
  EXPECT_EQ(Call("PATCH", epp, editor(), R"({"events": ["execution_completed", "execution_failed"]})")
                .status,
            200);
  EXPECT_EQ(Post(epp + "/rotate", editor()).status, 200);
  Resp cb = Post("/api/v1/executions", editor(),
                 {{"template_name", "Instagram post"},
                  {"inputs", {{"product", "socks"}}},
                  {"notify", {{"url", ReceiverUrl("/cb")}}}});
  ASSERT_EQ(cb.status, 201) << cb.raw;
  ASSERT_EQ(Wait(cb.body["id"], {"completed"}), "completed");
  std::string dlv;
  for (int i = 0; i < 1500 && dlv.empty(); ++i) {
    Resp page = Get("/api/v1/notifications/deliveries?status=delivered&limit=1", viewer());
    if (page.status == 200 && !page.body["items"].empty())
      dlv = page.body["items"][0]["id"];
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(dlv.empty()) << Get("/api/v1/notifications/deliveries", viewer()).raw;
  EXPECT_EQ(Get("/api/v1/notifications/deliveries?execution_id=" + cb.body["id"].get<std::string>(),
                viewer())
                .status,
            200);
  EXPECT_EQ(Get("/api/v1/notifications/deliveries?status=lost", viewer()).status, 400);
  EXPECT_EQ(Get("/api/v1/notifications/deliveries/" + dlv, viewer()).status, 200);
  EXPECT_EQ(Post("/api/v1/notifications/deliveries/" + dlv + "/resend", editor()).status, 200);
  EXPECT_EQ(Call("DELETE", epp, editor()).status, 204);

  // The workspace, credits and keys.
  EXPECT_EQ(Get("/api/v1/workspace", viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/credits", viewer()).status, 200);
  EXPECT_EQ(Post("/api/v1/credits/grants", admin(), {{"amount", 5000000}, {"note", "test"}}).status,
            201);
  EXPECT_EQ(Post("/api/v1/credits/grants", admin(), {{"amount", "lots"}}).status, 400);
  EXPECT_EQ(Get("/api/v1/credits/ledger?limit=1", viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/credits/ledger?order=newest&limit=1", viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/credits/ledger?execution_id=" + id, viewer()).status, 200);
  EXPECT_EQ(Get("/api/v1/keys", admin()).status, 200);
  EXPECT_EQ(Get("/api/v1/keys", editor()).status, 403);
  Resp k = Post("/api/v1/keys", admin(), {{"role", "viewer"}, {"name", "ci"}});
  ASSERT_EQ(k.status, 201) << k.raw;
  EXPECT_EQ(Call("DELETE", "/api/v1/keys/" + k.body["id"].get<std::string>(), admin()).status, 200);

  // Browser sessions: sign in, use the cookie, sign out; a one-time link.
  const httplib::Headers csrf = {{"X-Atelier-CSRF", "1"}};
  Resp signin = Call("POST", "/api/v1/session", "", Json{{"key", viewer()}}.dump(), csrf);
  ASSERT_EQ(signin.status, 201) << signin.raw;
  std::string cookie = signin.header("Set-Cookie");
  cookie = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(Call("POST", "/api/v1/session", "", Json{{"key", "atl_x"}}.dump(), csrf).status, 401);
  EXPECT_EQ(Call("POST", "/api/v1/session", "", Json{{"key", viewer()}}.dump()).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/workspace", "", "", {{"Cookie", cookie}}).status, 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/session", "", "", {{"Cookie", cookie}, {"X-Atelier-CSRF", "1"}})
                .status,
            204);
  std::string link = server_->SignInPath(viewer());
  EXPECT_EQ(Get(link, "").status, 303);
  EXPECT_EQ(Get(link, "").status, 401);

  // Retention, last: its sweep deletes what the steps above made. A policy and a dry run of a
  // proposed one, refusals, then a sweep that deletes, so that last_sweep is checked filled.
  EXPECT_EQ(Get("/api/v1/retention", viewer()).status, 200);
  EXPECT_EQ(Post("/api/v1/retention/preview", viewer(), {{"keep_last", 1}}).status, 200);
  EXPECT_EQ(Post("/api/v1/retention/preview", viewer(), {{"keep_last", 0}}).status, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/retention", admin(), R"({"keep_last": "one"})").status, 400);
  EXPECT_EQ(Call("PUT", "/api/v1/retention", editor(), R"({"keep_last": 1})").status, 403);
  EXPECT_EQ(Call("PUT", "/api/v1/retention", admin(), R"({"keep_last": 1})").status, 200);
  Resp swept = Post("/api/v1/retention/run", admin());
  ASSERT_EQ(swept.status, 200) << swept.raw;
  EXPECT_GT(swept.body["deleted"].get<int64_t>(), 0) << swept.raw;
  Resp policy = Get("/api/v1/retention", viewer());
  EXPECT_EQ(policy.status, 200);
  EXPECT_TRUE(policy.body["last_sweep"].is_object()) << policy.raw;

  // Every route answered success at least once, and each answer matched the document.
  for (const auto& route : ApiRoutes())
    EXPECT_TRUE(succeeded_.count(route.method + " " + route.pattern))
        << "no success answer checked for " << route.method << " " << route.pattern;
}

TEST_F(OpenApiConformanceTest, LiveProgressFramesFollowTheirSchema) {
  stream_live_ = true;
  const std::string tid = CreateTemplate(R"({
    "name": "Watched", "category": "testing",
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "go", "type": "approval", "data": {"message": "Start?"}},
      {"id": "write", "type": "generate_text", "data": {"prompt": "rivers", "stream_chunk_ms": 100}},
      {"id": "draw", "type": "generate_image",
       "data": {"prompt": "a river", "size": "32x32", "stream_chunk_ms": 100}},
      {"id": "done", "type": "end"}],
    "edges": [{"id": "1", "source": "start", "target": "go"}, {"id": "2", "source": "go", "target": "write"},
              {"id": "3", "source": "write", "target": "draw"}, {"id": "4", "source": "draw", "target": "done"}]})");
  const std::string id = Launch(tid, Json::object());
  ASSERT_EQ(Wait(id, {"waiting"}), "waiting");
  const std::string path = "/api/v1/executions/" + id + "/events/stream";
  auto [pattern, op] = Operation("GET", path);
  ASSERT_FALSE(pattern.empty());
  Json schema =
      Resolve(op["responses"]["200"]["content"]["text/event-stream"]["x-progress-data-schema"]);
  std::atomic<bool> caught_up{false};
  std::vector<SseEvent> got;
  std::thread reader([&] {
    got = ReadStream(path, viewer(), {}, [&](const std::vector<SseEvent>& so_far) {
      if (!so_far.empty() && so_far.back().type == "execution_waiting") caught_up = true;
      return false;
    });
  });
  for (int i = 0; i < 500 && !caught_up; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(caught_up);
  EXPECT_EQ(Post("/api/v1/executions/" + id + "/steps/go/approve", editor()).status, 200);
  reader.join();
  std::set<std::string> kinds;
  for (const auto& e : got) {
    if (e.type != "step_progress") continue;
    Status s = CheckAgainstSchema(e.data, schema);
    EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << e.data.dump();
    kinds.insert(e.data.contains("text") ? "text" : "image");
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"text", "image"}));
}

}  // namespace
}  // namespace atelier::testing
