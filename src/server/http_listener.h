// Private to the server: the HTTP/1.1 transport, event-driven on Boost.Beast (Asio).
//
// A few I/O threads own every connection: reading request headers and bodies, writing responses
// and event streams. No connection ever holds a thread while it waits for a client, so idle or
// half-sent requests and thousands of open event streams cost memory, not threads. A complete
// request is handed to a fixed pool of worker threads (handlers may block on the store); the
// response goes back to the I/O threads to be written.
//
// Limits (ListenerOptions): the request line and header sizes, a deadline for a request's headers
// (which is also the keep-alive idle time) and one for its body, the body size, connections in all
// and per client address, and per client the connections that have not yet shown an API key (over
// that cap the client's oldest such idle connection is closed, so a client can only crowd out
// itself). What the transport refuses by itself is answered through `on_error` in the API's error
// shape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "atelier/core/status.h"
#include "http_message.h"

namespace atelier::api {

struct ListenerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  int io_threads = 2;
  int worker_threads = 16;
  size_t max_body_bytes = 1 << 20;
  size_t max_request_line = 8192;   // longer: 414
  size_t max_header_bytes = 16384;  // request line and headers together; more: 431
  int64_t header_timeout_ms = 10000;  // from waiting for a request to the end of its headers
  int64_t body_timeout_ms = 30000;
  int64_t write_timeout_ms = 30000;   // one write (a response, or one chunk of a stream)
  int max_connections = 16384;
  int max_connections_per_client = 1024;
  int max_unauthenticated_per_client = 256;
  size_t max_queued_requests = 4096;  // complete requests waiting for a worker; more: 503
};

// Runs a request to its response (on a worker thread, or on an I/O thread when `run_inline` says
// so: only for handlers that never block).
using RequestHandler = std::function<void(const HttpRequest&, HttpResponse&)>;
// Fills `res` for a request the transport refused (`req` holds what was read of it).
using ErrorHandler = std::function<void(const HttpRequest& req, int status, const std::string& code,
                                        const std::string& message, HttpResponse& res)>;

class HttpListener {
 public:
  HttpListener(ListenerOptions opts, RequestHandler handler, ErrorHandler on_error,
               std::function<bool(const HttpRequest&)> run_inline = nullptr);
  ~HttpListener();  // Stop()
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Binds and starts serving on background threads. Unavailable when the address cannot be bound.
  Status Start();
  int port() const;
  // Stops accepting connections; those open are served on. Stop() does it too.
  void StopAccepting();
  // Stops accepting, closes idle connections, lets requests being handled finish and their
  // responses go out (for at most `grace_ms`), then ends every connection. Event streams should be
  // ended by their producers first. Idempotent.
  void Stop(int64_t grace_ms = 2000);
  // Connections open now (for metrics and tests).
  int open_connections() const;

 private:
  class Impl;
  friend class Session;  // a connection (http_listener.cc)
  std::unique_ptr<Impl> impl_;
};

}  // namespace atelier::api
