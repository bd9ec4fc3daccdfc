#include "atelier/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <queue>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "atelier/core/hash.h"
#include "atelier/core/json_limits.h"
#include "atelier/core/render.h"
#include "atelier/core/validation.h"
#include "atelier/engine/price_table.h"
#include "atelier/engine/progress.h"
#include "atelier/engine/records_json.h"
#include "atelier/engine/retry_policy.h"
#include "atelier/engine/step_estimate.h"
#include "atelier/engine/worker_pool.h"

namespace atelier {

namespace {

Json ErrorJson(const Status& s) { return Json{{"code", CodeName(s.code())}, {"message", s.message()}}; }

Status StatusFromErrorJson(const Json& j) {
  if (!j.is_object()) return Internal("unknown error");
  Code code = CodeFromName(j.value("code", "internal")).value_or(Code::kInternal);
  return Status(code, j.value("message", ""));
}

// What an executor hands back is stored, sent to clients and fed to later steps, all of which
// copy or dump it recursively. Each executor builds from bounded values (json_limits.h); this
// holds any executor, present or future, to the bound before the result goes anywhere. Not
// retried: the same data builds the same value.
Result<NodeResult> BoundedDepth(Result<NodeResult> r) {
  if (!r) return r;
  const auto too_deep = [](const Json& v) { return JsonDeeperThan(v, kMaxStepOutputDepth); };
  const char* what = too_deep(r->output) ? "output" : too_deep(r->session) ? "session" : nullptr;
  for (const ArtifactDraft& a : r->artifacts)
    if (what == nullptr && too_deep(a.meta)) what = "artifact metadata";
  if (what == nullptr) return r;
  return Err(InvalidArgument(std::string("the step's ") + what + " is nested deeper than " +
                             std::to_string(kMaxStepOutputDepth) + " levels"));
}

// A step that needs nothing more in this run.
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

Event MakeEvent(const std::string& exec_id, int64_t ts, std::string type, std::string step_id,
                Json payload = Json::object()) {
  Event e;
  e.execution_id = exec_id;
  e.ts = ts;
  e.type = std::move(type);
  e.step_id = std::move(step_id);
  e.payload = std::move(payload);
  return e;
}

// The id of the sub-execution a subworkflow step runs at a version. Stable, so a step started
// again (after a crash, a hand-back or a retry) finds the sub-execution it launched.
std::string ChildId(const std::string& parent, const std::string& step, int version) {
  return parent + "." + step + ".v" + std::to_string(version);
}

// The default per-attempt time limit of a node (0 = none).
int64_t TimeoutFor(const Json& data, bool paid) {
  if (data.is_object()) {
    auto it = data.find("timeout_ms");
    if (it != data.end() && it->is_number_integer()) return it->get<int64_t>();
  }
  return paid ? 300000 : 0;
}

}  // namespace

std::string TemplateContentHash(const Json& definition) { return Hex16(Fnv1a64(definition.dump())); }

std::string NodeContext::ArtifactId(int index) const {
  return "art_" + Hex16(Fnv1a64(idempotency_key() + "#" + std::to_string(index)));
}

// ---------------------------------------------------------------------------------------------

class Engine::Impl {
 public:
  Impl(Store* store, BlobStore* blobs, const NodeRegistry* nodes, const ProviderRegistry* providers,
       Clock* clock, IdGenerator* ids, EngineOptions opts)
      : store_(store),
        blobs_(blobs),
        nodes_(nodes),
        providers_(providers),
        clock_(clock),
        ids_(ids),
        opts_(std::move(opts)),
        pool_(opts_.workers) {
    loop_ = std::thread([this] { Loop(); });
  }

  ~Impl() { Shutdown(5000); }

  // ---- public API -----------------------------------------------------------------------------

  Result<TemplateRecord> RegisterTemplate(const std::string& ws, const Template& t,
                                          bool builtin = false) {
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

  Result<std::shared_ptr<const Graph>> GraphFor(const std::string& ws, const std::string& tid,
                                                int version) {
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

  // The rows of a new execution: queued, start ready, every other step pending.
  struct NewExecution {
    std::shared_ptr<const Graph> graph;
    ExecutionRecord rec;
    Transition t;
  };

  // The start step needs nothing but the inputs, so it succeeds in the launch transaction.
  // With `started`, the execution is created running, owned by this process.
  // A sub-execution's id and the step that runs it (empty for a top-level execution).
  struct LaunchAs {
    std::string id;
    std::string parent_execution_id;
    std::string parent_step_id;
  };

  Result<NewExecution> PrepareLaunch(const std::string& ws, const TemplateRecord& tmpl,
                                     const Json& inputs, bool started,
                                     const LaunchAs& as = LaunchAs{}) {
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
    n.t.ops.push_back(EventAppend{MakeEvent(ex.id, now, "execution_created", "", created)});
    if (started) n.t.ops.push_back(EventAppend{MakeEvent(ex.id, now, "execution_started", "")});
    n.t.ops.push_back(EventAppend{MakeEvent(ex.id, now, "step_succeeded", start_id,
                                            {{"attempt", 1}, {"duration_ms", 0}})});
    return n;
  }

  Result<ExecutionRecord> Launch(const std::string& ws, const TemplateRecord& tmpl,
                                 const Json& inputs, std::vector<Op> with) {
    auto n = PrepareLaunch(ws, tmpl, inputs, false);
    if (!n) return Err(n.error());
    const bool extra = !with.empty();
    for (auto& op : with) {
      if (auto* put = std::get_if<IdempotencyPut>(&op); put && put->row.execution_id.empty())
        put->row.execution_id = n->rec.id;
      n->t.ops.push_back(std::move(op));
    }
    auto r = store_->Commit({std::move(n->t)});
    if (!r) return Err(r.error());
    if (r->applied.empty() || !r->applied[0])
      return Err(AlreadyExists(extra ? "the launch was refused by what it was to commit with"
                                     : "execution id collision"));
    return n->rec;
  }

  // Launch and drive in one step: the rows are committed by the loop together with whatever else
  // it commits in that round, so many concurrent starts share one transaction.
  std::future<Result<ExecutionRecord>> Start(const std::string& ws, const TemplateRecord& tmpl,
                                             const Json& inputs) {
    auto done = std::make_shared<std::promise<Result<ExecutionRecord>>>();
    auto fut = done->get_future();
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
      const ExecutionRecord row = fresh.rec;
      ExecState ex;
      ex.ws = ws;
      ex.graph = fresh.graph;
      ex.dirty = false;  // nothing runs before the rows are committed
      auto [it, inserted] = execs_.emplace(row.id, std::move(ex));
      InstallOps(it->second, fresh.t);
      {
        std::lock_guard<std::mutex> l(rest_mu_);
        driven_.insert(row.id);
      }
      Pending p{row.id, std::move(fresh.t), {}, std::nullopt};
      p.after.push_back([done, row] { done->set_value(row); });
      p.on_rejected = [done](const Status& s) { done->set_value(Err(s)); };
      staged_.push_back(std::move(p));
    });
    return fut;
  }

  Status Drive(const std::string& ws, const std::string& id) {
    auto ex = store_->GetExecution(ws, id);
    if (!ex) return ex.error();
    if (!ex->owner.empty() && ex->owner != opts_.owner && ex->owner_expires_at > clock_->NowMs() &&
        !(opts_.owner_is_dead && opts_.owner_is_dead(ex->owner)))
      return FailedPrecondition("execution '" + id + "' is being run by " + ex->owner +
                                " (lease until " + std::to_string(ex->owner_expires_at) + ")");
    auto done = std::make_shared<std::promise<Status>>();
    auto fut = done->get_future();
    Post([this, ws, id, done] { done->set_value(Adopt(ws, id)); });
    return fut.get();
  }

  Result<ExecutionRecord> WaitUntilRest(const std::string& ws, const std::string& id) {
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
      at = rec->parent_execution_id;
    }
    return store_->GetExecution(ws, id);
  }

  void SetObserver(Observer o) {
    std::lock_guard<std::mutex> l(mu_);
    observer_ = std::move(o);
  }

