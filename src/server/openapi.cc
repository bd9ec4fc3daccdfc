// The OpenAPI 3.1 document, built from the route table so that it names every route the router
// answers (a test checks both ways). Bodies are described in openapi_schemas.cc, what each route
// answers in openapi_operations.cc; clients are generated from this document (web/), so every
// request, response and parameter is typed exactly.
#include "openapi.h"

namespace atelier::api {
namespace {

std::string OperationId(const RouteInfo& r) {
  std::string id;
  bool upper = false;
  for (char ch : r.method + "_" + r.pattern) {
    if (std::isalnum(static_cast<unsigned char>(ch))) {
      id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch)))
                  : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      upper = false;
    } else {
      upper = !id.empty();
    }
  }
  return id;
}

Json JsonContent(Json schema) { return {{"application/json", {{"schema", std::move(schema)}}}}; }

Json ErrorResponse(const std::string& what) {
  return {{"description", what},
          {"content", JsonContent({{"$ref", "#/components/schemas/Error"}})}};
}

std::string ErrorText(int status, const Route& r) {
  switch (status) {
    case 400:
      return "Malformed or invalid request; details.field names the field";
    case 401:
      return "Missing, unknown or revoked API key";
    case 403:
      if (!r.info.auth)
        return "The X-Atelier-CSRF header is missing, or the Origin is another site";
      return std::string("Needs the ") + RoleName(r.info.role) +
             " role (or, with the session cookie, the X-Atelier-CSRF header is missing)";
    case 404:
      return "Not found (or another workspace's)";
    case 409:
      return r.info.pattern.find("/templates") != std::string::npos
                 ? "The name is taken, or the template is built-in (clone it)"
                 : "The state machine refuses it in the current state";
    case 413:
      return "The request body is larger than the server's limit";
    case 422:
      if (r.info.pattern.find("/estimate") != std::string::npos)
        return "The inputs do not fit the template (invalid_argument): details.field names the "
               "first, details.errors lists every one, as a launch reports them";
      return "Idempotency-Key reused for another request";
    case 429:
      return "Out of credits or rate-limited; details.retry_after_ms when known";
    case 503:
      return "The store does not answer";
    default:
      return "Error";
  }
}

Json Parameters(const Route& r, const OperationDoc& doc) {
  Json params = Json::array();
  size_t pos = 0;
  while ((pos = r.info.pattern.find('{', pos)) != std::string::npos) {
    size_t end = r.info.pattern.find('}', pos);
    params.push_back(
        {{"name", r.info.pattern.substr(pos + 1, end - pos - 1)},
         {"in", "path"},
         {"required", true},
         {"schema", {{"type", "string"}, {"pattern", "^[A-Za-z0-9_.:\\[\\]-]{1,200}$"}}}});
    pos = end;
  }
  for (const auto& q : r.query)
    params.push_back({{"name", q}, {"in", "query"}, {"schema", QueryParameterSchema(q, doc)}});
  if (r.info.method == "POST" && r.info.pattern == "/api/v1/executions")
    params.push_back({{"name", "Idempotency-Key"},
                      {"in", "header"},
                      {"description",
                       "A retried launch with the same key returns the same "
                       "execution; the same key with another request answers 422"},
                      {"schema", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}}});
  if (r.info.pattern == "/api/v1/hooks/{id}") {
    params.push_back({{"name", "X-Atelier-Timestamp"},
                      {"in", "header"},
                      {"required", true},
                      {"description", "The sender's clock, whole seconds since the epoch"},
                      {"schema", {{"type", "string"}}}});
    params.push_back({{"name", "X-Atelier-Signature"},
                      {"in", "header"},
                      {"required", true},
                      {"description",
                       "sha256= and the hex HMAC-SHA256 of 'TIMESTAMP.BODY' under the trigger's "
                       "secret"},
                      {"schema", {{"type", "string"}}}});
    params.push_back({{"name", "X-Atelier-Delivery"},
                      {"in", "header"},
                      {"required", true},
                      {"description",
                       "The delivery's id, the same on every retry: a retry answers the execution "
                       "the first one made"},
                      {"schema", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}}});
  }
  if (r.info.method != "GET" && (r.info.auth || r.info.pattern == "/api/v1/session"))
    params.push_back({{"name", "X-Atelier-CSRF"},
                      {"in", "header"},
                      {"required", !r.info.auth},
                      {"description",
                       "1: required on state-changing requests signed in by the session cookie "
                       "(and to sign in or out), so that other sites cannot make them"},
                      {"schema", {{"type", "string"}, {"enum", {"1"}}}}});
  if (r.info.pattern.find("/stream") != std::string::npos)
    params.push_back({{"name", "Last-Event-ID"},
                      {"in", "header"},
                      {"description", "Resume after this event id"},
                      {"schema", {{"type", "string"}}}});
  return params;
}

