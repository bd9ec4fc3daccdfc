// The loop thread: inbox, timers, polling, completions, commits, release.
#include "engine_impl.h"

namespace atelier {

void Engine::Impl::Touch(ExecState& ex, int node) {
  if (node < 0) return;
  if (ex.woken.size() < static_cast<size_t>(ex.graph->size())) ex.woken.resize(ex.graph->size(), 0);
  if (ex.woken[node]) return;
  ex.woken[node] = 1;
  ex.wake.push_back(node);
}

void Engine::Impl::WakeAll(ExecState& ex, std::vector<int>& from) {
  for (int n : from) Touch(ex, n);
  from.clear();
}

// ---- loop plumbing ----------------------------------------------------------------------------
void Engine::Impl::Post(std::function<void()> fn) {
  {
    std::unique_lock<std::mutex> l(mu_);
    if (loop_done_) {  // nobody will run it: run it here (it only finds an empty loop)
      l.unlock();
      fn();
      return;
    }
    inbox_.push_back(std::move(fn));
  }
  cv_.notify_all();
}

void Engine::Impl::PostCompletion(Completion c) {
  {
    std::lock_guard<std::mutex> l(mu_);
    completions_.push_back(std::move(c));
  }
  cv_.notify_all();
}

void Engine::Impl::Loop() {
  int64_t last_poll = 0, last_renew = 0;
  bool draining = false;
  for (;;) {
    std::deque<std::function<void()>> inbox;
    std::deque<Completion> completions;
    bool shutdown_now = false;
    {
      std::unique_lock<std::mutex> l(mu_);
      // A timer added in the last round may be due already (a retry whose backoff passed
      // while its failure committed): the next round fires it with no wait. Waiting the
      // minimum 1 ms instead would never end under a clock that only moves when told to.
      const std::chrono::milliseconds wake = NextWake();
      if (!busy_ && wake.count() > 0) {
        clock_->WaitUntil(l, cv_, clock_->NowMs() + wake.count(), [&] {
          return !inbox_.empty() || !completions_.empty() || shutdown_requested_;
        });
      }
      inbox.swap(inbox_);
      completions.swap(completions_);
      if (shutdown_requested_) {
        draining = true;
        shutdown_now = clock_->NowMs() >= shutdown_deadline_ms_;
      }
      abandon_failed_results_ = shutdown_now;
    }
    for (auto& fn : inbox) fn();

    std::vector<Pending> batch;
    for (auto& p : staged_) batch.push_back(std::move(p));
    staged_.clear();
    for (auto& c : completions) HandleCompletion(std::move(c), batch);

    int64_t now = clock_->NowMs();
    FireTimers(now);
    if (now - last_poll >= opts_.poll_ms) {
      last_poll = now;
      PollExternalChanges();
    }
    if (!execs_.empty() && now - last_renew >= opts_.lease_ms / 3) {
      last_renew = now;
      (void)store_->RenewLeases(opts_.owner, now + opts_.lease_ms);
    }
    std::vector<std::string> reloads;
    reloads.swap(reload_ids_);
    for (const auto& id : reloads) {
      auto it = execs_.find(id);
      if (it != execs_.end() && it->second.reload) Reload(it->second);
      touched_ids_.push_back(id);
    }

    if (draining) {
      if (shutdown_now) CancelAll("shutdown");
    } else {
      std::vector<std::string> dirty;
      dirty.swap(dirty_ids_);
      for (const auto& id : dirty) {
        auto it = execs_.find(id);
        if (it == execs_.end() || !it->second.dirty) continue;
        ExecState& ex = it->second;
        if (static_cast<int>(batch.size()) >= opts_.max_batch) {
          dirty_ids_.push_back(id);  // next round
          continue;
        }
        ex.dirty = false;
        Schedule(ex, now, batch);
      }
    }
    busy_ = !batch.empty() || !dirty_ids_.empty();
    for (const auto& p : batch) touched_ids_.push_back(p.exec_id);
    if (!batch.empty()) CommitBatch(batch);
    ReleaseRested();
    if (draining && InFlightCount() == 0) {
      ReleaseAll();
      std::deque<std::function<void()>> late;
      {
        std::lock_guard<std::mutex> l(mu_);
        late.swap(inbox_);
        loop_done_ = true;
      }
      for (auto& fn : late) fn();  // Adopt answers Unavailable now
      return;
    }
  }
}

std::chrono::milliseconds Engine::Impl::NextWake() {
  int64_t now = clock_->NowMs();
  int64_t wait = opts_.poll_ms;
  if (!timers_.empty()) {
    if (timers_.top().first <= now) return std::chrono::milliseconds(0);  // due: fire it now
    wait = std::min(wait, timers_.top().first - now);
  }
  return std::chrono::milliseconds(std::max<int64_t>(wait, 1));
}

size_t Engine::Impl::InFlightCount() const {
  size_t n = 0;
  for (const auto& [id, ex] : execs_) n += ex.inflight.size();
  return n;
}

void Engine::Impl::CancelAll(const std::string& reason) {
  for (auto& [id, ex] : execs_)
    for (auto& [sid, f] : ex.inflight) f.token->Cancel(reason);
}

void Engine::Impl::FireTimers(int64_t now) {
  while (!timers_.empty() && timers_.top().first <= now) {
    std::string id = timers_.top().second;
    timers_.pop();
    auto it = execs_.find(id);
    if (it == execs_.end()) continue;
    ExecState& ex = it->second;
    MarkDirty(ex);
    WakeAll(ex, ex.retry_wait);
    for (auto& [sid, f] : ex.inflight) {
      if (f.deadline > 0 && f.deadline <= now && !f.timed_out) {
        f.timed_out = true;
        f.token->Cancel("timeout");
      }
    }
  }
}

void Engine::Impl::AddTimer(const std::string& exec_id, int64_t at) { timers_.push({at, exec_id}); }

void Engine::Impl::PollExternalChanges() {
  if (execs_.empty()) return;
  if (poll_queue_.empty())
    for (const auto& [id, ex] : execs_) poll_queue_.push_back(id);
  std::vector<std::string> ids;
  while (!poll_queue_.empty() && ids.size() < kPollChunk) {
    if (execs_.count(poll_queue_.back())) ids.push_back(poll_queue_.back());
    poll_queue_.pop_back();
  }
  if (ids.empty()) return;
  auto statuses = store_->GetExecutionStatuses(ids);
  if (!statuses) return;
  for (const auto& [id, st] : *statuses) {
    auto it = execs_.find(id);
    if (it != execs_.end() && it->second.rec.status != st) MarkReload(id);
  }
}

void Engine::Impl::MarkReload(const std::string& id) {
  auto it = execs_.find(id);
  if (it == execs_.end() || it->second.reload) return;
  it->second.reload = true;
  reload_ids_.push_back(id);
}

void Engine::Impl::MarkDirty(ExecState& ex) {
  if (ex.dirty) return;
  ex.dirty = true;
  dirty_ids_.push_back(ex.rec.id);
}

// ---- completions --------------------------------------------------------------------------------
void Engine::Impl::HandleCompletion(Completion c, std::vector<Pending>& batch) {
  auto it = execs_.find(c.exec_id);
  if (it == execs_.end()) return;
  ExecState& ex = it->second;
  auto fit = ex.inflight.find(c.step_id);
  if (fit == ex.inflight.end() || fit->second.attempt != c.attempt) return;
  if (c.result) {
    // A success frees its slot for a claim in this same round. A failure keeps it until the
    // failure is committed, so a map that stops at its first failed item sees it first.
    fit->second.completing = true;
    MarkDirty(ex);
    WakeAll(ex, ex.blocked);
  }
  InFlight f = fit->second;
  StepRecord* cur = Find(ex, c.step_id);
  if (!cur || cur->status != StepStatus::kRunning || cur->attempt != c.attempt) {
    ex.inflight.erase(fit);  // superseded (stopped, recovered elsewhere): drop the result
    MarkDirty(ex);
    touched_ids_.push_back(ex.rec.id);
    return;
  }
  int64_t now = clock_->NowMs();
  StepRecord row = *cur;
  Pending p{ex.rec.id, {}, {}, c};
  const Json* data = nullptr;
  bool paid = false;
  std::string type;
  int ni = ex.graph->IndexOf(row.node_id);
  if (ni >= 0) {
    const Node& n = ex.graph->node(ni);
    if (!row.parent_step_id.empty()) {
      const Json& inner = n.data.at("node");
      data = inner.contains("data") ? &inner["data"] : &empty_object_;
      type = inner.value("type", "");
      const NodeTypeSpec* spec = FindNodeType(type);
      paid = spec && spec->paid;
    } else {
      data = &n.data;
      type = n.type;
      paid = ex.graph->spec(ni).paid;
    }
  }
  if (c.result) {
    double cost = SucceedRow(ex, row, std::move(*c.result), now, p);
    if (paid) CloseReservation(ex.ws, ex.rec.id, row, cost, now, p.t);
    if (!f.cache_key.empty()) {
      CacheEntry entry;
      entry.workspace_id = ex.ws;
      entry.key = f.cache_key;
      entry.execution_id = ex.rec.id;
      entry.step_id = row.step_id;
      entry.version = row.version;
      entry.output = row.output;
      entry.session = row.session;
      entry.created_at = now;
      p.t.ops.push_back(CachePut{std::move(entry)});
    }
  } else {
    Status err = c.result.error();
    if (err.code() == Code::kCancelled && f.timed_out) {
      const int64_t limit = AttemptTimeoutMs(FindNodeType(type), data ? *data : empty_object_);
      err = DeadlineExceeded("step exceeded its time limit of " + std::to_string(limit) + " ms");
    }
    if (err.code() == Code::kCancelled && f.token->reason() == "shutdown") {
      // Handed back: another run picks it up where it stopped.
      row.status = StepStatus::kReady;
      row.lease_owner.clear();
      row.lease_expires_at = 0;
      row.updated_at = now;
      p.t.ops.push_back(EventAppend{
          MakeEvent(ex.rec.id, now, "step_released", row.step_id, {{"attempt", row.attempt}})});
    } else if (err.code() == Code::kCancelled) {
      row.status = StepStatus::kCancelled;
      row.finished_at = row.updated_at = now;
      row.lease_owner.clear();
      row.lease_expires_at = 0;
      p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "step_cancelled", row.step_id,
                                              {{"reason", f.token->reason()}})});
    } else {
      FailRow(ex, row, err, data ? *data : empty_object_, paid, now, p);
      // Which provider failed, for operators (the first route of the step's model).
      if (paid && data)
        std::get<EventAppend>(p.t.ops.back()).event.payload["provider"] =
            FirstProvider(type, *data);
    }
    if (paid) CloseReservation(ex.ws, ex.rec.id, *cur, std::nullopt, now, p.t);
  }
  p.t.ops.insert(p.t.ops.begin(), StepWrite{row, StepStatus::kRunning, c.attempt, false});
  p.after.push_back([this, id = ex.rec.id, sid = c.step_id] {
    auto e = execs_.find(id);
    if (e != execs_.end()) e->second.inflight.erase(sid);
  });
  batch.push_back(std::move(p));
}

