// Approval steps: a person decides. Starting one asks (the step waits, approval_requested carries
// the rendered message and what to show); the decision is a command (commands.cc, Decide).
#include "composite_step.h"

namespace atelier {

const Engine::Impl::ApprovalStep& Engine::Impl::ApprovalStep::Get() {
  static const ApprovalStep kStep;
  return kStep;
}

void Engine::Impl::ApprovalStep::Start(Impl& e, ExecState& ex, int node, StepRecord row,
                                       StepStatus expected, int expected_attempt, int64_t now,
                                       Pending p, std::vector<Pending>& batch) const {
  const Json& data = ex.graph->node(node).data;
  Json scope = e.ScopeFor(ex, node, nullptr);
  Json message = data.contains("message") ? data["message"] : Json("Approve to continue.");
  if (auto r = RenderValue(message, scope)) message = *r;
  Json show = data.contains("show") ? data["show"] : Json();
  if (auto r = RenderValue(show, scope)) show = *r;
  row.status = StepStatus::kWaiting;
  row.attempt += 1;
  row.started_at = now;
  p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
  p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "approval_requested", row.step_id,
                                          {{"message", message}, {"show", show}})});
  batch.push_back(std::move(p));
}

// A waiting approval is not the loop's to move: the scheduler never hands it back (kNothing).
void Engine::Impl::ApprovalStep::Follow(Impl&, ExecState&, int, const StepRecord&, Slots&, int64_t,
                                        std::vector<Pending>&) const {}

}  // namespace atelier
