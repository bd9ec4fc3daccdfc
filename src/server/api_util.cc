// The helpers of api.h: error mapping, body and query parsing.
#include <algorithm>
#include <chrono>
#include <ctime>

#include "atelier/core/validation.h"
#include "api.h"

namespace atelier::api {

ApiError ErrorFromStatus(const Status& s) {
  ApiError e;
  e.message = s.message().empty() ? std::string(CodeName(s.code())) : s.message();
  switch (s.code()) {
    case Code::kInvalidArgument:
      e.status = 400;
      e.code = "invalid_argument";
      break;
    case Code::kNotFound:
      e.status = 404;
      e.code = "not_found";
      break;
    case Code::kAlreadyExists:
    case Code::kFailedPrecondition:
    case Code::kAborted:
      e.status = 409;
      e.code = "conflict";
      break;
    case Code::kPermissionDenied:
      e.status = 403;
      e.code = "forbidden";
      break;
    case Code::kUnauthenticated:
      e.status = 401;
      e.code = "unauthenticated";
      break;
    case Code::kResourceExhausted:
      e.status = 429;
      e.code = "resource_exhausted";
      if (s.retry_after_ms()) e.details["retry_after_ms"] = *s.retry_after_ms();
      break;
    case Code::kUnavailable:
    case Code::kCancelled:
      e.status = 503;
      e.code = "unavailable";
      break;
    case Code::kDeadlineExceeded:
      e.status = 504;
      e.code = "deadline_exceeded";
      break;
    case Code::kOk:
    case Code::kInternal:
      e.status = 500;
      e.code = "internal";
      break;
  }
  return e;
}

ApiError BadRequest(std::string message, const std::string& field) {
  ApiError e{400, "invalid_argument", std::move(message), Json::object()};
  if (!field.empty()) e.details["field"] = field;
  return e;
}

ApiError ErrorFromService(const ServiceError& e) {
  ApiError a = ErrorFromStatus(e.status);
  if (!e.field.empty()) a.details["field"] = e.field;
  return a;
}

// Every problem with the inputs at once, each naming its field; the message names the first.
ApiError InputsError(const ServiceError& e) {
  Json list = Json::array();
  for (const auto& v : e.input_errors) {
    std::string where = v.where;
    if (where.rfind("launch ", 0) == 0) where = where.substr(7);
    list.push_back({{"field", where}, {"message", v.message}});
  }
  ApiError a = BadRequest(
      list.empty() ? "invalid inputs"
                   : list[0]["field"].get<std::string>() + ": " + e.input_errors[0].message,
      list.empty() ? "inputs" : list[0]["field"].get<std::string>());
  a.details["errors"] = list;
  return a;
}

Json ErrorBody(const ApiError& e) {
  return {{"error", {{"code", e.code}, {"message", e.message}, {"details", e.details}}}};
}

namespace {

const char* TypeName(JType t) {
  switch (t) {
    case JType::kString:
      return "a string";
    case JType::kInteger:
      return "an integer";
    case JType::kNumber:
      return "a number";
    case JType::kBoolean:
      return "a boolean";
    case JType::kObject:
      return "an object";
    case JType::kArray:
      return "an array";
    case JType::kAny:
      break;
  }
  return "a value";
}

bool HasType(const Json& v, JType t) {
  switch (t) {
    case JType::kString:
      return v.is_string();
    case JType::kInteger:
      return v.is_number_integer();
    case JType::kNumber:
      return v.is_number();
    case JType::kBoolean:
      return v.is_boolean();
    case JType::kObject:
      return v.is_object();
    case JType::kArray:
      return v.is_array();
    case JType::kAny:
      return true;
  }
  return false;
}

const char* JsonTypeName(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

}  // namespace

tl::expected<Json, ApiError> ParseJsonBody(const Call& c) {
  // A body sent as a form (curl -d without a Content-Type) is not JSON: say so, whatever its size.
  if (c.req.has_header("Content-Type")) {
    std::string type = c.req.get_header_value("Content-Type");
    std::string media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    std::transform(media.begin(), media.end(), media.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    bool json = media == "application/json" ||
                (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
    if (!json)
      return Fail(ApiError{415,
                           "unsupported_media_type",
                           "the request body must be JSON: send 'Content-Type: application/json' "
                           "(got '" + type + "')",
                           {{"content_type", type}}});
  }
  auto parsed = ParseJsonText(c.req.body);
  if (!parsed) return Fail(BadRequest("malformed JSON body: " + parsed.error().message(), "body"));
  return std::move(*parsed);
}

tl::expected<Json, ApiError> ParseObjectBody(const Call& c) {
  auto doc = ParseJsonBody(c);
  if (!doc) return doc;
  if (!doc->is_object()) return Fail(BadRequest("the body must be a JSON object"));
  return doc;
}

ApiError ErrorWithInputs(const ServiceError& e) {
  if (e.status.code() == Code::kInvalidArgument && e.field == "inputs" && !e.input_errors.empty()) {
    ApiError a = InputsError(e);
    a.status = 422;
    return a;
  }
  return ErrorFromService(e);
}

tl::expected<Json, ApiError> ParseBody(const Call& c, const std::vector<Field>& fields) {
  bool blank = c.req.body.find_first_not_of(" \t\r\n") == std::string::npos;
  Json body = Json::object();
  if (!blank) {
    auto parsed = ParseJsonBody(c);
    if (!parsed) return parsed;
    body = std::move(*parsed);
    if (!body.is_object())
      return Fail(BadRequest(
          std::string("the body must be a JSON object, got ") + JsonTypeName(body), "body"));
  }
  for (const auto& [name, value] : body.items()) {
    const Field* f = nullptr;
    for (const auto& candidate : fields)
      if (candidate.name == name) f = &candidate;
    if (!f) {
      std::string known;
      for (const auto& k : fields) known += (known.empty() ? "" : ", ") + k.name;
      return Fail(BadRequest(
          "unknown field '" + name + "'" +
              (known.empty() ? "; this request takes no fields" : "; known fields: " + known),
          name));
    }
    if (!HasType(value, f->type))
      return Fail(BadRequest(
          "field '" + name + "' must be " + TypeName(f->type) + ", got " + JsonTypeName(value),
          name));
  }
  for (const auto& f : fields)
    if (f.required && !body.contains(f.name))
      return Fail(BadRequest("missing required field '" + f.name + "'", f.name));
  return body;
}

std::string Query(const Call& c, const std::string& name) {
  return c.req.has_param(name) ? c.req.get_param_value(name) : "";
}

namespace {
bool ParseInt(const std::string& text, int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  size_t i = 0;
  bool neg = text[0] == '-';
  if (neg) i = 1;
  if (i == text.size()) return false;
  int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = neg ? -v : v;
  return true;
}
}  // namespace

tl::expected<int64_t, ApiError> QueryInt(const Call& c, const std::string& name, int64_t def,
                                         int64_t min, int64_t max) {
  if (!c.req.has_param(name)) return def;
  std::string text = c.req.get_param_value(name);
  int64_t v = 0;
  if (!ParseInt(text, &v) || v < min || v > max)
    return Fail(BadRequest("query parameter '" + name + "' must be an integer from " +
                               std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                               text + "'",
                           name));
  return v;
}

tl::expected<int64_t, ApiError> QueryTime(const Call& c, const std::string& name) {
  if (!c.req.has_param(name)) return 0;
  std::string text = c.req.get_param_value(name);
  int64_t v = 0;
  if (ParseInt(text, &v) && v >= 0) return v;
  std::tm tm{};
  int ms = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) == 6) {
    std::string rest = text.substr(static_cast<size_t>(consumed));
    if (!rest.empty() && rest[0] == '.') {
      size_t digits = 1;
      int scale = 100;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
        ms += (rest[digits] - '0') * scale;
        scale /= 10;
        ++digits;
      }
      rest = rest.substr(digits);
    }
    if (rest == "Z" || rest.empty()) {
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
    }
  }
  return Fail(BadRequest("query parameter '" + name +
                             "' must be milliseconds since the epoch or an ISO-8601 UTC time "
                             "(2026-11-21T06:03:27Z), got '" +
                             text + "'",
                         name));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Json Page(Json items, const std::string& next_cursor) {
  return {{"items", std::move(items)},
          {"next_cursor", next_cursor.empty() ? Json() : Json(next_cursor)}};
}

}  // namespace atelier::api

namespace atelier::api {

Result<ApiKeyRecord> FindKey(Services& svc, const std::string& secret_hash) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  return svc.keys.Find(secret_hash, now, [&](const std::string& hash) {
    return svc.app->accounts().FindApiKeyByHash(hash);
  });
}

}  // namespace atelier::api
