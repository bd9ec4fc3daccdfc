// The engine's construction, launches and the public API's entry points; the rest of Engine::Impl
// is defined by concern in the files engine_impl.h lists.
#include "atelier/engine/engine.h"

#include "engine_impl.h"

namespace atelier {

std::string TemplateContentHash(const Json& definition) {
  return Hex16(Fnv1a64(definition.dump()));
}

std::string NodeContext::ArtifactId(int index) const {
  return "art_" + Hex16(Fnv1a64(idempotency_key() + "#" + std::to_string(index)));
}

Engine::Impl::Impl(Store* store, BlobStore* blobs, const NodeRegistry* nodes,
                   const ProviderRegistry* providers, Clock* clock, IdGenerator* ids,
                   EngineOptions opts)
    : store_(store),
      blobs_(blobs),
      nodes_(nodes),
      providers_(providers),
      clock_(clock),
      ids_(ids),
      opts_(std::move(opts)),
      pool_(opts_.workers),
      commands_(
          store_, clock_,
          [this](const std::string& ws, const std::string& tid, int version) {
            return GraphFor(ws, tid, version);
          },
          Commands::Options{opts_.owner, opts_.credits},
          [this](const std::string& id) { Post([this, id] { MarkReload(id); }); }) {
  loop_ = std::thread([this] { Loop(); });
}

Engine::Impl::~Impl() { Shutdown(5000); }

// ---- public API -----------------------------------------------------------------------------
Result<int> Engine::Impl::ResumeAfterGrant(const std::string& ws) {
  ExecutionFilter f;
  f.status = ExecStatus::kPaused;
  f.limit = 0;
  auto paused = store_->ListExecutions(ws, f);
  if (!paused) return Err(paused.error());
  int resumed = 0;
  for (const auto& e : *paused) {
    if (e.reason != kInsufficientCredits) continue;
    if (commands_.Resume(ws, e.id).ok() && (!opts_.drive || Drive(ws, e.id).ok())) ++resumed;
  }
  return resumed;
}

Status Engine::Impl::SetExecStatus(const ExecutionRecord& ex, ExecStatus to,
                                   const std::string& reason, const char* event, Transition& t) {
  return ::atelier::SetExecStatus(ex, to, reason, event, clock_->NowMs(), opts_.owner, t);
}

Result<TemplateRecord> Engine::Impl::RegisterTemplate(const std::string& ws, const Template& t,
                                                      bool builtin) {
  TemplateRecord rec;
  rec.workspace_id = ws;
  rec.builtin = builtin;
  rec.name = t.name;
  rec.category = t.category;
  rec.description = t.description;
  rec.definition = TemplateToJson(t);
  rec.content_hash = TemplateContentHash(rec.definition);
  return store_->PutTemplate(rec);
}

Result<std::shared_ptr<const Graph>> Engine::Impl::GraphFor(const std::string& ws,
                                                            const std::string& tid, int version) {
  std::string key = ws + "/" + tid + "/" + std::to_string(version);
  {
    std::lock_guard<std::mutex> l(graphs_mu_);
    auto it = graphs_.find(key);
    if (it != graphs_.end()) return it->second;
  }
  auto rec = store_->GetTemplate(ws, tid, version);
  if (!rec) return Err(rec.error());
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(rec->definition, &errors);
  if (!t) {
    std::string msg = "stored template '" + tid + "' v" + std::to_string(version) + " is invalid";
    if (!errors.empty()) msg += ": " + errors.front().ToString();
    return Err(Internal(msg));
  }
  auto g = Graph::Build(std::move(*t));
  std::lock_guard<std::mutex> l(graphs_mu_);
  graphs_[key] = g;
  return g;
}

Result<Engine::Impl::NewExecution> Engine::Impl::PrepareLaunch(const std::string& ws,
                                                               const TemplateRecord& tmpl,
                                                               const Json& inputs, bool started,
                                                               const LaunchAs& as) {
  auto g = GraphFor(ws, tmpl.id, tmpl.version);
  if (!g) return Err(g.error());
  std::vector<ValidationError> errors;
  auto resolved = ResolveInputs((*g)->tmpl(), inputs, &errors);
  if (!resolved) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e.ToString();
    return Err(InvalidArgument(msg.empty() ? resolved.error().message() : msg));
  }
  int64_t now = clock_->NowMs();
  NewExecution n;
  n.graph = *g;
  ExecutionRecord& ex = n.rec;
  ex.id = as.id.empty() ? ids_->NewId("ex_") : as.id;
  ex.parent_execution_id = as.parent_execution_id;
  ex.parent_step_id = as.parent_step_id;
  ex.forked_from_execution_id = as.forked_from_execution_id;
  ex.forked_from_step_id = as.forked_from_step_id;
  ex.workspace_id = ws;
  ex.template_id = tmpl.id;
  ex.template_version = tmpl.version;
  ex.status = ExecStatus::kQueued;
  ex.inputs = std::move(*resolved);
  ex.created_at = ex.updated_at = now;
  if (started) {
    ex.status = ExecStatus::kRunning;
    ex.started_at = now;
    ex.owner = opts_.owner;
    ex.owner_expires_at = now + opts_.lease_ms;
  }
  n.t.ops.push_back(ExecWrite{ex, {}, true});
  const Graph& graph = **g;
  std::string start_id;
  for (int i : graph.topo_order()) {
    StepRecord s;
    s.execution_id = ex.id;
    s.step_id = s.node_id = graph.node(i).id;
    s.status = StepStatus::kPending;
    s.created_at = s.updated_at = now;
    if (graph.spec(i).kind == NodeKind::kStart) {
      s.status = StepStatus::kSucceeded;
      s.attempt = 1;
      s.output = ex.inputs;
      s.started_at = s.finished_at = now;
      start_id = s.step_id;
    }
    n.t.ops.push_back(StepWrite{std::move(s), std::nullopt, std::nullopt, true});
  }
  Json created = {{"template_id", tmpl.id},
                  {"template_version", tmpl.version},
                  {"template_name", tmpl.name},
                  {"inputs", ex.inputs}};
  if (!as.parent_execution_id.empty())
    created["parent"] = {{"execution_id", as.parent_execution_id}, {"step", as.parent_step_id}};
  if (!as.forked_from_execution_id.empty())
    created["forked_from"] = {{"execution_id", as.forked_from_execution_id},
                              {"step", as.forked_from_step_id}};
  if (as.notify) created["notify"] = *as.notify;
  n.t.ops.push_back(EventAppend{MakeEvent(ex.id, now, "execution_created", "", created)});
  if (started) n.t.ops.push_back(EventAppend{MakeEvent(ex.id, now, "execution_started", "")});
  n.t.ops.push_back(EventAppend{
      MakeEvent(ex.id, now, "step_succeeded", start_id, {{"attempt", 1}, {"duration_ms", 0}})});
  return n;
}

