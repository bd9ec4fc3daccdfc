// McpHttp: the Model Context Protocol over the server's HTTP endpoint (POST /api/v1/mcp), the
// "Streamable HTTP" transport without sessions: each POST carries one JSON-RPC message of the
// caller's workspace. Requests are answered as JSON (initialize, ping, tools/list), tools/call as
// an event stream of its progress notifications and its answer, and notifications and client
// answers with 202 and no body. The tools are those of `atelier mcp` (see mcp_server.h).
//
// Thread-safety: every method may be called from any thread. Each tool call runs on a thread of
// its own, at most `max_calls_per_workspace` at once in a workspace, so one tenant's waits never
// take another's turn.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "atelier/app/app.h"

namespace atelier {

class McpHttp {
 public:
  explicit McpHttp(App* app, int max_calls_per_workspace = 16);
  ~McpHttp();  // Close()
  McpHttp(const McpHttp&) = delete;
  McpHttp& operator=(const McpHttp&) = delete;

  // Where a tool call's messages go: `send` writes one JSON-RPC message and answers false once
  // the client is gone; `alive` is asked every few seconds while a call waits (it may send a
  // keep-alive) and answers false once the client is gone; `end` ends the response.
  struct Stream {
    std::function<bool(const Json& message)> send;
    std::function<bool()> alive;
    std::function<void()> end;
  };

  struct Reply {
    int http_status = 200;  // 200: `body` (or, with `call`, the stream); 202: nothing
    Json body;
    // Set for tools/call: answer with an event stream and give it to Start. Holding it holds
    // the call's place among the workspace's calls in flight; dropping it unstarted frees it.
    std::shared_ptr<void> call;
  };

  // Reads one POSTed body from a caller of `workspace`; `may_change` is false for a viewer
  // (no run_ tools, no decisions).
  Reply Receive(const std::string& workspace, bool may_change, const std::string& body);
  // Runs a call Receive handed out, on a thread of its own; its messages go to `stream`.
  void Start(std::shared_ptr<void> call, Stream stream);

  // Wakes waiting calls: call it on every committed event.
  void Changed();
  // Waits answer at once with what they have, new calls are refused, and the calls' threads are
  // joined. Call it while the streams can still be written.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atelier
