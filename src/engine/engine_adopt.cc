// Loading, adoption and recovery of executions (crashed steps, poison pills).
#include "engine_impl.h"

namespace atelier {

// ---- loading and adoption ----------------------------------------------------------------------
void Engine::Impl::IndexSteps(ExecState& ex) {
  ex.index.clear();
  ex.children.clear();
  ex.top.clear();
  ex.item_counts_valid = false;
  for (size_t i = 0; i < ex.steps.size(); ++i) {
    ex.index[ex.steps[i].step_id] = i;
    const auto& s = ex.steps[i];
    if (s.parent_step_id.empty()) ex.top.push_back(i);
    if (!s.parent_step_id.empty()) {
      auto& v = ex.children[s.parent_step_id];
      if (static_cast<int>(v.size()) <= s.item_index) v.resize(s.item_index + 1, SIZE_MAX);
      v[s.item_index] = i;
    }
  }
}

Status Engine::Impl::LoadInto(ExecState& ex, const std::string& ws, const std::string& id) {
  auto rec = store_->GetExecution(ws, id);
  if (!rec) return rec.error();
  auto steps = store_->GetSteps(ws, id);
  if (!steps) return steps.error();
  return LoadFrom(ex, ws, std::move(*rec), std::move(*steps));
}

Status Engine::Impl::LoadFrom(ExecState& ex, const std::string& ws, ExecutionRecord&& rec,
                              std::vector<StepRecord>&& steps) {
  auto g = GraphFor(ws, rec.template_id, rec.template_version);
  if (!g) return g.error();
  ex.ws = ws;
  ex.rec = std::move(rec);
  ex.graph = *g;
  ex.steps = std::move(steps);
  IndexSteps(ex);
  ex.dirty = false;  // the caller marks it once it is in place
  ex.reload = false;
  ex.wake_all = true;
  ex.blocked.clear();
  ex.retry_wait.clear();
  ex.failing = false;
  ex.open = 0;
  ex.map_cursor.clear();
  ex.map_failed.clear();
  for (const auto& st : ex.steps) {
    if (!st.parent_step_id.empty()) continue;
    if (PermanentlyFailed(st)) ex.failing = true;
    if (!Settled(st)) ++ex.open;
  }
  return Status::Ok();
}

Status Engine::Impl::Adopt(const std::string& ws, const std::string& id) {
  return AdoptMany(ws, {id}).front();
}

// Takes over each execution as Adopt says, committing every take-over in one transaction (each
// its own transition, all-or-nothing): a restart that resumes thousands of executions pays for
// one commit, not one each.
std::vector<Status> Engine::Impl::AdoptMany(const std::string& ws,
                                            const std::vector<std::string>& ids) {
  std::vector<Status> out(ids.size(), Status::Ok());
  if (shutdown_requested_) {
    out.assign(ids.size(), Unavailable("engine is shutting down"));
    return out;
  }
  std::vector<Taking> taking;
  std::vector<Transition> ts;
  std::unordered_set<std::string> seen;
  const int64_t now = clock_->NowMs();
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& id = ids[i];
    if (execs_.count(id) || !seen.insert(id).second) continue;  // already driving it
    ExecState ex;
    if (Status s = LoadInto(ex, ws, id); !s.ok()) {
      out[i] = s;
      continue;
    }
    if (ex.rec.status != ExecStatus::kQueued && ex.rec.status != ExecStatus::kRunning)
      continue;  // resting: nothing to drive (WaitUntilRest returns at once)
    if (Status s = NotLeasedElsewhere(ex.rec, now); !s.ok()) {
      out[i] = s;
      continue;
    }
    Transition t;
    const std::string previous_owner = ex.rec.owner;
    if (Status s = TakeOver(ex, now, previous_owner, t); !s.ok()) {
      out[i] = s;
      continue;
    }
    taking.push_back({i, std::move(ex)});
    ts.push_back(std::move(t));
  }
  CommitTakeOvers(taking, ts, out);
  return out;
}

