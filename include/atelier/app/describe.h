// DescribeExecution: one execution as the CLI's `show --json` and the API's GET /executions/{id}
// render it. Shared so that both report the same progress, stage and totals.
#pragma once

#include <string>

#include "atelier/app/app.h"

namespace atelier {

// {execution, template {id, version, name}, progress, totals, steps (graph order, map items after
// their map, each with type, stage and artifact ids), artifacts, milestones (only when the template
// declares some: see ToJson(MilestonesView))}. Everything is read within
// workspace `ws`: NotFound for an unknown id or another workspace's id.
Result<Json> DescribeExecution(App& app, const std::string& ws, const std::string& id);

// The execution's status at a glance (what a client polls): the execution record plus
// template {id, version, name}, progress, stage ("stage 2 of 3"), totals and, when the template
// declares milestones, milestones {current, next, can_proceed, list}. Reads no step
// contents, so it stays cheap however long the steps' conversations are.
Result<Json> ExecutionStatusJson(App& app, const std::string& ws, const std::string& id);

}  // namespace atelier
