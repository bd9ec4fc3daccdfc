// The MCP protocol: answers initialize, ping and tools/list, runs tools/call (with progress
// notifications), ignores notifications and client answers, and refuses anything else with
// "method not found".
#include "mcp_protocol.h"

namespace atelier::mcp {
namespace {

// The protocol versions this server speaks, newest first. A client asking for one of them gets
// it; any other gets the newest, and decides whether to go on.
const char* const kVersions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

constexpr int kParseError = -32700;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

Json Answer(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Incoming Reply(Json answer) {
  Incoming in;
  in.kind = Incoming::Kind::kAnswer;
  in.answer = std::move(answer);
  return in;
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

// The tools that launch, fork or decide: a read-only caller neither sees nor calls them.
bool Writes(const std::string& name) {
  return name == "decide_approval" || name == "fork_execution";
}
bool Changes(const Json& tool) { return tool.contains("_meta") || Writes(tool.value("name", "")); }

}  // namespace

Json RpcError(const Json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

Incoming Receive(Tools& tools, const std::string& text, Access access) {
  Json msg = Json::parse(text, nullptr, false);
  if (msg.is_discarded())
    return Reply(RpcError(nullptr, kParseError, "not JSON: a message must be one JSON-RPC message"));
  return Receive(tools, msg, access);
}

Incoming Receive(Tools& tools, const Json& msg, Access access) {
  // Every field is checked for its type before it is read: a client's message never throws.
  const bool rpc = msg.is_object() && msg.contains("jsonrpc") && msg["jsonrpc"].is_string() &&
                   msg["jsonrpc"] == "2.0";
  if (!rpc || !msg.contains("method") || !msg["method"].is_string()) {
    // Answers from the client (to requests this server never sends) are ignored.
    if (msg.is_object() && (msg.contains("result") || msg.contains("error"))) return {};
    return Reply(RpcError(msg.is_object() && msg.contains("id") ? msg["id"] : Json(),
                          kInvalidRequest,
                          "a JSON-RPC 2.0 request needs \"jsonrpc\": \"2.0\" and a string "
                          "\"method\""));
  }
  const std::string method = msg["method"];
  if (!msg.contains("id")) return {};  // a notification: initialized, cancelled, ...
  const Json id = msg["id"];
  const Json params = msg.contains("params") ? msg["params"] : Json::object();
  if (method == "initialize") return Reply(Answer(id, Initialize(params)));
  if (method == "ping") return Reply(Answer(id, Json::object()));
  if (method == "tools/list") {
    auto list = tools.List();
    if (!list) return Reply(RpcError(id, kInternalError, list.error().message()));
    Json shown = Json::array();
    for (auto& t : *list) {
      if (access == Access::kReadOnly && Changes(t)) continue;
      t.erase("_meta");
      shown.push_back(std::move(t));
    }
    return Reply(Answer(id, {{"tools", std::move(shown)}}));
  }
  if (method == "tools/call") {
    Incoming in;
    in.kind = Incoming::Kind::kCall;
    in.id = id;
    in.params = params;
    return in;
  }
  return Reply(RpcError(id, kMethodNotFound, "no method '" + method + "' (this server offers tools)"));
}

void RunCall(Tools& tools, const Json& id, const Json& params, Access access, const SendFn& send,
             const AliveFn& alive) {
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    send(RpcError(id, kInvalidParams, "tools/call needs params.name, a string"));
    return;
  }
  const std::string name = params["name"];
  Json args = params.contains("arguments") ? params["arguments"] : Json::object();
  if (!args.is_object()) {
    send(RpcError(id, kInvalidParams, "tools/call: params.arguments must be an object"));
    return;
  }
  if (access == Access::kReadOnly) {
    bool changes = Writes(name);
    if (!changes && name.rfind("run_", 0) == 0) {
      auto list = tools.List();
      if (!list) {
        send(RpcError(id, kInternalError, list.error().message()));
        return;
      }
      for (const auto& t : *list)
        if (t.value("name", "") == name && Changes(t)) changes = true;
    }
    if (changes) {
      send(Answer(id, {{"content", {{{"type", "text"},
                                     {"text", "'" + name + "' launches or decides, which needs "
                                              "the editor role; this key has viewer"}}}},
                       {"isError", true}}));
      return;
    }
  }
  ProgressFn progress;
  if (params.contains("_meta") && params["_meta"].is_object() &&
      params["_meta"].contains("progressToken")) {
    Json token = params["_meta"]["progressToken"];
    progress = [&send, token](double done, double total, const std::string& message) {
      send({{"jsonrpc", "2.0"},
            {"method", "notifications/progress"},
            {"params", {{"progressToken", token}, {"progress", done}, {"total", total},
                        {"message", message}}}});
    };
  }
  auto r = tools.Call(name, args, progress, alive);
  if (!r) {
    send(RpcError(id, r.error().code() == Code::kNotFound ? kInvalidParams : kInternalError,
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
  send(Answer(id, std::move(result)));
}

}  // namespace atelier::mcp
