// One scheduling round of an execution: what starts, what is skipped, how it concludes.
#include "composite_step.h"
#include "engine_impl.h"
#include "scheduler.h"

namespace atelier {

// ---- scheduling ---------------------------------------------------------------------------------
bool Engine::Impl::IsMapStep(const ExecState& ex, const StepRecord& s) {
  if (!s.parent_step_id.empty()) return false;
  int i = ex.graph->IndexOf(s.node_id);
  return i >= 0 && ex.graph->spec(i).kind == NodeKind::kMap;
}

// Steps that run without a worker of their own (a map over its items, a subworkflow over its
// sub-execution): no lease to expire, nothing to hand back.
bool Engine::Impl::IsHolderStep(const ExecState& ex, const StepRecord& s) {
  if (!s.parent_step_id.empty()) return false;
  int i = ex.graph->IndexOf(s.node_id);
  return i >= 0 && (ex.graph->spec(i).kind == NodeKind::kMap ||
                    ex.graph->spec(i).kind == NodeKind::kSubworkflow);
}

StepRecord* Engine::Impl::Find(ExecState& ex, const std::string& step_id) {
  auto it = ex.index.find(step_id);
  return it == ex.index.end() ? nullptr : &ex.steps[it->second];
}

Json Engine::Impl::ScopeFor(const ExecState& ex, int node, const StepRecord* item_of) {
  Json scope = Json::object();
  scope["inputs"] = ex.rec.inputs;
  Json& steps = scope["steps"] = Json::object();
  for (const auto& ref : ex.graph->referenced_steps(node)) {
    auto it = ex.index.find(ref);
    if (it != ex.index.end() && ex.steps[it->second].status == StepStatus::kSucceeded)
      steps[ref] = ex.steps[it->second].output;
  }
  if (item_of) {
    const StepRecord& parent = ex.steps[ex.index.at(item_of->parent_step_id)];
    const Json* items = parent.output.is_object() && parent.output.contains("items")
                            ? &parent.output["items"]
                            : nullptr;
    scope["item"] = items && item_of->item_index < static_cast<int>(items->size())
                        ? (*items)[item_of->item_index]
                        : Json();
    scope["index"] = item_of->item_index;
  }
  return scope;
}

int Engine::Impl::RunningCount(const ExecState& ex) {
  int n = 0;
  for (const auto& [id, f] : ex.inflight) n += f.completing ? 0 : 1;
  return n;
}

void Engine::Impl::Schedule(ExecState& ex, int64_t now, std::vector<Pending>& batch) {
  // Paused, waiting, ...: start nothing; nor in an execution another process took over.
  if (ex.rec.status != ExecStatus::kRunning || TakenOverElsewhere(ex)) return;
  const Graph& g = *ex.graph;
  const size_t before = batch.size();
  const bool failing = ex.failing;
  Slots slots{RunningCount(ex), opts_.max_concurrency};

  std::vector<int> nodes;
  if (ex.wake_all) {
    nodes = g.topo_order();
    ex.wake_all = false;
    ex.wake.clear();
  } else {
    nodes.swap(ex.wake);
    std::sort(nodes.begin(), nodes.end());
  }
  ex.woken.assign(g.size(), 0);

  const StepLookup find = [&ex](const std::string& id) -> const StepRecord* {
    auto it = ex.index.find(id);
    return it == ex.index.end() ? nullptr : &ex.steps[it->second];
  };
  for (int i : nodes) {
    StepRecord* cur = Find(ex, g.node(i).id);
    if (!cur) continue;
    const StepPlan plan = PlanStep(g, i, *cur, find, failing, now);
    switch (plan.action) {
      case StepAction::kNothing:
        break;
      case StepAction::kSkip: {
        StepRecord row = *cur;
        row.status = StepStatus::kSkipped;
        row.finished_at = row.updated_at = now;
        Pending p{ex.rec.id, {}, {}, std::nullopt};
        p.t.ops.push_back(ExecGuard{ex.rec.id, {ExecStatus::kRunning}});
        p.t.ops.push_back(StepWrite{row, cur->status, row.attempt, false});
        p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "step_skipped", row.step_id)});
        AppendMilestonesReached(ex, row, now, p.t);
        batch.push_back(std::move(p));
        break;
      }
      case StepAction::kStart: {
        StepRecord row = *cur;
        row.status = StepStatus::kReady;
        row.due_at = 0;  // a retry whose time has come
        StartStep(ex, i, row, cur->status, slots, now, batch);
        break;
      }
      case StepAction::kWaitUntil:
        AddTimer(ex.rec.id, plan.at);
        ex.retry_wait.push_back(i);
        break;
      case StepAction::kFollow:
        if (const CompositeStep* composite = CompositeFor(g.spec(i).kind))
          composite->Follow(*this, ex, i, *cur, slots, now, batch);
        break;
    }
  }
  if (batch.size() == before && ex.inflight.empty()) {
    Conclude(ex, now, batch);
  } else if (batch.size() == before + 1 && ex.inflight.empty()) {
    CompleteWithLastStep(ex, batch.back());
  }
}

