// Adopter: drives every queued or running top-level execution of every workspace that no live
// process drives. A process that runs steps (`atelier serve`, `atelier worker`) runs one: a pass
// at start takes over what a crashed process left, and one every `interval_ms` after takes over
// an execution whose owner died (once its lease runs out, or at once when the owner was a process
// of this machine that is gone) and what a process that runs no steps (`serve --workers 0`, the
// CLI's launch commands) left queued. A pass claims what waits in batches (Engine::ClaimMany:
// several adopters on one database split the queue, oldest first), then takes over what gone
// processes of this machine still hold (a compare-and-set on the owner: one adopter wins).
//
// Thread-safety: AdoptNow runs on the caller's thread and must not overlap a running pass (call
// it before Start, as a process does when it starts); Start and Stop from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "atelier/app/app.h"
#include "atelier/app/failure_run.h"
#include "atelier/app/periodic_thread.h"
#include "atelier/core/template.h"  // Json

namespace atelier {

class Adopter {
 public:
  using Log = std::function<void(const std::string& level, const std::string& msg, Json extra)>;
  Adopter(App* app, int64_t interval_ms, Log log);
  // One pass now; returns how many executions it took over.
  int AdoptNow() { return Pass(nullptr); }
  void Start() { thread_.Start(); }  // a pass every interval_ms, the first interval_ms from now
  void Stop() { thread_.Stop(); }    // idempotent; returns once a pass under way has ended
  void Wake() { thread_.Wake(); }    // a pass now: the store rang kChangeWork (any thread)

 private:
  // Executions claimed per round trip: small enough that steps start soon and that processes
  // looking at once share the queue, large enough that a commit takes many over.
  static constexpr int kClaimBatch = 64;

  int Pass(const std::atomic<bool>* stopping);
  void Refused(const std::string& id, const std::string& owner, const Status& why);
  // The end of a pass: `why` its first failure (`what` failed, in workspace `ws` when not ""),
  // or ok when it worked.
  void Report(const std::string& what, const std::string& ws, const Status& why);
  // Takes over the running executions of workspace `ws` whose owner is a gone process of this
  // machine; adds the live owners it leaves to `elsewhere`, what it tried to `candidates`, and
  // clears `complete` and sets `failed` (when still ok) when it cannot list them. Returns how
  // many it took over.
  int TakeOverFromGone(const std::string& ws, std::set<std::string>& elsewhere,
                       std::set<std::string>& candidates, bool& complete, Status* failed);

  App* app_;
  Log log_;
  // Executions a pass could not take over, with the owner that held them: said once each, not
  // at every pass.
  std::map<std::string, std::string> refused_;
  // The other live processes that drove executions at the last pass.
  std::set<std::string> owners_elsewhere_;
  FailureRun failures_;    // passes failing in a row (the database away): said once
  PeriodicThread thread_;  // last: stopped before the rest goes
};

}  // namespace atelier
