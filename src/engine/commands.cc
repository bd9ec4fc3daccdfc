// Commands: pause, resume, stop, retry, decide and milestone marks (commands.h). The commands
// that make new versions are in commands_versions.cc.
#include "commands.h"

#include <set>

#include "atelier/core/approval_target.h"
#include "atelier/core/node_types.h"
#include "engine_util.h"
#include "scheduler.h"

namespace atelier {

Status Commands::Pause(const std::string& ws, const std::string& id) {
  return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto&, Transition& t) {
    if (ex.status == ExecStatus::kPaused) return Status::Ok();
    Status s = CheckExecTransition(ex.status, ExecStatus::kPaused);
    if (!s.ok()) return s;
    return SetExecStatus(ex, ExecStatus::kPaused, "paused by user", "execution_paused", t);
  });
}

Status Commands::Resume(const std::string& ws, const std::string& id) {
  return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
    if (ex.status == ExecStatus::kRunning || ex.status == ExecStatus::kQueued)
      return Status::Ok();  // nothing to change; Drive() takes it over
    if (ex.status == ExecStatus::kWaiting) {
      const StepRecord* waiting = nullptr;
      for (const auto& s : steps)
        if (s.status == StepStatus::kWaiting) waiting = &s;
      std::string child = waiting ? ChildId(id, waiting->step_id, waiting->version) : "";
      auto sub =
          waiting ? store_->GetExecution(ws, child) : Result<ExecutionRecord>(Err(NotFound("")));
      if (sub && sub->parent_execution_id == id && sub->status == ExecStatus::kPaused) {
        // Waiting because its sub-execution is paused: resume that one, then this one.
        Status r = Resume(ws, child);
        if (!r.ok()) return r;
        return ReopenFor(ex, *waiting, "sub-execution '" + child + "' resumed", t);
      }
      return FailedPrecondition(
          "execution '" + id + "' is waiting for a decision on step '" +
          (waiting ? waiting->step_id : std::string()) + "'; approve or reject it instead" +
          (sub && sub->parent_execution_id == id
               ? " (it waits on sub-execution '" + child + "': " + sub->reason + ")"
               : ""));
    }
    Status s = CheckExecTransition(ex.status, ExecStatus::kRunning);
    if (!s.ok() || ex.status != ExecStatus::kPaused)
      return FailedPrecondition(
          "execution cannot be resumed from " + std::string(ExecStatusName(ex.status)) +
          (IsTerminal(ex.status) && ex.status != ExecStatus::kCompleted ? "; use retry" : ""));
    return SetExecStatus(ex, ExecStatus::kRunning, "", "execution_resumed", t);
  });
}

Status Commands::Stop(const std::string& ws, const std::string& id) {
  std::vector<std::string> children;
  Status stopped =
      RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
        Status s = CheckExecTransition(ex.status, ExecStatus::kStopped);
        if (!s.ok()) return s;
        int64_t now = clock_->NowMs();
        auto g = GraphFor(ws, ex.template_id, ex.template_version);
        children.clear();
        for (const auto& st : steps) {
          if (Settled(st)) continue;
          const int node = g && st.parent_step_id.empty() ? (*g)->IndexOf(st.node_id) : -1;
          if (node >= 0 && (*g)->spec(node).kind == NodeKind::kSubworkflow)
            children.push_back(ChildId(id, st.step_id, st.version));
          StepRecord row = st;
          row.status = StepStatus::kCancelled;
          row.due_at = 0;
          row.finished_at = now;
          row.updated_at = now;
          row.lease_owner.clear();
          row.lease_expires_at = 0;
          t.ops.push_back(StepWrite{row, st.status, st.attempt, false});
          if (st.status == StepStatus::kRunning) CloseReservation(ws, id, st, std::nullopt, now, t);
          t.ops.push_back(EventAppend{MakeEvent(id, now, "step_cancelled", st.step_id,
                                                {{"from", StepStatusName(st.status)}})});
        }
        return SetExecStatus(ex, ExecStatus::kStopped, "stopped by user", "execution_stopped", t);
      });
  if (!stopped.ok()) return stopped;
  // Sub-executions of steps that were running stop with it.
  for (const auto& child : children) {
    auto rec = store_->GetExecution(ws, child);
    if (rec && rec->parent_execution_id == id && !IsTerminal(rec->status)) (void)Stop(ws, child);
  }
  return Status::Ok();
}