// `row` is the step as it should be once started (status ready); `expected` its stored status.
void Engine::Impl::StartStep(ExecState& ex, int node, StepRecord row, StepStatus expected,
                             Slots& slots, int64_t now, std::vector<Pending>& batch) {
  const Graph& g = *ex.graph;
  const NodeTypeSpec& spec = g.spec(node);
  const std::string& exec_id = ex.rec.id;
  Pending p{exec_id, {}, {}, std::nullopt};
  p.t.ops.push_back(ExecGuard{exec_id, {ExecStatus::kRunning}});
  const int expected_attempt = row.attempt;
  row.updated_at = now;
  if (expected == StepStatus::kFailed)
    p.t.ops.push_back(EventAppend{
        MakeEvent(exec_id, now, "step_retrying", row.step_id, {{"attempt", row.attempt + 1}})});

  if (const CompositeStep* composite = CompositeFor(spec.kind)) {
    composite->Start(*this, ex, node, std::move(row), expected, expected_attempt, now, std::move(p),
                     batch);
    return;
  }

  const Node& n = g.node(node);
  NodeExecutor* executor = nodes_->Find(n.type);
  RunStep(ex, node, n.type, n.data, spec.paid, executor, std::move(row), expected, expected_attempt,
          slots, now, std::move(p), batch, nullptr);
}

// When this round's only transition makes the last open step succeed, the execution completes
// in the same transaction (its own write is guarded on "running", so the separate guard goes).
void Engine::Impl::CompleteWithLastStep(ExecState& ex, Pending& p) {
  if (ex.open != 1 || ex.failing) return;
  const StepRecord* settled = nullptr;
  for (const auto& op : p.t.ops) {
    const auto* w = std::get_if<StepWrite>(&op);
    if (!w) continue;
    if (!w->row.parent_step_id.empty() || settled) return;
    settled = &w->row;
  }
  if (!settled || settled->status != StepStatus::kSucceeded) return;
  const StepRecord* before = Find(ex, settled->step_id);
  if (!before || Settled(*before)) return;
  if (!p.t.ops.empty() && std::holds_alternative<ExecGuard>(p.t.ops.front()))
    p.t.ops.erase(p.t.ops.begin());
  (void)SetExecStatus(ex.rec, ExecStatus::kCompleted, "", "execution_completed", p.t);
}

// Nothing more can start: settle the execution's status.
void Engine::Impl::Conclude(ExecState& ex, int64_t now, std::vector<Pending>& batch) {
  const Conclusion c = atelier::Conclude(ex.steps);
  const StepRecord* failed = c.outcome == Outcome::kFailed ? c.step : nullptr;
  const StepRecord* waiting = c.outcome == Outcome::kWaiting ? c.step : nullptr;
  ExecutionRecord row = ex.rec;
  Pending p{ex.rec.id, {}, {}, std::nullopt};
  if (failed) {
    row.error = failed->error.is_object() ? failed->error
                                          : Json{{"code", "cancelled"}, {"message", "cancelled"}};
    row.error["step"] = failed->step_id;
    Status s =
        SetExecStatus(row, ExecStatus::kFailed,
                      "step '" + failed->step_id + "' failed: " + row.error.value("message", ""),
                      "execution_failed", p.t);
    if (!s.ok()) return;
    std::get<EventAppend>(p.t.ops.back()).event.payload["error"] = row.error;
  } else if (c.outcome == Outcome::kCompleted) {
    Status s = SetExecStatus(row, ExecStatus::kCompleted, "", "execution_completed", p.t);
    if (!s.ok()) return;
  } else if (waiting) {
    // Guard on the waiting step too: a decision made by another process since we loaded it
    // must not be overwritten by a stale "waiting".
    p.t.ops.push_back(StepWrite{*waiting, StepStatus::kWaiting, waiting->attempt, false});
    const int wn = ex.graph->IndexOf(waiting->node_id);
    const bool sub = wn >= 0 && ex.graph->spec(wn).kind == NodeKind::kSubworkflow;
    Status s = SetExecStatus(row, ExecStatus::kWaiting,
                             sub ? "step '" + waiting->step_id + "' waits on sub-execution '" +
                                       ChildId(ex.rec.id, waiting->step_id, waiting->version) + "'"
                                 : "waiting for a decision on step '" + waiting->step_id + "'",
                             "execution_waiting", p.t);
    if (!s.ok()) return;
    std::get<EventAppend>(p.t.ops.back()).event.payload["step"] = waiting->step_id;
  } else {
    return;  // a retry timer is pending
  }
  (void)now;
  batch.push_back(std::move(p));
}

const Engine::Impl::CompositeStep* Engine::Impl::CompositeFor(NodeKind kind) {
  switch (kind) {
    case NodeKind::kMap:
      return &MapStep::Get();
    case NodeKind::kSubworkflow:
      return &SubworkflowStep::Get();
    case NodeKind::kApproval:
      return &ApprovalStep::Get();
    default:
      return nullptr;
  }
}

}  // namespace atelier
