// `atelier mcp`: the Model Context Protocol over stdin and stdout, for AI agents and assistants
// (see docs/mcp.md). Stdout carries protocol messages only; anything else goes to stderr.
#include <iostream>

#include "atelier/mcp/mcp_server.h"
#include "commands.h"

namespace atelier {
namespace {

struct McpOptions {
  Common common;
};

int ServeMcp(const McpOptions& o) {
  return WithApp(o.common, [](App& app) {
    McpServer server(&app, App::kWorkspace);
    server.Serve(std::cin, std::cout);
    // The client has gone: what still runs is handed back (queued, for the next process).
    app.engine().Shutdown();
    return kExitOk;
  });
}

}  // namespace

Command AddMcp(CLI::App& cli) {
  return MakeCommand(
      cli, "mcp",
      "Serve the Model Context Protocol on stdin/stdout: the workspace's templates as tools for "
      "AI agents",
      [](CLI::App* c, McpOptions& o) {
        AddDbOption(c, o.common);
        AddRunOptions(c, o.common);
      },
      &ServeMcp);
}

}  // namespace atelier
