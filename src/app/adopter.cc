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

int Adopter::Pass(const std::atomic<bool>* stopping) {
  App& app = *app_;
  auto workspaces = app.accounts().ListWorkspaces();
  if (!workspaces) {
    log_("error", "cannot list workspaces to adopt executions",
         {{"error", workspaces.error().ToString()}});
    return 0;
  }
  int adopted = 0;
  std::set<std::string> elsewhere;  // the live owners of what this pass left alone
  std::set<std::string> candidates;  // what this pass tried to take over
  bool complete = true;              // every workspace listed
  SystemClock clock;                // leases are in the engine's time: the system clock's (App)
  for (const auto& ws : *workspaces) {
    // First what waits for any process, claimed a batch at a time (oldest first): processes
    // looking at once split the queue, and steps start running after the first batch.
    for (;;) {
      if (stopping && *stopping) return adopted;
      auto claimed = app.engine().ClaimMany(ws.id, kClaimBatch);
      if (!claimed) {
        log_("error", "cannot claim executions", {{"workspace_id", ws.id},
                                                   {"error", claimed.error().ToString()}});
        break;
      }
      adopted += claimed->taken;
      for (const auto& [id, why] : claimed->refused) {
        candidates.insert(id);
        Refused(id, "", why);
      }
      if (claimed->claimed < kClaimBatch) break;
    }
    // Then what a process of this machine that is gone still holds (its lease has not run out):
    // taken over at once rather than when the lease ends.
    for (ExecStatus st : {ExecStatus::kQueued, ExecStatus::kRunning}) {
      if (stopping && *stopping) return adopted;
      ExecutionFilter f;
      f.status = st;
      f.top_level_only = true;
      f.limit = 1 << 30;
      auto list = app.store().ListExecutions(ws.id, f);
      if (!list) {
        complete = false;
        continue;
      }
      // Taken over together (one commit for many), as a restart finds them.
      std::vector<const ExecutionRecord*> todo;
      std::vector<std::string> ids;
      const int64_t now = clock.NowMs();
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
      if (ids.empty()) continue;
      std::vector<Status> results = app.engine().DriveMany(ws.id, ids);
      for (size_t i = 0; i < todo.size() && i < results.size(); ++i) {
        const ExecutionRecord& e = *todo[i];
        const Status& s = results[i];
        if (s.ok()) {
          ++adopted;
          refused_.erase(e.id);
          continue;
        }
        Refused(e.id, e.owner, s);
      }
    }
  }
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