// ---- commit -------------------------------------------------------------------------------------

// Installs committed rows into memory. With `take`, the rows are moved out of `t`.
void Engine::Impl::InstallOps(ExecState& ex, Transition& t, bool take) {
  bool reindex = false;
  for (auto& op : t.ops) {
    if (auto* w = std::get_if<StepWrite>(&op)) {
      StepRecord& row = w->row;
      const int node = ex.graph->IndexOf(row.node_id);
      const bool top = row.parent_step_id.empty();
      if (top && node >= 0 && PermanentlyFailed(row)) ex.failing = true;
      auto it = ex.index.find(row.step_id);
      StepRecord* slot;
      if (it == ex.index.end()) {
        slot = &ex.steps.emplace_back();
        reindex = true;
        if (top && !Settled(row)) ++ex.open;
      } else {
        slot = &ex.steps[it->second];
        if (slot->status == StepStatus::kRunning && row.status != StepStatus::kRunning)
          WakeAll(ex, ex.blocked);  // a slot freed
        if (top) ex.open += (Settled(*slot) ? 1 : 0) - (Settled(row) ? 1 : 0);
        if (!top && ex.item_counts_valid) {
          MapItemCounts& c = ex.item_counts[row.parent_step_id];
          c.finished += CountsAsFinished(row) - CountsAsFinished(*slot);
          c.open += CountsAsOpen(row) - CountsAsOpen(*slot);
        }
      }
      if (top && node >= 0 && ex.graph->spec(node).kind == NodeKind::kMap)
        ex.item_counts_valid = false;  // a new run or a re-opened one: count its items again
      if (!top && !Settled(row)) {
        auto c = ex.map_cursor.find(row.parent_step_id);
        if (c != ex.map_cursor.end() && row.item_index >= 0 &&
            static_cast<size_t>(row.item_index) < c->second)
          c->second = row.item_index;
      } else if (top && node >= 0 && ex.graph->spec(node).kind == NodeKind::kMap) {
        ex.map_cursor.erase(row.step_id);  // a new run of the map: look at every item again
        ex.map_failed.erase(row.step_id);
      }
      if (take) {
        *slot = std::move(row);
      } else {
        *slot = row;
      }
      Touch(ex, node);
      if (top && node >= 0)
        for (const auto& e : ex.graph->out(node)) Touch(ex, e.to);
    } else if (auto* e = std::get_if<ExecWrite>(&op)) {
      ex.rec = e->row;
    }
  }
  if (reindex) IndexSteps(ex);
}

