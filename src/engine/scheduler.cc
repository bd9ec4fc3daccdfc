#include "scheduler.h"

namespace atelier {

bool Settled(const StepRecord& s) {
  switch (s.status) {
    case StepStatus::kSucceeded:
    case StepStatus::kSkipped:
    case StepStatus::kCancelled:
      return true;
    case StepStatus::kFailed:
      return s.due_at == 0;
    default:
      return false;
  }
}

bool PermanentlyFailed(const StepRecord& s) {
  return (s.status == StepStatus::kFailed && s.due_at == 0) || s.status == StepStatus::kCancelled;
}

bool EdgeLive(const Graph& g, const GraphEdge& e, const StepRecord& src) {
  const auto& handles = g.spec(e.from).handles;
  if (handles.empty()) return true;
  std::string handle = e.handle.empty() ? handles.front() : e.handle;
  std::string branch = src.output.is_object() ? src.output.value("branch", "") : "";
  return handle == branch;
}

StepPlan PlanStep(const Graph& g, int node, const StepRecord& cur, const StepLookup& find,
                  bool failing, int64_t now) {
  const NodeKind kind = g.spec(node).kind;
  switch (cur.status) {
    case StepStatus::kPending:
    case StepStatus::kStale: {  // stale: an upstream step has a new version
      if (failing) return {};
      bool live = false;
      for (const auto& e : g.in(node)) {
        const StepRecord* src = find(g.node(e.from).id);
        if (!src) continue;
        if (src->status == StepStatus::kSucceeded) {
          live |= EdgeLive(g, e, *src);
        } else if (src->status != StepStatus::kSkipped) {
          return {};  // an upstream step is still open
        }
      }
      if (!live && !g.in(node).empty()) return {StepAction::kSkip};
      return {StepAction::kStart};
    }
    case StepStatus::kReady:
      return failing ? StepPlan{} : StepPlan{StepAction::kStart};
    case StepStatus::kFailed:
      if (cur.due_at == 0) return {};
      if (cur.due_at <= now) return {StepAction::kStart};
      return {StepAction::kWaitUntil, cur.due_at};
    case StepStatus::kRunning:
      if (kind == NodeKind::kMap || kind == NodeKind::kSubworkflow) return {StepAction::kFollow};
      return {};
    case StepStatus::kWaiting:
      if (kind == NodeKind::kSubworkflow) return {StepAction::kFollow};
      return {};  // an approval: a decision moves it
    default:
      return {};
  }
}

StepPlan PlanItem(const StepRecord& item, int64_t now) {
  switch (item.status) {
    case StepStatus::kPending:
    case StepStatus::kReady:
      return {StepAction::kStart};
    case StepStatus::kFailed:
      if (item.due_at == 0) return {};
      if (item.due_at <= now) return {StepAction::kStart};
      return {StepAction::kWaitUntil, item.due_at};
    default:
      return {};
  }
}

Conclusion Conclude(const std::vector<StepRecord>& steps) {
  const StepRecord* failed = nullptr;
  const StepRecord* waiting = nullptr;
  bool all_settled = true, timers = false;
  for (const auto& s : steps) {
    if (!s.parent_step_id.empty()) continue;
    if (PermanentlyFailed(s) && !failed) failed = &s;
    if (s.status == StepStatus::kWaiting && !waiting) waiting = &s;
    if (s.status == StepStatus::kFailed && s.due_at > 0) timers = true;
    if (!Settled(s)) all_settled = false;
  }
  if (failed) return {Outcome::kFailed, failed};
  if (all_settled) return {Outcome::kCompleted, nullptr};
  if (waiting && !timers) return {Outcome::kWaiting, waiting};
  return {};
}

}  // namespace atelier
