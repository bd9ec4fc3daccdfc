// The HTTP API's routes, in process: a request as the transport hands it over (method, target,
// headers, body) goes through api::ParseTarget and the server's real dispatch (authentication,
// routing, handlers, the store), with no connection. An App over SQLite in a temporary folder,
// with keys for each role and one template and execution to aim at, serves kInputsPerApp inputs;
// then it is shut down, its folder removed and a fresh one built. One App for a whole run grew a
// database (every template and execution the inputs create, every step they run) that slowed the
// run from 800 inputs a second to under 200 within the hour.
//
// Input, like an HTTP/1.1 request without the version:
//   POST /api/v1/executions/$EXEC/pause?x=1
//   Authorization: Bearer $EDITOR
//
//   {"body": "..."}
// In the target, headers and body, $ADMIN, $EDITOR, $VIEWER and $OTHER (an admin of another
// workspace) become those keys' secrets, $TPL the template's id and $EXEC the execution's.
// Checks: no crash, UB, leak or hang; no 5xx answer; every 4xx in the API's error shape.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "atelier/app/app.h"
#include "atelier/server/api_keys.h"
#include "atelier/server/server.h"
#include "http_message.h"

namespace {

using namespace atelier;

// Drops a stream at once (its first write fails), as a client that went away.
class GoneSink : public api::StreamSink {
 public:
  void Write(std::string, std::function<void(bool)> done) override {
    if (done) done(false);
  }
  void End() override {}
};

constexpr int kInputsPerApp = 2000;

struct World {
  std::string dir;
  std::unique_ptr<App> app;
  std::unique_ptr<Server> server;  // borrows app: declared after it, destroyed before it
  std::map<std::string, std::string> vars;
  int inputs = 0;
};

void Replace(std::string* s, const std::map<std::string, std::string>& vars) {
  if (s->find('$') == std::string::npos) return;
  for (const auto& [name, value] : vars) {
    size_t at = 0;
    while ((at = s->find(name, at)) != std::string::npos) {
      s->replace(at, name.size(), value);
      at += value.size();
    }
  }
}

api::HttpResponse Call(World& w, const std::string& method, const std::string& target,
                       const std::string& key, const std::string& body) {
  api::HttpRequest req;
  req.method = method;
  req.target = target;
  req.remote_addr = "127.0.0.1";
  req.headers.emplace("Authorization", "Bearer " + key);
  req.headers.emplace("Content-Type", "application/json");
  req.body = body;
  std::string why;
  if (!api::ParseTarget(&req, &why)) std::abort();
  api::HttpResponse res;
  w.server->HandleInProcess(req, res);
  return res;
}

std::unique_ptr<World> Build() {
  auto w = std::make_unique<World>();
  World& out = *w;
  {
    char tmpl[] = "/tmp/atelier-fuzz-router-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    out.dir = tmpl;
    AppOptions o;
    o.db_path = out.dir + "/atelier.db";
    o.workers = 2;
    auto app = App::Open(o);
    if (!app) {
      std::cerr << app.error().ToString() << "\n";
      std::abort();
    }
    out.app = std::move(*app);
    if (!out.app->store().EnsureWorkspace("other", "Other").ok()) std::abort();
    const std::pair<const char*, Role> roles[] = {
        {"$ADMIN", Role::kAdmin}, {"$EDITOR", Role::kEditor}, {"$VIEWER", Role::kViewer}};
    for (const auto& [var, role] : roles) {
      auto k = CreateApiKey(out.app->accounts(), "default", role, var + 1, 1);
      if (!k) std::abort();
      out.vars[var] = k->secret;
    }
    auto other = CreateApiKey(out.app->accounts(), "other", Role::kAdmin, "OTHER", 1);
    if (!other) std::abort();
    out.vars["$OTHER"] = other->secret;
    ServerOptions so;
    so.port = 0;
    so.threads = 1;
    so.io_threads = 1;
    so.adopt = false;
    so.log = [](const std::string&) {};
    out.server = std::make_unique<Server>(out.app.get(), so);
    if (!out.server->Start().ok()) std::abort();
    // A template and an execution of it, for the routes that take ids.
    auto t = Call(out, "POST", "/api/v1/templates", out.vars["$EDITOR"],
                  R"({"name": "fuzz", "inputs": {"topic": {"type": "string", "default": "x"}},
                      "nodes": [{"id": "start", "type": "start"},
                                {"id": "t", "type": "transform",
                                 "data": {"output": {"v": "{{inputs.topic}}"}}},
                                {"id": "end", "type": "end"}],
                      "edges": [{"id": "e1", "source": "start", "target": "t"},
                                {"id": "e2", "source": "t", "target": "end"}]})");
    Json tj = Json::parse(t.body, nullptr, false);
    out.vars["$TPL"] = tj.is_object() ? tj.value("id", "none") : "none";
    auto e = Call(out, "POST", "/api/v1/executions", out.vars["$EDITOR"],
                  R"({"template_id": ")" + out.vars["$TPL"] + R"("})");
    Json ej = Json::parse(e.body, nullptr, false);
    out.vars["$EXEC"] = ej.is_object() ? ej.value("id", "none") : "none";
    if (out.vars["$TPL"] == "none" || out.vars["$EXEC"] == "none") {
      std::cerr << "setup failed: " << t.body << "\n" << e.body << "\n";
      std::abort();
    }
  }
  return w;
}

