// The MCP protocol (mcp_protocol.h) over a pair of streams: JSON-RPC 2.0, one message per line.
// Each tools/call runs on a thread of its own, so a long wait_for_execution never holds up the
// rest; every message out goes through one writer lock.
#include "atelier/mcp/mcp_server.h"

#include <atomic>
#include <istream>
#include <list>
#include <mutex>
#include <ostream>
#include <thread>

#include "mcp_protocol.h"
#include "mcp_tools.h"

namespace atelier {

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
      mcp::RunCall(tools, id, params, mcp::Access::kAll, [this](const Json& m) { Send(m); });
      *done = true;
    });
  }

  void Send(const Json& message) {
    std::lock_guard<std::mutex> l(out_mu);
    *out << message.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
    out->flush();
  }

  void Handle(const std::string& line) {
    mcp::Incoming in = mcp::Receive(tools, line, mcp::Access::kAll);
    if (in.kind == mcp::Incoming::Kind::kAnswer) Send(in.answer);
    if (in.kind == mcp::Incoming::Kind::kCall) StartCall(in.id, in.params);
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
