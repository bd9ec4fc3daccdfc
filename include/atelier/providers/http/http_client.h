// HttpClient: the one way provider adapters talk HTTP. CurlHttpClient is the implementation
// (libcurl, linked PRIVATE to atelier_providers_http); tests may hand adapters a client pointed at
// a loopback server. Send() is thread-safe and may be called concurrently; it blocks until the
// answer, the timeout, or the cancel token.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/engine/cancel.h"

namespace atelier {

// Where an HTTP provider is and how it is called: the settings every HTTP provider shares (the
// providers file's "base_url", "api_key_env" and "timeout_ms"). Each provider's config extends
// it with its own defaults and fields.
struct HttpEndpoint {
  std::string base_url;
  std::string api_key;          // already read from the environment; empty: none is sent
  int64_t timeout_ms = 120000;  // per HTTP call, or per whole call where the provider says so
};

struct HttpPart {  // one part of a multipart/form-data body
  std::string name;
  std::string data;
  std::string filename;      // "" for a plain field
  std::string content_type;  // "" for a plain field
};

struct HttpRequest {
  std::string method = "POST";  // GET or POST
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Authorization", "Bearer .."}
  std::string body;            // sent as is (set Content-Type in headers)
  std::vector<HttpPart> form;  // when not empty: sent as multipart/form-data instead of `body`
  int64_t timeout_ms = 120000;
  int64_t connect_timeout_ms = 10000;
  // Off: a 3xx answer is returned as it is (its Location header tells where), and the caller
  // decides whether to go there; this is what a caller that checks URLs needs (the `http` node
  // follows redirects itself, checking each hop). On: up to 5 redirects are followed, to http
  // and https URLs only.
  bool follow_redirects = false;
  // When set: the request connects only to these addresses, for `pin.host`:`pin.port`, which
  // must be the URL's host and port (else InvalidArgument); the client does no DNS lookup of its
  // own and uses no proxy. Any connection to another address is refused (PermissionDenied), so a
  // caller that checked the addresses knows the request went to one of them.
  struct Pin {
    std::string host;  // lower case, an IPv6 address without brackets
    int port = 0;
    std::vector<std::string> addresses;  // numeric, e.g. "192.0.2.7", "2001:db8::7"
  };
  std::optional<Pin> pin;
  // When set: called with each piece of the body as it arrives, on the thread that called Send,
  // for answers read as they stream (Server-Sent Events). The body is still collected in
  // HttpResponse::body. Called for any status (an error answer's body too).
  std::function<void(std::string_view)> on_body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  // The first header with this (case-insensitive) name, or "".
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a successful Result (the caller decides what it means). Errors:
  // DeadlineExceeded when timeout_ms passes; Unavailable when the connection fails or drops
  // (refused, reset, closed mid-answer, DNS failure); Cancelled when `cancel` fires (checked at
  // least every 100 ms); InvalidArgument for a malformed URL; PermissionDenied when a pinned
  // request would connect elsewhere. Never logs headers (they carry keys).
  virtual Result<HttpResponse> Send(const HttpRequest& req, CancelToken& cancel) = 0;
};

// Maps a provider's non-2xx answer to a Status, the one place that knows vendor HTTP codes:
// 429 -> ResourceExhausted, with retry_after_ms from Retry-After (seconds or an HTTP date);
// 408, 409, 5xx -> Unavailable; 401, 403 -> PermissionDenied; 404 -> NotFound; other 4xx ->
// InvalidArgument. The message names the provider and the status and carries the provider's own
// error text (JSON "error.message", "error" or "message", else the body cut to 300 characters).
Status StatusFromHttp(const std::string& provider, const HttpResponse& r);

}  // namespace atelier
