// McpServer: Atelier as a Model Context Protocol server, so AI agents and assistants can use a
// workspace's templates as tools. Messages are JSON-RPC 2.0, one per line (the MCP stdio
// transport); `atelier mcp` serves stdin/stdout.
//
// Tools (see docs/mcp.md):
//   run_<template>      one per template of the workspace, its input schema generated from the
//                       template's typed inputs; launches it and answers the execution id;
//   wait_for_execution  blocks until the execution rests (completed, failed, stopped, waiting for
//                       a person, paused) or a timeout, sending progress notifications when the
//                       call carries a progressToken;
//   get_execution, get_outputs, get_artifact (images as image content), list_approvals,
//   decide_approval.
// Executions launched here run in this process (the App's engine), and are handed back (queued,
// leases released) when the input ends.
//
// Thread-safety: Serve runs on one thread; tool calls run on threads of their own and answer
// through one writer lock, so a long wait never blocks a ping or another call.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>

#include "atelier/app/app.h"

namespace atelier {

class McpServer {
 public:
  McpServer(App* app, std::string workspace);
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  // Reads messages from `in` until it ends, answering on `out`; returns once every call it
  // started has answered.
  void Serve(std::istream& in, std::ostream& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atelier
