// Workspace export and import (atelier/app/workspace_transfer.h; docs/transfer.md): templates with
// every version, schedules and triggers as one JSON document.
#include "api.h"
#include "atelier/app/workspace_transfer.h"

namespace atelier::api {
namespace {

ApiResult Export(Call& c) {
  auto doc = ExportWorkspace(c.app(), *c.svc.schedules, *c.svc.triggers, c.ws());
  if (!doc) return Fail(doc.error());
  c.res.set_header("Content-Disposition", "attachment; filename=\"atelier-" + c.ws() + ".json\"");
  return Ok(std::move(*doc));
}

ApiResult Import(Call& c) {
  auto doc = ParseJsonBody(c);
  if (!doc) return Fail(doc.error());
  auto report = ImportWorkspace(c.app(), *c.svc.schedules, *c.svc.triggers, c.ws(), *doc);
  if (!report) {
    ApiError e = ErrorFromService(report.error());
    if (report.error().status.code() == Code::kAlreadyExists) e.status = 409;
    return Fail(e);
  }
  return Ok(std::move(*report));
}

}  // namespace

void AddTransferRoutes(std::vector<Route>* r) {
  r->push_back({{"GET", "/api/v1/workspace/export", true, Role::kViewer,
                 "The workspace's templates (every version), schedules and triggers as one "
                 "document (no secrets, no built-ins)"},
                Export});
  r->push_back({{"POST", "/api/v1/workspace/import", true, Role::kEditor,
                 "Import an export: templates add versions, schedules and triggers whose names "
                 "are free are created (new secrets, answered once)"},
                Import});
}

}  // namespace atelier::api
