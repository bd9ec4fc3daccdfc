// The MCP protocol over a pair of streams: JSON-RPC 2.0, one message per line. It answers
// initialize, ping, tools/list and tools/call (each call on a thread of its own, so a long
// wait_for_execution never holds up the rest), ignores notifications, and refuses anything else
// with "method not found".
#include "atelier/mcp/mcp_server.h"

#include <atomic>
#include <istream>
#include <list>
#include <mutex>
#include <ostream>
#include <thread>

#include "mcp_tools.h"

namespace atelier {
namespace {

// The protocol versions this server speaks, newest first. A client asking for one of them gets
// it; any other gets the newest, and decides whether to go on.
const char* const kVersions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

Json Error(const Json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

Json Answer(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

}  // namespace

struct McpServer::Impl {
  Impl(App* a, std::string ws) : app(a), tools(a, std::move(ws)) {}

  App* app;
  mcp::Tools tools;
  std::mutex out_mu;
  std::ostream* out = nullptr;
  // A tool call's thread, and whether it has answered (then it is joined at the next call).
  struct Call {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };
  std::mutex calls_mu;
  std::list<Call> calls;  // GUARDED_BY(calls_mu)

  void StartCall(const Json& id, const Json& params) {
    std::lock_guard<std::mutex> l(calls_mu);
    for (auto it = calls.begin(); it != calls.end();) {
      if (*it->done) {
        it->thread.join();
        it = calls.erase(it);
      } else {
        ++it;
      }
    }
    Call& c = calls.emplace_back();
    c.thread = std::thread([this, id, params, done = c.done] {
      CallTool(id, params);
      *done = true;
    });
  }

  void Send(const Json& message) {
    std::lock_guard<std::mutex> l(out_mu);
    *out << message.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
    out->flush();
  }

  Json Initialize(const Json& params) {
    std::string version = kVersions[0];
    if (params.is_object() && params.contains("protocolVersion") &&
        params["protocolVersion"].is_string())
      for (const char* v : kVersions)
        if (params["protocolVersion"] == v) version = v;
    return {{"protocolVersion", version},
            {"capabilities", {{"tools", {{"listChanged", false}}}}},
            {"serverInfo", {{"name", "atelier"}, {"title", "Atelier"}, {"version", "0.1.0"}}},
            {"instructions",
             "Each run_ tool launches one of the workspace's Atelier templates and answers an "
             "execution_id. Follow it with wait_for_execution (it reports progress), read what "
             "it made with get_outputs and get_artifact, and when it waits for a person, "
             "list_approvals and decide_approval."}};
  }

  void CallTool(const Json& id, const Json& params) {
    if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
      Send(Error(id, kInvalidParams, "tools/call needs params.name, a string"));
      return;
    }
    Json args = params.contains("arguments") ? params["arguments"] : Json::object();
    if (!args.is_object()) {
      Send(Error(id, kInvalidParams, "tools/call: params.arguments must be an object"));
      return;
    }
    mcp::ProgressFn progress;
    if (params.contains("_meta") && params["_meta"].is_object() &&
        params["_meta"].contains("progressToken")) {
      Json token = params["_meta"]["progressToken"];
      progress = [this, token](double done, double total, const std::string& message) {
        Send({{"jsonrpc", "2.0"},
              {"method", "notifications/progress"},
              {"params", {{"progressToken", token}, {"progress", done}, {"total", total},
                          {"message", message}}}});
      };
    }
    auto r = tools.Call(params["name"].get<std::string>(), args, progress);
    if (!r) {
      Send(Error(id, r.error().code() == Code::kNotFound ? kInvalidParams : kInternalError,
                 r.error().message()));
      return;
    }
    Json result;
    if (!r->error.empty()) {
      result = {{"content", {{{"type", "text"}, {"text", r->error}}}}, {"isError", true}};
    } else {
      Json content = Json::array();
      content.push_back({{"type", "text"}, {"text", r->structured.dump(2)}});
      for (auto& c : r->content) content.push_back(std::move(c));
      result = {{"content", std::move(content)}, {"structuredContent", r->structured},
                {"isError", false}};
    }
    Send(Answer(id, std::move(result)));
  }

  void Handle(const std::string& line) {
    Json msg = Json::parse(line, nullptr, false);
    if (msg.is_discarded()) {
      Send(Error(nullptr, kParseError, "not JSON: each line must be one JSON-RPC message"));
      return;
    }
    if (!msg.is_object() || msg.value("jsonrpc", "") != "2.0" || !msg.contains("method") ||
        !msg["method"].is_string()) {
      // Answers from the client (to requests this server never sends) are ignored.
      if (msg.is_object() && (msg.contains("result") || msg.contains("error"))) return;
      Send(Error(msg.is_object() && msg.contains("id") ? msg["id"] : Json(), kInvalidRequest,
                 "a JSON-RPC 2.0 request needs \"jsonrpc\": \"2.0\" and a string \"method\""));
      return;
    }
    const std::string method = msg["method"];
    if (!msg.contains("id")) return;  // a notification: initialized, cancelled, ...
    const Json id = msg["id"];
    const Json params = msg.contains("params") ? msg["params"] : Json::object();
    if (method == "initialize") {
      Send(Answer(id, Initialize(params)));
    } else if (method == "ping") {
      Send(Answer(id, Json::object()));
    } else if (method == "tools/list") {
      auto list = tools.List();
      if (list) {
        for (auto& t : *list) t.erase("_meta");
        Send(Answer(id, {{"tools", *list}}));
      } else {
        Send(Error(id, kInternalError, list.error().message()));
      }
    } else if (method == "tools/call") {
      StartCall(id, params);
    } else {
      Send(Error(id, kMethodNotFound, "no method '" + method + "' (this server offers tools)"));
    }
  }
};

McpServer::McpServer(App* app, std::string workspace)
    : impl_(std::make_unique<Impl>(app, std::move(workspace))) {
  impl_->app->engine().SetObserver(
      [tools = &impl_->tools](const Event&, const Progress&) { tools->Changed(); });
}

McpServer::~McpServer() { impl_->app->engine().SetObserver(nullptr); }

void McpServer::Serve(std::istream& in, std::ostream& out) {
  impl_->out = &out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    impl_->Handle(line);
  }
  // The client is gone: calls in flight answer now (waits with what they have) before Serve
  // returns.
  impl_->tools.Close();
  std::list<Impl::Call> calls;
  {
    std::lock_guard<std::mutex> l(impl_->calls_mu);
    calls.swap(impl_->calls);
  }
  for (auto& c : calls) c.thread.join();
}

}  // namespace atelier
