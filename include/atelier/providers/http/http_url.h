// URL parsing for callers that check a URL before the HttpClient fetches it (the `http` node's
// allow-list). Both functions use libcurl's own URL parser, the one CurlHttpClient hands the URL
// to, so the host a caller checks is the host the client connects to: no second parser to
// disagree with ("http://a.example#@b.example", "http://0x7f.1/", "[::ffff:127.0.0.1]").
#pragma once

#include <string>

#include "atelier/core/status.h"

namespace atelier {

struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower case; an IPv4 address in dotted form, an IPv6 one without brackets
  int port = 0;        // as written, else the scheme's default
  std::string url;     // the whole URL as libcurl normalises it: send this one
};

// An absolute http(s) URL. InvalidArgument for anything else: another scheme (file, gopher, ..),
// no scheme, no host, user or password in the URL, or a URL libcurl cannot parse.
Result<HttpUrl> ParseHttpUrl(const std::string& url);

// `location` (a Location header: absolute, scheme-relative "//host/x", absolute-path "/x" or
// relative "x", "../x", "?q") resolved against `base` (an absolute http(s) URL), then as
// ParseHttpUrl. A Location naming a scheme other than http or https is InvalidArgument with a
// message that names that scheme.
Result<HttpUrl> ResolveHttpUrl(const std::string& base, const std::string& location);

// `url` without its query string and fragment, for error messages (keys travel in queries).
std::string RedactUrl(const std::string& url);

}  // namespace atelier
