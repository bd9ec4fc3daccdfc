#include "atelier/app/adopter.h"

#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "atelier/engine/clock.h"

namespace atelier {

Adopter::Adopter(App* app, int64_t interval_ms, Log log)
    : app_(app),
      log_(std::move(log)),
      thread_(interval_ms, interval_ms,
              [this](const std::atomic<bool>& stopping) { Pass(&stopping); }) {}

// Said once per execution and owner, not at every look.
void Adopter::Refused(const std::string& id, const std::string& owner, const Status& why) {
  auto seen = refused_.find(id);
  if (seen != refused_.end() && seen->second == owner) return;
  refused_[id] = owner;
  log_("warn", "cannot adopt execution yet; will try again",
       {{"execution_id", id}, {"error", why.ToString()}});
}

// While the database is away every pass fails: the first failure is said, then only the pass
// that works again (with how many failed and for how long).
void Adopter::Report(const std::string& what, const std::string& ws, const Status& why) {
  if (!why.ok()) {
    if (!failures_.Failed()) return;
    Json extra = {{"error", why.ToString()}};
    if (!ws.empty()) extra["workspace_id"] = ws;
    log_("error", what, std::move(extra));
    return;
  }
  const FailureRun::Ended ended = failures_.Worked();
  if (ended.failures > 0)
    log_("info", "adoption works again",
         {{"failed_passes", ended.failures}, {"failing_for_ms", ended.ms}});
}

// Only running executions: one handed back queued has no owner (claimed in Pass), and one
// claimed by a process that died before taking it over waits for its lease, as a rare case may.
int Adopter::TakeOverFromGone(const std::string& ws, std::set<std::string>& elsewhere,
                              std::set<std::string>& candidates, bool& complete, Status* failed) {
  App& app = *app_;
  ExecutionFilter f;
  f.status = ExecStatus::kRunning;
  f.top_level_only = true;
  f.limit = 1 << 30;
  auto list = app.store().ListExecutions(ws, f);
  if (!list) {
    complete = false;
    if (failed->ok()) *failed = list.error();
    return 0;
  }
  // Taken over together (one commit for many), as a restart finds them.
  std::vector<const ExecutionRecord*> todo;
  std::vector<std::string> ids;
  const int64_t now = SystemClock().NowMs();  // leases are in the engine's time (App)
  for (const auto& e : *list) {
    if (e.owner == app.owner()) continue;  // ours already
    // Driven by another live process (another worker): not even loaded.
    if (!e.owner.empty() && e.owner_expires_at > now && !OwnerProcessIsGone(e.owner)) {
      elsewhere.insert(e.owner);
      continue;
    }
    todo.push_back(&e);
    ids.push_back(e.id);
    candidates.insert(e.id);
  }
  if (ids.empty()) return 0;
  int adopted = 0;
  std::vector<Status> results = app.engine().DriveMany(ws, ids);
  for (size_t i = 0; i < todo.size() && i < results.size(); ++i) {
    if (results[i].ok()) {
      ++adopted;
      refused_.erase(todo[i]->id);
    } else {
      Refused(todo[i]->id, todo[i]->owner, results[i]);
    }
  }
  return adopted;
}

int Adopter::Pass(const std::atomic<bool>* stopping) {
  App& app = *app_;
  auto workspaces = app.accounts().ListWorkspaces();
  if (!workspaces) {
    Report("cannot list workspaces to adopt executions; will try again", "", workspaces.error());
    return 0;
  }
  // The first failure of the pass: said (with the run it begins) at its end.
  std::string failed_what, failed_ws;
  Status failed_why;
  int adopted = 0;
  std::set<std::string> elsewhere;  // the live owners of what this pass left alone
  std::set<std::string> candidates;  // what this pass tried to take over
  bool complete = true;              // every workspace listed
  for (const auto& ws : *workspaces) {
    // First what waits for any process, claimed a batch at a time (oldest first): processes
    // looking at once split the queue, and steps start running after the first batch.
    for (;;) {
      if (stopping && *stopping) return adopted;
      auto claimed = app.engine().ClaimMany(ws.id, kClaimBatch);
      if (!claimed) {
        if (failed_why.ok()) {
          failed_what = "cannot claim executions; will try again";
          failed_ws = ws.id;
          failed_why = claimed.error();
        }
        complete = false;
        break;
      }
      adopted += claimed->taken;
      for (const auto& [id, why] : claimed->refused) {
        candidates.insert(id);
        Refused(id, "", why);
      }
      if (claimed->claimed < kClaimBatch) break;
    }
    // Then what a process of this machine that is gone still runs (its lease has not run out):
    // taken over at once rather than when the lease ends.
    if (stopping && *stopping) return adopted;
    adopted += TakeOverFromGone(ws.id, elsewhere, candidates, complete, &failed_why);
    if (!failed_why.ok() && failed_what.empty()) {
      failed_what = "cannot list the running executions to take over; will try again";
      failed_ws = ws.id;
    }
  }
  Report(failed_what, failed_ws, failed_why);
  if (adopted) log_("info", "adopted executions", {{"count", adopted}});
  // What finished, or was taken over by another process, since it was refused is forgotten.
  if (complete)
    for (auto it = refused_.begin(); it != refused_.end();)
      it = candidates.count(it->first) ? std::next(it) : refused_.erase(it);
  // Said when the set of other processes driving executions changes, not at every pass.
  if (!(stopping && *stopping) && elsewhere != owners_elsewhere_) {
    owners_elsewhere_ = elsewhere;
    if (!elsewhere.empty())
      log_("info", "executions driven by other live processes: taken over if those die",
           {{"owners", Json(elsewhere)}});
  }
  return adopted;
}

}  // namespace atelier
