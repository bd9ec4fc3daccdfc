// Workspace export and import: a workspace's templates (every version), schedules and webhook
// triggers as one JSON document, importable into another workspace or another Atelier instance.
// See docs/transfer.md.
//
// The document: {"atelier_export": 1, "exported_at", "workspace": {"id", "name"},
//   "templates": [{"name", "versions": [{"version", "definition", "created_at"}]}],
//   "schedules": [{"name", "template", "version", "inputs", "cron", "time_zone", "every_seconds",
//                  "start_at", "catch_up", "misfire_grace_seconds", "paused"}],
//   "triggers": [{"name", "template", "version", "inputs", "map", "tolerance_seconds", "paused"}]}
// Built-in templates are left out (every workspace has them); deleted templates too. Secrets are
// never exported: an imported trigger gets a new secret, answered once in the import's report.
//
// Import never loses what the target holds: a template's versions are added in order (a version
// whose content the target's latest already has adds nothing), so versions are numbered anew in
// the target and a schedule or trigger pinned to version N is pinned to what N became; a schedule
// or trigger whose name is taken is skipped and reported. Every template version is checked
// before anything is written; schedules and triggers are checked as their services check a
// create, and the first that is refused stops the import naming it (the templates written stay;
// importing the same document again adds nothing twice).
//
// Thread-safety: as the services it calls.
#pragma once

#include <string>

#include "atelier/app/app.h"
#include "atelier/app/schedules.h"
#include "atelier/app/service_error.h"
#include "atelier/app/triggers.h"

namespace atelier {

// The workspace `ws` as a document.
ServiceResult<Json> ExportWorkspace(App& app, ScheduleService& schedules, TriggerService& triggers,
                                    const std::string& ws);

// Imports `doc` into `ws`. Answers the report: {"templates": [{"name", "action" ("created",
// "updated", "unchanged"), "id", "versions": {"SOURCE": TARGET, ...}}], "schedules": [{"name",
// "action" ("created", "skipped"), "id", "reason"?}], "triggers": [{"name", "action", "id",
// "secret"? (created ones)}]}. InvalidArgument naming the place ("templates[1].versions[0]:
// ...") for a malformed document; AlreadyExists for a template name a built-in holds.
ServiceResult<Json> ImportWorkspace(App& app, ScheduleService& schedules, TriggerService& triggers,
                                    const std::string& ws, const Json& doc);

}  // namespace atelier
