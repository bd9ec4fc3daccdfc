// Commands: pause, resume, stop, retry, retry-step, decide, tweak/regenerate/revert, attachment
// edits and milestone marks. A unit that needs only the store: each command reads an execution
// and its steps, builds one transition guarded on the statuses it read, commits it (again when
// it loses a race with the loop or another process) and then calls `on_changed` with the
// execution's id. It never touches the loop's state; the engine wires `on_changed` to the loop's
// reload. Runs on the caller's thread; several callers at once are fine (the store is
// thread-safe, MarkMilestone serializes itself). Private to src/engine.
//   commands.cc           pause, resume, stop, retry, decide, milestones; RunCommand
//   commands_versions.cc  tweak, regenerate, revert, retry-step, attachment edits and the
//                         downstream bookkeeping they share (stale, re-opened maps)
//   commands_edit.cc      an approval's edit of the step it reviews (approve with an edit)
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "atelier/core/graph.h"
#include "atelier/engine/clock.h"
#include "atelier/engine/engine.h"
#include "atelier/engine/milestones.h"
#include "atelier/store/store.h"
#include "transition_ops.h"

namespace atelier {

class Commands {
 public:
  // The graph of a template version (the engine's cache: Engine::GraphFor).
  using GraphLookup = std::function<Result<std::shared_ptr<const Graph>>(
      const std::string& ws, const std::string& template_id, int version)>;
  // Called once per command that changed an execution, after its transition landed.
  using OnChanged = std::function<void(const std::string& exec_id)>;

  // What the commands read of EngineOptions.
  struct Options {
    std::string owner = "engine";  // this process's lease id: released when an execution rests
    bool credits = false;          // stopping a running step refunds its reservation
  };

  // `store` and `clock` outlive the Commands.
  Commands(Store* store, Clock* clock, GraphLookup graphs, Options opts, OnChanged on_changed);

  Status Pause(const std::string& ws, const std::string& id);
  Status Resume(const std::string& ws, const std::string& id);
  Status Stop(const std::string& ws, const std::string& id);
  Status Retry(const std::string& ws, const std::string& id);
  Status RetryStep(const std::string& ws, const std::string& id, const std::string& step_id);
  Status Decide(const std::string& ws, const std::string& id, const std::string& step_id,
                const Decision& d);
  // Tweak, regenerate and revert (`mode`); `decided_by` names the approval a tweak decision
  // came from.
  Status NewVersion(const std::string& ws, const std::string& id, const std::string& step_id,
                    const std::string& mode, const std::string& instruction, int revert_to,
                    const std::string& decided_by = "");
  Status EditAttachments(const std::string& ws, const std::string& id, const std::string& step_id,
                         const Engine::AttachmentEdit& edit);
  // Sub-execution `child` changed status while its parent rests waiting on it (the loop's
  // WakeParent): the parent's subworkflow step follows it again and the parent runs.
  Status ReopenParent(const ExecutionRecord& child);
  Result<MilestonesView> Milestones(const std::string& ws, const std::string& id);
  Status MarkMilestone(const std::string& ws, const std::string& id, const std::string& milestone,
                       const std::string& by, const std::string& note, const Json& extra);

 private:
  // Commands write to the store directly, guarded on the statuses they read, and retry when
  // they lose a race with the loop (or with another process).
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
        if (on_changed_) on_changed_(id);
        return Status::Ok();
      }
      clock_->SleepMs(2 * (tries + 1));
    }
    return Aborted("execution '" + id + "' kept changing; try again");
  }

  Result<std::shared_ptr<const Graph>> GraphFor(const std::string& ws, const std::string& tid,
                                                int version) {
    return graphs_(ws, tid, version);
  }
  Status SetExecStatus(const ExecutionRecord& ex, ExecStatus to, const std::string& reason,
                       const char* event, Transition& t) {
    return ::atelier::SetExecStatus(ex, to, reason, event, clock_->NowMs(), opts_.owner, t);
  }
  void CloseReservation(const std::string& ws, const std::string& exec_id, const StepRecord& row,
                        std::optional<double> cost, int64_t now, Transition& t) {
    if (opts_.credits) ::atelier::CloseReservation(ws, exec_id, row, cost, now, t);
  }

  // commands.cc
  std::optional<Status> DecideInSub(const std::string& ws, const std::string& id,
                                    const std::string& step_id, const Decision& d);
  Status ReopenFor(const ExecutionRecord& ex, const StepRecord& st, const std::string& why,
                   Transition& t);
  Status DecideTweak(const std::string& ws, const std::string& id, const std::string& step_id,
                     const Decision& d);
  // commands_edit.cc: an approval's edit of the step it reviews, added to `t` before the
  // approval itself is decided.
  Status EditReviewed(const ExecutionRecord& ex, const Graph& graph,
                      const std::vector<StepRecord>& steps, const StepRecord& approval,
                      const Decision& d, int64_t now, Transition& t);
  Result<std::vector<MilestoneMark>> ReadMarks(const std::string& ws, const std::string& id,
                                               const Template& tmpl);

  // commands_versions.cc
  static void ResetForRetry(const std::string& id, const StepRecord& s, int64_t now, Transition& t);
  static void MarkStale(const std::string& id, const StepRecord& s,
                        const std::vector<StepRecord>& steps, const std::string& because,
                        int64_t now, Transition& t);
  static void KeepReplacedVersion(const StepRecord& st, int64_t now, Transition& t);
  static std::string Past(const std::string& mode);
  static const StepRecord* FindStep(const std::vector<StepRecord>& steps,
                                    const std::string& step_id);
  static Status StaleDownstream(const Graph& graph, const std::vector<StepRecord>& steps, int node,
                                const std::string& id, const std::string& because, int64_t now,
                                Transition& t);
  static Status ReopenMap(const ExecutionRecord& ex, const Graph& graph,
                          const std::vector<StepRecord>& steps, const StepRecord& map,
                          const std::string& because, int64_t now, Transition& t);
  Status ReopenExecution(const ExecutionRecord& ex, const std::string& because, Transition& t);

  Store* const store_;
  Clock* const clock_;
  const GraphLookup graphs_;
  const Options opts_;
  const OnChanged on_changed_;
  std::mutex mark_mu_;  // MarkMilestone: one check-and-append at a time in this process
};

}  // namespace atelier
