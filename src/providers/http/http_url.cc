#include "atelier/providers/http/http_url.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <optional>

namespace atelier {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The scheme a URL reference names (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
// before any "/", "?" or "#"), in lower case; nullopt for a relative reference.
std::optional<std::string> SchemeOf(const std::string& ref) {
  if (ref.empty() || !std::isalpha(static_cast<unsigned char>(ref[0]))) return std::nullopt;
  for (size_t i = 1; i < ref.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(ref[i]);
    if (c == ':') return Lower(ref.substr(0, i));
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
  }
  return std::nullopt;
}

// One part of a parsed URL; nullopt when the URL has none.
std::optional<std::string> Part(CURLU* u, CURLUPart what, unsigned int flags = 0) {
  char* out = nullptr;
  if (curl_url_get(u, what, &out, flags) != CURLUE_OK || out == nullptr) return std::nullopt;
  std::string s(out);
  curl_free(out);
  return s;
}

Result<HttpUrl> Extract(CURLU* u, const std::string& shown) {
  HttpUrl r;
  r.scheme = Lower(Part(u, CURLUPART_SCHEME).value_or(""));
  if (r.scheme != "http" && r.scheme != "https")
    return Err(InvalidArgument("url: only http and https are allowed, not '" + r.scheme + "'"));
  if (Part(u, CURLUPART_USER) || Part(u, CURLUPART_PASSWORD) || Part(u, CURLUPART_OPTIONS))
    return Err(InvalidArgument("url: credentials in the URL are not allowed; use headers"));
  r.host = Lower(Part(u, CURLUPART_HOST).value_or(""));
  if (r.host.size() >= 2 && r.host.front() == '[' && r.host.back() == ']')
    r.host = r.host.substr(1, r.host.size() - 2);
  auto port = Part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
  r.port = port ? std::atoi(port->c_str()) : 0;
  if (r.host.empty() || r.port <= 0 || r.port > 65535)
    return Err(InvalidArgument("url: '" + shown + "' has no valid host and port"));
  r.url = Part(u, CURLUPART_URL).value_or("");
  if (r.url.empty()) return Err(InvalidArgument("url: '" + shown + "' cannot be rebuilt"));
  return r;
}

Status BadUrl(const std::string& shown, CURLUcode rc) {
  return InvalidArgument("url: '" + shown + "' is not a valid URL (" + curl_url_strerror(rc) + ")");
}

}  // namespace

std::string RedactUrl(const std::string& url) {
  size_t cut = url.find_first_of("?#");
  return cut == std::string::npos ? url : url.substr(0, cut);
}

Result<HttpUrl> ParseHttpUrl(const std::string& url) {
  const std::string shown = RedactUrl(url);
  auto scheme = SchemeOf(url);
  if (!scheme) return Err(InvalidArgument("url: '" + shown + "' has no scheme"));
  if (*scheme != "http" && *scheme != "https")
    return Err(InvalidArgument("url: only http and https are allowed, not '" + *scheme + "'"));
  UrlHandle u(curl_url());
  if (!u) return Err(Internal("url: out of memory"));
  if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK)
    return Err(BadUrl(shown, rc));
  return Extract(u.get(), shown);
}

Result<HttpUrl> ResolveHttpUrl(const std::string& base, const std::string& location) {
  const std::string shown = RedactUrl(location);
  if (auto scheme = SchemeOf(location); scheme && *scheme != "http" && *scheme != "https")
    return Err(InvalidArgument("url: redirect to '" + shown +
                               "' refused: only http and https "
                               "are allowed, not '" +
                               *scheme + "'"));
  UrlHandle u(curl_url());
  if (!u) return Err(Internal("url: out of memory"));
  if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0); rc != CURLUE_OK)
    return Err(BadUrl(RedactUrl(base), rc));
  // With a URL already in the handle, setting another resolves it against that one (RFC 3986).
  if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, location.c_str(), 0); rc != CURLUE_OK)
    return Err(BadUrl(shown, rc));
  return Extract(u.get(), shown);
}

}  // namespace atelier
