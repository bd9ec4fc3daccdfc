// JSON renderings of the engine's records, shared by the CLI's --json output and (later) the API.
// Pure functions; thread-safe.
#pragma once

#include "atelier/engine/progress.h"
#include "atelier/engine/records.h"

namespace atelier {

Json ToJson(const ExecutionRecord& e);
Json ToJson(const StepRecord& s);
Json ToJson(const Event& e);
Json ToJson(const ArtifactRecord& a);
Json ToJson(const Progress& p);
Json ToJson(const StepVersion& v);
// ISO-8601 UTC with milliseconds ("2026-11-21T06:03:27.123Z"); "" for 0.
std::string FormatTimestamp(int64_t ms);

}  // namespace atelier