void Engine::Impl::CommitBatch(std::vector<Pending>& batch) {
  AttachProgress(batch);
  std::vector<Transition> ts;
  ts.reserve(batch.size());
  for (auto& p : batch) ts.push_back(std::move(p.t));
  auto r = store_->Commit(ts);
  if (!r) {
    // Nothing was applied. Results from workers are kept and committed again; everything else
    // is recomputed from the stored state.
    for (auto& p : batch) {
      if (p.on_rejected) {
        ForgetLaunch(p.exec_id);
        p.on_rejected(r.error());
        continue;
      }
      MarkReload(p.exec_id);
      if (!p.completion) continue;
      if (abandon_failed_results_) {
        auto it = execs_.find(p.exec_id);
        if (it != execs_.end()) it->second.inflight.erase(p.completion->step_id);
        continue;
      }
      PostCompletion(std::move(*p.completion));
    }
    // Slots reserved by claims in this batch were never committed.
    for (size_t i = 0; i < batch.size(); ++i) {
      const Pending& p = batch[i];
      if (p.completion) continue;
      auto it = execs_.find(p.exec_id);
      if (it == execs_.end()) continue;
      for (auto& op : ts[i].ops)
        if (auto* w = std::get_if<StepWrite>(&op))
          if (w->row.status == StepStatus::kRunning) it->second.inflight.erase(w->row.step_id);
    }
    clock_->SleepMs(50);
    return;
  }
  std::vector<ExecState*> short_of_funds;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto it = execs_.find(batch[i].exec_id);
    if (it == execs_.end()) continue;
    ExecState& ex = it->second;
    MarkDirty(ex);
    if (r->applied[i]) {
      InstallOps(ex, ts[i], /*take=*/true);
      for (auto& fn : batch[i].after) fn();
    } else if (batch[i].on_rejected) {
      ForgetLaunch(batch[i].exec_id);
      batch[i].on_rejected(AlreadyExists("execution id collision"));
    } else {
      MarkReload(batch[i].exec_id);
      if (i < r->short_of_funds.size() && r->short_of_funds[i]) short_of_funds.push_back(&ex);
      // A claim that lost its guard must not hold a slot.
      for (auto& op : ts[i].ops)
        if (auto* w = std::get_if<StepWrite>(&op))
          if (w->row.status == StepStatus::kRunning && !batch[i].completion) {
            auto f = ex.inflight.find(w->row.step_id);
            if (f != ex.inflight.end() && f->second.attempt == w->row.attempt) ex.inflight.erase(f);
          }
      if (batch[i].completion) {
        // The step changed under us (stopped, taken over): the result is superseded.
        ex.inflight.erase(batch[i].completion->step_id);
      }
    }
  }
  Notify(r->events);
  for (ExecState* ex : short_of_funds) PauseForCredits(*ex);
  // Sub-executions whose status changed: their parents follow.
  std::vector<ExecutionRecord> changed;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!r->applied[i]) continue;
    for (const auto& op : ts[i].ops)
      if (const auto* w = std::get_if<ExecWrite>(&op); w && !w->row.parent_execution_id.empty())
        changed.push_back(w->row);
  }
  for (const auto& c : changed) WakeParent(c);
}

