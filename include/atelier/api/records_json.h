// The engine's records as clients see them: the JSON of the HTTP API, the CLI's --json output and
// (coming) the MCP server, rendered in this one place (module atelier_api, above the engine, below
// the app). Times are FormatTimestamp's strings, absent times null. Pure functions; thread-safe.
#pragma once

#include "atelier/engine/milestones.h"
#include "atelier/engine/progress.h"
#include "atelier/engine/records.h"
#include "atelier/engine/timestamp.h"

namespace atelier {

Json ToJson(const ExecutionRecord& e);
Json ToJson(const StepRecord& s);
Json ToJson(const Event& e);
Json ToJson(const ArtifactRecord& a);
Json ToJson(const Progress& p);
Json ToJson(const StepVersion& v);
// {"current": {id, label} | null, "next": {id, label, manual, action} | null, "can_proceed",
//  "list": [{id, label, manual, reached, skipped, reached_at, by, note}]} (times ISO-8601).
Json ToJson(const MilestonesView& v);

}  // namespace atelier