Result<ExecutionRecord> Engine::Impl::Launch(const std::string& ws, const TemplateRecord& tmpl,
                                             const Json& inputs, std::vector<Op> with,
                                             const Json& notify) {
  LaunchAs as;
  if (!notify.is_null()) as.notify = notify;
  auto n = PrepareLaunch(ws, tmpl, inputs, false, as);
  if (!n) return Err(n.error());
  return CommitLaunch(std::move(*n), std::move(with));
}

Result<ExecutionRecord> Engine::Impl::CommitLaunch(NewExecution n, std::vector<Op> with) {
  const bool extra = !with.empty();
  for (auto& op : with) {
    if (auto* put = std::get_if<IdempotencyPut>(&op); put && put->row.execution_id.empty())
      put->row.execution_id = n.rec.id;
    n.t.ops.push_back(std::move(op));
  }
  auto r = store_->Commit({std::move(n.t)});
  if (!r) return Err(r.error());
  if (r->applied.empty() || !r->applied[0])
    return Err(AlreadyExists(extra ? "the launch was refused by what it was to commit with"
                                   : "execution id collision"));
  return n.rec;
}

// Launch and drive in one step: the rows are committed by the loop together with whatever else
// it commits in that round, so many concurrent starts share one transaction.
std::future<Result<ExecutionRecord>> Engine::Impl::Start(const std::string& ws,
                                                         const TemplateRecord& tmpl,
                                                         const Json& inputs) {
  auto done = std::make_shared<std::promise<Result<ExecutionRecord>>>();
  auto fut = done->get_future();
  if (!opts_.drive) {
    done->set_value(Err(NotDriving()));
    return fut;
  }
  auto n = PrepareLaunch(ws, tmpl, inputs, true);
  if (!n) {
    done->set_value(Err(n.error()));
    return fut;
  }
  auto shared = std::make_shared<NewExecution>(std::move(*n));
  Post([this, ws, shared, done] {
    if (shutdown_requested_) {
      done->set_value(Err(Unavailable("engine is shutting down")));
      return;
    }
    NewExecution& fresh = *shared;
    const ExecutionRecord& row = fresh.rec;
    ExecState ex;
    ex.ws = ws;
    ex.graph = fresh.graph;
    // Scheduled once the rows are committed; only pure steps run before (RunInlineBeforeLaunch).
    ex.dirty = false;
    auto [it, inserted] = execs_.emplace(row.id, std::move(ex));
    InstallOps(it->second, fresh.t);
    {
      std::lock_guard<std::mutex> l(rest_mu_);
      driven_.insert(row.id);
    }
    Pending p{row.id, std::move(fresh.t), {}, std::nullopt};
    if (inserted) RunInlineBeforeLaunch(it->second, p);
    // The record as committed: with its pure steps run before the commit, perhaps finished.
    p.after.push_back([done, committed = it->second.rec] { done->set_value(committed); });
    p.on_rejected = [done](const Status& s) { done->set_value(Err(s)); };
    staged_.push_back(std::move(p));
  });
  return fut;
}

