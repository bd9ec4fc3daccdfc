// Private to the server: one HTTP request and its response as the route handlers see them,
// independent of the transport (http_listener.cc). Header names compare case-insensitively.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace atelier::api {

struct CaseLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded path, without the query
  std::multimap<std::string, std::string, CaseLess> headers;
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::string body;
  std::string remote_addr;

  bool has_header(const std::string& name) const { return headers.count(name) > 0; }
  std::string get_header_value(const std::string& name) const;
  bool has_param(const std::string& name) const { return params.count(name) > 0; }
  std::string get_param_value(const std::string& name) const;
};

// Fills req->path (percent-decoded) and req->params (decoded query parameters, '+' as a space)
// from req->target, as the transport does for every request. False with `why` when the target
// cannot be read: not a path starting with '/', or a NUL byte in the path or the query.
bool ParseTarget(HttpRequest* req, std::string* why);

// The write side of a streamed response (Server-Sent Events). Thread-safe: the producer writes
// from its own thread; the transport sends in order and reports each write's outcome.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Sends `text` as one chunk. `done(ok)` runs once it is on the wire (ok) or the connection is
  // gone (not ok); it runs on a transport thread and must not block.
  virtual void Write(std::string text, std::function<void(bool ok)> done) = 0;
  // Ends the response (the last chunk) and closes the connection.
  virtual void End() = 0;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
  // Set by a streaming handler: the headers go out with chunked encoding, then `on_stream` gets
  // the sink and owns the rest of the response. The handler's thread is free at once.
  std::function<void(std::shared_ptr<StreamSink>)> on_stream;
  // Set by the dispatcher when the request carried a valid API key (the connection then no
  // longer counts against the per-client cap on unauthenticated connections).
  bool authenticated = false;

  void set_header(const std::string& name, const std::string& value);
  void set_content(std::string text, std::string type) {
    body = std::move(text);
    content_type = std::move(type);
  }
};

}  // namespace atelier::api
