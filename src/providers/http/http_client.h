// HttpClient: the one way provider adapters talk HTTP. CurlHttpClient is the implementation
// (libcurl, linked PRIVATE to atelier_providers_http); tests may hand adapters a client pointed at
// a loopback server. Send() is thread-safe and may be called concurrently; it blocks until the
// answer, the timeout, or the cancel token.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/engine/cancel.h"

namespace atelier {

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
  // least every 100 ms); InvalidArgument for a malformed URL. Never logs headers (they carry keys).
  virtual Result<HttpResponse> Send(const HttpRequest& req, CancelToken& cancel) = 0;
};

// Maps a provider's non-2xx answer to a Status, the one place that knows vendor HTTP codes:
// 429 -> ResourceExhausted, with retry_after_ms from Retry-After (seconds or an HTTP date);
// 408, 409, 5xx -> Unavailable; 401, 403 -> PermissionDenied; 404 -> NotFound; other 4xx ->
// InvalidArgument. The message names the provider and the status and carries the provider's own
// error text (JSON "error.message", "error" or "message", else the body cut to 300 characters).
Status StatusFromHttp(const std::string& provider, const HttpResponse& r);

}  // namespace atelier