Status Engine::Impl::NotDriving() {
  return FailedPrecondition(
      "this process runs no steps (atelier serve --workers 0): a worker on the same database "
      "(atelier worker) runs the execution");
}

Status Engine::Impl::Drive(const std::string& ws, const std::string& id) {
  if (!opts_.drive) return NotDriving();
  auto ex = store_->GetExecution(ws, id);
  if (!ex) return ex.error();
  if (Status s = NotLeasedElsewhere(*ex, clock_->NowMs()); !s.ok()) return s;
  auto done = std::make_shared<std::promise<Status>>();
  auto fut = done->get_future();
  Post([this, ws, id, done] { done->set_value(Adopt(ws, id)); });
  return fut.get();
}

// The loop takes every execution over in one round (AdoptMany: one commit per max_batch), which
// checks each one's lease as Drive does.
std::vector<Status> Engine::Impl::DriveMany(const std::string& ws,
                                            const std::vector<std::string>& ids) {
  if (!opts_.drive) return std::vector<Status>(ids.size(), NotDriving());
  auto done = std::make_shared<std::promise<std::vector<Status>>>();
  auto fut = done->get_future();
  Post([this, ws, ids, done] { done->set_value(AdoptMany(ws, ids)); });
  return fut.get();
}

Result<ExecutionRecord> Engine::Impl::WaitUntilRest(const std::string& ws, const std::string& id) {
  // A sub-execution that finishes (or waits) wakes its parent here; wait for the parent too, so
  // a caller that drove the sub-execution leaves nothing half-handled behind.
  std::string at = id;
  for (int depth = 0; depth < 64 && !at.empty(); ++depth) {
    {
      std::unique_lock<std::mutex> l(rest_mu_);
      rest_cv_.wait(l, [&] { return driven_.count(at) == 0; });
    }
    auto rec = store_->GetExecution(ws, at);
    if (!rec) break;
    // A top-level execution at rest is the answer: read once, not twice (a row read parses the
    // inputs, which was a tenth of a fan-out benchmark's instructions).
    if (depth == 0 && rec->parent_execution_id.empty()) return rec;
    at = rec->parent_execution_id;
  }
  return store_->GetExecution(ws, id);
}

void Engine::Impl::SetObserver(Observer o) {
  std::lock_guard<std::mutex> l(mu_);
  observer_ = std::move(o);
}

void Engine::Impl::SetLiveObserver(LiveObserver o) {
  auto shared = o ? std::make_shared<const LiveObserver>(std::move(o)) : nullptr;
  std::lock_guard<std::mutex> l(mu_);
  live_observer_ = std::move(shared);
}

std::shared_ptr<const Engine::LiveObserver> Engine::Impl::live_observer() {
  std::lock_guard<std::mutex> l(mu_);
  return live_observer_;
}

void Engine::Impl::Shutdown(int64_t grace_ms) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (shutdown_requested_) {
      // already shutting down or done
    } else {
      shutdown_requested_ = true;
      shutdown_deadline_ms_ = clock_->NowMs() + grace_ms;
    }
  }
  cv_.notify_all();
  // Several threads may ask (a signal handler thread and a destructor): one joins, all wait.
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (loop_.joinable()) loop_.join();
  pool_.Join();
}

// ---------------------------------------------------------------------------------------------

Engine::Engine(Store* store, BlobStore* blobs, const NodeRegistry* nodes,
               const ProviderRegistry* providers, Clock* clock, IdGenerator* ids,
               EngineOptions opts)
    : impl_(std::make_unique<Impl>(store, blobs, nodes, providers, clock, ids, std::move(opts))) {}

Engine::~Engine() = default;