Status Commands::Retry(const std::string& ws, const std::string& id) {
  return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
    if (ex.status != ExecStatus::kFailed && ex.status != ExecStatus::kStopped)
      return FailedPrecondition("only a failed or stopped execution can be retried; execution '" +
                                id + "' is " + ExecStatusName(ex.status));
    int64_t now = clock_->NowMs();
    int reset = 0;
    // Maps that collected a failed item (on_item_error: continue) and succeeded: the item runs
    // again, so the map is re-opened to run it and collect its results anew, and what depends
    // on the map runs again after it.
    std::set<std::string> reopened;
    for (const auto& st : steps) {
      if (st.parent_step_id.empty() ||
          (st.status != StepStatus::kFailed && st.status != StepStatus::kCancelled))
        continue;
      for (const auto& m : steps)
        if (m.step_id == st.parent_step_id && m.status == StepStatus::kSucceeded &&
            IsCurrentItem(st, m))
          reopened.insert(m.step_id);
    }
    std::set<std::string> stale;  // downstream of a re-opened map
    std::shared_ptr<const Graph> graph;
    if (!reopened.empty()) {
      auto g = GraphFor(ws, ex.template_id, ex.template_version);
      if (!g) return g.error();
      graph = *g;
      std::vector<int> from;
      for (const auto& st : steps)
        if (reopened.count(st.step_id)) from.push_back(graph->IndexOf(st.node_id));
      const std::vector<char> down = graph->Downstream(std::move(from));
      for (const auto& st : steps) {
        if (!st.parent_step_id.empty()) continue;
        int n = graph->IndexOf(st.node_id);
        if (n >= 0 && down[n] && st.status == StepStatus::kSucceeded) stale.insert(st.step_id);
      }
    }
    for (const auto& st : steps) {
      if (reopened.count(st.step_id)) {
        Status s = ReopenMap(ex, *graph, steps, st, "failed items run again", now, t);
        if (!s.ok()) return s;
        ++reset;
        continue;
      }
      if (stale.count(st.step_id)) {
        MarkStale(id, st, steps, *reopened.begin(), now, t);
        continue;
      }
      if (st.status != StepStatus::kFailed && st.status != StepStatus::kCancelled) continue;
      if (!st.parent_step_id.empty()) {
        const StepRecord* map = FindStep(steps, st.parent_step_id);
        if (map && !IsCurrentItem(st, *map)) continue;  // an earlier, longer run's item
      }
      ResetForRetry(id, st, now, t);
      ++reset;
    }
    ExecutionRecord row = ex;
    row.error = nullptr;
    row.finished_at = 0;
    Status s = SetExecStatus(row, ExecStatus::kRunning, "", "execution_retried", t);
    if (s.ok()) std::get<EventAppend>(t.ops.back()).event.payload["steps_reset"] = reset;
    return s;
  });
}

Status Commands::Decide(const std::string& ws, const std::string& id, const std::string& step_id,
                        const Decision& d) {
  if (auto forwarded = DecideInSub(ws, id, step_id, d)) return *forwarded;
  if (d.decision == "tweak") return DecideTweak(ws, id, step_id, d);
  if (d.decision != "approve" && d.decision != "reject")
    return InvalidArgument("decision must be 'approve', 'reject' or 'tweak', not '" + d.decision +
                           "'");
  if (d.edit && d.decision != "approve")
    return InvalidArgument("an edit goes with the decision 'approve', not '" + d.decision + "'");
  return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
    const StepRecord* st = FindStep(steps, step_id);
    if (!st) return NotFound("execution '" + id + "' has no step '" + step_id + "'");
    if (st->status != StepStatus::kWaiting)
      return FailedPrecondition("step '" + step_id + "' is " + StepStatusName(st->status) +
                                ", not waiting for a decision");
    if (IsTerminal(ex.status))
      return FailedPrecondition("execution '" + id + "' is " + ExecStatusName(ex.status));
    auto g = GraphFor(ws, ex.template_id, ex.template_version);
    if (!g) return g.error();
    int ni = (*g)->IndexOf(st->node_id);
    bool has_reject_edge = false;
    if (ni >= 0)
      for (const auto& e : (*g)->out(ni)) has_reject_edge |= e.handle == "rejected";
    int64_t now = clock_->NowMs();
    StepRecord row = *st;
    row.finished_at = now;
    row.updated_at = now;
    bool approved = d.decision == "approve";
    if (d.edit) {
      Status edited = EditReviewed(ex, **g, steps, *st, d, now, t);
      if (!edited.ok()) return edited;
    }
    Json decided = {{"decision", d.decision}, {"comment", d.comment}};
    if (d.edit) decided["edited"] = ApprovalTarget(**g, ni);
    t.ops.push_back(EventAppend{MakeEvent(id, now, "approval_decided", step_id, decided)});
    if (approved || has_reject_edge) {
      row.status = StepStatus::kSucceeded;
      row.output = {{"decision", d.decision},
                    {"approved", approved},
                    {"comment", d.comment},
                    {"branch", approved ? "approved" : "rejected"}};
      t.ops.push_back(StepWrite{row, StepStatus::kWaiting, std::nullopt, false});
      t.ops.push_back(
          EventAppend{MakeEvent(id, now, "step_succeeded", step_id, {{"output", row.output}})});
      AppendMilestonesReached((*g)->tmpl(), id, row, now, t, [&](const std::string& sid) {
        const StepRecord* found = nullptr;
        for (const auto& s : steps)
          if (s.step_id == sid) found = &s;
        return found;
      });
    } else {
      row.status = StepStatus::kFailed;
      row.due_at = 0;
      row.error = {{"code", "failed_precondition"},
                   {"message", "rejected by reviewer" +
                                   (d.comment.empty() ? std::string() : ": " + d.comment)}};
      t.ops.push_back(StepWrite{row, StepStatus::kWaiting, std::nullopt, false});
      t.ops.push_back(EventAppend{MakeEvent(id, now, "step_failed", step_id,
                                            {{"error", row.error}, {"will_retry", false}})});
    }
    if (ex.status == ExecStatus::kWaiting)
      return SetExecStatus(ex, ExecStatus::kRunning, "", "execution_resumed", t);
    t.ops.push_back(ExecGuard{id, {ex.status}});
    return Status::Ok();
  });
}