Json SuccessResponses(const Route& r, const OperationDoc& doc) {
  Json responses = Json::object();
  std::string ok = std::to_string(r.success_status);
  if (r.info.pattern.find("/stream") != std::string::npos) {
    responses[ok] = {
        {"description",
         "Server-Sent Events: each event of the log has an id (seq, or gid for the workspace), an "
         "event line with the event type and a data line holding a StreamEvent. Between them, "
         "while steps run, `event: step_progress` frames with NO id line (they never move "
         "Last-Event-ID and are not in the log) carry a StepProgress: the latest live progress "
         "of a running step, at most one per step per 100 ms"},
        {"content",
         {{"text/event-stream",
           {{"schema", {{"type", "string"}}},
            {"x-data-schema", {{"$ref", "#/components/schemas/StreamEvent"}}},
            {"x-progress-data-schema", {{"$ref", "#/components/schemas/StepProgress"}}}}}}}};
  } else if (r.info.pattern == "/api/v1/mcp") {
    const Json message = {{"type", "object"},
                          {"description", "A JSON-RPC 2.0 message"},
                          {"required", {"jsonrpc"}}};
    responses[ok] = {
        {"description",
         "A request's answer: JSON for initialize, ping and tools/list; for tools/call an event "
         "stream whose `event: message` frames carry the call's notifications/progress and "
         "then its answer"},
        {"content",
         {{"application/json", {{"schema", message}}},
          {"text/event-stream",
           {{"schema", {{"type", "string"}}}, {"x-data-schema", message}}}}}};
    responses["202"] = {{"description", "A notification or a client's answer: taken, no body"}};
  } else if (r.info.pattern == "/metrics") {
    responses[ok] = {{"description", "Prometheus text format"},
                     {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}};
  } else if (r.info.pattern.find("/content") != std::string::npos) {
    responses[ok] = {
        {"description", "The artifact's bytes, typed by its mime"},
        {"headers",
         {{"Content-Disposition",
           {{"description", "attachment; filename=\"NAME\""}, {"schema", {{"type", "string"}}}}},
          {"ETag",
           {{"description", "The SHA-256 of the bytes"}, {"schema", {{"type", "string"}}}}}}},
        {"content", {{"*/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
  } else if (r.success_status == 303) {
    responses[ok] = {{"description", "Signed in: the session cookie is set and Location is the UI"},
                     {"headers",
                      {{"Location", {{"schema", {{"type", "string"}}}}},
                       {"Set-Cookie", {{"schema", {{"type", "string"}}}}}}}};
  } else if (r.success_status == 204) {
    responses[ok] = {{"description", "Done"}};
  } else {
    responses[ok] = {{"description", "Success"}, {"content", JsonContent(doc.ok_schema)}};
  }
  if (r.info.method == "POST" &&
      (r.info.pattern == "/api/v1/executions" || r.info.pattern == "/api/v1/hooks/{id}"))
    responses["200"] = {
        {"description", r.info.pattern == "/api/v1/executions"
                            ? "A launch replayed by its Idempotency-Key"
                            : "A retried delivery (same X-Atelier-Delivery): the execution the "
                              "first one launched"},
        {"headers",
         {{"Idempotent-Replayed", {{"schema", {{"type", "string"}, {"enum", {"true"}}}}}}}},
        {"content", JsonContent(doc.ok_schema)}};
  return responses;
}

}  // namespace

Json OpenApiDocument(const std::vector<Route>& routes) {
  Json paths = Json::object();
  for (const Route& r : routes) {
    OperationDoc doc = DescribeOperation(r.info.method, r.info.pattern);
    Json op = {{"summary", r.info.summary}, {"operationId", OperationId(r.info)}};
    Json params = Parameters(r, doc);
    if (!params.empty()) op["parameters"] = params;
    Json body = doc.body_schema.is_null() ? r.body_schema : doc.body_schema;
    bool takes_body = !body.is_null() || (r.info.method != "GET" && r.info.method != "DELETE");
    if (!body.is_null()) {
      op["requestBody"] = {{"required", true}, {"content", JsonContent(body)}};
    } else if (takes_body) {
      // Commands take no fields; an empty object (or no body) is what they accept.
      op["requestBody"] = {{"required", false},
                           {"content", JsonContent({{"type", "object"},
                                                    {"additionalProperties", false},
                                                    {"properties", Json::object()}})}};
    }
    Json responses = SuccessResponses(r, doc);
    std::vector<int> errors;
    if (r.info.auth) errors = {401, 403};
    if (takes_body || !r.query.empty() || r.info.pattern.find('{') != std::string::npos)
      errors.push_back(400);
    if (r.info.pattern.find('{') != std::string::npos) errors.push_back(404);
    if (takes_body) errors.push_back(413);
    errors.insert(errors.end(), doc.errors.begin(), doc.errors.end());
    for (int e : errors) responses[std::to_string(e)] = ErrorResponse(ErrorText(e, r));
    responses["default"] =
        ErrorResponse("Any other error (405, 429, 500, 503, 504) in the same shape");
    op["responses"] = responses;
    if (r.info.auth) {
      op["security"] = Json::array({{{"bearer", Json::array()}}, {{"session", Json::array()}}});
      op["x-required-role"] = RoleName(r.info.role);
    } else {
      op["security"] = Json::array();
    }
    std::string method = r.info.method;
    for (char& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    paths[r.info.pattern][method] = op;
  }
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "Atelier API"},
            {"version", "1"},
            {"description", "Durable workflows for AI content pipelines. See docs/api.md."}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
              {"session",
               {{"type", "apiKey"},
                {"in", "cookie"},
                {"name", "atelier_session"},
                {"description", "Set by POST /api/v1/session (HttpOnly, SameSite=Strict)"}}}}},
            {"schemas", OpenApiSchemas()}}}};
}

}  // namespace atelier::api
