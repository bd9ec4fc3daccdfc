// Engine::Impl, the engine's private state and the declarations of its parts. One class, its
// methods defined by concern across src/engine/*.cc (each section below names its file):
//   engine.cc            construction, launches, the public API's entry points
//   commands.h           Commands, a unit of its own (only the store, a clock, a graph lookup):
//                        commands.cc, commands_versions.cc; run on the caller's thread, they
//                        tell the loop through on_changed (wired to MarkReload via Post)
//   transition_ops.h     free functions both the loop and Commands use (SetExecStatus,
//                        CloseReservation, milestones reached)
//   engine_loop.cc       the loop thread: inbox, timers, polling, completions, commits
//   engine_adopt.cc      loading, adoption and recovery of executions
//   engine_schedule.cc   one scheduling round of an execution
//   step_run.cc          running a task step and recording its result
//   credits.cc           reservations (settlement and refund: transition_ops.cc)
//   composite_step.h     steps that contain or wait on other work, one interface:
//                        map_step.cc, subworkflow_step.cc, approval_step.cc
//   scheduler.h          the pure scheduler the loop asks (no Impl state)
//   engine_progress.cc   progress carried by events
// Private to src/engine; nothing outside the engine includes it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
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
#include "atelier/engine/engine.h"
#include "atelier/engine/price_table.h"
#include "atelier/engine/progress.h"
#include "atelier/engine/retry_policy.h"
#include "atelier/engine/step_estimate.h"
#include "atelier/engine/timestamp.h"
#include "atelier/engine/worker_pool.h"
#include "commands.h"
#include "engine_util.h"
#include "scheduler.h"
#include "transition_ops.h"

namespace atelier {

class Engine::Impl {
 public:
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
    std::string forked_from_execution_id;  // a fork's source (fork.cc)
    std::string forked_from_step_id;
    // The launch's callback, kept in execution_created (Engine::Launch). An optional, not a null
    // Json: a brace-initialised LaunchAs that leaves it out copy-list-initialises it from {},
    // which nlohmann::json does not take as null (it would dump as nothing at all).
    std::optional<Json> notify;
  };

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

