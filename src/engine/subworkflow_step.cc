// Subworkflow steps: launch, follow and finish with a sub-execution.
#include "composite_step.h"

namespace atelier {

// ---- subworkflows -------------------------------------------------------------------------------

// The template a subworkflow step runs: written inline (registered, content-addressed) or
// stored in the workspace under a name.
Result<TemplateRecord> Engine::Impl::SubTemplate(const std::string& ws, const Json& data) {
  if (data.contains("definition")) {
    std::vector<ValidationError> errors;
    auto t = ParseTemplate(data["definition"], &errors);
    if (!t)
      return Err(InvalidArgument(
          "definition: " + (errors.empty() ? t.error().message() : errors.front().ToString())));
    return RegisterTemplate(ws, *t);
  }
  std::string name = data.value("template", "");
  auto r = store_->FindTemplate(ws, name);
  if (!r && r.error().code() == Code::kNotFound)
    return Err(
        FailedPrecondition("subworkflow template '" + name + "' is not stored in this workspace"));
  return r;
}

// Starts a subworkflow step: launches its sub-execution (driven here, in the same round) or,
// when the step starts again, finds the one it launched before and follows it; a failed or
// stopped one is retried, so only its failed steps run again.
void Engine::Impl::StartSub(ExecState& ex, int node, StepRecord row, StepStatus expected,
                            int expected_attempt, int64_t now, Pending p,
                            std::vector<Pending>& batch) {
  const std::string exec_id = ex.rec.id;
  const Json& data = ex.graph->node(node).data;
  row.attempt += 1;
  row.started_at = now;
  row.error = nullptr;
  row.due_at = 0;
  const std::string child_id = ChildId(exec_id, row.step_id, row.version);
  auto fail = [&](const Status& error) {
    FailRow(ex, row, error, data, false, now, p);
    p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
    batch.push_back(std::move(p));
  };
  auto existing = store_->GetExecution(ex.ws, child_id);
  if (!existing && existing.error().code() != Code::kNotFound) return fail(existing.error());
  std::optional<NewExecution> fresh;
  if (existing) {
    if (existing->status == ExecStatus::kFailed || existing->status == ExecStatus::kStopped) {
      Status retried = commands_.Retry(ex.ws, child_id);
      if (!retried.ok()) return fail(retried);
    }
  } else {
    auto tmpl = SubTemplate(ex.ws, data);
    if (!tmpl) return fail(tmpl.error());
    Json inputs = data.contains("inputs") ? data["inputs"] : Json::object();
    auto rendered = RenderValue(inputs, ScopeFor(ex, node, nullptr));
    if (!rendered) return fail(InvalidArgument("inputs: " + rendered.error().message()));
    auto n = PrepareLaunch(ex.ws, *tmpl, *rendered, /*started=*/true,
                           LaunchAs{child_id, exec_id, row.step_id});
    if (!n) return fail(InvalidArgument("sub-execution inputs: " + n.error().message()));
    fresh = std::move(*n);
  }
  row.status = StepStatus::kRunning;
  row.output = nullptr;
  row.lease_owner.clear();  // it holds no worker: the sub-execution has its own leases
  row.lease_expires_at = 0;
  p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
  p.t.ops.push_back(EventAppend{MakeEvent(
      exec_id, now, "step_started", row.step_id,
      {{"attempt", row.attempt}, {"execution_id", child_id}, {"resumed", existing.has_value()}})});
  if (fresh) {
    // Committed in the same round as the step, before it; driven here from then on.
    ExecState child;
    child.ws = ex.ws;
    child.graph = fresh->graph;
    child.dirty = false;
    auto [it, inserted] = execs_.emplace(child_id, std::move(child));
    if (inserted) {
      InstallOps(it->second, fresh->t);
      {
        std::lock_guard<std::mutex> l(rest_mu_);
        driven_.insert(child_id);
      }
      Pending cp{child_id, std::move(fresh->t), {}, std::nullopt};
      cp.on_rejected = [](const Status&) {};  // the step finds no sub-execution: starts again
      batch.push_back(std::move(cp));
    }
  }
  batch.push_back(std::move(p));
}

// A running or waiting subworkflow step follows its sub-execution: drives it when nobody does,
// waits while it waits (for a decision, or paused), and finishes as it finishes.
void Engine::Impl::FollowSub(ExecState& ex, int node, const StepRecord& cur, int64_t now,
                             std::vector<Pending>& batch) {
  const std::string child_id = ChildId(ex.rec.id, cur.step_id, cur.version);
  auto look_again = [&] {
    AddTimer(ex.rec.id, now + opts_.poll_ms);
    ex.retry_wait.push_back(node);
  };
  Pending p{ex.rec.id, {}, {}, std::nullopt};
  p.t.ops.push_back(ExecGuard{ex.rec.id, {ExecStatus::kRunning}});
  StepRecord row = cur;
  row.updated_at = now;
  ExecutionRecord child;
  const std::vector<StepRecord>* child_steps = nullptr;
  std::shared_ptr<const Graph> child_graph;
  std::vector<StepRecord> loaded;
  auto it = execs_.find(child_id);
  if (it != execs_.end()) {
    child = it->second.rec;
    child_steps = &it->second.steps;
    child_graph = it->second.graph;
  } else {
    auto r = store_->GetExecution(ex.ws, child_id);
    if (!r) {
      if (r.error().code() != Code::kNotFound) return look_again();
      // Its launch was never committed: start the step again.
      row.status = StepStatus::kReady;
      p.t.ops.push_back(StepWrite{row, cur.status, cur.attempt, false});
      batch.push_back(std::move(p));
      return;
    }
    child = std::move(*r);
  }
  const Json& data = ex.graph->node(node).data;
  switch (child.status) {
    case ExecStatus::kQueued:
    case ExecStatus::kRunning: {
      if (it == execs_.end()) {
        const bool free = child.owner.empty() || child.owner == opts_.owner ||
                          child.owner_expires_at <= now ||
                          (opts_.owner_is_dead && opts_.owner_is_dead(child.owner));
        if (!free || !Adopt(ex.ws, child_id).ok()) look_again();  // driven elsewhere
      }
      if (cur.status == StepStatus::kWaiting) {
        row.status = StepStatus::kRunning;
        p.t.ops.push_back(StepWrite{row, StepStatus::kWaiting, cur.attempt, false});
        p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "subworkflow_resumed", cur.step_id,
                                                {{"execution_id", child_id}})});
        batch.push_back(std::move(p));
      }
      return;
    }
    case ExecStatus::kWaiting:
    case ExecStatus::kPaused: {
      if (cur.status == StepStatus::kRunning) {
        row.status = StepStatus::kWaiting;
        p.t.ops.push_back(StepWrite{row, StepStatus::kRunning, cur.attempt, false});
        p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "subworkflow_waiting", cur.step_id,
                                                {{"execution_id", child_id},
                                                 {"status", ExecStatusName(child.status)},
                                                 {"reason", child.reason}})});
        batch.push_back(std::move(p));
      }
      return;
    }
    case ExecStatus::kCompleted: {
      if (!child_steps) {
        auto st = store_->GetSteps(ex.ws, child_id);
        if (!st) return look_again();
        loaded = std::move(*st);
        child_steps = &loaded;
      }
      if (!child_graph) {
        auto g = GraphFor(ex.ws, child.template_id, child.template_version);
        if (!g) return look_again();
        child_graph = *g;
      }
      Json out = Json::object();
      Json usage = nullptr;
      for (const auto& s : *child_steps) {
        if (s.usage.is_object()) {
          if (!usage.is_object())
            usage = {{"input_tokens", 0}, {"output_tokens", 0}, {"images", 0}, {"cost", 0.0}};
          for (const char* k : {"input_tokens", "output_tokens", "images"})
            usage[k] = usage[k].get<int64_t>() + s.usage.value(k, int64_t{0});
          usage["cost"] = usage["cost"].get<double>() + s.usage.value("cost", 0.0);
        }
        int n = s.parent_step_id.empty() ? child_graph->IndexOf(s.node_id) : -1;
        if (n >= 0 && child_graph->spec(n).kind == NodeKind::kEnd &&
            s.status == StepStatus::kSucceeded && s.output.is_object())
          out.update(s.output);
      }
      row.status = StepStatus::kSucceeded;
      row.output = {{"execution_id", child_id},
                    {"status", "completed"},
                    {"output", std::move(out)},
                    {"usage", usage}};
      row.usage = usage;
      row.error = nullptr;
      row.finished_at = now;
      p.t.ops.push_back(StepWrite{row, cur.status, cur.attempt, false});
      Json payload = {{"attempt", row.attempt},
                      {"duration_ms", row.started_at ? now - row.started_at : 0},
                      {"execution_id", child_id}};
      if (usage.is_object()) payload["usage"] = usage;
      p.t.ops.push_back(
          EventAppend{MakeEvent(ex.rec.id, now, "step_succeeded", cur.step_id, payload)});
      AppendMilestonesReached(ex, row, now, p.t);
      batch.push_back(std::move(p));
      return;
    }
    case ExecStatus::kFailed:
    case ExecStatus::kStopped: {
      // Not retried by the step's policy: its sub-execution retried what could be retried.
      // A manual retry of this execution retries the sub-execution's failed steps.
      Status error = FailedPrecondition(
          "sub-execution '" + child_id + "' " +
          (child.status == ExecStatus::kFailed ? "failed: " + child.reason : "was stopped"));
      FailRow(ex, row, error, data, false, now, p);
      row.error["execution_id"] = child_id;
      p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, cur.status, cur.attempt, false});
      batch.push_back(std::move(p));
      return;
    }
  }
}