// A decision on a waiting subworkflow step is the decision its sub-execution waits for: it is
// made there, and this execution is re-opened so that driving it carries both on. nullopt when
// `step_id` is not a waiting subworkflow step.
std::optional<Status> Commands::DecideInSub(const std::string& ws, const std::string& id,
                                            const std::string& step_id, const Decision& d) {
  auto ex = store_->GetExecution(ws, id);
  if (!ex) return std::nullopt;
  auto steps = store_->GetSteps(ws, id);
  if (!steps) return std::nullopt;
  const StepRecord* st = nullptr;
  for (const auto& s : *steps)
    if (s.step_id == step_id && s.parent_step_id.empty()) st = &s;
  if (!st || st->status != StepStatus::kWaiting) return std::nullopt;
  auto g = GraphFor(ws, ex->template_id, ex->template_version);
  if (!g) return g.error();
  int node = (*g)->IndexOf(st->node_id);
  if (node < 0 || (*g)->spec(node).kind != NodeKind::kSubworkflow) return std::nullopt;
  const std::string child = ChildId(id, st->step_id, st->version);
  auto child_steps = store_->GetSteps(ws, child);
  if (!child_steps) return child_steps.error();
  std::string waiting;
  for (const auto& s : *child_steps)
    if (s.status == StepStatus::kWaiting && s.parent_step_id.empty()) waiting = s.step_id;
  if (waiting.empty())
    return FailedPrecondition("sub-execution '" + child + "' of step '" + step_id +
                              "' has no step waiting for a decision");
  Status s = Decide(ws, child, waiting, d);
  if (!s.ok()) return s;
  const std::string why = "decision on step '" + waiting + "' of sub-execution '" + child + "'";
  return RunCommand(ws, id, [&](const ExecutionRecord& cur, const auto& now_steps, Transition& t) {
    for (const auto& x : now_steps)
      if (x.step_id == step_id && x.status == StepStatus::kWaiting &&
          cur.status == ExecStatus::kWaiting)
        return ReopenFor(cur, x, why, t);
    return Status::Ok();  // already re-opened (by the loop that drives the sub-execution)
  });
}

Status Commands::ReopenParent(const ExecutionRecord& child) {
  return RunCommand(
      child.workspace_id, child.parent_execution_id,
      [&](const ExecutionRecord& cur, const auto& steps, Transition& t) {
        if (cur.status != ExecStatus::kWaiting) return Status::Ok();
        for (const auto& x : steps)
          if (x.step_id == child.parent_step_id && x.status == StepStatus::kWaiting &&
              ChildId(cur.id, x.step_id, x.version) == child.id)
            return ReopenFor(
                cur, x, "sub-execution '" + child.id + "' is " + ExecStatusName(child.status), t);
        return Status::Ok();
      });
}

// Re-opens an execution that rests waiting on subworkflow step `st`: the step runs again
// (it follows its sub-execution) and so does the execution.
Status Commands::ReopenFor(const ExecutionRecord& ex, const StepRecord& st, const std::string& why,
                           Transition& t) {
  int64_t now = clock_->NowMs();
  StepRecord row = st;
  row.status = StepStatus::kRunning;
  row.updated_at = now;
  t.ops.push_back(StepWrite{row, StepStatus::kWaiting, st.attempt, false});
  t.ops.push_back(EventAppend{
      MakeEvent(ex.id, now, "subworkflow_resumed", st.step_id,
                {{"execution_id", ChildId(ex.id, st.step_id, st.version)}, {"reason", why}})});
  return SetExecStatus(ex, ExecStatus::kRunning, "", "execution_resumed", t);
}

