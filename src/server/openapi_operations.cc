// What each route answers: its success body, the error statuses particular to it and the types
// of its query parameters, keyed by "METHOD /pattern". The route table stays the one list of
// routes; a test checks that every route is described here and that real answers match.
#include <map>

#include "openapi.h"

namespace atelier::api {
namespace {

Json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

struct Entry {
  const char* schema;  // component name of the success body, "" for none
  std::vector<int> errors;
  const char* body = "";  // component name of the request body, "" for the route's own
  int limit_max = 0;
  const char* status = "";  // component name of the `status` query parameter, "" for executions'
};

const std::map<std::string, Entry>& Table() {
  const std::string x = "/api/v1/executions/{id}";
  const std::string s = x + "/steps/{step}";
  static const std::map<std::string, Entry> table = {
      {"GET /healthz", {"StatusOk", {}}},
      {"GET /readyz", {"Ready", {503}}},
      {"GET /metrics", {"", {}}},
      {"GET /api/v1/openapi.json", {"OpenApiDocument", {}}},
      {"GET /api/v1/templates", {"TemplatePage", {}, "", 1000}},
      {"POST /api/v1/templates", {"Template", {409}, "TemplateDefinition"}},
      {"GET /api/v1/templates/categories", {"CategoryList", {}}},
      {"GET /api/v1/node-types", {"NodeTypeList", {}}},
      {"POST /api/v1/templates/validate", {"ValidationResult", {}, "TemplateDefinition"}},
      {"GET /api/v1/templates/{id}", {"Template", {}}},
      {"PUT /api/v1/templates/{id}", {"Template", {409}, "TemplateDefinition"}},
      {"DELETE /api/v1/templates/{id}", {"", {409}}},
      {"GET /api/v1/templates/{id}/versions", {"TemplatePage", {}}},
      {"POST /api/v1/templates/{id}/clone", {"Template", {409}}},
      {"POST /api/v1/executions", {"Execution", {422, 429}}},
      {"POST /api/v1/executions/{id}/fork", {"Execution", {409, 422, 429}}},
      {"POST /api/v1/executions/estimate", {"Estimate", {422}}},
      {"GET /api/v1/executions", {"ExecutionPage", {}, "", 1000}},
      {"GET " + x, {"ExecutionDetail", {}}},
      {"GET " + x + "/steps", {"StepList", {}}},
      {"GET " + s + "/versions", {"StepVersionList", {}}},
      {"GET " + x + "/events", {"EventPage", {}, "", 10000}},
      {"GET " + x + "/events/stream", {"", {}}},
      {"GET " + x + "/documents", {"DocumentList", {}}},
      {"POST " + x + "/pause", {"Execution", {409}}},
      {"POST " + x + "/resume", {"Execution", {409}}},
      {"POST " + x + "/stop", {"Execution", {409}}},
      {"POST " + x + "/retry", {"Execution", {409}}},
      {"POST " + s + "/approve", {"Execution", {409}}},
      {"POST " + s + "/reject", {"Execution", {409}}},
      {"POST " + s + "/tweak", {"Execution", {409}}},
      {"POST " + s + "/regenerate", {"Execution", {409}}},
      {"POST " + s + "/retry", {"Execution", {409}}},
      {"POST " + s + "/attachments", {"DocumentList", {409}}},
      {"POST " + s + "/revert", {"Execution", {409}}},
      {"POST " + x + "/milestones/{milestone}", {"ExecutionDetail", {409}}},
      {"GET /api/v1/events/stream", {"", {}}},
      {"GET /api/v1/approvals", {"ApprovalPage", {}, "", 200}},
      {"GET /api/v1/artifacts", {"ArtifactList", {}, "", 10000}},
      {"GET " + x + "/artifacts", {"ArtifactList", {}, "", 10000}},
      {"GET /api/v1/artifacts/{id}", {"Artifact", {}}},
      {"GET /api/v1/artifacts/{id}/content", {"", {}}},
      {"GET /api/v1/schedules", {"ScheduleList", {}}},
      {"POST /api/v1/schedules", {"Schedule", {409, 422}, "ScheduleDefinition"}},
      {"GET /api/v1/schedules/{id}", {"Schedule", {}}},
      {"PATCH /api/v1/schedules/{id}", {"Schedule", {409, 422}, "ScheduleDefinition"}},
      {"DELETE /api/v1/schedules/{id}", {"", {}}},
      {"POST /api/v1/schedules/{id}/pause", {"Schedule", {}}},
      {"POST /api/v1/schedules/{id}/resume", {"Schedule", {}}},
      {"GET /api/v1/triggers", {"TriggerList", {}}},
      {"POST /api/v1/triggers", {"Trigger", {409, 422}, "TriggerDefinition"}},
      {"GET /api/v1/triggers/{id}", {"Trigger", {}}},
      {"PATCH /api/v1/triggers/{id}", {"Trigger", {409, 422}, "TriggerDefinition"}},
      {"DELETE /api/v1/triggers/{id}", {"", {}}},
      {"POST /api/v1/triggers/{id}/rotate", {"Trigger", {}}},
      {"GET /api/v1/notifications/endpoints", {"EndpointList", {}}},
      {"POST /api/v1/notifications/endpoints", {"Endpoint", {409, 422}, "EndpointDefinition"}},
      {"GET /api/v1/notifications/endpoints/{id}", {"Endpoint", {}}},
      {"PATCH /api/v1/notifications/endpoints/{id}", {"Endpoint", {409, 422}, "EndpointDefinition"}},
      {"DELETE /api/v1/notifications/endpoints/{id}", {"", {409}}},
      {"POST /api/v1/notifications/endpoints/{id}/rotate", {"Endpoint", {}}},
      {"GET /api/v1/notifications/deliveries",
       {"DeliveryPage", {}, "", 500, "NotificationDeliveryStatus"}},
      {"GET /api/v1/notifications/deliveries/{id}", {"NotificationDelivery", {}}},
      {"POST /api/v1/notifications/deliveries/{id}/resend", {"NotificationDelivery", {409}}},
      {"GET /api/v1/retention", {"RetentionPolicy", {}}},
      {"PUT /api/v1/retention", {"RetentionPolicy", {}, "RetentionPolicyDefinition"}},
      {"POST /api/v1/retention/preview", {"RetentionPreview", {}, "RetentionPolicyDefinition"}},
      {"POST /api/v1/retention/run", {"RetentionRun", {}}},
      {"POST /api/v1/hooks/{id}", {"Execution", {401, 409, 422}, "DeliveryBody"}},
      {"GET /api/v1/workspace/export", {"WorkspaceExport", {}}},
      {"POST /api/v1/workspace/import", {"ImportReport", {409}, "WorkspaceExport"}},
      {"POST /api/v1/mcp", {"", {}}},
      {"GET /api/v1/workspace", {"Workspace", {}}},
      {"GET /api/v1/credits", {"Balance", {}}},
      {"GET /api/v1/credits/ledger", {"LedgerPage", {}, "", 1000}},
      {"POST /api/v1/credits/grants", {"Grant", {}}},
      {"GET /api/v1/keys", {"ApiKeyList", {}}},
      {"POST /api/v1/keys", {"NewApiKey", {}}},
      {"DELETE /api/v1/keys/{id}", {"ApiKey", {}}},
      {"POST /api/v1/session", {"Session", {401, 403}}},
      {"DELETE /api/v1/session", {"", {403}}},
      {"GET /api/v1/session/link", {"", {401}}},
  };
  return table;
}

}  // namespace

OperationDoc DescribeOperation(const std::string& method, const std::string& pattern) {
  OperationDoc doc;
  auto it = Table().find(method + " " + pattern);
  if (it == Table().end()) return doc;
  const Entry& e = it->second;
  if (*e.schema) doc.ok_schema = Ref(e.schema);
  doc.errors = e.errors;
  if (*e.body) doc.body_schema = Ref(e.body);
  doc.limit_max = e.limit_max;
  if (*e.status) doc.status_schema = Ref(e.status);
  return doc;
}

bool Described(const std::string& method, const std::string& pattern) {
  return Table().count(method + " " + pattern) > 0;
}

Json QueryParameterSchema(const std::string& name, const OperationDoc& doc) {
  const char* when =
      "Milliseconds since the Unix epoch, or ISO-8601 UTC (2026-11-21T06:03:27Z, optional "
      "fraction)";
  if (name == "limit") {
    Json j = {{"type", "integer"}, {"minimum", 1}};
    if (doc.limit_max) j["maximum"] = doc.limit_max;
    return j;
  }
  if (name == "after") return {{"type", "integer"}, {"minimum", 0}};
  if (name == "version") return {{"type", "integer"}, {"minimum", 0}};
  if (name == "include_sub" || name == "current") return {{"type", "boolean"}};
  if (name == "status") return doc.status_schema.is_null() ? Ref("ExecutionStatus") : doc.status_schema;
  if (name == "order")
    return {{"type", "string"}, {"enum", {"oldest", "newest"}}, {"default", "oldest"}};
  if (name == "kind") return {{"type", "string"}, {"enum", {"document", "image"}}};
  if (name == "created_after" || name == "created_before")
    return {{"type", "string"}, {"description", when}};
  return {{"type", "string"}};
}

}  // namespace atelier::api
