// Server: the JSON REST API under /api/v1 over an App (engine, store, blobs), with Server-Sent
// Events, an OpenAPI document, health checks and Prometheus metrics. See docs/api.md.
//
// Ownership: borrows the App, which must outlive it. Threading: Start and Stop are called from one
// thread (the owner's); requests are handled on a pool of `threads` threads, connections live on
// `io_threads` event-driven threads (Boost.Beast). The HTTP library stays inside src/server/*.cc:
// this header does not include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/app/notifier.h"
#include "atelier/app/retention.h"
#include "atelier/store/accounts.h"

namespace atelier {

namespace api {
struct HttpRequest;
struct HttpResponse;
}  // namespace api

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (read it back with Server::port())
  // Threads that run request handlers (which may wait on the store). Connections, slow clients
  // and open event streams hold none: they live on the I/O threads.
  int threads = 16;
  int io_threads = 2;
  size_t max_body_bytes = 1 << 20;   // larger request bodies answer 413
  size_t max_request_line = 8192;    // a longer request line answers 414
  size_t max_header_bytes = 16384;   // request line and headers together; more answers 431
  int64_t header_timeout_ms = 10000; // a request's headers (and a keep-alive idle wait); then 408
  int64_t body_timeout_ms = 30000;   // a request's body; then 408
  int max_connections = 16384;       // open connections in all; more answer 503
  int max_connections_per_client = 1024;  // per client address; more answer 503
  // Per client address, connections that have not yet shown a valid API key: over this, the
  // client's oldest idle one is closed.
  int max_unauthenticated_per_client = 256;
  int64_t heartbeat_ms = 15000;     // SSE comment lines on idle streams
  // How often an idle stream looks in the store for events committed by other processes.
  int64_t stream_poll_ms = 500;
  // On Start and then every `adopt_interval_ms`, drive every queued or running execution in the
  // database that no live process drives (resuming a crashed server's work once its lease ends).
  // Never in a process that runs no steps (App workers 0, `serve --workers 0`): workers do that.
  bool adopt = true;
  int64_t adopt_interval_ms = 2000;
  // Fire due schedules (docs/schedules.md), looking for them every `schedule_poll_ms`.
  bool schedules = true;
  int64_t schedule_poll_ms = 1000;
  // Send outbound notifications (docs/notifications.md) with these settings.
  bool notifications = true;
  NotifierOptions notifier;
  // Apply the workspaces' retention policies (docs/retention.md): a sweep every
  // `retention_interval_ms`, the first `retention_first_ms` after Start.
  bool retention = true;
  int64_t retention_interval_ms = 5 * 60 * 1000;
  int64_t retention_first_ms = 60 * 1000;
  RetentionOptions retention_options;
  // The web UI answered at `/` (every path outside the API): "" serves the files compiled into
  // the binary, else the files under this folder (UI development, e.g. `npm run build` output).
  std::string ui_dir;
  // Origins ("https://dash.example.com", scheme://host[:port] exactly as browsers send them) whose
  // pages may call the API cross-origin: their requests get Access-Control-Allow-Origin and
  // their preflights a 204. Empty: none (other origins get no CORS headers; their preflights 403).
  std::vector<std::string> cors_origins;
  // Receives one JSON object per line (the request log and lifecycle messages). Default: stderr.
  std::function<void(const std::string& line)> log;
};

// One route of the API: what the router, the OpenAPI document and docs/api.md agree on.
struct RouteInfo {
  std::string method;         // "GET", "POST", "PUT", "DELETE"
  std::string pattern;        // "/api/v1/executions/{id}/pause"
  bool auth = true;           // needs Authorization: Bearer <key>
  Role role = Role::kViewer;  // the least role that may call it (when auth)
  std::string summary;
};

// Every route the server answers, in routing order.
std::vector<RouteInfo> ApiRoutes();
// The OpenAPI 3.1 document served at /api/v1/openapi.json.
const std::string& OpenApiJson();

class Server {
 public:
  Server(App* app, ServerOptions opts);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, adopts executions (when opts.adopt), starts serving on background threads and returns
  // once requests are accepted. Unavailable when the address cannot be bound.
  Status Start();
  // The bound port (after Start).
  int port() const;
  // A one-time sign-in link's path and query for the key `key_secret`: opening it in a browser
  // signs that browser in (a session cookie) and then the link stops working. Thread-safe.
  std::string SignInPath(const std::string& key_secret);
  // Runs one request, as the transport hands it over (target parsed by api::ParseTarget), through
  // the router and its handlers on the calling thread, without a connection: the route fuzzer
  // (fuzz/fuzz_router.cc) drives the real dispatch this way. After Start(). A streaming answer
  // comes back with `on_stream` set, for the caller to give a sink or drop. The request types are
  // private to src/server (http_message.h).
  void HandleInProcess(const api::HttpRequest& req, api::HttpResponse& res);
  // Graceful shutdown: stops accepting, ends open event streams, then shuts the engine down so
  // running steps commit within `grace_ms` or are handed back. Idempotent.
  void Stop(int64_t grace_ms = 5000);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses "HOST:PORT" ("127.0.0.1:8080", ":8080", "[::1]:0"). InvalidArgument when malformed.
Status ParseListenAddress(const std::string& text, std::string* host, int* port);

}  // namespace atelier
