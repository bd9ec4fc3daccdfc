// What both the loop and the commands add to a transition: an execution's status change and the
// closing of a step attempt's credit reservation, and the milestones a finished step reaches.
// Pure functions of their arguments (no Engine::Impl, no store), thread-safe. Private to the
// engine.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "atelier/core/template.h"
#include "atelier/engine/records.h"
#include "atelier/store/store.h"

namespace atelier {

// Adds the guarded write of `ex` moved to `to` and its `event` to `t`, at `now`. The owner
// (`owner`, this process's lease id) is released when the execution comes to rest. Refused
// (nothing added) when the state machine does not allow the move.
Status SetExecStatus(const ExecutionRecord& ex, ExecStatus to, const std::string& reason,
                     const char* event, int64_t now, const std::string& owner, Transition& t);

// The ledger key of `row`'s attempt: a replayed transition never reserves, settles or refunds
// twice.
std::string AttemptKey(const std::string& exec_id, const StepRecord& row);
// Credits as the ledger's millionths.
int64_t Micro(double credits);

// Closes the reservation of `row`'s attempt: settles at `cost` credits, or refunds it all. The
// caller adds it only when credits are on (EngineOptions::credits).
void CloseReservation(const std::string& ws, const std::string& exec_id, const StepRecord& row,
                      std::optional<double> cost, int64_t now, Transition& t);

// milestone_reached, for each automatic milestone of `tmpl` that `row` (just finished)
// completes; `find` looks up the execution's other steps.
void AppendMilestonesReached(const Template& tmpl, const std::string& exec_id,
                             const StepRecord& row, int64_t now, Transition& t,
                             const std::function<const StepRecord*(const std::string&)>& find);

}  // namespace atelier
