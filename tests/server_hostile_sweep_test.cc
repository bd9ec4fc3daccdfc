// Hostile input over every route of the OpenAPI document (issue 12), through the real server on
// loopback with an admin key, so every check past authentication is reached: path ids with `../`,
// NUL, invalid UTF-8 and 5,000 characters; every documented query parameter with empty, negative,
// huge, non-numeric, NUL and long values; bodies that are malformed, deeply nested, of the wrong
// JSON type, with each documented property given every wrong type, a NUL, a huge number or a long
// string; wrong content types. The server must answer every one with a status below 500, every
// refusal in the documented error shape, and a refused request must change nothing stored.
#include <httplib.h>

#include <functional>
#include <set>

#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

struct Sent {
  int status = 0;  // 0: no answer (the connection failed or was closed)
  Json body;
  std::string raw;
};

class HostileSweep : public ServerTest {
 protected:
  Sent Send(const std::string& method, const std::string& target, const std::string& body,
            const std::string& content_type) {
    auto c = Client();
    httplib::Headers h{{"Authorization", "Bearer " + admin()}};
    auto send = [&]() {
      if (method == "POST") return c->Post(target.c_str(), h, body, content_type.c_str());
      if (method == "PUT") return c->Put(target.c_str(), h, body, content_type.c_str());
      if (method == "PATCH") return c->Patch(target.c_str(), h, body, content_type.c_str());
      if (method == "DELETE") return c->Delete(target.c_str(), h, body, content_type.c_str());
      return c->Get(target.c_str(), h);
    };
    httplib::Result r = send();
    Sent s;
    if (!r) return s;
    s.status = r->status;
    s.raw = r->body;
    s.body = Json::parse(r->body, nullptr, false);
    return s;
  }

  // What is stored in the workspace, as one comparable text: executions (status, update time,
  // how many events), templates and their versions, the ledger, the keys.
  std::string Fingerprint() {
    std::string f;
    ExecutionFilter ef;
    ef.limit = 100000;
    auto exs = app_->store().ListExecutions("default", ef);
    for (const auto& e : exs ? *exs : std::vector<ExecutionRecord>{}) {
      auto events = app_->store().ReadEvents("default", e.id, 0, 1000000);
      f += e.id + ":" + std::to_string(static_cast<int>(e.status)) + ":" +
           std::to_string(e.updated_at) + ":" + std::to_string(events ? events->size() : 0) + ";";
    }
    auto tpls = app_->accounts().ListTemplates("default", TemplateFilter{});
    for (const auto& t : tpls ? *tpls : std::vector<TemplateRecord>{})
      f += t.id + "@" + std::to_string(t.version) + ";";
    auto ledger = app_->accounts().ListLedger("default", LedgerFilter{0, "", 0});
    f += "ledger:" + std::to_string(ledger ? ledger->size() : 0) + ";";
    auto keys = app_->accounts().ListApiKeys("default");
    for (const auto& k : keys ? *keys : std::vector<ApiKeyRecord>{})
      f += k.id + (k.revoked_at ? "-revoked" : "") + ";";
    auto schedules = app_->accounts().ListSchedules("default");
    for (const auto& sc : schedules ? *schedules : std::vector<ScheduleRecord>{})
      f += sc.id + "r" + std::to_string(sc.revision) + ";";
    auto triggers = app_->accounts().ListTriggers("default");
    for (const auto& t : triggers ? *triggers : std::vector<TriggerRecord>{})
      f += t.id + "r" + std::to_string(t.revision) + ";";
    return f;
  }