Result<TemplateRecord> Engine::RegisterTemplate(const std::string& ws, const Template& t,
                                                bool builtin) {
  return impl_->RegisterTemplate(ws, t, builtin);
}
Result<ExecutionRecord> Engine::Launch(const std::string& ws, const TemplateRecord& tmpl,
                                       const Json& inputs, std::vector<Op> with,
                                       const Json& notify) {
  return impl_->Launch(ws, tmpl, inputs, std::move(with), notify);
}
Result<ExecutionRecord> Engine::Fork(const std::string& ws, const std::string& id,
                                     const ForkRequest& req, std::vector<Op> with) {
  return impl_->Fork(ws, id, req, std::move(with));
}
std::future<Result<ExecutionRecord>> Engine::Start(const std::string& ws,
                                                   const TemplateRecord& tmpl, const Json& inputs) {
  return impl_->Start(ws, tmpl, inputs);
}
Status Engine::Drive(const std::string& ws, const std::string& id) { return impl_->Drive(ws, id); }
bool Engine::drives() const { return impl_->opts().drive; }
std::vector<Status> Engine::DriveMany(const std::string& ws, const std::vector<std::string>& ids) {
  return impl_->DriveMany(ws, ids);
}

Result<Engine::Claimed> Engine::ClaimMany(const std::string& ws, int limit) {
  if (!impl_->opts().drive) return Err(Impl::NotDriving());
  auto done = std::make_shared<std::promise<Result<Claimed>>>();
  auto fut = done->get_future();
  impl_->Post([this, ws, limit, done] { done->set_value(impl_->ClaimMany(ws, limit)); });
  return fut.get();
}
Result<ExecutionRecord> Engine::WaitUntilRest(const std::string& ws, const std::string& id) {
  return impl_->WaitUntilRest(ws, id);
}
Status Engine::Pause(const std::string& ws, const std::string& id) {
  return impl_->commands().Pause(ws, id);
}
Status Engine::Resume(const std::string& ws, const std::string& id) {
  return impl_->commands().Resume(ws, id);
}
Status Engine::Stop(const std::string& ws, const std::string& id) {
  return impl_->commands().Stop(ws, id);
}
Status Engine::Retry(const std::string& ws, const std::string& id) {
  return impl_->commands().Retry(ws, id);
}
Status Engine::RetryStep(const std::string& ws, const std::string& id, const std::string& step_id) {
  return impl_->commands().RetryStep(ws, id, step_id);
}
Result<int> Engine::ResumeAfterGrant(const std::string& ws) { return impl_->ResumeAfterGrant(ws); }
Status Engine::Tweak(const std::string& ws, const std::string& id, const std::string& step_id,
                     const std::string& instruction) {
  return impl_->commands().NewVersion(ws, id, step_id, "tweak", instruction, 0);
}
Status Engine::Regenerate(const std::string& ws, const std::string& id,
                          const std::string& step_id) {
  return impl_->commands().NewVersion(ws, id, step_id, "regenerate", "", 0);
}
Status Engine::EditAttachments(const std::string& ws, const std::string& id,
                               const std::string& step_id, const AttachmentEdit& edit) {
  return impl_->commands().EditAttachments(ws, id, step_id, edit);
}
Status Engine::Revert(const std::string& ws, const std::string& id, const std::string& step_id,
                      int version) {
  return impl_->commands().NewVersion(ws, id, step_id, "revert", "", version);
}
Status Engine::Decide(const std::string& ws, const std::string& id, const std::string& step_id,
                      const Decision& d) {
  return impl_->commands().Decide(ws, id, step_id, d);
}
Result<MilestonesView> Engine::Milestones(const std::string& ws, const std::string& id) {
  return impl_->commands().Milestones(ws, id);
}
Status Engine::MarkMilestone(const std::string& ws, const std::string& id,
                             const std::string& milestone, const std::string& by,
                             const std::string& note, const Json& extra) {
  return impl_->commands().MarkMilestone(ws, id, milestone, by, note, extra);
}
void Engine::SetObserver(Observer o) { impl_->SetObserver(std::move(o)); }
void Engine::SetLiveObserver(LiveObserver o) { impl_->SetLiveObserver(std::move(o)); }
Result<std::shared_ptr<const Graph>> Engine::GraphFor(const std::string& ws,
                                                      const std::string& template_id, int version) {
  return impl_->GraphFor(ws, template_id, version);
}
void Engine::Shutdown(int64_t grace_ms) { impl_->Shutdown(grace_ms); }

}  // namespace atelier
