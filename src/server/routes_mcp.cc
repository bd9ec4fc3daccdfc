// The Model Context Protocol over HTTP (atelier/mcp/mcp_http.h; docs/mcp.md): POST /api/v1/mcp
// carries one JSON-RPC message of the key's workspace; a tool call answers as an event stream.
#include <atomic>
#include <chrono>

#include "api.h"
#include "atelier/mcp/mcp_http.h"

namespace atelier::api {
namespace {

// A comment line keeps quiet streams open through proxies; between two, an empty write asks the
// transport whether the client is still there.
constexpr int64_t kKeepAliveMs = 30000;

ApiResult Post(Call& c) {
  McpHttp::Reply r =
      c.svc.mcp->Receive(c.ws(), c.key.role >= Role::kEditor, c.req.body);
  if (!r.call) {
    if (r.http_status == 202) {
      c.res.status = 202;
      return Reply{202, Json(), true};
    }
    // A body that is no JSON-RPC message at all is refused like any bad request; requests the
    // protocol refuses are answered in JSON-RPC.
    if (r.http_status == 400)
      return Fail(BadRequest("POST /api/v1/mcp: " + r.body["error"].value("message", "")));
    return Ok(std::move(r.body), r.http_status);
  }
  c.res.set_header("Cache-Control", "no-cache");
  c.res.set_header("X-Accel-Buffering", "no");
  c.res.content_type = "text/event-stream";
  c.res.on_stream = [mcp = c.svc.mcp, call = std::move(r.call)](std::shared_ptr<StreamSink> sink) {
    struct State {
      std::atomic<bool> gone{false};
      std::atomic<int64_t> last_ms{NowMs()};
    };
    auto st = std::make_shared<State>();
    auto note = [st](bool ok) {
      if (!ok) st->gone = true;
    };
    McpHttp::Stream s;
    s.send = [sink, st, note](const Json& m) {
      st->last_ms = NowMs();
      sink->Write("event: message\ndata: " +
                      m.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n",
                  note);
      return !st->gone;
    };
    s.alive = [sink, st, note] {
      if (NowMs() - st->last_ms >= kKeepAliveMs) {
        st->last_ms = NowMs();
        sink->Write(": keep-alive\n\n", note);
      } else {
        sink->Write("", note);  // no bytes: fails once the connection is gone
      }
      return !st->gone;
    };
    s.end = [sink] { sink->End(); };
    mcp->Start(call, std::move(s));
  };
  return Reply{200, Json(), true};
}

}  // namespace

void AddMcpRoutes(std::vector<Route>* r) {
  Route post{{"POST", "/api/v1/mcp", true, Role::kViewer,
              "The Model Context Protocol (Streamable HTTP, no sessions): one JSON-RPC message "
              "per POST; the workspace's templates as tools (a viewer's key sees only the tools "
              "that read)"},
             Post};
  post.body_schema = {{"type", "object"},
                      {"description", "One JSON-RPC 2.0 message (request, notification or answer)"},
                      {"required", {"jsonrpc"}},
                      {"properties",
                       {{"jsonrpc", {{"type", "string"}, {"enum", {"2.0"}}}},
                        {"id", {{"oneOf", {{{"type", "string"}}, {{"type", "integer"}}}}}},
                        {"method", {{"type", "string"}}},
                        {"params", {{"type", "object"}}}}}};
  r->push_back(std::move(post));
}

}  // namespace atelier::api