// A sub-execution changed status: its parent's step follows it. The parent is scheduled here
// when this loop drives it, else taken over (re-opened first when it rests waiting on it).
void Engine::Impl::WakeParent(const ExecutionRecord& child) {
  if (child.parent_execution_id.empty() || shutdown_requested_) return;
  auto it = execs_.find(child.parent_execution_id);
  if (it != execs_.end()) {
    ExecState& px = it->second;
    Touch(px, px.graph->IndexOf(child.parent_step_id));
    MarkDirty(px);
    return;
  }
  const std::string& ws = child.workspace_id;
  auto parent = store_->GetExecution(ws, child.parent_execution_id);
  if (!parent) return;
  if (parent->status == ExecStatus::kWaiting) {
    if (child.status == ExecStatus::kWaiting || child.status == ExecStatus::kPaused) return;
    Status s = commands_.ReopenParent(child);
    if (!s.ok()) return;
    parent = store_->GetExecution(ws, child.parent_execution_id);
    if (!parent) return;
  }
  if (parent->status != ExecStatus::kRunning && parent->status != ExecStatus::kQueued) return;
  const int64_t now = clock_->NowMs();
  const bool free = parent->owner.empty() || parent->owner == opts_.owner ||
                    parent->owner_expires_at <= now ||
                    (opts_.owner_is_dead && opts_.owner_is_dead(parent->owner));
  if (free) (void)Adopt(ws, parent->id);
}

const Engine::Impl::SubworkflowStep& Engine::Impl::SubworkflowStep::Get() {
  static const SubworkflowStep kStep;
  return kStep;
}

void Engine::Impl::SubworkflowStep::Start(Impl& e, ExecState& ex, int node, StepRecord row,
                                          StepStatus expected, int expected_attempt, int64_t now,
                                          Pending p, std::vector<Pending>& batch) const {
  e.StartSub(ex, node, std::move(row), expected, expected_attempt, now, std::move(p), batch);
}

void Engine::Impl::SubworkflowStep::Follow(Impl& e, ExecState& ex, int node, const StepRecord& cur,
                                           Slots&, int64_t now, std::vector<Pending>& batch) const {
  e.FollowSub(ex, node, cur, now, batch);
}

}  // namespace atelier
