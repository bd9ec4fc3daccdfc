// Fault injection for crash tests, never for production use: with ATELIER_FAULT_ABORT_STEP=NODE in
// its environment, a process calls std::abort() whenever a step of node NODE (or an item of map
// NODE) starts running, after its start is committed. That is a poison pill on demand: a step that
// kills every process that runs it. Only the environment of the process can ask for it; nothing in
// a template or a request can.
#pragma once

#include <string>

#include "atelier/engine/node_executor.h"

namespace atelier {

inline constexpr const char* kFaultAbortStepEnv = "ATELIER_FAULT_ABORT_STEP";

// Wraps every executor in `nodes` so that a step of node `node_id` aborts the process. Wrapped
// executors never run inline, so every step is committed as running before it runs.
void InjectAbortAtStep(NodeRegistry* nodes, const std::string& node_id);

}  // namespace atelier
