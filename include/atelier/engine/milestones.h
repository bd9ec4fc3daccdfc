// Milestones of an execution: the business states its template declares (docs/templates.md),
// derived from its steps and the manual marks in its event log (never stored by hand). Pure;
// thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "atelier/core/graph.h"
#include "atelier/core/status.h"
#include "atelier/engine/records.h"

namespace atelier {

// Event types (payloads: {milestone, label} and {milestone, label, by, note}).
inline constexpr const char* kMilestoneReached = "milestone_reached";
inline constexpr const char* kMilestoneMarked = "milestone_marked";

// A person's mark on a manual milestone, as read back from a `milestone_marked` event.
struct MilestoneMark {
  std::string milestone;
  std::string by;
  std::string note;
  int64_t at = 0;
};

struct MilestoneState {
  std::string id, label;
  bool manual = false;
  bool reached = false;
  // An automatic milestone whose `when` steps were all skipped (a branch not taken): it is never
  // reached and does not hold up the ones after it.
  bool skipped = false;
  int64_t reached_at = 0;  // the last `when` step's finish, or the mark's time; 0 when not reached
  std::string by, note;    // a manual milestone's mark
};

struct MilestonesView {
  std::vector<MilestoneState> list;  // in template order
  int current = -1;  // index in `list` of the last reached milestone in order; -1 = none
  int next = -1;     // index of the first one neither reached nor skipped; -1 = none left
  // What moves the execution to `next` ("" when there is none): "mark 'submitted' (Submitted to
  // client)", "waiting for steps: export", "approve step 'review'", "resume the execution
  // (paused: ...)", "retry the execution (failed: ...)", "cannot be reached: ...".
  std::string action;
  // True when `next` will be reached by steps running or queued now, or by what a person is
  // asked to do in `action` as part of the flow (a mark, an approval); false when the
  // execution is failed, stopped or paused, the steps `next` needs can no longer run, or
  // nothing is left (next = -1).
  bool can_proceed = false;
};

// The `milestone_marked` events among `events` (the first mark of each milestone wins).
std::vector<MilestoneMark> MarksFromEvents(const std::vector<Event>& events);

// `steps`: the execution's steps (map items are ignored); `status`/`reason`: the execution's.
MilestonesView ComputeMilestones(const Template& t, ExecStatus status, const std::string& reason,
                                 const std::vector<StepRecord>& steps,
                                 const std::vector<MilestoneMark>& marks);

// Whether a person may mark `milestone_id` now: NotFound for a milestone the template does not
// declare; FailedPrecondition (saying why) for an automatic one, one already marked (naming who
// and when), or one whose earlier milestones are not all reached (naming the first that is not).
Status CheckMarkable(const Template& t, const MilestonesView& v, const std::string& milestone_id);

// The automatic milestones that `changed` (a top-level step about to be written succeeded or
// skipped) reaches: those listing its node whose other `when` steps are already finished, in
// template order. `find` looks up the execution's other steps by step id (nullptr: none).
// Cheap when the template declares no milestones or none names the step.
std::vector<const Milestone*> MilestonesReachedBy(
    const Template& t, const StepRecord& changed,
    const std::function<const StepRecord*(const std::string&)>& find);


}  // namespace atelier