// Claimed by the store (owner already this process), then taken over as AdoptMany does. One
// claimed but not taken over goes back to the state it was claimed in (its previous owner, lease
// over), so that this process's lease renewals do not keep holding what it does not drive (a
// hand-back the database refused is tried again at the next claim: hand_back_).
Result<Engine::Claimed> Engine::Impl::ClaimMany(const std::string& ws, int limit) {
  if (shutdown_requested_) return Err(Unavailable("engine is shutting down"));
  const int64_t now = clock_->NowMs();
  auto claimed = store_->ClaimExecutions({ws, opts_.owner, now, now + opts_.lease_ms, limit});
  if (!claimed) return Err(claimed.error());
  Engine::Claimed result;
  result.claimed = static_cast<int>(claimed->size());
  std::vector<Taking> taking;
  std::vector<Transition> ts;
  std::vector<Status> out(claimed->size(), Status::Ok());
  std::vector<Transition> hand_back;
  for (Transition& t : hand_back_)  // left from an earlier claim; not if driven here since
    if (!execs_.count(std::get<ExecWrite>(t.ops.front()).row.id)) hand_back.push_back(std::move(t));
  hand_back_.clear();
  std::vector<std::string> ids;
  for (const ClaimedExecution& c : *claimed) ids.push_back(c.rec.id);
  for (size_t i = 0; i < claimed->size(); ++i) {
    ClaimedExecution& c = (*claimed)[i];
    if (execs_.count(c.rec.id)) continue;  // driven here: its lease had lapsed (renewed now)
    ExecState ex;
    Status s = LoadFrom(ex, ws, std::move(c.rec), std::move(c.steps));
    const bool loaded = s.ok();  // c.rec moved into ex.rec
    Transition t;
    if (loaded) s = TakeOver(ex, now, c.previous_owner, t);
    if (!s.ok()) {
      out[i] = s;
      ExecutionRecord row = loaded ? std::move(ex.rec) : std::move(c.rec);  // as claimed
      const ExecStatus status = row.status;
      row.owner = c.previous_owner;
      row.owner_expires_at = 0;
      ExecWrite back{std::move(row), {status}, false};
      back.expected_owner = opts_.owner;
      hand_back.push_back(Transition{{std::move(back)}});
      continue;
    }
    taking.push_back({i, std::move(ex)});
    ts.push_back(std::move(t));
  }
  if (!hand_back.empty() && !store_->Commit(hand_back)) hand_back_ = std::move(hand_back);
  CommitTakeOvers(taking, ts, out);
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].ok()) {
      ++result.taken;
    } else {
      result.refused.emplace_back(ids[i], out[i]);
    }
  }
  return result;
}

void Engine::Impl::CommitTakeOvers(std::vector<Taking>& taking, std::vector<Transition>& ts,
                                   std::vector<Status>& out) {
  // At most max_batch transitions per database transaction, as the loop commits.
  const size_t chunk = static_cast<size_t>(std::max(1, opts_.max_batch));
  for (size_t begin = 0; begin < ts.size(); begin += chunk) {
    const size_t end = std::min(ts.size(), begin + chunk);
    std::vector<Transition> part(std::make_move_iterator(ts.begin() + begin),
                                 std::make_move_iterator(ts.begin() + end));
    auto r = store_->Commit(part);
    if (!r) {
      for (size_t j = begin; j < end; ++j) out[taking[j].at] = r.error();
      continue;
    }
    std::vector<ExecutionRecord> children;
    for (size_t j = begin; j < end; ++j) {
      const std::string id = taking[j].ex.rec.id;
      if (!r->applied[j - begin]) {
        out[taking[j].at] = Aborted("execution '" + id + "' changed while taking it over; retry");
        continue;
      }
      {
        std::lock_guard<std::mutex> l(rest_mu_);
        driven_.insert(id);
      }
      auto [it, inserted] = execs_.emplace(id, std::move(taking[j].ex));
      InstallOps(it->second, part[j - begin], /*take=*/true);
      MarkDirty(it->second);
      if (!it->second.rec.parent_execution_id.empty()) children.push_back(it->second.rec);
    }
    Notify(r->events);
    for (const ExecutionRecord& rec : children) WakeParent(rec);
  }
}

// FailedPrecondition while another live process holds the execution's lease.
Status Engine::Impl::NotLeasedElsewhere(const ExecutionRecord& rec, int64_t now) const {
  if (rec.owner.empty() || rec.owner == opts_.owner || rec.owner_expires_at <= now ||
      (opts_.owner_is_dead && opts_.owner_is_dead(rec.owner)))
    return Status::Ok();
  return FailedPrecondition("execution '" + rec.id + "' is being run by " + rec.owner +
                            " (lease until " + std::to_string(rec.owner_expires_at) + ")");
}

