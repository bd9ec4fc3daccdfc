// MCP over the server's HTTP endpoint: one JSON-RPC message per POST, tool calls on threads of
// their own with a cap per workspace (mcp_http.h).
#include "atelier/mcp/mcp_http.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "mcp_protocol.h"
#include "mcp_tools.h"

namespace atelier {

struct McpHttp::Impl {
  App* app;
  int max_calls;
  std::mutex mu;
  std::map<std::string, std::unique_ptr<mcp::Tools>> tools;  // GUARDED_BY(mu), by workspace
  std::map<std::string, int> in_flight;                      // GUARDED_BY(mu), by workspace
  bool closed = false;                                       // GUARDED_BY(mu)
  struct Thread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };
  std::list<Thread> threads;  // GUARDED_BY(mu)

  Impl(App* a, int max) : app(a), max_calls(max) {}

  mcp::Tools& ToolsFor(const std::string& ws) {  // REQUIRES(mu)
    auto& t = tools[ws];
    if (!t) t = std::make_unique<mcp::Tools>(app, ws);
    return *t;
  }
};

namespace {

// A tool call handed out by Receive: its place among its workspace's calls in flight, freed when
// the last holder lets go (its thread ends, or it was never started).
struct PendingCall {
  mcp::Tools* tools = nullptr;
  Json id;
  Json params;
  mcp::Access access = mcp::Access::kReadOnly;
  std::function<void()> release;
  ~PendingCall() {
    if (release) release();
  }
};

McpHttp::Reply Answer(int status, Json body) {
  McpHttp::Reply r;
  r.http_status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

McpHttp::McpHttp(App* app, int max_calls_per_workspace)
    : impl_(std::make_unique<Impl>(app, std::max(1, max_calls_per_workspace))) {}

McpHttp::~McpHttp() { Close(); }

McpHttp::Reply McpHttp::Receive(const std::string& workspace, bool may_change,
                                const std::string& body) {
  Json msg = Json::parse(body, nullptr, false);
  if (msg.is_discarded())
    return Answer(400, mcp::RpcError(nullptr, -32700,
                                     "the body is not JSON: POST one JSON-RPC 2.0 message"));
  if (msg.is_array())
    return Answer(400, mcp::RpcError(nullptr, mcp::kInvalidRequest,
                                     "one JSON-RPC message per POST: batches are not taken"));
  const mcp::Access access = may_change ? mcp::Access::kAll : mcp::Access::kReadOnly;
  mcp::Tools* tools;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    tools = &impl_->ToolsFor(workspace);
  }
  mcp::Incoming in = mcp::Receive(*tools, msg, access);
  switch (in.kind) {
    case mcp::Incoming::Kind::kNothing:
      return Answer(202, nullptr);
    case mcp::Incoming::Kind::kAnswer: {
      // A message that is no JSON-RPC request at all is the client's mistake (400); a request
      // the server cannot do is answered as JSON-RPC.
      const bool malformed = in.answer.contains("error") &&
                             in.answer["error"].value("code", 0) == mcp::kInvalidRequest;
      return Answer(malformed ? 400 : 200, std::move(in.answer));
    }
    case mcp::Incoming::Kind::kCall:
      break;
  }
  std::lock_guard<std::mutex> l(impl_->mu);
  if (impl_->closed)
    return Answer(200, mcp::RpcError(in.id, mcp::kServerBusy, "the server is shutting down"));
  int& n = impl_->in_flight[workspace];
  if (n >= impl_->max_calls)
    return Answer(200, mcp::RpcError(in.id, mcp::kServerBusy,
                                     std::to_string(impl_->max_calls) +
                                         " tool calls of this workspace are in flight, the most "
                                         "at once; call again when one has answered"));
  ++n;
  Reply r;
  Impl* impl = impl_.get();
  auto pending = std::make_shared<PendingCall>();
  pending->tools = tools;
  pending->id = std::move(in.id);
  pending->params = std::move(in.params);
  pending->access = access;
  pending->release = [impl, workspace] {
    std::lock_guard<std::mutex> g(impl->mu);
    if (--impl->in_flight[workspace] == 0) impl->in_flight.erase(workspace);
  };
  r.call = std::move(pending);
  return r;
}

void McpHttp::Start(std::shared_ptr<void> call, Stream stream) {
  auto pending = std::static_pointer_cast<PendingCall>(std::move(call));
  std::lock_guard<std::mutex> l(impl_->mu);
  for (auto it = impl_->threads.begin(); it != impl_->threads.end();) {
    if (*it->done) {
      it->thread.join();
      it = impl_->threads.erase(it);
    } else {
      ++it;
    }
  }
  if (impl_->closed) {
    stream.send(mcp::RpcError(pending->id, mcp::kServerBusy, "the server is shutting down"));
    stream.end();
    return;
  }
  Impl::Thread& t = impl_->threads.emplace_back();
  t.thread = std::thread([pending = std::move(pending), stream = std::move(stream),
                          done = t.done]() mutable {
    mcp::Tools& tools = *pending->tools;
    const Json id = pending->id;
    const Json params = pending->params;
    const mcp::Access access = pending->access;
    // The call's place is free before its answer goes out: a client that sends its next call
    // as soon as it reads the answer finds it free.
    mcp::RunCall(
        tools, id, params, access,
        [&pending, &stream](const Json& m) {
          if (m.contains("result") || m.contains("error")) pending.reset();
          stream.send(m);
        },
        stream.alive);
    pending.reset();
    stream.end();
    *done = true;
  });
}

void McpHttp::Changed() {
  std::lock_guard<std::mutex> l(impl_->mu);
  for (auto& [ws, tools] : impl_->tools) tools->Changed();
}

void McpHttp::Close() {
  std::list<Impl::Thread> threads;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->closed = true;
    for (auto& [ws, tools] : impl_->tools) tools->Close();
    threads.swap(impl_->threads);
  }
  for (auto& t : threads) t.thread.join();
}

}  // namespace atelier