  // An execution the loop drives, as the loop last committed it. Loop only.
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
    std::vector<char> woken;      // per node index
    std::vector<int> wake;        // nodes to examine
    std::vector<int> blocked;     // ready but no free slot: examined again when one frees
    std::vector<int> retry_wait;  // a retry is due later: examined again when a timer fires
    bool failing = false;         // a top-level step failed for good: start nothing new
    int open = 0;                 // top-level steps not settled
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
    // The figures the last event carried; percent -1 before the first.
    struct ShownProgress {
      double percent = -1;
      int stage = 0, stages = 0, finished = 0, total = 0;
      bool operator==(const ShownProgress&) const = default;
    };
    ShownProgress shown_progress;
    int64_t progress_at = 0;  // when an event last carried it (steady ms; see progress_interval_ms)
  };

  // A transition produced by the loop, with what to do once it is committed.
  struct Pending {
    std::string exec_id;
    Transition t;
    std::vector<std::function<void()>> after;  // run only when applied
    std::optional<Completion> completion;      // re-queued when the commit itself fails
    // For a new execution: its rows never landed, so it is forgotten and the caller told.
    std::function<void(const Status&)> on_rejected;
  };

  // Looks for status changes made by other processes, kPollChunk executions per poll (round
  // robin), so a loop driving thousands of executions does not spend its time polling.
  static constexpr size_t kPollChunk = 256;

  // ---- engine.cc: Construction, launches and the public API's entry points.
  Impl(Store* store, BlobStore* blobs, const NodeRegistry* nodes, const ProviderRegistry* providers,
       Clock* clock, IdGenerator* ids, EngineOptions opts);
  ~Impl();
  Result<TemplateRecord> RegisterTemplate(const std::string& ws, const Template& t,
                                          bool builtin = false);
  Result<std::shared_ptr<const Graph>> GraphFor(const std::string& ws, const std::string& tid,
                                                int version);
  Result<NewExecution> PrepareLaunch(const std::string& ws, const TemplateRecord& tmpl,
                                     const Json& inputs, bool started,
                                     const LaunchAs& as = LaunchAs{});
  Result<ExecutionRecord> Launch(const std::string& ws, const TemplateRecord& tmpl,
                                 const Json& inputs, std::vector<Op> with, const Json& notify);
  // Commits a prepared launch with `with` (an IdempotencyPut without an execution id is bound
  // to it); AlreadyExists when the transition was refused.
  Result<ExecutionRecord> CommitLaunch(NewExecution n, std::vector<Op> with);
  // fork.cc: Engine::Fork.
  Result<ExecutionRecord> Fork(const std::string& ws, const std::string& id,
                               const Engine::ForkRequest& req, std::vector<Op> with);
  std::future<Result<ExecutionRecord>> Start(const std::string& ws, const TemplateRecord& tmpl,
                                             const Json& inputs);
  // launch_inline.cc: runs a started execution's rounds before its launch commits when every
  // step is pure (inline, unpaid), folding their writes into the launch's transition.
  void RunInlineBeforeLaunch(ExecState& ex, Pending& launch);
  Status Drive(const std::string& ws, const std::string& id);
  const EngineOptions& opts() const { return opts_; }
  // FailedPrecondition: this process drives nothing (EngineOptions::drive is false).
  static Status NotDriving();
  std::vector<Status> DriveMany(const std::string& ws, const std::vector<std::string>& ids);
  Result<ExecutionRecord> WaitUntilRest(const std::string& ws, const std::string& id);
  void SetObserver(Observer o);
  void SetLiveObserver(LiveObserver o);
  std::shared_ptr<const LiveObserver> live_observer();  // null when none; any thread
  void Shutdown(int64_t grace_ms);

  // ---- commands.h: the commands are a unit of their own (Commands, needing only the store);
  // the public API's command entry points go to commands(). Resuming after a grant also drives,
  // so it stays here (engine.cc).
  Commands& commands() { return commands_; }
  Result<int> ResumeAfterGrant(const std::string& ws);
  // transition_ops.h's SetExecStatus at the engine's clock and owner (the loop's uses).
  Status SetExecStatus(const ExecutionRecord& ex, ExecStatus to, const std::string& reason,
                       const char* event, Transition& t);

  // ---- engine_loop.cc: The loop thread: inbox, timers, polling, completions, commits, release.
  static void Touch(ExecState& ex, int node);
  static void WakeAll(ExecState& ex, std::vector<int>& from);
  void Post(std::function<void()> fn);
  void PostCompletion(Completion c);
  void Loop();
  std::chrono::milliseconds NextWake();
  size_t InFlightCount() const;
  void CancelAll(const std::string& reason);
  void FireTimers(int64_t now);
  void AddTimer(const std::string& exec_id, int64_t at);
  void PollExternalChanges();
  void MarkReload(const std::string& id);
  void MarkDirty(ExecState& ex);
  void HandleCompletion(Completion c, std::vector<Pending>& batch);
  void InstallOps(ExecState& ex, Transition& t, bool take = false);
  void CommitBatch(std::vector<Pending>& batch);
  void PauseForCredits(ExecState& ex);
  void ForgetLaunch(const std::string& id);
  void Notify(const std::vector<Event>& events);
  void ReleaseRested();
  void ReleaseAll();

  // ---- engine_adopt.cc: Loading, adoption and recovery of executions (crashed steps, poison
  // pills).
  void IndexSteps(ExecState& ex);
  Status LoadInto(ExecState& ex, const std::string& ws, const std::string& id);
  // Moves `rec` and `steps` into `ex` only when it succeeds (the caller keeps them otherwise).
  Status LoadFrom(ExecState& ex, const std::string& ws, ExecutionRecord&& rec,
                  std::vector<StepRecord>&& steps);
  Status Adopt(const std::string& ws, const std::string& id);
  std::vector<Status> AdoptMany(const std::string& ws, const std::vector<std::string>& ids);
  Result<Engine::Claimed> ClaimMany(const std::string& ws, int limit);
  // Commits the take-overs `ts` of `taking` (max_batch per database transaction) and installs
  // each one applied; out[taking[i].at] gets each one's outcome.
  struct Taking {
    size_t at;  // in the caller's list
    ExecState ex;
  };
  void CommitTakeOvers(std::vector<Taking>& taking, std::vector<Transition>& ts,
                       std::vector<Status>& out);
  Status NotLeasedElsewhere(const ExecutionRecord& rec, int64_t now) const;
  // `previous_owner`: who held it before (the event names it); the ExecWrite expects the stored
  // owner to be ex.rec.owner still.
  Status TakeOver(ExecState& ex, int64_t now, const std::string& previous_owner, Transition& t);
  void FailCrashedStep(const ExecState& ex, const StepRecord& st, bool owner_died, int64_t now,
                       StepRecord& row);
  void Reload(ExecState& ex);
  // Whether another process holds the running execution now (it took it over once this one's
  // lease ran out): this process starts nothing in it and lets it go.
  bool TakenOverElsewhere(const ExecState& ex) const;

  // ---- engine_schedule.cc: One scheduling round of an execution: what starts, what is skipped,
  // how it concludes.
  static bool IsMapStep(const ExecState& ex, const StepRecord& s);
  static bool IsHolderStep(const ExecState& ex, const StepRecord& s);
  StepRecord* Find(ExecState& ex, const std::string& step_id);
  Json ScopeFor(const ExecState& ex, int node, const StepRecord* item_of);
  static int RunningCount(const ExecState& ex);
  void Schedule(ExecState& ex, int64_t now, std::vector<Pending>& batch);
  void StartStep(ExecState& ex, int node, StepRecord row, StepStatus expected, Slots& slots,
                 int64_t now, std::vector<Pending>& batch);
  void CompleteWithLastStep(ExecState& ex, Pending& p);
  void Conclude(ExecState& ex, int64_t now, std::vector<Pending>& batch);

  // ---- step_run.cc: Running a task step and recording its result (inline, on the pool, from the
  // cache).
  void RunStep(ExecState& ex, int node, const std::string& type, const Json& data, bool paid,
               NodeExecutor* executor, StepRecord row, StepStatus expected, int expected_attempt,
               Slots& slots, int64_t now, Pending p, std::vector<Pending>& batch,
               const StepRecord* item_of);
  bool LastChance(const StepRecord& row) const;
  bool LastChanceRunning() const;
  Result<NodeResult> LimitOutput(Result<NodeResult> r) const;
  std::string CacheKey(const std::string& type, const Json& data, const ExecState& ex, int node,
                       const StepRecord* item_of, const StepRecord& row);
  void SucceedFromCache(ExecState& ex, StepRecord& row, const CacheEntry& hit, int64_t now,
                        Pending& p);
  static void RenameStrings(Json& j, const std::unordered_map<std::string, std::string>& names);
  std::string FirstProvider(const std::string& type, const Json& data) const;
  double SucceedRow(ExecState& ex, StepRecord& row, NodeResult r, int64_t now, Pending& p);
  void AppendMilestonesReached(const ExecState& ex, const StepRecord& row, int64_t now,
                               Transition& t);
  void FailRow(ExecState& ex, StepRecord& row, const Status& error, const Json& data, bool paid,
               int64_t now, Pending& p);

  // ---- credits.cc: Credits: reservations and their settlement per attempt.
  void Reserve(const ExecState& ex, const StepRecord& row, const std::string& type,
               const Json& data, const Json& scope, int64_t now, Transition& t);
  void CloseReservation(const std::string& ws, const std::string& exec_id, const StepRecord& row,
                        std::optional<double> cost, int64_t now, Transition& t);

  // ---- composite_step.h: map, subworkflow and approval steps (steps that contain or wait on other
  // work) behind one interface, CompositeStep; each implementation in its own file.
  class CompositeStep;
  class MapStep;
  class SubworkflowStep;
  class ApprovalStep;
  // The composite step that runs nodes of `kind`, or nullptr for a task step (engine_schedule.cc).
  static const CompositeStep* CompositeFor(NodeKind kind);

  // ---- subworkflow_step.cc: Subworkflow steps: launch, follow and finish with a sub-execution.
  Result<TemplateRecord> SubTemplate(const std::string& ws, const Json& data);
  void StartSub(ExecState& ex, int node, StepRecord row, StepStatus expected, int expected_attempt,
                int64_t now, Pending p, std::vector<Pending>& batch);
  void FollowSub(ExecState& ex, int node, const StepRecord& cur, int64_t now,
                 std::vector<Pending>& batch);
  void WakeParent(const ExecutionRecord& child);

  // ---- map_step.cc: Map steps: items, their scheduling and their collection.
  void StartMap(ExecState& ex, int node, StepRecord row, StepStatus expected, int expected_attempt,
                int64_t now, Pending p, std::vector<Pending>& batch);
  void ScheduleMap(ExecState& ex, int node, const StepRecord& map, Slots& slots, int64_t now,
                   std::vector<Pending>& batch);
  void FinishMap(ExecState& ex, const StepRecord& map, const std::vector<size_t>& kids,
                 bool fail_fast, int64_t now, std::vector<Pending>& batch);

  // ---- engine_progress.cc: Progress carried by events.
  static int64_t SteadyMs();
  void CountItems(ExecState& ex);
  Progress ProgressWith(ExecState& ex, const std::vector<const StepRecord*>& written);
  void AttachProgress(std::vector<Pending>& batch);

 private:
  // Threads. Three kinds run in here: callers of the public API (any thread, several at once),
  // the loop thread (Loop and everything it calls), and the pool's workers (run executors, then
  // PostCompletion). Each field below says who may touch it; "loop" means only the loop thread,
  // reached from elsewhere by Post().

  // Set at construction, read by every thread. The pointees are thread-safe (their contracts).
  Store* store_;
  BlobStore* blobs_;
  const NodeRegistry* nodes_;
  const ProviderRegistry* providers_;
  Clock* clock_;
  IdGenerator* ids_;
  const EngineOptions opts_;
  WorkerPool pool_;  // Submit: loop; Join: Shutdown (after the loop has ended)
  const Json empty_object_ = Json::object();

  std::mutex graphs_mu_;                                                  // guards graphs_
  std::unordered_map<std::string, std::shared_ptr<const Graph>> graphs_;  // GUARDED_BY(graphs_mu_)
  Commands commands_;  // callers' threads; tells the loop through Post (MarkReload)

  // The loop's inbox: any thread hands work in under mu_ and notifies cv_.
  std::mutex mu_;
  std::condition_variable cv_;                   // the loop waits on it (through clock_)
  std::deque<std::function<void()>> inbox_;      // GUARDED_BY(mu_): Post
  std::deque<Completion> completions_;           // GUARDED_BY(mu_): PostCompletion (workers)
  Observer observer_;                            // GUARDED_BY(mu_): SetObserver; Notify copies it
  std::shared_ptr<const LiveObserver> live_observer_;  // GUARDED_BY(mu_): workers copy it
  std::atomic<bool> shutdown_requested_{false};  // written under mu_; read by any thread
  int64_t shutdown_deadline_ms_ = 0;             // GUARDED_BY(mu_), on clock_
  bool loop_done_ = false;                       // GUARDED_BY(mu_): Post runs inline after it

  // Loop only: the executions it drives and what it has still to do for them.
  std::unordered_map<std::string, ExecState> execs_;
  std::priority_queue<std::pair<int64_t, std::string>, std::vector<std::pair<int64_t, std::string>>,
                      std::greater<>>
      timers_;                                   // (clock ms, execution): FireTimers
  bool busy_ = false;                            // a round left work: the next one does not wait
  // Shutting down past its grace: a result that cannot be committed (the disk is full, the
  // database gone) is dropped, as a crash would lose it, so the process can still exit. The step
  // stays running under this process's lease; whoever opens the database next runs it again.
  bool abandon_failed_results_ = false;
  std::vector<std::string> dirty_ids_;           // executions to schedule in the next round
  std::vector<std::string> reload_ids_;          // executions to reload from the store
  std::vector<std::string> touched_ids_;         // executions that may have come to rest
  std::vector<std::string> poll_queue_;          // executions still to poll in this sweep
  std::vector<Pending> staged_;                  // new executions to commit in this round
  // Claimed executions not taken over whose hand-back could not be committed (the database
  // away): tried again at the next ClaimMany, so that this process's lease renewals do not keep
  // holding what it does not drive.
  std::vector<Transition> hand_back_;
  std::mt19937_64 rng_{std::random_device{}()};  // retry jitter (FailRow)
  std::uniform_real_distribution<double> jitter_{0.0, 1.0};

  // Which executions the loop drives: written by the loop, waited on by WaitUntilRest (callers).
  std::mutex rest_mu_;
  std::condition_variable rest_cv_;
  std::unordered_set<std::string> driven_;  // GUARDED_BY(rest_mu_)

  std::mutex join_mu_;  // Shutdown (callers, a signal thread, the destructor): one joins
  std::thread loop_;    // last: starts after everything above is built
};

}  // namespace atelier