// A "tweak" decision: the step the approval reviews gets a new version refined with the
// instruction; the approval, being downstream, asks again once it has re-run.
Status Commands::DecideTweak(const std::string& ws, const std::string& id,
                             const std::string& step_id, const Decision& d) {
  auto ex = store_->GetExecution(ws, id);
  if (!ex) return ex.error();
  auto steps = store_->GetSteps(ws, id);
  if (!steps) return steps.error();
  auto g = GraphFor(ws, ex->template_id, ex->template_version);
  if (!g) return g.error();
  const Graph& graph = **g;
  const StepRecord* st = FindStep(*steps, step_id);
  if (!st) return NotFound("execution '" + id + "' has no step '" + step_id + "'");
  if (st->status != StepStatus::kWaiting)
    return FailedPrecondition("step '" + step_id + "' is " + StepStatusName(st->status) +
                              ", not waiting for a decision");
  const std::string target = ApprovalTarget(graph, graph.IndexOf(st->node_id));
  if (target.empty())
    return FailedPrecondition("approval step '" + step_id +
                              "' has no generative step upstream to tweak; set its tweak_step");
  return NewVersion(ws, id, target, "tweak", d.instruction, 0, step_id);
}

Commands::Commands(Store* store, Clock* clock, GraphLookup graphs, Options opts,
                   OnChanged on_changed)
    : store_(store),
      clock_(clock),
      graphs_(std::move(graphs)),
      opts_(std::move(opts)),
      on_changed_(std::move(on_changed)) {}

// ---- milestones --------------------------------------------------------------------------------
Result<std::vector<MilestoneMark>> Commands::ReadMarks(const std::string& ws, const std::string& id,
                                                       const Template& tmpl) {
  std::vector<MilestoneMark> marks;
  bool manual = false;
  for (const auto& m : tmpl.milestones) manual |= m.manual;
  if (!manual) return marks;
  std::vector<Event> found;
  for (int64_t after = 0;;) {
    constexpr int kPage = 2000;
    auto page = store_->ReadEvents(ws, id, after, kPage);
    if (!page) return Err(page.error());
    for (auto& e : *page)
      if (e.type == kMilestoneMarked) found.push_back(std::move(e));
    if (static_cast<int>(page->size()) < kPage) break;
    after = page->back().seq;
  }
  return MarksFromEvents(found);
}

Result<MilestonesView> Commands::Milestones(const std::string& ws, const std::string& id) {
  auto ex = store_->GetExecution(ws, id);
  if (!ex) return Err(ex.error());
  auto g = GraphFor(ws, ex->template_id, ex->template_version);
  if (!g) return Err(g.error());
  const Template& tmpl = (*g)->tmpl();
  if (tmpl.milestones.empty()) return MilestonesView{};
  auto steps = store_->GetStepStates(ws, id);
  if (!steps) return Err(steps.error());
  auto marks = ReadMarks(ws, id, tmpl);
  if (!marks) return Err(marks.error());
  return ComputeMilestones(tmpl, ex->status, ex->reason, *steps, *marks);
}

Status Commands::MarkMilestone(const std::string& ws, const std::string& id,
                               const std::string& milestone, const std::string& by,
                               const std::string& note, const Json& extra) {
  if (by.empty()) return InvalidArgument("who marks the milestone ('by') must not be empty");
  // Two marks of one milestone in this process cannot both pass the check (across processes
  // the first mark in the log wins: MarksFromEvents).
  std::lock_guard<std::mutex> one_at_a_time(mark_mu_);
  return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
    auto g = GraphFor(ws, ex.template_id, ex.template_version);
    if (!g) return g.error();
    const Template& tmpl = (*g)->tmpl();
    auto marks = ReadMarks(ws, id, tmpl);
    if (!marks) return marks.error();
    MilestonesView v = ComputeMilestones(tmpl, ex.status, ex.reason, steps, *marks);
    Status s = CheckMarkable(tmpl, v, milestone);
    if (!s.ok()) return s;
    Json payload = extra.is_object() ? extra : Json::object();
    payload["milestone"] = milestone;
    for (const auto& m : tmpl.milestones)
      if (m.id == milestone) payload["label"] = m.label;
    payload["by"] = by;
    payload["note"] = note;
    // Guarded on the status read, so the check saw the steps the mark is made against.
    t.ops.push_back(ExecGuard{id, {ex.status}});
    t.ops.push_back(EventAppend{MakeEvent(id, clock_->NowMs(), kMilestoneMarked, "", payload)});
    return Status::Ok();
  });
}

}  // namespace atelier
