// The loopback-server fixture of the HTTP suites: an App over real SQLite in a temporary folder,
// a Server on a free port with viewer/editor/admin keys for the workspaces "default" and "other",
// and helpers to call the API, create templates, launch executions, wait for them and read event
// streams. StartServer() again after resetting server_ and app_ restarts over the same database.
#pragma once

#include <httplib.h>

#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "atelier/app/app.h"
#include "atelier/server/api_keys.h"
#include "atelier/server/server.h"
#include "tests/test_env.h"

namespace atelier::testing {

// Three steps of 150 ms, one after the other, then an image: slow enough to act on mid-run.
inline constexpr const char* kSlowChain = R"({
  "name": "Slow",
  "category": "testing",
  "inputs": {"topic": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "a", "type": "generate_text", "data": {"prompt": "a {{inputs.topic}}", "latency_ms": 150}},
    {"id": "b", "type": "generate_text", "data": {"prompt": "b {{steps.a.text}}", "latency_ms": 150}},
    {"id": "c", "type": "generate_text", "data": {"prompt": "c {{steps.b.text}}", "latency_ms": 150}},
    {"id": "pic", "type": "generate_image", "data": {"prompt": "{{steps.c.text}}", "size": "32x32"}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
    {"id": "3", "source": "b", "target": "c"}, {"id": "4", "source": "c", "target": "pic"},
    {"id": "5", "source": "pic", "target": "done"}
  ]})";

struct Resp {
  int status = 0;
  Json body;
  std::string raw;
  httplib::Headers headers;
  std::string header(const std::string& k) const {
    auto it = headers.find(k);
    return it == headers.end() ? "" : it->second;
  }
  std::string code() const { return error("code"); }
  std::string message() const { return error("message"); }
  std::string error(const char* field) const {
    if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
    return body["error"].value(field, "");
  }
};

struct SseEvent {
  int64_t id = 0;
  std::string type;
  Json data;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void TearDown() override {
    server_.reset();
    app_.reset();
  }

  void StartServer(size_t max_body = 1 << 20) {
    AppOptions o;
    o.db_path = dir_ / "atelier.db";
    o.workers = 4;
    o.providers_file = providers_file_;
    auto app = App::Open(o);
    ASSERT_TRUE(app.has_value()) << app.error().ToString();
    app_ = std::move(*app);
    ASSERT_TRUE(app_->store().EnsureWorkspace("other", "Other").ok());
    if (keys_.empty()) {
      for (const char* ws : {"default", "other"})
        for (Role r : {Role::kViewer, Role::kEditor, Role::kAdmin}) {
          auto k = CreateApiKey(app_->accounts(), ws, r, RoleName(r), 1);
          ASSERT_TRUE(k.has_value()) << k.error().ToString();
          keys_[std::string(ws) + ":" + RoleName(r)] = k->secret;
        }
    }
    ServerOptions so;
    so.port = 0;
    so.threads = 24;
    so.heartbeat_ms = 100;
    so.stream_poll_ms = 50;
    so.max_body_bytes = max_body;
    so.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> l(log_mu_);
      logs_.push_back(line);
    };
    if (configure_) configure_(&so);
    server_ = std::make_unique<Server>(app_.get(), so);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::string Key(const std::string& role, const std::string& ws = "default") {
    return keys_.at(ws + ":" + role);
  }
  std::string admin() { return Key("admin"); }
  std::string editor() { return Key("editor"); }
  std::string viewer() { return Key("viewer"); }

  std::unique_ptr<httplib::Client> Client() {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(30, 0);
    c->set_connection_timeout(5, 0);
    return c;
  }

  Resp Call(const std::string& method, const std::string& path, const std::string& key,
            const std::string& body = "", httplib::Headers headers = {}) {
    auto c = Client();
    if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
    auto send = [&]() {
      if (method == "POST") return c->Post(path.c_str(), headers, body, "application/json");
      if (method == "PUT") return c->Put(path.c_str(), headers, body, "application/json");
      if (method == "PATCH") return c->Patch(path.c_str(), headers, body, "application/json");
      if (method == "DELETE") return c->Delete(path.c_str(), headers, body, "application/json");
      return c->Get(path.c_str(), headers);
    };
    httplib::Result r = send();
    Resp out;
    EXPECT_TRUE(r) << method << " " << path << ": " << httplib::to_string(r.error());
    if (!r) return out;
    out.status = r->status;
    out.raw = r->body;
    out.headers = r->headers;
    out.body = Json::parse(r->body, nullptr, false);
    return out;
  }
  Resp Get(const std::string& path, const std::string& key) { return Call("GET", path, key); }
  Resp Post(const std::string& path, const std::string& key, const Json& body = Json::object()) {
    return Call("POST", path, key, body.dump());
  }