  // Commands write to the store directly, guarded on the statuses they read, and retry when they
  // lose a race with the loop (or with another process).
  template <class Build>
  Status RunCommand(const std::string& ws, const std::string& id, Build build) {
    for (int tries = 0; tries < 20; ++tries) {
      auto ex = store_->GetExecution(ws, id);
      if (!ex) return ex.error();
      auto steps = store_->GetSteps(ws, id);
      if (!steps) return steps.error();
      Transition t;
      Status s = build(*ex, *steps, t);
      if (!s.ok()) return s;
      if (t.ops.empty()) return Status::Ok();
      auto r = store_->Commit({std::move(t)});
      if (!r) return r.error();
      if (r->applied[0]) {
        Post([this, id] { MarkReload(id); });
        return Status::Ok();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2 * (tries + 1)));
    }
    return Aborted("execution '" + id + "' kept changing; try again");
  }

  Status Pause(const std::string& ws, const std::string& id) {
    return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto&, Transition& t) {
      if (ex.status == ExecStatus::kPaused) return Status::Ok();
      Status s = CheckExecTransition(ex.status, ExecStatus::kPaused);
      if (!s.ok()) return s;
      return SetExecStatus(ex, ExecStatus::kPaused, "paused by user", "execution_paused", t);
    });
  }

  Status Resume(const std::string& ws, const std::string& id) {
    return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
      if (ex.status == ExecStatus::kRunning || ex.status == ExecStatus::kQueued)
        return Status::Ok();  // nothing to change; Drive() takes it over
      if (ex.status == ExecStatus::kWaiting) {
        const StepRecord* waiting = nullptr;
        for (const auto& s : steps)
          if (s.status == StepStatus::kWaiting) waiting = &s;
        std::string child = waiting ? ChildId(id, waiting->step_id, waiting->version) : "";
        auto sub = waiting ? store_->GetExecution(ws, child) : Result<ExecutionRecord>(Err(NotFound("")));
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
        return FailedPrecondition("execution cannot be resumed from " +
                                  std::string(ExecStatusName(ex.status)) +
                                  (IsTerminal(ex.status) && ex.status != ExecStatus::kCompleted
                                       ? "; use retry"
                                       : ""));
      return SetExecStatus(ex, ExecStatus::kRunning, "", "execution_resumed", t);
    });
  }

  Status Stop(const std::string& ws, const std::string& id) {
    std::vector<std::string> children;
    Status stopped = RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps,
                                            Transition& t) {
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

  Result<int> ResumeAfterGrant(const std::string& ws) {
    ExecutionFilter f;
    f.status = ExecStatus::kPaused;
    f.limit = 0;
    auto paused = store_->ListExecutions(ws, f);
    if (!paused) return Err(paused.error());
    int resumed = 0;
    for (const auto& e : *paused) {
      if (e.reason != kInsufficientCredits) continue;
      if (Resume(ws, e.id).ok() && Drive(ws, e.id).ok()) ++resumed;
    }
    return resumed;
  }

  Status Retry(const std::string& ws, const std::string& id) {
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
        const std::vector<char> down = Downstream(*graph, std::move(from));
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

  Status Decide(const std::string& ws, const std::string& id, const std::string& step_id,
                const Decision& d) {
    if (auto forwarded = DecideInSub(ws, id, step_id, d)) return *forwarded;
    if (d.decision == "tweak") return DecideTweak(ws, id, step_id, d);
    if (d.decision != "approve" && d.decision != "reject")
      return InvalidArgument("decision must be 'approve', 'reject' or 'tweak', not '" + d.decision +
                             "'");
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
      t.ops.push_back(EventAppend{MakeEvent(id, now, "approval_decided", step_id,
                                            {{"decision", d.decision}, {"comment", d.comment}})});
      if (approved || has_reject_edge) {
        row.status = StepStatus::kSucceeded;
        row.output = {{"decision", d.decision},
                      {"approved", approved},
                      {"comment", d.comment},
                      {"branch", approved ? "approved" : "rejected"}};
        t.ops.push_back(StepWrite{row, StepStatus::kWaiting, std::nullopt, false});
        t.ops.push_back(EventAppend{
            MakeEvent(id, now, "step_succeeded", step_id, {{"output", row.output}})});
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
  std::optional<Status> DecideInSub(const std::string& ws, const std::string& id,
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
    return RunCommand(ws, id, [&](const ExecutionRecord& cur, const auto& now_steps,
                                  Transition& t) {
      for (const auto& x : now_steps)
        if (x.step_id == step_id && x.status == StepStatus::kWaiting &&
            cur.status == ExecStatus::kWaiting)
          return ReopenFor(cur, x, why, t);
      return Status::Ok();  // already re-opened (by the loop that drives the sub-execution)
    });
  }

  // Re-opens an execution that rests waiting on subworkflow step `st`: the step runs again
  // (it follows its sub-execution) and so does the execution.
  Status ReopenFor(const ExecutionRecord& ex, const StepRecord& st, const std::string& why,
                   Transition& t) {
    int64_t now = clock_->NowMs();
    StepRecord row = st;
    row.status = StepStatus::kRunning;
    row.updated_at = now;
    t.ops.push_back(StepWrite{row, StepStatus::kWaiting, st.attempt, false});
    t.ops.push_back(EventAppend{MakeEvent(ex.id, now, "subworkflow_resumed", st.step_id,
                                          {{"execution_id", ChildId(ex.id, st.step_id,
                                                                    st.version)},
                                           {"reason", why}})});
    return SetExecStatus(ex, ExecStatus::kRunning, "", "execution_resumed", t);
  }

  // A "tweak" decision: the step the approval reviews gets a new version refined with the
  // instruction; the approval, being downstream, asks again once it has re-run.
  Status DecideTweak(const std::string& ws, const std::string& id, const std::string& step_id,
                     const Decision& d) {
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
    int node = graph.IndexOf(st->node_id);
    std::string target = node >= 0 ? graph.node(node).data.value("tweak_step", "") : "";
    if (target.empty() && node >= 0) {
      // The nearest generative step upstream, breadth first.
      std::vector<int> frontier = {node};
      std::vector<char> seen(graph.size(), 0);
      while (!frontier.empty() && target.empty()) {
        std::vector<int> next;
        for (int n : frontier)
          for (const auto& e : graph.in(n)) {
            if (seen[e.from]) continue;
            seen[e.from] = 1;
            const std::string& type = graph.node(e.from).type;
            if (target.empty() &&
                (type == "generate_text" || type == "generate_image" || type == "refine"))
              target = graph.node(e.from).id;
            next.push_back(e.from);
          }
        frontier.swap(next);
      }
    }
    if (target.empty())
      return FailedPrecondition("approval step '" + step_id +
                                "' has no generative step upstream to tweak; set its tweak_step");
    return NewVersion(ws, id, target, "tweak", d.instruction, 0, step_id);
  }

  // The nodes reachable from `from` along the graph's edges (`from` itself only when reached).
  static std::vector<char> Downstream(const Graph& g, std::vector<int> from) {
    std::vector<char> down(g.size(), 0);
    while (!from.empty()) {
      int n = from.back();
      from.pop_back();
      if (n < 0) continue;
      for (const auto& e : g.out(n))
        if (!down[e.to]) {
          down[e.to] = 1;
          from.push_back(e.to);
        }
    }
    return down;
  }

  // A failed or cancelled step runs again as the same version, with a fresh retry budget; a
  // user's retry gives a poison pill its chances again.
  static void ResetForRetry(const std::string& id, const StepRecord& s, int64_t now,
                            Transition& t) {
    StepRecord row = s;
    row.status = StepStatus::kPending;
    row.attempt_base = row.attempt;
    row.crashes = 0;
    row.due_at = 0;
    row.error = nullptr;
    row.finished_at = 0;
    row.updated_at = now;
    t.ops.push_back(StepWrite{row, s.status, s.attempt, false});
    t.ops.push_back(EventAppend{MakeEvent(id, now, "step_reset", s.step_id,
                                          {{"from", StepStatusName(s.status)}})});
  }

  // A new version of `s` because `because` changed upstream: a succeeded step goes stale (its
  // output kept until it runs again), any other back to pending.
  // A map's new version starts above every version its items reached (see IsCurrentItem).
  void MarkStale(const std::string& id, const StepRecord& s, const std::vector<StepRecord>& steps,
                 const std::string& because, int64_t now, Transition& t) {
    StepRecord d = s;
    d.status = s.status == StepStatus::kSucceeded ? StepStatus::kStale : StepStatus::kPending;
    d.version = s.version + 1;
    for (const auto& c : steps)
      if (c.parent_step_id == s.step_id) d.version = std::max(d.version, c.version + 1);
    d.attempt_base = d.attempt;
    d.crashes = 0;
    d.due_at = 0;
    d.error = nullptr;
    d.updated_at = now;
    t.ops.push_back(StepWrite{d, s.status, s.attempt, false});
    t.ops.push_back(EventAppend{MakeEvent(id, now, "step_stale", s.step_id,
                                          {{"from", StepStatusName(s.status)},
                                           {"because", because},
                                           {"version", d.version}})});
  }

  // A step with no session (not generative) keeps no versions while it only runs once; before a
  // new version replaces it, the current one is kept so that it can be compared and reverted to.
  static void KeepReplacedVersion(const StepRecord& st, int64_t now, Transition& t) {
    if (!st.session.is_null()) return;
    StepVersion v;
    v.execution_id = st.execution_id;
    v.step_id = st.step_id;
    v.version = st.version;
    v.output = st.output;
    v.meta = {{"source", "run"}, {"attempt", st.attempt}};
    v.created_at = st.finished_at ? st.finished_at : now;
    t.ops.push_back(StepVersionPut{std::move(v)});
  }

  Status EditAttachments(const std::string& ws, const std::string& id, const std::string& step_id,
                         const Engine::AttachmentEdit& edit) {
    auto artifacts = store_->ListArtifacts(ws, id);
    if (!artifacts) return artifacts.error();
    auto image_of = [&](const std::string& art) -> Result<Json> {
      for (const auto& a : *artifacts) {
        if (a.id != art) continue;
        if (a.kind != "image")
          return Err(InvalidArgument("artifact '" + art + "' is a " + a.kind + ", not an image"));
        Json img = {{"artifact_id", a.id}, {"sha256", a.sha256}, {"mime", a.mime}, {"name", a.name}};
        for (const char* k : {"width", "height"})
          if (a.meta.is_object() && a.meta.contains(k)) img[k] = a.meta[k];
        return img;
      }
      return Err(InvalidArgument("artifact '" + art + "' is not an image of execution '" + id + "'"));
    };
    return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
      const StepRecord* st = FindStep(steps, step_id);
      if (!st) return NotFound("execution '" + id + "' has no step '" + step_id + "'");
      auto g = GraphFor(ws, ex.template_id, ex.template_version);
      if (!g) return g.error();
      int node = (*g)->IndexOf(st->node_id);
      if (node < 0 || (*g)->node(node).type != "attach" || !st->parent_step_id.empty() ||
          !st->output.is_object() || !st->output.contains("document"))
        return FailedPrecondition("step '" + step_id + "' is not an attach step");
      if (st->status != StepStatus::kSucceeded)
        return FailedPrecondition("step '" + step_id + "' is " + StepStatusName(st->status) +
                                  "; only a succeeded attach step's images can be changed");
      if (edit.add.empty() && edit.remove.empty() && edit.primary.empty())
        return InvalidArgument(
            "nothing to change: give images to add or remove, or a primary image");
      Json doc = st->output["document"];
      Json images = doc.contains("images") && doc["images"].is_array() ? doc["images"] : Json::array();
      Json primary = doc.value("primary", Json());
      auto id_of = [](const Json& img) {
        return img.is_object() ? img.value("artifact_id", std::string()) : std::string();
      };
      auto index_of = [&](const std::string& art) -> int {
        for (size_t i = 0; i < images.size(); ++i)
          if (id_of(images[i]) == art) return static_cast<int>(i);
        return -1;
      };
      Json removed = Json::array(), added = Json::array();
      for (const auto& art : edit.remove) {
        int i = index_of(art);
        if (i < 0)
          return InvalidArgument("remove: image '" + art + "' is not attached to step '" +
                                 step_id + "'");
        images.erase(images.begin() + i);
        removed.push_back(art);
      }
      for (const auto& art : edit.add) {
        if (index_of(art) >= 0) continue;
        auto img = image_of(art);
        if (!img) return Status(img.error().code(), "add: " + img.error().message());
        images.push_back(std::move(*img));
        added.push_back(art);
      }
      if (!edit.primary.empty()) {
        int i = index_of(edit.primary);
        if (i < 0)
          return InvalidArgument("primary: image '" + edit.primary + "' is not attached to step '" +
                                 step_id + "' (add it first or in the same change)");
        primary = images[static_cast<size_t>(i)];
      } else if (index_of(id_of(primary)) < 0) {
        primary = images.empty() ? Json() : images[0];
      }
      doc["images"] = images;
      doc["primary"] = primary;
      const int64_t now = clock_->NowMs();
      KeepReplacedVersion(*st, now, t);
      StepRecord row = *st;
      row.version = st->version + 1;
      row.output["document"] = doc;
      row.output["images"] = images;
      row.output["primary"] = primary;
      if (!row.session.is_object()) row.session = Json::object();
      row.updated_at = now;
      Json change = {{"added", added}, {"removed", removed}, {"primary", id_of(primary)}};
      StepVersion v;
      v.execution_id = id;
      v.step_id = step_id;
      v.version = row.version;
      v.output = row.output;
      v.session = row.session;
      v.meta = {{"source", "attachments"}, {"change", change}};
      v.created_at = now;
      t.ops.push_back(StepWrite{row, StepStatus::kSucceeded, st->attempt, false});
      t.ops.push_back(StepVersionPut{std::move(v)});
      Json payload = {{"version", row.version}, {"from_version", st->version}};
      payload.update(change);
      t.ops.push_back(EventAppend{MakeEvent(id, now, "step_attachments_changed", step_id, payload)});
      t.ops.push_back(ExecGuard{id, {ex.status}});
      return Status::Ok();
    });
  }

  // "tweaked", "regenerated", "reverted".
  static std::string Past(const std::string& mode) {
    return mode == "tweak" ? "tweaked" : mode == "regenerate" ? "regenerated" : "reverted";
  }

  // Tweak, regenerate and revert make a new version of a succeeded generative step; everything
  // downstream of it becomes stale (or pending again) and re-runs; nothing else does.
  Status NewVersion(const std::string& ws, const std::string& id, const std::string& step_id,
                    const std::string& mode, const std::string& instruction, int revert_to,
                    const std::string& decided_by = "") {
    if (mode == "tweak" && instruction.find_first_not_of(" \t\n") == std::string::npos)
      return InvalidArgument("a tweak needs an instruction, such as \"zoom out to show the face\"");
    std::optional<StepVersion> kept;
    if (mode == "revert") {
      auto versions = store_->ListStepVersions(ws, id, step_id);
      if (!versions) return versions.error();
      std::string have;
      for (const auto& v : *versions) {
        have += (have.empty() ? "" : ", ") + std::to_string(v.version);
        if (v.version == revert_to) kept = v;
      }
      if (!kept)
        return NotFound("step '" + step_id + "' has no version " + std::to_string(revert_to) +
                        (have.empty() ? "" : "; kept versions: " + have));
    }
    return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
      auto g = GraphFor(ws, ex.template_id, ex.template_version);
      if (!g) return g.error();
      const Graph& graph = **g;
      const StepRecord* st = FindStep(steps, step_id);
      if (!st) return NotFound("execution '" + id + "' has no step '" + step_id + "'");
      const bool item = !st->parent_step_id.empty();
      const StepRecord* map = item ? FindStep(steps, st->parent_step_id) : nullptr;
      if (item && !map) return Internal("map item '" + step_id + "' has no map step");
      const int node = graph.IndexOf(st->node_id);
      // A map item runs the map's inner node.
      const Json* inner = node >= 0 && item ? &graph.node(node).data.at("node") : nullptr;
      const std::string type = node < 0 ? std::string()
                               : inner  ? inner->value("type", std::string())
                                        : graph.node(node).type;
      const bool generative =
          type == "generate_text" || type == "generate_image" || type == "refine";
      // A step built from others (a document, an attachment set, a computed value) is rebuilt
      // from its inputs as they are now: seed 003's "failed document: rebuild from sections".
      const bool derived =
          type == "export" || type == "attach" || type == "transform" || type == "code";
      const bool allowed = generative || (derived && mode != "tweak");
      const std::string what = item ? "item " + std::to_string(st->item_index) + " of map '" +
                                          map->step_id + "' (a " + type + " step)"
                                    : "a " + (node < 0 ? std::string("unknown") : type) + " step";
      if (node < 0 || !allowed)
        return FailedPrecondition(
            "step '" + step_id + "' is " + what +
            "; only generate_text, generate_image and refine steps can be " + Past(mode) +
            (mode == "tweak"
                 ? std::string(" (export, attach, transform and code steps can be regenerated)")
                 : std::string(", and export, attach, transform and code steps rebuilt")));
      if (item) {
        if (!IsCurrentItem(*st, *map))
          return FailedPrecondition("step '" + step_id + "' belongs to an earlier run of map '" +
                                    map->step_id + "', which has fewer items now");
        if (map->status != StepStatus::kSucceeded && map->status != StepStatus::kFailed)
          return FailedPrecondition(
              "map '" + map->step_id + "' is " + StepStatusName(map->status) +
              "; its items can be " + Past(mode) + " once it has finished running them");
      }
      // A map item that failed (collected with on_item_error: continue, or failing the map) can be
      // run again as a new version; anything else must have succeeded.
      const bool failed_item = item && mode == "regenerate" &&
                               (PermanentlyFailed(*st) || st->status == StepStatus::kCancelled);
      const bool revertible = item && mode == "revert" && Settled(*st);
      if (st->status != StepStatus::kSucceeded && !failed_item && !revertible)
        return FailedPrecondition("step '" + step_id + "' is " + StepStatusName(st->status) +
                                  "; only a succeeded step can be " + Past(mode) +
                                  (item && mode == "regenerate" ? " (or a failed map item)" : ""));
      if (ex.status == ExecStatus::kQueued)
        return FailedPrecondition("execution '" + id + "' has not started");

      int64_t now = clock_->NowMs();
      if (!decided_by.empty())
        t.ops.push_back(EventAppend{MakeEvent(id, now, "approval_decided", decided_by,
                                              {{"decision", "tweak"},
                                               {"instruction", instruction},
                                               {"tweaks", step_id}})});
      // Versions only grow, so the step's own number is the highest kept one.
      StepRecord row = *st;
      row.version = st->version + 1;
      row.updated_at = now;
      Json payload = {{"version", row.version}, {"from_version", st->version}};
      if (mode == "revert") {
        row.status = StepStatus::kSucceeded;
        row.output = kept->output;
        row.session = kept->session;
        row.error = nullptr;
        row.due_at = 0;
        row.finished_at = now;
        payload["reverted_to"] = revert_to;
        StepVersion v = *kept;
        v.version = row.version;
        v.meta = {{"source", "revert"}, {"reverted_to", revert_to}};
        v.created_at = now;
        t.ops.push_back(StepWrite{row, st->status, st->attempt, false});
        t.ops.push_back(StepVersionPut{std::move(v)});
        t.ops.push_back(EventAppend{MakeEvent(id, now, "step_reverted", step_id, payload)});
      } else {
        if (st->status == StepStatus::kSucceeded) KeepReplacedVersion(*st, now, t);
        row.status = StepStatus::kReady;
        row.attempt_base = row.attempt;
        row.crashes = 0;
        row.due_at = 0;
        row.error = nullptr;
        if (!row.session.is_object()) row.session = Json::object();
        row.session["pending"] = {{"mode", mode}};
        if (mode == "tweak") {
          row.session["pending"]["instruction"] = instruction;
          payload["instruction"] = instruction;
        }
        t.ops.push_back(StepWrite{row, st->status, st->attempt, false});
        t.ops.push_back(EventAppend{MakeEvent(
            id, now, mode == "tweak" ? "step_tweaked" : "step_regenerating", step_id, payload)});
      }
      // What depends on an item is its map (which collects it again) and what follows the map.
      if (item) {
        Status reopened = ReopenMap(ex, graph, steps, *map, step_id, now, t);
        if (!reopened.ok()) return reopened;
      }
      Status staled = StaleDownstream(graph, steps, node, id, step_id, now, t);
      if (!staled.ok()) return staled;
      return ReopenExecution(ex, step_id, t);
    });
  }

  static const StepRecord* FindStep(const std::vector<StepRecord>& steps,
                                    const std::string& step_id) {
    for (const auto& s : steps)
      if (s.step_id == step_id) return &s;
    return nullptr;
  }

  // Every top-level step downstream of `node` runs again: a succeeded one goes stale, a waiting or
  // failed one back to pending. Refused while one of them is running.
  Status StaleDownstream(const Graph& graph, const std::vector<StepRecord>& steps, int node,
                         const std::string& id, const std::string& because, int64_t now,
                         Transition& t) {
    const std::vector<char> down = Downstream(graph, {node});
    for (const auto& s : steps) {
      if (!s.parent_step_id.empty()) continue;
      int n = graph.IndexOf(s.node_id);
      if (n < 0 || !down[n]) continue;
      if (s.status == StepStatus::kRunning || s.status == StepStatus::kReady)
        return FailedPrecondition("step '" + s.step_id + "' downstream of '" + because + "' is " +
                                  StepStatusName(s.status) +
                                  "; wait until it finishes or stop the execution first");
      if (s.status == StepStatus::kPending || s.status == StepStatus::kStale) continue;
      MarkStale(id, s, steps, because, now, t);
    }
    return Status::Ok();
  }

  // A map that finished runs again over the items it has (no new list, no new version): those
  // that are not settled run, then it collects every item's result anew.
  Status ReopenMap(const ExecutionRecord& ex, const Graph& graph,
                   const std::vector<StepRecord>& steps, const StepRecord& map,
                   const std::string& because, int64_t now, Transition& t) {
    StepRecord row = map;
    row.status = StepStatus::kRunning;
    Json settings = {{"concurrency", 4}, {"on_item_error", "continue"}};
    for (const char* k : {"items", "concurrency", "on_item_error"})
      if (map.output.is_object() && map.output.contains(k)) settings[k] = map.output[k];
    if (!settings.contains("items")) {
      // A map finished before its items were kept with its output: render them again.
      int n = graph.IndexOf(map.node_id);
      Json scope = {{"inputs", ex.inputs}, {"steps", Json::object()}};
      for (const auto& o : steps)
        if (o.parent_step_id.empty() && o.status == StepStatus::kSucceeded)
          scope["steps"][o.step_id] = o.output;
      auto items = n >= 0 ? RenderValue(graph.node(n).data.at("items"), scope)
                          : Result<Json>(Json::array());
      if (!items) return items.error();
      settings["items"] = std::move(*items);
    }
    row.output = std::move(settings);
    row.error = nullptr;
    row.due_at = 0;
    row.finished_at = 0;
    row.updated_at = now;
    t.ops.push_back(StepWrite{row, map.status, map.attempt, false});
    t.ops.push_back(EventAppend{MakeEvent(ex.id, now, "step_reset", map.step_id,
                                          {{"from", StepStatusName(map.status)},
                                           {"to", "running"},
                                           {"because", because}})});
    return Status::Ok();
  }

  // After a command gave steps new work: a running or paused execution carries on; one that had
  // finished or was waiting at a gate runs again.
  Status ReopenExecution(const ExecutionRecord& ex, const std::string& because, Transition& t) {
    if (ex.status == ExecStatus::kRunning || ex.status == ExecStatus::kPaused) {
      t.ops.push_back(ExecGuard{ex.id, {ex.status}});
      return Status::Ok();
    }
    ExecutionRecord row_ex = ex;
    row_ex.error = nullptr;
    row_ex.finished_at = 0;
    Status s = SetExecStatus(row_ex, ExecStatus::kRunning, "", "execution_reopened", t);
    if (s.ok()) std::get<EventAppend>(t.ops.back()).event.payload["because"] = because;
    return s;
  }

  // Runs again the items of map `step_id` that failed or were cancelled (or the one item
  // `step_id` names) while the rest of the execution stays as it is: the map collects them anew
  // and what follows it runs again. Seed 002's "manual workaround" without rejecting the gate.
  Status RetryStep(const std::string& ws, const std::string& id, const std::string& step_id) {
    return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
      const StepRecord* st = FindStep(steps, step_id);
      if (!st) return NotFound("execution '" + id + "' has no step '" + step_id + "'");
      const StepRecord* map = st->parent_step_id.empty() ? st : FindStep(steps, st->parent_step_id);
      if (!map) return Internal("map item '" + step_id + "' has no map step");
      auto g = GraphFor(ws, ex.template_id, ex.template_version);
      if (!g) return g.error();
      const Graph& graph = **g;
      const int node = graph.IndexOf(map->node_id);
      if (node < 0 || graph.spec(node).kind != NodeKind::kMap)
        return FailedPrecondition("step '" + step_id +
                                  "' is not a map or a map item; retry the execution to re-run "
                                  "its failed steps");
      if (map->status != StepStatus::kSucceeded && map->status != StepStatus::kFailed)
        return FailedPrecondition("map '" + map->step_id + "' is " +
                                  StepStatusName(map->status) +
                                  "; its items can be retried once it has finished running them");
      if (ex.status == ExecStatus::kQueued)
        return FailedPrecondition("execution '" + id + "' has not started");
      const int64_t now = clock_->NowMs();
      int reset = 0;
      for (const auto& s : steps) {
        if (s.parent_step_id != map->step_id || !IsCurrentItem(s, *map)) continue;
        if (st != map && &s != st) continue;
        if (!PermanentlyFailed(s) && s.status != StepStatus::kCancelled) {
          if (&s == st)
            return FailedPrecondition("step '" + step_id + "' is " + StepStatusName(s.status) +
                                      "; only a failed or cancelled item can be retried (a "
                                      "succeeded one can be regenerated)");
          continue;
        }
        ResetForRetry(id, s, now, t);
        ++reset;
      }
      if (reset == 0)
        return FailedPrecondition("map '" + map->step_id + "' has no failed or cancelled items");
      Status s = ReopenMap(ex, graph, steps, *map, step_id, now, t);
      if (s.ok()) s = StaleDownstream(graph, steps, node, id, step_id, now, t);
      if (s.ok()) s = ReopenExecution(ex, step_id, t);
      return s;
    });
  }

  // ---- milestones --------------------------------------------------------------------------------

  Result<std::vector<MilestoneMark>> ReadMarks(const std::string& ws, const std::string& id,
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

  Result<MilestonesView> Milestones(const std::string& ws, const std::string& id) {
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

  Status MarkMilestone(const std::string& ws, const std::string& id, const std::string& milestone,
                       const std::string& by, const std::string& note, const Json& extra) {
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

  void Shutdown(int64_t grace_ms) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (shutdown_requested_) {
        // already shutting down or done
      } else {
        shutdown_requested_ = true;
        shutdown_deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
      }
    }
    cv_.notify_all();
    // Several threads may ask (a signal handler thread and a destructor): one joins, all wait.
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (loop_.joinable()) loop_.join();
    pool_.Join();
  }

 private:
  struct InFlight {
    std::shared_ptr<CancelToken> token;
    int attempt = 0;
    int64_t deadline = 0;  // 0 = none
    bool timed_out = false;
    std::string cache_key;  // where to record the result ("" = not cached)
    // The worker finished and its result is being committed this round: the slot is free for
    // the next claim (committed after it in the same transaction), but the entry stays until
    // the commit lands, so a failed commit can hand the result in again.
    bool completing = false;
    bool last_chance = false;  // one crash short of max_step_crashes (see LastChance)
  };

  struct Completion {
    std::string exec_id;
    std::string step_id;
    int attempt = 0;
    Result<NodeResult> result;
  };

  struct ExecState {
    std::string ws;
    ExecutionRecord rec;
    std::shared_ptr<const Graph> graph;
    std::vector<StepRecord> steps;
    std::unordered_map<std::string, size_t> index;                  // step id -> steps[i]
    std::unordered_map<std::string, std::vector<size_t>> children;  // map id -> items by index
    std::unordered_map<std::string, InFlight> inflight;
    bool dirty = true;
    bool reload = false;
    // Which nodes the next round examines: only those whose inputs changed, not the whole graph
    // (a 1,000-step chain would otherwise cost O(n^2)).
    bool wake_all = true;
    std::vector<char> woken;       // per node index
    std::vector<int> wake;         // nodes to examine
    std::vector<int> blocked;      // ready but no free slot: examined again when one frees
    std::vector<int> retry_wait;   // a retry is due later: examined again when a timer fires
    bool failing = false;          // a top-level step failed for good: start nothing new
    int open = 0;                  // top-level steps not settled
    // Per map step: items before the cursor are settled, so a round looks only at the items
    // running now and the next ones to start (O(concurrency), not O(items)); and whether an item
    // before the cursor failed for good. Moved back when an item is written unsettled.
    std::unordered_map<std::string, size_t> map_cursor;
    std::unordered_set<std::string> map_failed;
    // For the progress the events carry (AttachProgress): the top-level steps, each map's item
    // counts (kept up to date as items are written, counted again after a map's row changes or
    // the steps are reloaded), and the figures the last event carried.
    std::vector<size_t> top;
    std::unordered_map<std::string, MapItemCounts> item_counts;
    bool item_counts_valid = false;
    Json shown_progress;
    int64_t progress_at = 0;  // when an event last carried it (steady ms; see progress_interval_ms)
  };

  static void Touch(ExecState& ex, int node) {
    if (node < 0) return;
    if (ex.woken.size() < static_cast<size_t>(ex.graph->size())) ex.woken.resize(ex.graph->size(), 0);
    if (ex.woken[node]) return;
    ex.woken[node] = 1;
    ex.wake.push_back(node);
  }

  static void WakeAll(ExecState& ex, std::vector<int>& from) {
    for (int n : from) Touch(ex, n);
    from.clear();
  }

  // A transition produced by the loop, with what to do once it is committed.
  struct Pending {
    std::string exec_id;
    Transition t;
    std::vector<std::function<void()>> after;  // run only when applied
    std::optional<Completion> completion;      // re-queued when the commit itself fails
    // For a new execution: its rows never landed, so it is forgotten and the caller told.
    std::function<void(const Status&)> on_rejected;
  };

  // ---- loop plumbing ----------------------------------------------------------------------------

  void Post(std::function<void()> fn) {
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

  void PostCompletion(Completion c) {
    {
      std::lock_guard<std::mutex> l(mu_);
      completions_.push_back(std::move(c));
    }
    cv_.notify_all();
  }

  void Loop() {
    int64_t last_poll = 0, last_renew = 0;
    bool draining = false;
    for (;;) {
      std::deque<std::function<void()>> inbox;
      std::deque<Completion> completions;
      bool shutdown_now = false;
      {
        std::unique_lock<std::mutex> l(mu_);
        if (!busy_) {
          auto wait_until = std::chrono::steady_clock::now() + NextWake();
          cv_.wait_until(l, wait_until, [&] {
            return !inbox_.empty() || !completions_.empty() || shutdown_requested_;
          });
        }
        inbox.swap(inbox_);
        completions.swap(completions_);
        if (shutdown_requested_) {
          draining = true;
          shutdown_now = std::chrono::steady_clock::now() >= shutdown_deadline_;
        }
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
      ReleaseRested(draining);
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

  std::chrono::milliseconds NextWake() {
    int64_t now = clock_->NowMs();
    int64_t wait = opts_.poll_ms;
    if (!timers_.empty()) wait = std::min(wait, std::max<int64_t>(0, timers_.top().first - now));
    return std::chrono::milliseconds(std::max<int64_t>(wait, 1));
  }

  size_t InFlightCount() const {
    size_t n = 0;
    for (const auto& [id, ex] : execs_) n += ex.inflight.size();
    return n;
  }

  void CancelAll(const std::string& reason) {
    for (auto& [id, ex] : execs_)
      for (auto& [sid, f] : ex.inflight) f.token->Cancel(reason);
  }

  void FireTimers(int64_t now) {
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

  void AddTimer(const std::string& exec_id, int64_t at) { timers_.push({at, exec_id}); }

  // Looks for status changes made by other processes, kPollChunk executions per poll (round
  // robin), so a loop driving thousands of executions does not spend its time polling.
  static constexpr size_t kPollChunk = 256;
  void PollExternalChanges() {
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

  void MarkReload(const std::string& id) {
    auto it = execs_.find(id);
    if (it == execs_.end() || it->second.reload) return;
    it->second.reload = true;
    reload_ids_.push_back(id);
  }

  void MarkDirty(ExecState& ex) {
    if (ex.dirty) return;
    ex.dirty = true;
    dirty_ids_.push_back(ex.rec.id);
  }

  // ---- loading and adoption ----------------------------------------------------------------------

  void IndexSteps(ExecState& ex) {
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

  Status LoadInto(ExecState& ex, const std::string& ws, const std::string& id) {
    auto rec = store_->GetExecution(ws, id);
    if (!rec) return rec.error();
    auto steps = store_->GetSteps(ws, id);
    if (!steps) return steps.error();
    auto g = GraphFor(ws, rec->template_id, rec->template_version);
    if (!g) return g.error();
    ex.ws = ws;
    ex.rec = std::move(*rec);
    ex.graph = *g;
    ex.steps = std::move(*steps);
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

  Status Adopt(const std::string& ws, const std::string& id) {
    if (shutdown_requested_) return Unavailable("engine is shutting down");
    if (execs_.count(id)) return Status::Ok();  // already driving it
    ExecState ex;
    Status s = LoadInto(ex, ws, id);
    if (!s.ok()) return s;
    if (ex.rec.status != ExecStatus::kQueued && ex.rec.status != ExecStatus::kRunning)
      return Status::Ok();  // resting: nothing to drive (WaitUntilRest returns at once)
    int64_t now = clock_->NowMs();
    Transition t;
    // Steps left running by a process that is gone, or whose lease ran out, return to ready, each
    // counting a crash; one that has crashed its process max_step_crashes times in a row fails.
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
    std::string previous_owner = row.owner;
    row.owner = opts_.owner;
    row.owner_expires_at = now + opts_.lease_ms;
    row.updated_at = now;
    if (row.status == ExecStatus::kQueued) {
      row.status = ExecStatus::kRunning;
      row.reason.clear();  // e.g. the note of an interruption (ReleaseAll)
      row.started_at = now;
      t.ops.push_back(EventAppend{MakeEvent(id, now, "execution_started", "")});
    } else if (!previous_owner.empty() && previous_owner != opts_.owner) {
      t.ops.push_back(EventAppend{MakeEvent(id, now, "execution_recovered", "",
                                            {{"previous_owner", previous_owner}})});
    }
    t.ops.insert(t.ops.begin(), ExecWrite{row, {ex.rec.status}, false, previous_owner});
    auto r = store_->Commit({t});
    if (!r) return r.error();
    if (!r->applied[0]) return Aborted("execution '" + id + "' changed while taking it over; retry");
    {
      std::lock_guard<std::mutex> l(rest_mu_);
      driven_.insert(id);
    }
    auto [it, inserted] = execs_.emplace(id, std::move(ex));
    InstallOps(it->second, t);
    MarkDirty(it->second);
    Notify(r->events);
    if (!it->second.rec.parent_execution_id.empty()) {
      ExecutionRecord rec = it->second.rec;
      WakeParent(rec);
    }
    return Status::Ok();
  }

  // A poison pill: the processes running step `st` died (or lost its lease) max_step_crashes
  // times in a row. `row` fails for good instead of running again, so it cannot take the process
  // that adopts it down too; a manual retry (which clears the count) runs it again.
  void FailCrashedStep(const ExecState& ex, const StepRecord& st, bool owner_died, int64_t now,
                       StepRecord& row) {
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
        "the process running this step " + std::string(owner_died ? "died" : "lost its lease") +
        " " + std::to_string(row.crashes) + " times in a row while running it (last owner " +
        st.lease_owner + "); the step is failed so that it cannot take the server down again; " +
        "`atelier retry " + top + "` runs it again"));
    row.error["crashes"] = row.crashes;
  }

  void Reload(ExecState& ex) {
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
    if (ex.rec.status != was && !ex.rec.parent_execution_id.empty()) {
      ExecutionRecord rec = ex.rec;  // WakeParent may add to execs_
      WakeParent(rec);
    }
  }

  // ---- scheduling ---------------------------------------------------------------------------------

  static bool IsMapStep(const ExecState& ex, const StepRecord& s) {
    if (!s.parent_step_id.empty()) return false;
    int i = ex.graph->IndexOf(s.node_id);
    return i >= 0 && ex.graph->spec(i).kind == NodeKind::kMap;
  }

  // Steps that run without a worker of their own (a map over its items, a subworkflow over its
  // sub-execution): no lease to expire, nothing to hand back.
  static bool IsHolderStep(const ExecState& ex, const StepRecord& s) {
    if (!s.parent_step_id.empty()) return false;
    int i = ex.graph->IndexOf(s.node_id);
    return i >= 0 && (ex.graph->spec(i).kind == NodeKind::kMap ||
                      ex.graph->spec(i).kind == NodeKind::kSubworkflow);
  }

  StepRecord* Find(ExecState& ex, const std::string& step_id) {
    auto it = ex.index.find(step_id);
    return it == ex.index.end() ? nullptr : &ex.steps[it->second];
  }

  Json ScopeFor(const ExecState& ex, int node, const StepRecord* item_of) {
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

  // Whether edge `e` into a step carries flow, given its (succeeded) source.
  static bool EdgeLive(const Graph& g, const GraphEdge& e, const StepRecord& src) {
    const auto& handles = g.spec(e.from).handles;
    if (handles.empty()) return true;
    std::string handle = e.handle.empty() ? handles.front() : e.handle;
    std::string branch = src.output.is_object() ? src.output.value("branch", "") : "";
    return handle == branch;
  }

  static int RunningCount(const ExecState& ex) {
    int n = 0;
    for (const auto& [id, f] : ex.inflight) n += f.completing ? 0 : 1;
    return n;
  }

  void Schedule(ExecState& ex, int64_t now, std::vector<Pending>& batch) {
    if (ex.rec.status != ExecStatus::kRunning) return;  // paused, waiting, ...: start nothing
    const Graph& g = *ex.graph;
    const size_t before = batch.size();
    const bool failing = ex.failing;
    int running = RunningCount(ex);
    int limit = opts_.max_concurrency;

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

    for (int i : nodes) {
      StepRecord* cur = Find(ex, g.node(i).id);
      if (!cur) continue;
      switch (cur->status) {
        case StepStatus::kPending:
        case StepStatus::kStale: {  // stale: an upstream step has a new version
          if (failing) break;
          bool unresolved = false, live = false;
          for (const auto& e : g.in(i)) {
            const StepRecord* src = Find(ex, g.node(e.from).id);
            if (!src) continue;
            if (src->status == StepStatus::kSucceeded) {
              live |= EdgeLive(g, e, *src);
            } else if (src->status != StepStatus::kSkipped) {
              unresolved = true;
            }
          }
          if (unresolved) break;
          StepRecord row = *cur;
          const StepStatus was = cur->status;
          if (!live && !g.in(i).empty()) {
            row.status = StepStatus::kSkipped;
            row.finished_at = row.updated_at = now;
            Pending p{ex.rec.id, {}, {}, std::nullopt};
            p.t.ops.push_back(ExecGuard{ex.rec.id, {ExecStatus::kRunning}});
            p.t.ops.push_back(StepWrite{row, was, row.attempt, false});
            p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "step_skipped", row.step_id)});
            AppendMilestonesReached(ex, row, now, p.t);
            batch.push_back(std::move(p));
            break;
          }
          row.status = StepStatus::kReady;
          StartStep(ex, i, row, was, running, limit, now, batch);
          break;
        }
        case StepStatus::kReady:
          if (failing) break;
          StartStep(ex, i, *cur, StepStatus::kReady, running, limit, now, batch);
          break;
        case StepStatus::kFailed:
          if (cur->due_at > 0) {
            if (cur->due_at <= now) {
              StepRecord row = *cur;
              row.status = StepStatus::kReady;
              row.due_at = 0;
              StartStep(ex, i, row, StepStatus::kFailed, running, limit, now, batch);
            } else {
              AddTimer(ex.rec.id, cur->due_at);
              ex.retry_wait.push_back(i);
            }
          }
          break;
        case StepStatus::kRunning:
          if (g.spec(i).kind == NodeKind::kMap) ScheduleMap(ex, i, *cur, running, limit, now, batch);
          if (g.spec(i).kind == NodeKind::kSubworkflow) FollowSub(ex, i, *cur, now, batch);
          break;
        case StepStatus::kWaiting:
          if (g.spec(i).kind == NodeKind::kSubworkflow) FollowSub(ex, i, *cur, now, batch);
          break;
        default:
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
  void StartStep(ExecState& ex, int node, StepRecord row, StepStatus expected, int& running,
                 int limit, int64_t now, std::vector<Pending>& batch) {
    const Graph& g = *ex.graph;
    const NodeTypeSpec& spec = g.spec(node);
    const std::string& exec_id = ex.rec.id;
    Pending p{exec_id, {}, {}, std::nullopt};
    p.t.ops.push_back(ExecGuard{exec_id, {ExecStatus::kRunning}});
    const int expected_attempt = row.attempt;
    row.updated_at = now;
    if (expected == StepStatus::kFailed)
      p.t.ops.push_back(EventAppend{MakeEvent(exec_id, now, "step_retrying", row.step_id,
                                              {{"attempt", row.attempt + 1}})});

    if (spec.kind == NodeKind::kApproval) {
      const Json& data = g.node(node).data;
      Json scope = ScopeFor(ex, node, nullptr);
      Json message = data.contains("message") ? data["message"] : Json("Approve to continue.");
      if (auto r = RenderValue(message, scope)) message = *r;
      Json show = data.contains("show") ? data["show"] : Json();
      if (auto r = RenderValue(show, scope)) show = *r;
      row.status = StepStatus::kWaiting;
      row.attempt += 1;
      row.started_at = now;
      p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
      p.t.ops.push_back(EventAppend{MakeEvent(exec_id, now, "approval_requested", row.step_id,
                                              {{"message", message}, {"show", show}})});
      batch.push_back(std::move(p));
      return;
    }

    if (spec.kind == NodeKind::kMap) {
      StartMap(ex, node, std::move(row), expected, expected_attempt, now, std::move(p), batch);
      return;
    }

    if (spec.kind == NodeKind::kSubworkflow) {
      StartSub(ex, node, std::move(row), expected, expected_attempt, now, std::move(p), batch);
      return;
    }

    const Node& n = g.node(node);
    NodeExecutor* executor = nodes_->Find(n.type);
    RunStep(ex, node, n.type, n.data, spec.paid, executor, std::move(row), expected,
            expected_attempt, running, limit, now, std::move(p), batch, nullptr);
  }

  // Runs a task step (top-level or map item): inline when the executor allows, else claims it for
  // the pool. `p` already holds the guard for the transition.
  void RunStep(ExecState& ex, int node, const std::string& type, const Json& data, bool paid,
               NodeExecutor* executor, StepRecord row, StepStatus expected, int expected_attempt,
               int& running, int limit, int64_t now, Pending p, std::vector<Pending>& batch,
               const StepRecord* item_of) {
    const std::string& exec_id = ex.rec.id;
    if (!executor) {
      row.attempt += 1;
      FailRow(ex, row, Internal("no executor for node type '" + type + "'"), data, paid, now, p);
      p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
      batch.push_back(std::move(p));
      return;
    }
    if (executor->inline_ok()) {
      row.attempt += 1;
      row.started_at = now;
      Json scope = ScopeFor(ex, node, item_of);
      CancelToken token;
      NodeContext ctx;
      ctx.execution_id = exec_id;
      ctx.step_id = row.step_id;
      ctx.node_type = type;
      ctx.attempt = row.attempt;
      ctx.version = row.version;
      ctx.data = &data;
      ctx.scope = &scope;
      ctx.session = &row.session;
      ctx.cancel = &token;
      ctx.blobs = blobs_;
      ctx.providers = providers_;
      auto r = LimitOutput(BoundedDepth(executor->Execute(ctx)));
      if (r) {
        SucceedRow(ex, row, std::move(*r), now, p);
      } else {
        FailRow(ex, row, r.error(), data, paid, now, p);
      }
      p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
      batch.push_back(std::move(p));
      return;
    }
    // A paid step whose settings and resolved inputs match an earlier result reuses it.
    std::string cache_key = paid ? CacheKey(type, data, ex, node, item_of, row) : "";
    if (!cache_key.empty()) {
      auto hit = store_->LookupCache(ex.ws, cache_key);
      if (hit && *hit) {
        row.attempt += 1;
        row.started_at = now;
        SucceedFromCache(ex, row, **hit, now, p);
        p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
        batch.push_back(std::move(p));
        return;
      }
    }
    if (running >= limit) {
      ex.blocked.push_back(node);
      if (expected == StepStatus::kPending || expected == StepStatus::kStale) {  // record readiness; it starts when a slot frees
        p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
        batch.push_back(std::move(p));
      }
      return;
    }
    // A step on its last chance before it is failed as a poison pill runs only while no other
    // one does in this process, so that if the process dies again the crash is its own: a step
    // that merely ran beside a poison pill each time is not failed with it. It looks again later.
    const bool last_chance = LastChance(row);
    if (last_chance && LastChanceRunning()) {
      AddTimer(exec_id, now + opts_.poll_ms);
      ex.retry_wait.push_back(node);
      return;
    }
    ++running;
    row.status = StepStatus::kRunning;
    row.attempt += 1;
    row.started_at = now;
    row.lease_owner = opts_.owner;
    row.lease_expires_at = now + opts_.lease_ms;
    auto scope = std::make_shared<Json>(ScopeFor(ex, node, item_of));
    p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
    if (paid) Reserve(ex, row, type, data, *scope, now, p.t);
    p.t.ops.push_back(EventAppend{
        MakeEvent(exec_id, now, "step_started", row.step_id, {{"attempt", row.attempt}})});
    int64_t timeout = TimeoutFor(data, paid);
    // Reserve the slot now so later decisions in this round see it.
    InFlight f;
    f.token = std::make_shared<CancelToken>();
    f.attempt = row.attempt;
    f.cache_key = cache_key;
    f.last_chance = last_chance;
    f.deadline = timeout > 0 ? now + timeout : 0;
    ex.inflight[row.step_id] = f;
    if (f.deadline) AddTimer(exec_id, f.deadline);
    auto session = std::make_shared<Json>(row.session);
    auto graph = ex.graph;
    std::string step_id = row.step_id;
    int attempt = row.attempt, version = row.version;
    const Json* data_ptr = &data;
    p.after.push_back([this, exec_id, step_id, attempt, version, type, data_ptr, graph, scope,
                       session, executor, token = f.token] {
      pool_.Submit([=, this] {
        NodeContext ctx;
        ctx.execution_id = exec_id;
        ctx.step_id = step_id;
        ctx.node_type = type;
        ctx.attempt = attempt;
        ctx.version = version;
        ctx.data = data_ptr;
        ctx.scope = scope.get();
        ctx.session = session.get();
        ctx.cancel = token.get();
        ctx.blobs = blobs_;
        ctx.providers = providers_;
        Result<NodeResult> r = token->cancelled()
                                   ? Result<NodeResult>(Err(Cancelled(token->reason())))
                                   : LimitOutput(BoundedDepth(executor->Execute(ctx)));
        PostCompletion(Completion{exec_id, step_id, attempt, std::move(r)});
      });
    });
    batch.push_back(std::move(p));
  }

  // Whether the next crash of the process running `row` fails it as a poison pill.
  bool LastChance(const StepRecord& row) const {
    return opts_.max_step_crashes > 1 && row.crashes >= opts_.max_step_crashes - 1;
  }

  bool LastChanceRunning() const {
    for (const auto& [id, ex] : execs_)
      for (const auto& [sid, f] : ex.inflight)
        if (f.last_chance && !f.completing) return true;
    return false;
  }

  // Fails a result larger than opts_.max_step_output_bytes (output and session as JSON), before
  // the engine keeps or stores it. Thread-safe (workers call it).
  Result<NodeResult> LimitOutput(Result<NodeResult> r) const {
    if (!r || opts_.max_step_output_bytes <= 0) return r;
    const auto max = static_cast<uint64_t>(opts_.max_step_output_bytes);
    const uint64_t output = JsonSizeUpTo(r->output, max);
    if (output <= max && output + JsonSizeUpTo(r->session, max - output) <= max) return r;
    const std::string mib =
        max % (uint64_t{1} << 20) == 0 ? " (" + std::to_string(max >> 20) + " MiB)" : "";
    return Err(InvalidArgument(
        std::string(output > max ? "the step's output is" : "the step's output and session are") +
        " larger than " + std::to_string(max) + " bytes" + mib + ", the limit on one step"));
  }

  // The cache key of a paid step: its type and its data rendered against its scope, leaving out
  // what only steers scheduling or tests. "" when it must not use the cache: `cache: false`, a
  // tweak or regeneration pending, a `fail_first` test knob (a step told to fail must fail, not be
  // served an earlier success), or data that does not render (the executor reports that).
  std::string CacheKey(const std::string& type, const Json& data, const ExecState& ex, int node,
                       const StepRecord* item_of, const StepRecord& row) {
    if (data.is_object() && data.value("cache", true) == false) return "";
    if (data.is_object() && data.contains("fail_first") && data["fail_first"] != Json(0) &&
        data["fail_first"] != Json("0"))
      return "";
    if (row.session.is_object() && row.session.contains("pending")) return "";
    Json settings = data.is_object() ? data : Json::object();
    for (const char* k : {"label", "retry", "timeout_ms", "cache", "latency_ms", "fail_first"})
      settings.erase(k);
    auto rendered = RenderValue(settings, ScopeFor(ex, node, item_of));
    if (!rendered) return "";
    std::string text = type + "\n" + rendered->dump();
    return "c_" + Hex16(Fnv1a64(text)) + Hex16(Fnv1a64("atelier-cache:" + text));
  }

  // Succeeds `row` with a cached result: the same output and session, with artifact rows of its
  // own pointing at the same blobs (no provider call, nothing charged).
  void SucceedFromCache(ExecState& ex, StepRecord& row, const CacheEntry& hit, int64_t now,
                        Pending& p) {
    NodeResult r;
    r.output = hit.output;
    r.session = hit.session;
    NodeContext ctx;
    ctx.execution_id = ex.rec.id;
    ctx.step_id = row.step_id;
    ctx.attempt = row.attempt;
    ctx.version = row.version;
    std::unordered_map<std::string, std::string> renamed;
    auto source = store_->ListArtifacts(ex.ws, hit.execution_id);
    if (source) {
      int i = 0;
      for (const auto& a : *source) {
        if (a.step_id != hit.step_id || a.step_version != hit.version) continue;
        ArtifactDraft d;
        d.id = ctx.ArtifactId(i++);
        d.kind = a.kind;
        d.mime = a.mime;
        d.sha256 = a.sha256;
        d.size = a.size;
        d.name = a.name;
        d.meta = a.meta;
        renamed[a.id] = d.id;
        r.artifacts.push_back(std::move(d));
      }
    }
    RenameStrings(r.output, renamed);
    RenameStrings(r.session, renamed);
    SucceedRow(ex, row, std::move(r), now, p);
    // Mark the event and the kept version as a cache hit.
    for (auto it = p.t.ops.rbegin(); it != p.t.ops.rend(); ++it) {
      if (auto* e = std::get_if<EventAppend>(&*it); e && e->event.type == "step_succeeded") {
        e->event.payload["cache_hit"] = {{"execution", hit.execution_id},
                                         {"step", hit.step_id},
                                         {"version", hit.version}};
        break;
      }
    }
    for (auto& op : p.t.ops)
      if (auto* v = std::get_if<StepVersionPut>(&op)) v->row.meta["source"] = "cache";
  }

  static void RenameStrings(Json& j, const std::unordered_map<std::string, std::string>& names) {
    if (names.empty()) return;
    if (j.is_string()) {
      auto it = names.find(j.get_ref<const std::string&>());
      if (it != names.end()) j = it->second;
    } else if (j.is_array() || j.is_object()) {
      for (auto& v : j) RenameStrings(v, names);
    }
  }

  // The provider a paid step's model routes to first ("" when none routes).
  std::string FirstProvider(const std::string& type, const Json& data) const {
    const bool image =
        type == "generate_image" || (type == "refine" && data.value("kind", "") == "image");
    auto routes = providers_->Routes(data.value("model", std::string(image ? "image" : "default")));
    return routes && !routes->empty() ? routes->front().provider->name() : "";
  }

  // Credits (EngineOptions::credits). Ledger keys name the attempt, so a replayed transition never
  // reserves, settles or refunds twice.
  static std::string AttemptKey(const std::string& exec_id, const StepRecord& row) {
    return exec_id + "/" + row.step_id + "/v" + std::to_string(row.version) + "/a" +
           std::to_string(row.attempt);
  }
  static int64_t Micro(double credits) { return static_cast<int64_t>(std::llround(credits * 1e6)); }

  // Reserves the estimate of `row`'s attempt; the transition is refused when funds are short.
  void Reserve(const ExecState& ex, const StepRecord& row, const std::string& type,
               const Json& data, const Json& scope, int64_t now, Transition& t) {
    if (!opts_.credits) return;
    static const PriceTable kNoPrices;
    const PriceTable& prices = opts_.prices ? *opts_.prices : kNoPrices;
    StepEstimate est = EstimateStep(type, data, scope, *providers_, prices);
    LedgerEntry e;
    e.workspace_id = ex.ws;
    e.kind = LedgerKind::kReservation;
    e.amount = -Micro(est.cost);
    e.key = "reserve:" + AttemptKey(ex.rec.id, row);
    e.execution_id = ex.rec.id;
    e.step_id = row.step_id;
    e.note = est.provider + "/" + est.model + " estimate: " +
             std::to_string(est.usage.input_tokens) + " in, " +
             std::to_string(est.usage.output_tokens) + " out, " +
             std::to_string(est.usage.images) + " images";
    e.created_at = now;
    t.ops.push_back(LedgerAppend{std::move(e), /*require_funds=*/true});
  }

  // Closes the reservation of `row`'s attempt: settles at `cost` credits, or refunds it all.
  // Adds nothing when the attempt reserved nothing.
  void CloseReservation(const std::string& ws, const std::string& exec_id, const StepRecord& row,
                        std::optional<double> cost, int64_t now, Transition& t) {
    if (!opts_.credits) return;
    const std::string key = AttemptKey(exec_id, row);
    LedgerEntry e;
    e.workspace_id = ws;
    e.kind = cost ? LedgerKind::kSettlement : LedgerKind::kRefund;
    e.amount = cost ? Micro(*cost) : 0;
    e.key = (cost ? "settle:" : "refund:") + key;
    e.reservation_key = "reserve:" + key;
    e.execution_id = exec_id;
    e.step_id = row.step_id;
    e.created_at = now;
    t.ops.push_back(LedgerAppend{std::move(e), false, /*against_reservation=*/true});
  }

  // Returns what the result cost (0 when it reports no usage).
  double SucceedRow(ExecState& ex, StepRecord& row, NodeResult r, int64_t now, Pending& p) {
    Json source = {{"source", "run"}};
    if (row.session.is_object() && row.session.contains("pending")) {
      const Json& pending = row.session["pending"];
      source = {{"source", pending.value("mode", "run")}};
      if (pending.contains("instruction")) source["instruction"] = pending["instruction"];
      row.session.erase("pending");
    }
    if (!r.session.is_null()) row.session = std::move(r.session);
    row.status = StepStatus::kSucceeded;
    row.output = std::move(r.output);
    row.error = nullptr;
    row.due_at = 0;
    row.finished_at = row.updated_at = now;
    row.lease_owner.clear();
    row.lease_expires_at = 0;
    row.crashes = 0;  // an attempt finished: the process survived it
    Json artifacts = Json::array();
    for (auto& a : r.artifacts) {
      ArtifactRecord rec;
      rec.id = a.id;
      rec.workspace_id = ex.ws;
      rec.execution_id = ex.rec.id;
      rec.step_id = row.step_id;
      rec.step_version = row.version;
      rec.kind = a.kind;
      rec.mime = a.mime;
      rec.sha256 = a.sha256;
      rec.size = a.size;
      rec.name = a.name;
      rec.meta = a.meta;
      rec.created_at = now;
      artifacts.push_back(rec.id);
      p.t.ops.push_back(ArtifactInsert{std::move(rec)});
    }
    Json payload = {{"attempt", row.attempt},
                    {"duration_ms", row.started_at ? now - row.started_at : 0}};
    double cost = 0;
    if (!row.session.is_null()) {
      // Generative steps keep every version: what it made and the session that made it.
      source["attempt"] = row.attempt;
      payload["version"] = row.version;
      StepVersion v;
      v.execution_id = ex.rec.id;
      v.step_id = row.step_id;
      v.version = row.version;
      v.output = row.output;
      v.session = row.session;
      v.meta = std::move(source);
      v.created_at = now;
      p.t.ops.push_back(StepVersionPut{std::move(v)});
    }
    if (!artifacts.empty()) payload["artifacts"] = std::move(artifacts);
    if (r.usage.input_tokens || r.usage.output_tokens || r.usage.images) {
      const std::string provider =
          row.output.is_object() ? row.output.value("provider", std::string()) : "";
      const std::string model =
          row.output.is_object() ? row.output.value("model", std::string()) : "";
      cost = opts_.prices ? opts_.prices->Cost(provider, model, r.usage) : 0;
      payload["usage"] = {{"input_tokens", r.usage.input_tokens},
                          {"output_tokens", r.usage.output_tokens},
                          {"images", r.usage.images},
                          {"cost", cost},
                          {"provider", provider},
                          {"model", model}};
      // Tokens the provider did not report were approximated (see docs/providers.md).
      if (r.usage.estimated) payload["usage"]["estimated"] = true;
      // The step's usage adds up over its versions: what it has cost so far.
      Json total = row.usage.is_object() ? row.usage : Json::object();
      total["input_tokens"] = total.value("input_tokens", int64_t{0}) + r.usage.input_tokens;
      total["output_tokens"] = total.value("output_tokens", int64_t{0}) + r.usage.output_tokens;
      total["images"] = total.value("images", int64_t{0}) + r.usage.images;
      total["cost"] = total.value("cost", 0.0) + cost;
      total["provider"] = provider;
      total["model"] = model;
      if (r.usage.estimated) total["estimated"] = true;
      row.usage = std::move(total);
    }
    p.t.ops.push_back(
        EventAppend{MakeEvent(ex.rec.id, now, "step_succeeded", row.step_id, std::move(payload))});
    AppendMilestonesReached(ex, row, now, p.t);
    return cost;
  }

  // milestone_reached, in the transaction that writes `row` finished, for each automatic
  // milestone it completes. Nothing to do (one test) when the template declares none.
  void AppendMilestonesReached(const ExecState& ex, const StepRecord& row, int64_t now,
                               Transition& t) {
    if (ex.graph->tmpl().milestones.empty()) return;
    AppendMilestonesReached(ex.graph->tmpl(), ex.rec.id, row, now, t,
                            [&ex](const std::string& id) -> const StepRecord* {
                              auto it = ex.index.find(id);
                              return it == ex.index.end() ? nullptr : &ex.steps[it->second];
                            });
  }
  static void AppendMilestonesReached(
      const Template& tmpl, const std::string& exec_id, const StepRecord& row, int64_t now,
      Transition& t, const std::function<const StepRecord*(const std::string&)>& find) {
    for (const Milestone* m : MilestonesReachedBy(tmpl, row, find))
      t.ops.push_back(EventAppend{
          MakeEvent(exec_id, now, kMilestoneReached, "",
                    {{"milestone", m->id}, {"label", m->label}, {"step", row.step_id}})});
  }

  void FailRow(ExecState& ex, StepRecord& row, const Status& error, const Json& data, bool paid,
               int64_t now, Pending& p) {
    RetryPolicy policy = RetryPolicy::ForNode(data, paid);
    int attempt_in_run = row.attempt - row.attempt_base;
    bool retry = policy.ShouldRetry(error, attempt_in_run);
    row.status = StepStatus::kFailed;
    row.error = ErrorJson(error);
    row.finished_at = row.updated_at = now;
    row.lease_owner.clear();
    row.lease_expires_at = 0;
    row.crashes = 0;  // an attempt finished: the process survived it
    Json payload = {{"attempt", row.attempt}, {"error", row.error}, {"will_retry", retry}};
    if (retry) {
      int64_t delay = policy.DelayMs(error, attempt_in_run, jitter_(rng_));
      row.due_at = now + std::max<int64_t>(delay, 1);
      payload["retry_in_ms"] = delay;
      AddTimer(ex.rec.id, row.due_at);
    } else {
      row.due_at = 0;
    }
    p.t.ops.push_back(
        EventAppend{MakeEvent(ex.rec.id, now, "step_failed", row.step_id, std::move(payload))});
  }

  // ---- subworkflows -------------------------------------------------------------------------------

  // The template a subworkflow step runs: written inline (registered, content-addressed) or
  // stored in the workspace under a name.
  Result<TemplateRecord> SubTemplate(const std::string& ws, const Json& data) {
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
      return Err(FailedPrecondition("subworkflow template '" + name +
                                    "' is not stored in this workspace"));
    return r;
  }

  // Starts a subworkflow step: launches its sub-execution (driven here, in the same round) or,
  // when the step starts again, finds the one it launched before and follows it; a failed or
  // stopped one is retried, so only its failed steps run again.
  void StartSub(ExecState& ex, int node, StepRecord row, StepStatus expected, int expected_attempt,
                int64_t now, Pending p, std::vector<Pending>& batch) {
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
        Status retried = Retry(ex.ws, child_id);
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
  void FollowSub(ExecState& ex, int node, const StepRecord& cur, int64_t now,
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
          p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "subworkflow_resumed",
                                                  cur.step_id, {{"execution_id", child_id}})});
          batch.push_back(std::move(p));
        }
        return;
      }
      case ExecStatus::kWaiting:
      case ExecStatus::kPaused: {
        if (cur.status == StepStatus::kRunning) {
          row.status = StepStatus::kWaiting;
          p.t.ops.push_back(StepWrite{row, StepStatus::kRunning, cur.attempt, false});
          p.t.ops.push_back(EventAppend{
              MakeEvent(ex.rec.id, now, "subworkflow_waiting", cur.step_id,
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
  void WakeParent(const ExecutionRecord& child) {
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
      Status s = RunCommand(ws, parent->id, [&](const ExecutionRecord& cur, const auto& steps,
                                                Transition& t) {
        if (cur.status != ExecStatus::kWaiting) return Status::Ok();
        for (const auto& x : steps)
          if (x.step_id == child.parent_step_id && x.status == StepStatus::kWaiting &&
              ChildId(cur.id, x.step_id, x.version) == child.id)
            return ReopenFor(cur, x,
                             "sub-execution '" + child.id + "' is " +
                                 ExecStatusName(child.status),
                             t);
        return Status::Ok();
      });
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

  void StartMap(ExecState& ex, int node, StepRecord row, StepStatus expected, int expected_attempt,
                int64_t now, Pending p, std::vector<Pending>& batch) {
    const Json& data = ex.graph->node(node).data;
    const std::string& exec_id = ex.rec.id;
    row.attempt += 1;
    row.started_at = now;
    auto existing = ex.children.find(row.step_id);
    bool same_version = false;
    if (existing != ex.children.end())
      for (size_t k : existing->second)
        if (k != SIZE_MAX && IsCurrentItem(ex.steps[k], row)) same_version = true;
    if (same_version) {
      // Re-run after a retry: keep the items (and every item that already succeeded).
      row.status = StepStatus::kRunning;
      p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
      p.t.ops.push_back(EventAppend{MakeEvent(exec_id, now, "step_started", row.step_id,
                                              {{"attempt", row.attempt}, {"resumed", true}})});
      batch.push_back(std::move(p));
      return;
    }
    Json scope = ScopeFor(ex, node, nullptr);
    auto items = RenderValue(data.at("items"), scope);
    if (items && !items->is_array())
      items = Err(InvalidArgument("map items must be a list, got " + std::string(items->type_name())));
    if (!items) {
      FailRow(ex, row, InvalidArgument("items: " + items.error().message()), data, false, now, p);
      p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
      batch.push_back(std::move(p));
      return;
    }
    if (items->empty()) {
      row.output = {{"results", Json::array()}, {"errors", Json::array()}, {"count", 0},
                    {"succeeded", 0},           {"failed", 0}};
      NodeResult r;
      r.output = row.output;
      SucceedRow(ex, row, std::move(r), now, p);
      p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
      batch.push_back(std::move(p));
      return;
    }
    // The map's settings are rendered once and kept with its items, so they survive restarts.
    auto concurrency = RenderValue(data.contains("concurrency") ? data["concurrency"] : Json(4), scope);
    auto on_error = RenderValue(data.contains("on_item_error") ? data["on_item_error"] : Json("fail"), scope);
    Status bad;
    int64_t limit = 0;
    if (concurrency && concurrency->is_string()) {
      try {
        concurrency = Json(std::stoll(concurrency->get<std::string>()));
      } catch (...) {
      }
    }
    if (!concurrency || !concurrency->is_number_integer() || (limit = concurrency->get<int64_t>()) < 1 ||
        limit > 1024)
      bad = InvalidArgument("concurrency: must be an integer 1..1024");
    else if (!on_error || !on_error->is_string() ||
             (*on_error != "fail" && *on_error != "continue"))
      bad = InvalidArgument("on_item_error: must be \"fail\" or \"continue\"");
    if (!bad.ok()) {
      FailRow(ex, row, bad, data, false, now, p);
      p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
      batch.push_back(std::move(p));
      return;
    }
    row.status = StepStatus::kRunning;
    row.output = {{"items", *items}, {"concurrency", limit}, {"on_item_error", *on_error}};
    p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
    for (size_t k = 0; k < items->size(); ++k) {
      StepRecord child;
      child.execution_id = exec_id;
      child.step_id = row.step_id + "[" + std::to_string(k) + "]";
      child.node_id = row.node_id;
      child.parent_step_id = row.step_id;
      child.item_index = static_cast<int>(k);
      child.status = StepStatus::kReady;
      child.version = row.version;
      child.created_at = child.updated_at = now;
      // A new version of the map starts its items afresh (their earlier rows are replaced).
      const bool had = existing != ex.children.end() && k < existing->second.size() &&
                       existing->second[k] != SIZE_MAX;
      StepWrite w{std::move(child), std::nullopt, std::nullopt, !had};
      w.replace = had;
      p.t.ops.push_back(std::move(w));
    }
    p.t.ops.push_back(EventAppend{MakeEvent(exec_id, now, "step_started", row.step_id,
                                            {{"attempt", row.attempt}, {"items", items->size()}})});
    batch.push_back(std::move(p));
  }

  void ScheduleMap(ExecState& ex, int node, const StepRecord& map, int& running, int limit,
                   int64_t now, std::vector<Pending>& batch) {
    const Json& data = ex.graph->node(node).data;
    const Json& inner = data.at("node");
    const std::string inner_type = inner.value("type", "");
    const Json& inner_data = inner.contains("data") ? inner["data"] : empty_object_;
    const NodeTypeSpec* inner_spec = FindNodeType(inner_type);
    bool paid = inner_spec && inner_spec->paid;
    NodeExecutor* executor = nodes_->Find(inner_type);
    const Json& settings = map.output.is_object() ? map.output : empty_object_;
    int map_limit = 4;
    if (auto c = settings.find("concurrency"); c != settings.end() && c->is_number_integer())
      map_limit = c->get<int>();
    bool fail_fast = true;
    if (auto o = settings.find("on_item_error"); o != settings.end() && o->is_string())
      fail_fast = *o != "continue";
    auto cit = ex.children.find(map.step_id);
    if (cit == ex.children.end()) return;
    const size_t n = cit->second.size();
    // This version's item at a position, or SIZE_MAX.
    auto kid = [&](size_t pos) {
      size_t k = cit->second[pos];
      return k != SIZE_MAX && IsCurrentItem(ex.steps[k], map) ? k : SIZE_MAX;
    };
    size_t& cursor = ex.map_cursor[map.step_id];
    bool failed = false;
    while (cursor < n) {
      size_t k = kid(cursor);
      if (k != SIZE_MAX) {
        if (!Settled(ex.steps[k])) break;
        if (PermanentlyFailed(ex.steps[k])) ex.map_failed.insert(map.step_id);
      }
      ++cursor;
    }
    failed = ex.map_failed.count(map.step_id) > 0;
    // Items start in order, so the ones that ran lie between the cursor and the first that never
    // started.
    int active = 0;
    for (size_t pos = cursor; pos < n; ++pos) {
      size_t k = kid(pos);
      if (k == SIZE_MAX) continue;
      const StepRecord& c = ex.steps[k];
      if (c.status == StepStatus::kPending) break;
      if (auto fi = ex.inflight.find(c.step_id); fi != ex.inflight.end() && !fi->second.completing)
        ++active;
      if (PermanentlyFailed(c)) failed = true;
    }
    const bool all_settled = cursor >= n;
    auto finish = [&] {
      std::vector<size_t> kids;
      for (size_t pos = 0; pos < n; ++pos)
        if (size_t k = kid(pos); k != SIZE_MAX) kids.push_back(k);
      FinishMap(ex, map, kids, fail_fast, now, batch);
    };
    if (all_settled && active == 0) return finish();
    if (failed && fail_fast) {
      if (active == 0) finish();
      return;
    }
    for (size_t pos = cursor; pos < n; ++pos) {
      const size_t k = kid(pos);
      if (k == SIZE_MAX) continue;
      if (running >= limit) ex.blocked.push_back(node);
      if (active >= map_limit || running >= limit) break;
      StepRecord c = ex.steps[k];
      if (ex.inflight.count(c.step_id)) continue;
      StepStatus expected = c.status;
      if (c.status == StepStatus::kPending) {
        c.status = StepStatus::kReady;
      } else if (c.status == StepStatus::kFailed && c.due_at > 0) {
        if (c.due_at > now) {
          AddTimer(ex.rec.id, c.due_at);
          ex.retry_wait.push_back(node);
          continue;
        }
        c.status = StepStatus::kReady;
        c.due_at = 0;
      } else if (c.status != StepStatus::kReady) {
        continue;
      }
      Pending p{ex.rec.id, {}, {}, std::nullopt};
      p.t.ops.push_back(ExecGuard{ex.rec.id, {ExecStatus::kRunning}});
      int before = running;
      const StepRecord* item_of = &ex.steps[k];
      RunStep(ex, node, inner_type, inner_data, paid, executor, std::move(c), expected,
              ex.steps[k].attempt, running, limit, now, std::move(p), batch, item_of);
      if (running > before) ++active;
    }
  }

  void FinishMap(ExecState& ex, const StepRecord& map, const std::vector<size_t>& kids,
                 bool fail_fast, int64_t now, std::vector<Pending>& batch) {
    Json results = Json::array(), errors = Json::array();
    int ok = 0, bad = 0;
    std::string first_error;
    Status first_status;
    for (size_t k : kids) {
      if (k == SIZE_MAX) {
        results.push_back(nullptr);
        continue;
      }
      const StepRecord& c = ex.steps[k];
      if (c.status == StepStatus::kSucceeded) {
        results.push_back(c.output);
        ++ok;
      } else {
        results.push_back(nullptr);
        if (c.status == StepStatus::kFailed || c.status == StepStatus::kCancelled) {
          ++bad;
          Status st = c.status == StepStatus::kCancelled ? Cancelled("cancelled")
                                                         : StatusFromErrorJson(c.error);
          errors.push_back({{"index", c.item_index},
                            {"code", CodeName(st.code())},
                            {"message", st.message()}});
          if (first_error.empty()) {
            first_error = "item " + std::to_string(c.item_index) + " failed: " + st.message();
            first_status = st;
          }
        }
      }
    }
    StepRecord row = map;
    Pending p{ex.rec.id, {}, {}, std::nullopt};
    if (fail_fast && bad > 0) {
      row.status = StepStatus::kFailed;
      row.due_at = 0;
      row.error = {{"code", CodeName(first_status.code())}, {"message", first_error}};
      row.finished_at = row.updated_at = now;
      p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "step_failed", row.step_id,
                                              {{"attempt", row.attempt},
                                               {"error", row.error},
                                               {"will_retry", false}})});
    } else {
      NodeResult r;
      r.output = {{"results", std::move(results)},
                  {"errors", std::move(errors)},
                  {"count", kids.size()},
                  {"succeeded", ok},
                  {"failed", bad}};
      // Kept so that a retry of a collected failed item can re-open the map as it ran.
      for (const char* k : {"items", "concurrency", "on_item_error"})
        if (auto c = map.output.find(k); map.output.is_object() && c != map.output.end())
          r.output[k] = *c;
      SucceedRow(ex, row, std::move(r), now, p);
    }
    p.t.ops.insert(p.t.ops.begin(), StepWrite{row, StepStatus::kRunning, map.attempt, false});
    batch.push_back(std::move(p));
  }

  // When this round's only transition makes the last open step succeed, the execution completes
  // in the same transaction (its own write is guarded on "running", so the separate guard goes).
  void CompleteWithLastStep(ExecState& ex, Pending& p) {
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
  void Conclude(ExecState& ex, int64_t now, std::vector<Pending>& batch) {
    const StepRecord* failed = nullptr;
    const StepRecord* waiting = nullptr;
    bool all_settled = true, timers = false;
    for (const auto& s : ex.steps) {
      if (!s.parent_step_id.empty()) continue;
      if (PermanentlyFailed(s) && !failed) failed = &s;
      if (s.status == StepStatus::kWaiting && !waiting) waiting = &s;
      if (s.status == StepStatus::kFailed && s.due_at > 0) timers = true;
      if (!Settled(s)) all_settled = false;
    }
    ExecutionRecord row = ex.rec;
    Pending p{ex.rec.id, {}, {}, std::nullopt};
    if (failed) {
      row.error = failed->error.is_object() ? failed->error : Json{{"code", "cancelled"},
                                                                   {"message", "cancelled"}};
      row.error["step"] = failed->step_id;
      Status s = SetExecStatus(row, ExecStatus::kFailed,
                               "step '" + failed->step_id + "' failed: " +
                                   row.error.value("message", ""),
                               "execution_failed", p.t);
      if (!s.ok()) return;
      std::get<EventAppend>(p.t.ops.back()).event.payload["error"] = row.error;
    } else if (all_settled) {
      Status s = SetExecStatus(row, ExecStatus::kCompleted, "", "execution_completed", p.t);
      if (!s.ok()) return;
    } else if (waiting && !timers) {
      // Guard on the waiting step too: a decision made by another process since we loaded it
      // must not be overwritten by a stale "waiting".
      p.t.ops.push_back(StepWrite{*waiting, StepStatus::kWaiting, waiting->attempt, false});
      const int wn = ex.graph->IndexOf(waiting->node_id);
      const bool sub = wn >= 0 && ex.graph->spec(wn).kind == NodeKind::kSubworkflow;
      Status s = SetExecStatus(
          row, ExecStatus::kWaiting,
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

  // Adds the guarded execution write and its event to `t`. The owner is released when the
  // execution comes to rest.
  Status SetExecStatus(const ExecutionRecord& ex, ExecStatus to, const std::string& reason,
                       const char* event, Transition& t) {
    Status s = CheckExecTransition(ex.status, to);
    if (!s.ok()) return s;
    int64_t now = clock_->NowMs();
    ExecutionRecord row = ex;
    row.status = to;
    row.reason = reason;
    row.updated_at = now;
    if (IsTerminal(to)) row.finished_at = now;
    if (to != ExecStatus::kRunning && row.owner == opts_.owner) {
      row.owner.clear();
      row.owner_expires_at = 0;
    }
    t.ops.push_back(ExecWrite{row, {ex.status}, false});
    Json payload = {{"from", ExecStatusName(ex.status)}, {"to", ExecStatusName(to)}};
    if (!reason.empty()) payload["reason"] = reason;
    t.ops.push_back(EventAppend{MakeEvent(ex.id, now, event, "", std::move(payload))});
    return Status::Ok();
  }

  // ---- completions --------------------------------------------------------------------------------

  void HandleCompletion(Completion c, std::vector<Pending>& batch) {
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
        err = DeadlineExceeded("step exceeded its time limit of " +
                               std::to_string(TimeoutFor(data ? *data : empty_object_, paid)) +
                               " ms");
      }
      if (err.code() == Code::kCancelled && f.token->reason() == "shutdown") {
        // Handed back: another run picks it up where it stopped.
        row.status = StepStatus::kReady;
        row.lease_owner.clear();
        row.lease_expires_at = 0;
        row.updated_at = now;
        p.t.ops.push_back(EventAppend{MakeEvent(ex.rec.id, now, "step_released", row.step_id,
                                                {{"attempt", row.attempt}})});
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
  void InstallOps(ExecState& ex, Transition& t, bool take = false) {
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

  // ---- progress in events ----------------------------------------------------------------------

  static int64_t SteadyMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  void CountItems(ExecState& ex) {
    ex.item_counts.clear();
    for (const auto& s : ex.steps) {
      if (s.parent_step_id.empty()) continue;
      auto m = ex.index.find(s.parent_step_id);
      if (m != ex.index.end() && !IsCurrentItem(s, ex.steps[m->second])) continue;
      MapItemCounts& c = ex.item_counts[s.parent_step_id];
      c.total++;
      c.finished += CountsAsFinished(s);
      c.open += CountsAsOpen(s);
    }
    ex.item_counts_valid = true;
  }

  // The execution's progress once `written` (this round's step rows for it so far, in order) are
  // in place. O(top-level steps) for the usual transition; a launch, a map's new run or new rows
  // are counted from a merged copy.
  Progress ProgressWith(ExecState& ex, const std::vector<const StepRecord*>& written) {
    std::unordered_map<std::string, const StepRecord*> last;
    bool merge = false;
    for (const StepRecord* r : written) {
      last[r->step_id] = r;
      auto it = ex.index.find(r->step_id);
      if (it == ex.index.end() ||
          (r->parent_step_id.empty() && ex.steps[it->second].version != r->version &&
           ex.children.count(r->step_id)))
        merge = true;
    }
    if (merge) {
      std::vector<StepRecord> all = ex.steps;
      for (const auto& [id, r] : last) {
        auto it = ex.index.find(id);
        if (it == ex.index.end()) {
          all.push_back(*r);
        } else {
          all[it->second] = *r;
        }
      }
      return ComputeProgress(*ex.graph, all);
    }
    if (!ex.item_counts_valid) CountItems(ex);
    std::vector<const StepRecord*> top;
    top.reserve(ex.top.size());
    for (size_t i : ex.top) {
      auto w = last.find(ex.steps[i].step_id);
      top.push_back(w == last.end() ? &ex.steps[i] : w->second);
    }
    std::unordered_map<std::string, MapItemCounts> delta;
    for (const auto& [id, r] : last) {
      if (r->parent_step_id.empty()) continue;
      const StepRecord& before = ex.steps[ex.index.at(id)];
      MapItemCounts& d = delta[r->parent_step_id];
      d.finished += CountsAsFinished(*r) - CountsAsFinished(before);
      d.open += CountsAsOpen(*r) - CountsAsOpen(before);
    }
    return ComputeProgress(*ex.graph, top, [&](const std::string& map) {
      MapItemCounts c;
      if (auto it = ex.item_counts.find(map); it != ex.item_counts.end()) c = it->second;
      if (auto d = delta.find(map); d != delta.end()) {
        c.finished += d->second.finished;
        c.open += d->second.open;
      }
      return c;
    });
  }

  // The last event of each transition that changes an execution's progress carries it:
  // {"percent", "stage", "stages", "finished", "total"}, as GET .../executions/{id} computes them,
  // so that a client follows progress from the stream alone.
  void AttachProgress(std::vector<Pending>& batch) {
    std::unordered_map<std::string, std::vector<const StepRecord*>> written;
    for (auto& p : batch) {
      auto it = execs_.find(p.exec_id);
      if (it == execs_.end() || !it->second.graph) continue;
      ExecState& ex = it->second;
      std::vector<const StepRecord*>& w = written[p.exec_id];
      EventAppend* last_event = nullptr;
      bool steps_changed = false, status_changed = false;
      for (auto& op : p.t.ops) {
        if (auto* sw = std::get_if<StepWrite>(&op)) {
          w.push_back(&sw->row);
          steps_changed = true;
        } else if (auto* ea = std::get_if<EventAppend>(&op)) {
          last_event = ea;
        } else if (std::holds_alternative<ExecWrite>(op)) {
          status_changed = true;
        }
      }
      if (!last_event || !steps_changed) continue;
      const int64_t now = SteadyMs();
      if (ex.steps.empty()) {  // a launch: 0%, stage 1, which a client knows without being told
        ex.progress_at = now;
        continue;
      }
      if (!status_changed && ex.progress_at != 0 &&
          now - ex.progress_at < opts_.progress_interval_ms)
        continue;  // coalesced: a later event carries it
      Progress pr = ProgressWith(ex, w);
      Json shown = {{"percent", pr.percent},
                    {"stage", pr.stage},
                    {"stages", pr.stages},
                    {"finished", pr.finished},
                    {"total", pr.total}};
      if (shown == ex.shown_progress) continue;
      last_event->event.payload["progress"] = shown;
      ex.shown_progress = std::move(shown);
      ex.progress_at = now;
    }
  }

  void CommitBatch(std::vector<Pending>& batch) {
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
        if (p.completion) PostCompletion(std::move(*p.completion));
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
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
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
              if (f != ex.inflight.end() && f->second.attempt == w->row.attempt)
                ex.inflight.erase(f);
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
  void PauseForCredits(ExecState& ex) {
    auto cur = store_->GetExecution(ex.ws, ex.rec.id);
    if (!cur || cur->status != ExecStatus::kRunning) return;
    Transition t;
    if (!SetExecStatus(*cur, ExecStatus::kPaused, kInsufficientCredits, "execution_paused", t).ok())
      return;
    auto r = store_->Commit({t});
    if (r && !r->applied.empty() && r->applied[0]) Notify(r->events);
    MarkReload(ex.rec.id);
  }

  void ForgetLaunch(const std::string& id) {
    execs_.erase(id);
    {
      std::lock_guard<std::mutex> l(rest_mu_);
      driven_.erase(id);
    }
    rest_cv_.notify_all();
  }

  void Notify(const std::vector<Event>& events) {
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
  void ReleaseRested(bool draining) {
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
      if (ex.rec.status == ExecStatus::kRunning && !draining) continue;
      if (ex.rec.status == ExecStatus::kRunning && draining) continue;  // released in ReleaseAll
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

  void ReleaseAll() {
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

  Store* store_;
  BlobStore* blobs_;
  const NodeRegistry* nodes_;
  const ProviderRegistry* providers_;
  Clock* clock_;
  IdGenerator* ids_;
  EngineOptions opts_;
  WorkerPool pool_;
  const Json empty_object_ = Json::object();

  std::mutex graphs_mu_;
  std::unordered_map<std::string, std::shared_ptr<const Graph>> graphs_;
  std::mutex mark_mu_;  // MarkMilestone: one check-and-append at a time

  // Loop inbox.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> inbox_;
  std::deque<Completion> completions_;
  Observer observer_;
  std::atomic<bool> shutdown_requested_{false};
  std::chrono::steady_clock::time_point shutdown_deadline_;

  // Owned by the loop thread.
  std::unordered_map<std::string, ExecState> execs_;
  std::priority_queue<std::pair<int64_t, std::string>, std::vector<std::pair<int64_t, std::string>>,
                      std::greater<>>
      timers_;
  bool busy_ = false;
  std::vector<std::string> dirty_ids_;    // executions to schedule in the next round
  std::vector<std::string> reload_ids_;   // executions to reload from the store
  std::vector<std::string> touched_ids_;  // executions that may have come to rest
  std::vector<std::string> poll_queue_;   // executions still to poll in this sweep
  std::vector<Pending> staged_;  // new executions to commit in this round
  bool loop_done_ = false;  // guarded by mu_
  std::mt19937_64 rng_{std::random_device{}()};
  std::uniform_real_distribution<double> jitter_{0.0, 1.0};

  // Which executions the loop drives (read by WaitUntilRest).
  std::mutex rest_mu_;
  std::condition_variable rest_cv_;
  std::unordered_set<std::string> driven_;

  std::mutex join_mu_;
  std::thread loop_;  // last: starts after everything above is built
};

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
                                       const Json& inputs, std::vector<Op> with) {
  return impl_->Launch(ws, tmpl, inputs, std::move(with));
}
std::future<Result<ExecutionRecord>> Engine::Start(const std::string& ws,
                                                   const TemplateRecord& tmpl,
                                                   const Json& inputs) {
  return impl_->Start(ws, tmpl, inputs);
}
Status Engine::Drive(const std::string& ws, const std::string& id) { return impl_->Drive(ws, id); }
Result<ExecutionRecord> Engine::WaitUntilRest(const std::string& ws, const std::string& id) {
  return impl_->WaitUntilRest(ws, id);
}
Status Engine::Pause(const std::string& ws, const std::string& id) { return impl_->Pause(ws, id); }
Status Engine::Resume(const std::string& ws, const std::string& id) {
  return impl_->Resume(ws, id);
}
Status Engine::Stop(const std::string& ws, const std::string& id) { return impl_->Stop(ws, id); }
Status Engine::Retry(const std::string& ws, const std::string& id) { return impl_->Retry(ws, id); }
Status Engine::RetryStep(const std::string& ws, const std::string& id,
                         const std::string& step_id) {
  return impl_->RetryStep(ws, id, step_id);
}
Result<int> Engine::ResumeAfterGrant(const std::string& ws) { return impl_->ResumeAfterGrant(ws); }
Status Engine::Tweak(const std::string& ws, const std::string& id, const std::string& step_id,
                     const std::string& instruction) {
  return impl_->NewVersion(ws, id, step_id, "tweak", instruction, 0);
}
Status Engine::Regenerate(const std::string& ws, const std::string& id,
                          const std::string& step_id) {
  return impl_->NewVersion(ws, id, step_id, "regenerate", "", 0);
}
Status Engine::EditAttachments(const std::string& ws, const std::string& id,
                               const std::string& step_id, const AttachmentEdit& edit) {
  return impl_->EditAttachments(ws, id, step_id, edit);
}
Status Engine::Revert(const std::string& ws, const std::string& id, const std::string& step_id,
                      int version) {
  return impl_->NewVersion(ws, id, step_id, "revert", "", version);
}
Status Engine::Decide(const std::string& ws, const std::string& id, const std::string& step_id,
                      const Decision& d) {
  return impl_->Decide(ws, id, step_id, d);
}
Result<MilestonesView> Engine::Milestones(const std::string& ws, const std::string& id) {
  return impl_->Milestones(ws, id);
}
Status Engine::MarkMilestone(const std::string& ws, const std::string& id,
                             const std::string& milestone, const std::string& by,
                             const std::string& note, const Json& extra) {
  return impl_->MarkMilestone(ws, id, milestone, by, note, extra);
}
void Engine::SetObserver(Observer o) { impl_->SetObserver(std::move(o)); }
Result<std::shared_ptr<const Graph>> Engine::GraphFor(const std::string& ws,
                                                      const std::string& template_id,
                                                      int version) {
  return impl_->GraphFor(ws, template_id, version);
}
void Engine::Shutdown(int64_t grace_ms) { impl_->Shutdown(grace_ms); }

}  // namespace atelier
