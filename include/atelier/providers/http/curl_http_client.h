// CurlHttpClient: the HttpClient over libcurl (linked PRIVATE to atelier_providers_http, so no
// curl header leaks out of this file pair).
//
// Each Send() uses its own easy handle driven by its own multi handle, so calls share no state
// and the object may be used from any number of threads at once. The cancel token is polled at
// least every 100 ms while waiting on the network. libcurl is initialised once per process, on
// first construction. Headers and bodies are never logged (they carry API keys and user data).
#pragma once

#include "atelier/providers/http/http_client.h"

namespace atelier {

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();

  // See HttpClient::Send. Follows redirects only when asked (HttpRequest::follow_redirects);
  // accepts any content encoding curl can decode. A pinned request (HttpRequest::pin) gets the
  // pinned addresses through CURLOPT_RESOLVE, no proxy, and a socket callback that refuses any
  // other address. Error messages name the method and the URL without its query string (which may
  // carry a key) and carry curl's own error text.
  Result<HttpResponse> Send(const HttpRequest& req, CancelToken& cancel) override;
};

}  // namespace atelier
