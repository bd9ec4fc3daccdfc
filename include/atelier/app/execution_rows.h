// ExecutionRows: the rows of the runs list (GET /api/v1/executions), each execution with what a
// list shows of it: its template's name, its progress and its cost so far. Computed for the
// whole page from a bounded number of store reads (AccountStore::OverviewExecutions), never
// from each execution's full steps, so a page of 1,000 costs a few queries.
#pragma once

#include <string>
#include <vector>

#include "atelier/app/app.h"

namespace atelier {

// One JSON object per record of `page`, in its order: the execution record (ToJson) plus
// "template_name", "progress" (the figures GET /api/v1/executions/{id} gives: percent, finished,
// total, stage, stages, running, waiting) and "cost" (credits, as its totals.cost). An execution
// whose template cannot be read gets template_name "" and zero progress rather than failing the
// page. Errors: whatever the store answers.
Result<std::vector<Json>> ExecutionRows(App& app, const std::string& ws,
                                        const std::vector<ExecutionRecord>& page);

}  // namespace atelier
