// Progress of an execution, derived from its steps (never stored by hand). Pure; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "atelier/core/graph.h"
#include "atelier/engine/records.h"

namespace atelier {

struct Progress {
  // 0..100: finished work steps over reachable work steps; 100 only when no step (the end step
  // and map items included) is left to run, at most 99 before.
  double percent = 0;
  int finished = 0;    // work steps (not start/end, not map items) that finished
  int total = 0;       // work steps not skipped
  int stage = 0;       // 1-based current stage; equals `stages` once the last stage finishes
  int stages = 0;      // stages among the work steps that are not skipped
  std::vector<std::string> running;  // step ids running now (map: "id 3/10")
  std::vector<std::string> waiting;  // step ids waiting for a decision
};

// `steps` are all steps of one execution (map items included). A map counts in proportion to its
// finished items. Stage N is the lowest stage (Graph::stage) that still has an unfinished step;
// when every stage has finished, N = M.
Progress ComputeProgress(const Graph& g, const std::vector<StepRecord>& steps);

// The items of one map's current run (IsCurrentItem), as progress counts them.
struct MapItemCounts {
  int finished = 0;  // succeeded, skipped, cancelled, or failed with no retry due
  int total = 0;
  int open = 0;      // pending, ready, running, waiting, or failed with a retry due
};
bool CountsAsFinished(const StepRecord& item);
bool CountsAsOpen(const StepRecord& step);

// The same figures from the top-level steps and each map's item counts, for a caller that keeps
// those counts as steps change (the engine, which carries progress in its events) instead of
// walking every item. `items` answers for a map step id (zero counts when it has none).
Progress ComputeProgress(const Graph& g, const std::vector<const StepRecord*>& top,
                         const std::function<MapItemCounts(const std::string&)>& items);

// What the execution's provider calls used and cost so far, every version of every step:
// {"input_tokens", "output_tokens", "images", "cost"}.
Json UsageTotals(const std::vector<StepRecord>& steps);

}  // namespace atelier