// A step could not reserve its estimate: the execution pauses until credits are granted
// (ResumeAfterGrant). Steps already running finish, as with any pause.
void Engine::Impl::PauseForCredits(ExecState& ex) {
  auto cur = store_->GetExecution(ex.ws, ex.rec.id);
  if (!cur || cur->status != ExecStatus::kRunning) return;
  Transition t;
  if (!SetExecStatus(*cur, ExecStatus::kPaused, kInsufficientCredits, "execution_paused", t).ok())
    return;
  auto r = store_->Commit({t});
  if (r && !r->applied.empty() && r->applied[0]) Notify(r->events);
  MarkReload(ex.rec.id);
}

void Engine::Impl::ForgetLaunch(const std::string& id) {
  execs_.erase(id);
  {
    std::lock_guard<std::mutex> l(rest_mu_);
    driven_.erase(id);
  }
  rest_cv_.notify_all();
}

void Engine::Impl::Notify(const std::vector<Event>& events) {
  Observer obs;
  {
    std::lock_guard<std::mutex> l(mu_);
    obs = observer_;
  }
  if (!obs) return;
  // Progress is computed once per execution per commit (it reads every step), not per event.
  std::string last_id;
  Progress p;
  for (const auto& e : events) {
    if (e.execution_id != last_id) {
      last_id = e.execution_id;
      auto it = execs_.find(e.execution_id);
      p = it != execs_.end() ? ComputeProgress(*it->second.graph, it->second.steps) : Progress{};
    }
    obs(e, p);
  }
}

