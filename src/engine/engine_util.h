// Small helpers shared by the engine's files (src/engine/*.cc): the JSON form of an error, the
// events a transition appends, the id of a sub-execution and per-node defaults. Pure functions,
// thread-safe. Private to the engine.
#pragma once

#include <cstdint>
#include <string>

#include "atelier/core/status.h"
#include "atelier/engine/node_executor.h"
#include "atelier/engine/records.h"

namespace atelier {

// {"code", "message"} as steps and executions store an error.
Json ErrorJson(const Status& s);
Status StatusFromErrorJson(const Json& j);

// What an executor hands back is stored, sent to clients and fed to later steps, all of which
// copy or dump it recursively. Each executor builds from bounded values (json_limits.h); this
// holds any executor, present or future, to the bound before the result goes anywhere. Not
// retried: the same data builds the same value.
Result<NodeResult> BoundedDepth(Result<NodeResult> r);

Event MakeEvent(const std::string& exec_id, int64_t ts, std::string type, std::string step_id,
                Json payload = Json::object());

// The id of the sub-execution a subworkflow step runs at a version. Stable, so a step started
// again (after a crash, a hand-back or a retry) finds the sub-execution it launched.
std::string ChildId(const std::string& parent, const std::string& step, int version);

}  // namespace atelier
