// The OpenAPI 3.1 document, built from the route table so that it names every route the router
// answers (a test checks both ways).
#include "server/api.h"

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

Json ErrorResponse(const std::string& what) {
  return {
      {"description", what},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

Json OpenApiDocument(const std::vector<Route>& routes) {
  Json paths = Json::object();
  for (const Route& r : routes) {
    Json op = {{"summary", r.info.summary}, {"operationId", OperationId(r.info)}};
    Json params = Json::array();
    size_t pos = 0;
    while ((pos = r.info.pattern.find('{', pos)) != std::string::npos) {
      size_t end = r.info.pattern.find('}', pos);
      params.push_back({{"name", r.info.pattern.substr(pos + 1, end - pos - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
      pos = end;
    }
    for (const auto& q : r.query)
      params.push_back({{"name", q}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    if (r.info.method == "POST" && r.info.pattern == "/api/v1/executions")
      params.push_back({{"name", "Idempotency-Key"},
                        {"in", "header"},
                        {"description",
                         "A retried launch with the same key returns the same "
                         "execution; the same key with another request answers 422"},
                        {"schema", {{"type", "string"}}}});
    if (r.info.pattern.find("/stream") != std::string::npos)
      params.push_back({{"name", "Last-Event-ID"},
                        {"in", "header"},
                        {"description", "Resume after this event id"},
                        {"schema", {{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = params;
    if (!r.body_schema.is_null())
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", r.body_schema}}}}}};
    Json responses = Json::object();
    std::string ok = std::to_string(r.success_status);
    if (r.info.pattern.find("/stream") != std::string::npos) {
      responses[ok] = {{"description", "An event stream"},
                       {"content", {{"text/event-stream", {{"schema", {{"type", "string"}}}}}}}};
    } else if (r.info.pattern == "/metrics") {
      responses[ok] = {{"description", "Prometheus text format"},
                       {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}};
    } else if (r.info.pattern.find("/content") != std::string::npos) {
      responses[ok] = {{"description", "The artifact's bytes, typed by its mime"}};
    } else if (r.success_status == 204) {
      responses[ok] = {{"description", "Done"}};
    } else {
      responses[ok] = {{"description", "Success"},
                       {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    }
    if (r.info.auth) {
      op["security"] = Json::array({{{"bearer", Json::array()}}});
      responses["401"] = ErrorResponse("Missing, unknown or revoked API key");
      responses["403"] = ErrorResponse(std::string("Needs the ") + RoleName(r.info.role) + " role");
      op["x-required-role"] = RoleName(r.info.role);
    } else {
      op["security"] = Json::array();
    }
    if (!r.body_schema.is_null() || r.info.method != "GET")
      responses["400"] = ErrorResponse("Malformed or invalid request");
    if (r.info.pattern.find('{') != std::string::npos)
      responses["404"] = ErrorResponse("Not found (or another workspace's)");
    if (r.info.method == "POST" && r.info.pattern.find("/executions/{id}") != std::string::npos)
      responses["409"] = ErrorResponse("The state machine refuses it in the current state");
    if (r.info.method == "POST" && r.info.pattern == "/api/v1/executions")
      responses["422"] = ErrorResponse("Idempotency-Key reused for another request");
    op["responses"] = responses;
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
           {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
            {"schemas",
             {{"Error",
               {{"type", "object"},
                {"required", {"error"}},
                {"properties",
                 {{"error",
                   {{"type", "object"},
                    {"required", {"code", "message", "details"}},
                    {"properties",
                     {{"code", {{"type", "string"}}},
                      {"message", {{"type", "string"}}},
                      {"details", {{"type", "object"}}}}}}}}}}}}}}}};
}

}  // namespace atelier::api