// Executions that can make no progress here leave the loop.
void Engine::Impl::ReleaseRested() {
  std::vector<std::string> rested;
  std::vector<std::string> touched;
  touched.swap(touched_ids_);
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const auto& id : touched) {
    auto it = execs_.find(id);
    if (it == execs_.end()) continue;
    ExecState& ex = it->second;
    if (!ex.inflight.empty() || ex.reload) continue;
    // Running here: released in ReleaseAll when draining. Running elsewhere: let go.
    if (ex.rec.status == ExecStatus::kRunning && !TakenOverElsewhere(ex)) continue;
    if (ex.rec.owner == opts_.owner) {
      ExecutionRecord row = ex.rec;
      row.owner.clear();
      row.owner_expires_at = 0;
      (void)store_->Commit({Transition{{ExecWrite{row, {row.status}, false}}}});
    }
    rested.push_back(id);
  }
  if (rested.empty()) return;
  for (const auto& id : rested) execs_.erase(id);
  {
    std::lock_guard<std::mutex> l(rest_mu_);
    for (const auto& id : rested) driven_.erase(id);
  }
  rest_cv_.notify_all();
}

void Engine::Impl::ReleaseAll() {
  for (auto& [id, ex] : execs_) {
    ExecutionRecord row = ex.rec;
    // Left unfinished at shutdown: nothing runs it any more, so it must not read `running`.
    // It goes back to queued (what a server adopts when it starts) with an event that says so.
    if (row.status == ExecStatus::kRunning && row.owner == opts_.owner) {
      Transition t;
      const int64_t now = clock_->NowMs();
      const std::string why = "interrupted at " + FormatTimestamp(now) +
                              ": no process is running it; `atelier resume " + id +
                              "` continues it";
      if (SetExecStatus(row, ExecStatus::kQueued, why, "execution_interrupted", t).ok()) {
        std::get<ExecWrite>(t.ops.front()).expected_owner = opts_.owner;
        auto r = store_->Commit({t});
        if (r && !r->applied.empty() && r->applied[0]) {
          Notify(r->events);
          continue;
        }
      }
    }
    if (row.owner == opts_.owner) {
      row.owner.clear();
      row.owner_expires_at = 0;
      (void)store_->Commit({Transition{{ExecWrite{row, {row.status}, false}}}});
    }
  }
  execs_.clear();
  {
    std::lock_guard<std::mutex> l(rest_mu_);
    driven_.clear();
  }
  rest_cv_.notify_all();
}

}  // namespace atelier