  // Waits until nothing runs, so the fingerprint only moves when a request moves it.
  void Settle() {
    for (int i = 0; i < 1000; ++i) {
      ExecutionFilter ef;
      ef.limit = 100000;
      auto exs = app_->store().ListExecutions("default", ef);
      bool busy = false;
      for (const auto& e : exs ? *exs : std::vector<ExecutionRecord>{})
        busy |= e.status == ExecStatus::kRunning || e.status == ExecStatus::kQueued;
      if (!busy) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "executions kept running";
  }

  // Sends one hostile request and checks the answer; refused writes must change nothing.
  void Try(const std::string& method, const std::string& target, const std::string& body = "",
           const std::string& content_type = "application/json") {
    const bool writes = method != "GET";
    std::string before = writes ? Fingerprint() : "";
    Sent s = Send(method, target, body, content_type);
    ++sent_;
    const std::string what = method + " " + target.substr(0, 160) + " body " +
                             body.substr(0, 120) + " (" + content_type + ")";
    if (s.status == 0) {
      ADD_FAILURE() << what << ": no answer";
      return;
    }
    EXPECT_LT(s.status, 500) << what << ": " << s.raw.substr(0, 300);
    if (s.status >= 400) {
      const bool shaped = s.body.is_object() && s.body.contains("error") &&
                          s.body["error"].is_object() && s.body["error"].contains("code") &&
                          s.body["error"]["code"].is_string() &&
                          s.body["error"].contains("message") &&
                          s.body["error"]["message"].is_string() &&
                          !s.body["error"]["message"].get<std::string>().empty();
      EXPECT_TRUE(shaped) << what << ": not the error shape: " << s.raw.substr(0, 300);
      if (writes) {
        EXPECT_EQ(before, Fingerprint()) << what << ": a refused request changed state";
      }
    } else if (writes) {
      ++accepted_;
      Settle();
    }
  }

  int sent_ = 0, accepted_ = 0;
};

const std::vector<std::string>& HostileSegments() {
  static const std::vector<std::string> v = {
      "x1", "..", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "ex_%00", "%FF%FE", "%C3%28",
      std::string(5000, 'a'), "%F0%9F%98%80", "ex_1%20OR%201%3D1", "%7B%7Bid%7D%7D", "-1",
  };
  return v;
}

const std::vector<std::string>& HostileQueryValues() {
  static const std::vector<std::string> v = {
      "", "-1", "0", "99999999999999999999999", "1e309", "abc", "%00", "%FF", "..%2F..",
      std::string(10000, '9'), "%5B%5D", "true", "2026-13-45T99:99:99Z", "NaN",
  };
  return v;
}

// Every wrong thing a JSON value can be.
std::vector<Json> HostileValues() {
  return {nullptr, true, -1, 0, 1e308, 18446744073709551615ull, -9223372036854775807ll - 1,
          "", "../../etc/passwd", std::string("nul\0inside", 10), std::string(100000, 'x'),
          Json::array(), Json::array({1, 2}), Json::object(), Json{{"a", Json::object()}}};
}

std::vector<std::string> HostileBodies() {
  std::string deep_array(20000, '[');
  std::string deep_object;
  for (int i = 0; i < 5000; ++i) deep_object += "{\"a\":";
  return {"", "{", "}", "null", "[]", "\"text\"", "123", "1e999", "-0", "{\"a\":1,}",
          "{\"a\":\"\\ud800\"}", "{\"a\":\"\xff\xfe\"}", std::string("{\"a\":\"x\0y\"}", 12),
          deep_array, deep_object, "{\"a\":" + std::string(400, '9') + "}",
          std::string(2 << 20, ' ')};
}

// A real id for each kind of path parameter, so a sweep of one parameter reaches its handler.
struct Ids {
  std::string tpl, ex, step = "caption", art, key, schedule, trigger;
};

std::string Fill(std::string pattern, const Ids& ids, const std::string& param,
                 const std::string& value) {
  for (auto p = pattern.find('{'); p != std::string::npos; p = pattern.find('{')) {
    auto end = pattern.find('}', p);
    std::string name = pattern.substr(p + 1, end - p - 1);
    std::string v;
    if (name == param) v = value;
    else if (pattern.rfind("/api/v1/templates", 0) == 0) v = ids.tpl;
    else if (pattern.rfind("/api/v1/artifacts", 0) == 0) v = ids.art;
    else if (pattern.rfind("/api/v1/keys", 0) == 0) v = ids.key;
    else if (pattern.rfind("/api/v1/schedules", 0) == 0) v = ids.schedule;
    else if (pattern.rfind("/api/v1/triggers", 0) == 0) v = ids.trigger;
    else if (pattern.rfind("/api/v1/hooks", 0) == 0) v = ids.trigger;
    else if (name == "step") v = ids.step;
    else if (name == "milestone") v = "submitted";
    else v = ids.ex;
    pattern.replace(p, end - p + 1, v);
  }
  return pattern;
}

TEST_F(HostileSweep, EveryRouteRefusesHostileInputCleanlyAndChangesNothing) {
  Ids ids;
  ids.tpl = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  ids.ex = Launch(ids.tpl, {{"product", "oat milk"}});
  ASSERT_EQ(WaitFor(ids.ex, {"completed"}), "completed");
  Resp arts = Get("/api/v1/executions/" + ids.ex + "/artifacts", viewer());
  ASSERT_FALSE(arts.body["items"].empty());
  ids.art = arts.body["items"][0].value("id", "");
  Resp key = Post("/api/v1/keys", admin(), {{"role", "viewer"}, {"name", "sweep"}});
  ASSERT_EQ(key.status, 201) << key.raw;
  ids.key = key.body.value("id", "");
  // Yearly, so that it never fires (and changes nothing) while the sweep runs.
  Resp schedule = Post("/api/v1/schedules", editor(),
                       {{"name", "sweep"}, {"template", "Instagram post"},
                        {"inputs", {{"product", "oat milk"}}}, {"cron", "0 0 1 1 *"}});
  ASSERT_EQ(schedule.status, 201) << schedule.raw;
  ids.schedule = schedule.body.value("id", "");
  Resp trigger = Post("/api/v1/triggers", editor(),
                      {{"name", "sweep"}, {"template", "Instagram post"}});
  ASSERT_EQ(trigger.status, 201) << trigger.raw;
  ids.trigger = trigger.body.value("id", "");

  Json doc = Get("/api/v1/openapi.json", "").body;
  ASSERT_TRUE(doc.contains("paths"));
  const Json& schemas = doc["components"]["schemas"];
  auto resolve = [&](const Json& s) -> Json {
    if (s.contains("$ref")) {
      std::string ref = s["$ref"].get<std::string>();
      return schemas.value(ref.substr(ref.rfind('/') + 1), Json::object());
    }
    return s;
  };

  int routes = 0;
  for (const auto& [pattern, ops] : doc["paths"].items()) {
    if (pattern.find("/stream") != std::string::npos) continue;  // long-lived: not a sweep target
    if (pattern.rfind("/api/v1/session", 0) == 0) continue;      // no key: swept below
    for (const auto& [lower, op] : ops.items()) {
      std::string method = lower;
      for (auto& ch : method) ch = static_cast<char>(std::toupper(ch));
      ++routes;
      SCOPED_TRACE(method + " " + pattern);
      // Path parameters, one at a time.
      for (auto p = pattern.find('{'); p != std::string::npos; p = pattern.find('{', p + 1)) {
        std::string name = pattern.substr(p + 1, pattern.find('}', p) - p - 1);
        for (const auto& v : HostileSegments()) Try(method, Fill(pattern, ids, name, v), "{}");
      }
      const std::string base = Fill(pattern, ids, "", "");
      // Query parameters, one at a time.
      const Json params = op.contains("parameters") ? op["parameters"] : Json::array();
      for (const auto& param : params) {
        if (param.value("in", "") != "query") continue;
        for (const auto& v : HostileQueryValues())
          Try(method, base + "?" + param.value("name", "") + "=" + v);
      }
      if (!op.contains("requestBody")) continue;
      // Whole bodies and content types.
      for (const auto& b : HostileBodies()) Try(method, base, b);
      for (const char* ct : {"text/plain", "application/x-www-form-urlencoded", "application/xml",
                             "application/json; charset=latin1"})
        Try(method, base, "a=1", ct);
      // Each documented property given every wrong value.
      const Json& content = op["requestBody"]["content"];
      if (!content.contains("application/json")) continue;
      const Json schema = resolve(content["application/json"]["schema"]);
      if (!schema.contains("properties")) continue;
      const Json props = schema["properties"];
      for (auto it = props.begin(); it != props.end(); ++it)
        for (const auto& v : HostileValues()) Try(method, base, Json{{it.key(), v}}.dump());
    }
  }
  // Sign-in takes no key: hostile bodies there too.
  for (const auto& b : HostileBodies()) Try("POST", "/api/v1/session", b);
  for (const auto& v : HostileValues()) Try("POST", "/api/v1/session", Json{{"key", v}}.dump());
  for (const auto& v : HostileQueryValues()) Try("GET", "/api/v1/session/link?token=" + v);

  EXPECT_GT(routes, 30) << "the document lists the routes";
  std::cout << "hostile sweep: " << sent_ << " requests over " << routes << " operations, "
            << accepted_ << " writes accepted\n";
}

}  // namespace
}  // namespace atelier::testing