// The world of the current inputs.
World* current = nullptr;

// Stops the world's server, shuts its App down and removes its folder.
void TearDown() {
  std::string dir = current->dir;
  current->server->Stop(200);
  delete current;  // the server, then the App (its engine shut down)
  current = nullptr;
  std::filesystem::remove_all(dir);
}

World& Setup() {
  if (current && current->inputs >= kInputsPerApp) TearDown();
  if (!current) {
    static const bool at_exit = [] {
      // libFuzzer ends the run with exit(), which would leave the last world's threads running
      // while LeakSanitizer checks the heap (registered before, so it runs after this): the
      // last world is torn down like the others, and all it allocated must be freed too.
      std::atexit([] {
        if (current) TearDown();
      });
      return true;
    }();
    (void)at_exit;
    current = Build().release();
  }
  ++current->inputs;
  return *current;
}

std::string_view TakeLine(std::string_view* s) {
  size_t nl = s->find('\n');
  std::string_view line = s->substr(0, nl);
  *s = nl == std::string_view::npos ? std::string_view() : s->substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = Setup();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view first = TakeLine(&in);
  size_t sp = first.find(' ');
  if (sp == std::string_view::npos) return 0;
  api::HttpRequest req;
  req.method = std::string(first.substr(0, sp));
  req.target = std::string(first.substr(sp + 1));
  req.remote_addr = "127.0.0.1";
  Replace(&req.target, w.vars);
  while (!in.empty()) {
    std::string_view line = TakeLine(&in);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string value(line.substr(colon + 1));
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    Replace(&value, w.vars);
    req.headers.emplace(std::string(line.substr(0, colon)), std::move(value));
  }
  req.body = std::string(in);
  Replace(&req.body, w.vars);
  std::string why;
  if (!api::ParseTarget(&req, &why)) return 0;  // the transport answers 400 itself
  api::HttpResponse res;
  w.server->HandleInProcess(req, res);
  if (res.on_stream) res.on_stream(std::make_shared<GoneSink>());
  if (res.status >= 500 && !(res.status == 503 && req.path == "/readyz")) {
    std::cerr << req.method << " " << req.target << " answered " << res.status << ": " << res.body
              << "\n";
    std::abort();
  }
  if (res.status >= 400 && req.method != "HEAD" && req.path.rfind("/api/", 0) == 0) {
    Json body = Json::parse(res.body, nullptr, false);
    if (!body.is_object() || !body.contains("error") || !body["error"].is_object() ||
        !body["error"].contains("code") || !body["error"].contains("message")) {
      std::cerr << req.method << " " << req.target << " answered " << res.status
                << " without the error shape: " << res.body << "\n";
      std::abort();
    }
  }
  return 0;
}