// The transition that takes `ex` over: owned here, running. Steps left running by a process that
// is gone, or whose lease ran out, return to ready, each counting a crash; one that has crashed
// its process max_step_crashes times in a row fails.
Status Engine::Impl::TakeOver(ExecState& ex, int64_t now, const std::string& previous_owner,
                              Transition& t) {
  const std::string& ws = ex.ws;
  const std::string& id = ex.rec.id;
  for (const auto& st : ex.steps) {
    if (st.status != StepStatus::kRunning || IsHolderStep(ex, st)) continue;
    const bool expired = st.lease_expires_at <= now;
    const bool ours = st.lease_owner == opts_.owner;
    const bool dead = ours || (opts_.owner_is_dead && opts_.owner_is_dead(st.lease_owner));
    if (!expired && !dead)
      return FailedPrecondition("step '" + st.step_id + "' of execution '" + id +
                                "' is still leased by " + st.lease_owner);
    StepRecord row = st;
    row.status = StepStatus::kReady;
    row.lease_owner.clear();
    row.lease_expires_at = 0;
    row.updated_at = now;
    if (!ours) row.crashes = st.crashes + 1;  // (this process, alive, left it behind itself)
    const bool poison =
        !ours && opts_.max_step_crashes > 0 && row.crashes >= opts_.max_step_crashes;
    if (poison) FailCrashedStep(ex, st, dead, now, row);
    t.ops.push_back(StepWrite{row, StepStatus::kRunning, st.attempt, false});
    CloseReservation(ws, id, st, std::nullopt, now, t);  // its call may never have been made
    Json payload = {{"attempt", st.attempt},
                    {"previous_owner", st.lease_owner},
                    {"lease_expired", expired},
                    {"crashes", row.crashes}};
    if (poison) {
      payload["error"] = row.error;
      payload["will_retry"] = false;
    }
    t.ops.push_back(EventAppend{MakeEvent(id, now, poison ? "step_failed" : "step_recovered",
                                          st.step_id, std::move(payload))});
  }
  ExecutionRecord row = ex.rec;
  const std::string expected_owner = row.owner;
  row.owner = opts_.owner;
  row.owner_expires_at = now + opts_.lease_ms;
  row.updated_at = now;
  if (row.status == ExecStatus::kQueued) {
    row.status = ExecStatus::kRunning;
    row.reason.clear();  // e.g. the note of an interruption (ReleaseAll)
    row.started_at = now;
    t.ops.push_back(EventAppend{MakeEvent(id, now, "execution_started", "")});
  } else if (!previous_owner.empty() && previous_owner != opts_.owner) {
    t.ops.push_back(EventAppend{
        MakeEvent(id, now, "execution_recovered", "", {{"previous_owner", previous_owner}})});
  }
  t.ops.insert(t.ops.begin(), ExecWrite{std::move(row), {ex.rec.status}, false, expected_owner});
  return Status::Ok();
}

// A poison pill: the processes running step `st` died (or lost its lease) max_step_crashes
// times in a row. `row` fails for good instead of running again, so it cannot take the process
// that adopts it down too; a manual retry (which clears the count) runs it again.
void Engine::Impl::FailCrashedStep(const ExecState& ex, const StepRecord& st, bool owner_died,
                                   int64_t now, StepRecord& row) {
  // The execution a retry starts from: the top of a chain of sub-executions.
  std::string top = ex.rec.id, parent = ex.rec.parent_execution_id;
  for (int depth = 0; depth < 16 && !parent.empty(); ++depth) {
    top = parent;
    auto rec = store_->GetExecution(ex.ws, parent);
    parent = rec ? rec->parent_execution_id : "";
  }
  row.status = StepStatus::kFailed;
  row.due_at = 0;
  row.finished_at = now;
  row.error = ErrorJson(Internal(
      "the process running this step " + std::string(owner_died ? "died" : "lost its lease") + " " +
      std::to_string(row.crashes) + " times in a row while running it (last owner " +
      st.lease_owner + "); the step is failed so that it cannot take the server down again; " +
      "`atelier retry " + top + "` runs it again"));
  row.error["crashes"] = row.crashes;
}

bool Engine::Impl::TakenOverElsewhere(const ExecState& ex) const {
  return ex.rec.status == ExecStatus::kRunning && !ex.rec.owner.empty() &&
         ex.rec.owner != opts_.owner;
}

void Engine::Impl::Reload(ExecState& ex) {
  std::string id = ex.rec.id;
  const ExecStatus was = ex.rec.status;
  auto inflight = std::move(ex.inflight);
  Status s = LoadInto(ex, ex.ws, id);
  ex.inflight = std::move(inflight);
  if (!s.ok()) {
    MarkReload(id);
    return;
  }
  MarkDirty(ex);
  // Work another process (or a command) cancelled: stop it now.
  for (auto& [sid, f] : ex.inflight) {
    auto it = ex.index.find(sid);
    if (it == ex.index.end() || ex.steps[it->second].status != StepStatus::kRunning ||
        ex.steps[it->second].attempt != f.attempt)
      f.token->Cancel("superseded");
  }
  if (ex.rec.status == ExecStatus::kStopped)
    for (auto& [sid, f] : ex.inflight) f.token->Cancel("stopped");
  // Another process took the execution over (this one's lease ran out: it was paused, or cut off
  // from the database): it is not this process's any more. What still runs here is cancelled (its
  // result would be refused: the steps moved to a new attempt), nothing new starts (Schedule),
  // and it leaves the loop once those have ended (ReleaseRested).
  if (TakenOverElsewhere(ex))
    for (auto& [sid, f] : ex.inflight) f.token->Cancel("taken over by " + ex.rec.owner);
  if (ex.rec.status != was && !ex.rec.parent_execution_id.empty()) {
    ExecutionRecord rec = ex.rec;  // WakeParent may add to execs_
    WakeParent(rec);
  }
}

}  // namespace atelier
