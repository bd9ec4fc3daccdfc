// The scheduler: what is ready in an execution, decided from its state alone. Pure functions of
// the graph, the step records and the time (a parameter): no threads, no store, no clock. The
// loop (engine_schedule.cc, map_step.cc) asks them and carries the decisions out; map and
// subworkflow steps that are running are handed to their composite step to follow.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "atelier/core/graph.h"
#include "atelier/engine/records.h"

namespace atelier {

// A step that needs nothing more in this run: succeeded, skipped, cancelled or failed for good.
bool Settled(const StepRecord& s);
// Failed with no retry due, or cancelled.
bool PermanentlyFailed(const StepRecord& s);

// Whether edge `e` into a step carries flow, given its (succeeded) source: an unconditional edge
// always; a condition's or an approval's edge when its handle is the branch the source took.
bool EdgeLive(const Graph& g, const GraphEdge& e, const StepRecord& src);

// What to do with one step now.
enum class StepAction {
  kNothing,    // waits on upstream steps, on a person or on a worker; or has nothing left to do
  kSkip,       // every way in is settled and none carries flow (a branch not taken)
  kStart,      // ready: start it (a retry when it failed and its due time has come)
  kWaitUntil,  // a retry is due later, at `at`
  kFollow,     // a composite step (map, subworkflow) at work: follow what it contains
};

struct StepPlan {
  StepAction action = StepAction::kNothing;
  int64_t at = 0;  // kWaitUntil: the due time
  bool operator==(const StepPlan&) const = default;
};

// Finds a top-level step's record by step id (nullptr when it has none).
using StepLookup = std::function<const StepRecord*(const std::string& step_id)>;

// The plan for top-level step `cur` of node `node` at `now`. With `failing` (a step failed for
// good) nothing new starts; retries already due still do.
StepPlan PlanStep(const Graph& g, int node, const StepRecord& cur, const StepLookup& find,
                  bool failing, int64_t now);

// The plan for one item of a running map: kStart when pending, ready or due for a retry,
// kWaitUntil when its retry is due later, else kNothing.
StepPlan PlanItem(const StepRecord& item, int64_t now);

// Worker slots of one execution: steps that need a worker start while one is free.
struct Slots {
  int running = 0;
  int limit = 0;
  bool full() const { return running >= limit; }
  void Take() { ++running; }
};

// How an execution stands once nothing more can start in it.
enum class Outcome {
  kOpen,       // a retry is due later: it goes on running
  kFailed,     // `step` failed for good
  kCompleted,  // every step settled
  kWaiting,    // `step` waits for a person (or on its sub-execution)
};

struct Conclusion {
  Outcome outcome = Outcome::kOpen;
  const StepRecord* step = nullptr;  // kFailed, kWaiting: the (first) step concerned
};

// Over the top-level steps of `steps` (map items are ignored).
Conclusion Conclude(const std::vector<StepRecord>& steps);

}  // namespace atelier
