// HttpResponse::Header and StatusFromHttp: the one place that knows vendor HTTP status codes.
#include <strings.h>
#include <time.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "atelier/core/json_limits.h"
#include "atelier/providers/http/http_client.h"

namespace atelier {
namespace {

constexpr size_t kMaxBodyExcerpt = 300;

std::string Trim(const std::string& s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Retry-After as delta-seconds ("7", tolerating a fraction) or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT"); nullopt when absent or unreadable. A date in the past
// means "now" (0 ms).
std::optional<int64_t> RetryAfterMs(const std::string& raw) {
  std::string v = Trim(raw);
  if (v.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(v[0]))) {
    char* end = nullptr;
    double seconds = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !std::isfinite(seconds) || seconds < 0 ||
        seconds > 1e9) {
      return std::nullopt;
    }
    return static_cast<int64_t>(std::llround(seconds * 1000.0));
  }
  // IMF-fixdate is the form servers send; RFC 850 and asctime forms are obsolete but allowed.
  static const char* const kFormats[] = {"%a, %d %b %Y %H:%M:%S", "%A, %d-%b-%y %H:%M:%S",
                                         "%a %b %d %H:%M:%S %Y"};
  for (const char* fmt : kFormats) {
    struct tm tm;
    std::memset(&tm, 0, sizeof(tm));
    const char* rest = strptime(v.c_str(), fmt, &tm);
    if (rest == nullptr) continue;
    std::string tail = Trim(rest);
    if (!tail.empty() && strcasecmp(tail.c_str(), "GMT") != 0 &&
        strcasecmp(tail.c_str(), "UTC") != 0) {
      continue;
    }
    time_t when = timegm(&tm);
    if (when == static_cast<time_t>(-1)) return std::nullopt;
    int64_t delta_s = static_cast<int64_t>(when) - static_cast<int64_t>(std::time(nullptr));
    return delta_s > 0 ? delta_s * 1000 : 0;
  }
  return std::nullopt;
}

// The provider's own error text: JSON "error.message", "error" (a string) or "message"; else
// the body cut to kMaxBodyExcerpt characters.
std::string ErrorText(const std::string& body) {
  // Nested past the limit it is not read at all: the excerpt below says what came back.
  auto j = CheckJsonTextDepth(body).ok()
               ? nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false)
               : nlohmann::json();
  if (j.is_object()) {
    auto err = j.find("error");
    if (err != j.end()) {
      if (err->is_object()) {
        auto msg = err->find("message");
        if (msg != err->end() && msg->is_string()) return msg->get<std::string>();
      } else if (err->is_string()) {
        return err->get<std::string>();
      }
    }
    auto msg = j.find("message");
    if (msg != j.end() && msg->is_string()) return msg->get<std::string>();
  }
  std::string text = Trim(body);
  if (text.size() > kMaxBodyExcerpt) text = text.substr(0, kMaxBodyExcerpt) + "...";
  return text;
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return "";
}

Status StatusFromHttp(const std::string& provider, const HttpResponse& r) {
  std::string text = ErrorText(r.body);
  std::string message = provider + ": HTTP " + std::to_string(r.status);
  if (!text.empty()) message += ": " + text;
  const int s = r.status;
  if (s == 429) {
    Status st = ResourceExhausted(std::move(message));
    if (auto ms = RetryAfterMs(r.Header("retry-after"))) st.set_retry_after_ms(*ms);
    return st;
  }
  if (s == 408 || s == 409 || s >= 500) return Unavailable(std::move(message));
  if (s == 401 || s == 403) return {Code::kPermissionDenied, std::move(message)};
  if (s == 404) return NotFound(std::move(message));
  if (s >= 400) return InvalidArgument(std::move(message));
  // Not an error status (1xx/2xx/3xx handed here by mistake): an answer we cannot use.
  return Unavailable(std::move(message) + " (unexpected status)");
}

}  // namespace atelier
