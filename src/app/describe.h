// DescribeExecution: one execution as the CLI's `show --json` and the API's GET /executions/{id}
// render it. Shared so that both report the same progress, stage and totals.
#pragma once

#include <string>

#include "app/app.h"

namespace atelier {

// {execution, template {id, version, name}, progress, totals, steps (graph order, map items after
// their map, each with type, stage and artifact ids), artifacts}. Everything is read within
// workspace `ws`: NotFound for an unknown id or another workspace's id.
Result<Json> DescribeExecution(App& app, const std::string& ws, const std::string& id);

}  // namespace atelier
