// Private to the MCP module: the tools (their descriptions and what they do), apart from the
// protocol that carries them (mcp_server.cc).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "atelier/app/app.h"

namespace atelier::mcp {

// Progress of one call, sent as notifications/progress when the caller gave a progressToken.
using ProgressFn = std::function<void(double progress, double total, const std::string& message)>;
// Asked every few seconds while a call waits: false when its caller is gone (the wait answers at
// once). Unset: the caller stays until the wait ends.
using AliveFn = std::function<bool()>;

// A tool's answer: `result` as structured content, or an error the agent can read (isError).
struct ToolResult {
  Json structured = Json::object();
  Json content = Json::array();  // extra content blocks (images); the text of `structured` is added
  std::string error;             // non-empty: the call failed, with this sentence
};

class Tools {
 public:
  Tools(App* app, std::string ws);

  // Every tool, as tools/list describes them (name, title, description, inputSchema).
  Result<Json> List();
  // Runs tool `name`; NotFound when there is no such tool (a protocol error, not a tool error).
  Result<ToolResult> Call(const std::string& name, const Json& args, const ProgressFn& progress,
                          const AliveFn& alive = nullptr);

  // Wakes waiting calls: the engine's observer calls it on every committed event.
  void Changed();
  // The client is gone: waits answer now with what they have.
  void Close();

 private:
  ToolResult Run(const std::string& template_id, const Json& args);
  ToolResult Wait(const Json& args, const ProgressFn& progress, const AliveFn& alive);
  ToolResult Get(const Json& args);
  ToolResult Outputs(const Json& args);
  ToolResult Artifact(const Json& args);
  ToolResult Approvals(const Json& args);
  ToolResult Decide(const Json& args);
  ToolResult Fork(const Json& args);

  App* app_;
  std::string ws_;
  std::mutex mu_;
  std::condition_variable changed_;
  uint64_t generation_ = 0;  // GUARDED_BY(mu_): bumped by Changed
  bool closing_ = false;     // GUARDED_BY(mu_)
};

// "run_" + the template's name in lower case, letters and digits kept and the rest as single
// underscores, at most 64 characters ("Instagram post" -> "run_instagram_post").
std::string ToolName(const std::string& template_name);
// The JSON Schema of a template's inputs (its definition's "inputs" object).
Json InputSchema(const Json& definition);

}  // namespace atelier::mcp