  // Creates a template from JSON text; returns its id.
  std::string CreateTemplate(const std::string& text, const std::string& key = "") {
    Resp r = Call("POST", "/api/v1/templates", key.empty() ? editor() : key, text);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  }
  std::string TemplateFile(const std::string& rel) { return ReadAll(SourcePath(rel)); }
  // A shipped template as a user template of its own, named "My NAME": every workspace has the
  // shipped ones as built-ins under their own names.
  std::string UserTemplateFile(const std::string& rel) {
    Json def = Json::parse(TemplateFile(rel));
    def["name"] = "My " + def["name"].get<std::string>();
    return def.dump();
  }

  std::string Launch(const std::string& template_id, const Json& inputs,
                     const std::string& key = "") {
    Resp r = Post("/api/v1/executions", key.empty() ? editor() : key,
                  {{"template_id", template_id}, {"inputs", inputs}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  }

  // Polls until the execution's status is one of `want`.
  std::string WaitFor(const std::string& id, std::set<std::string> want,
                      const std::string& ws = "default") {
    std::string status;
    for (int i = 0; i < 1000; ++i) {
      Resp r = Get("/api/v1/executions/" + id, Key("viewer", ws));
      status = r.body.value("status", "");
      if (want.count(status)) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "execution " << id << " stayed " << status;
    return status;
  }

  std::vector<Event> LogOf(const std::string& id) {
    auto e = app_->store().ReadEvents("default", id, 0, 1000000);
    EXPECT_TRUE(e.has_value());
    return e ? *e : std::vector<Event>{};
  }

  // Reads an event stream until `stop` returns true (then drops the connection) or the server
  // ends it. Returns the events received: the log's events, and the live step_progress notices
  // (no id, never in the log) only when stream_live_ is set.
  std::vector<SseEvent> ReadStream(const std::string& path, const std::string& key,
                                   httplib::Headers headers,
                                   std::function<bool(const std::vector<SseEvent>&)> stop,
                                   int* heartbeats = nullptr, bool* ended = nullptr) {
    auto c = Client();
    headers.emplace("Authorization", "Bearer " + key);
    std::vector<SseEvent> out;
    std::string buf;
    bool dropped = false;
    auto r = c->Get(path.c_str(), headers, [&](const char* data, size_t len) {
      buf.append(data, len);
      size_t end;
      while ((end = buf.find("\n\n")) != std::string::npos) {
        std::string frame = buf.substr(0, end);
        buf.erase(0, end + 2);
        SseEvent e;
        bool has_data = false;
        size_t pos = 0;
        while (pos < frame.size()) {
          size_t nl = frame.find('\n', pos);
          if (nl == std::string::npos) nl = frame.size();
          std::string line = frame.substr(pos, nl - pos);
          pos = nl + 1;
          if (line.rfind(": heartbeat", 0) == 0 && heartbeats) ++*heartbeats;
          if (line.rfind("id: ", 0) == 0) e.id = std::stoll(line.substr(4));
          if (line.rfind("event: ", 0) == 0) e.type = line.substr(7);
          if (line.rfind("data: ", 0) == 0) {
            e.data = Json::parse(line.substr(6));
            has_data = true;
          }
        }
        if (has_data && (stream_live_ || e.type != "step_progress")) out.push_back(e);
        // Asked after every frame, heartbeats included, so that a quiet stream can be left.
        if (stop && stop(out)) {
          dropped = true;
          return false;
        }
      }
      return true;
    });
    if (ended) *ended = !dropped && r && r->status == 200;
    return out;
  }

  TempDir dir_;
  bool stream_live_ = false;    // ReadStream keeps step_progress notices
  std::string providers_file_;  // for StartServer: a providers file (prices), "" = none
  std::function<void(ServerOptions*)> configure_;  // for StartServer: more server options
  std::unique_ptr<App> app_;
  std::unique_ptr<Server> server_;
  std::map<std::string, std::string> keys_;
  std::mutex log_mu_;
  std::vector<std::string> logs_;
};

}  // namespace atelier::testing
