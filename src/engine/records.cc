#include "atelier/engine/records.h"

#include <array>
#include <string>

namespace atelier {
namespace {
constexpr std::array<const char*, 7> kExecNames = {"queued",    "running", "paused", "waiting",
                                                   "completed", "failed",  "stopped"};
constexpr std::array<const char*, 9> kStepNames = {"pending", "ready",   "running",
                                                   "succeeded", "failed", "skipped",
                                                   "waiting", "cancelled", "stale"};

using E = ExecStatus;
using S = StepStatus;

bool ExecAllowed(E from, E to) {
  switch (from) {
    case E::kQueued:
      return to == E::kRunning || to == E::kStopped;
    case E::kRunning:
      // Back to queued: its process stopped (interrupted) before it finished.
      return to == E::kPaused || to == E::kWaiting || to == E::kCompleted || to == E::kFailed ||
             to == E::kStopped || to == E::kQueued;
    case E::kPaused:
      return to == E::kRunning || to == E::kStopped;
    case E::kWaiting:
      return to == E::kRunning || to == E::kStopped;
    case E::kFailed:
    case E::kStopped:
    case E::kCompleted:  // retry restarts failed/stopped; a tweak re-opens completed
      return to == E::kRunning;
  }
  return false;
}

bool StepAllowed(S from, S to) {
  switch (from) {
    case S::kPending:
      return to == S::kReady || to == S::kSkipped || to == S::kCancelled;
    case S::kReady:
      return to == S::kRunning || to == S::kSkipped || to == S::kCancelled;
    case S::kRunning:
      // ready again: its lease expired (crash recovery)
      return to == S::kSucceeded || to == S::kFailed || to == S::kSkipped ||
             to == S::kWaiting || to == S::kCancelled || to == S::kReady;
    case S::kFailed:
      // ready: a retry after backoff or a manual retry; pending: a manual retry whose inputs
      // must run again first; cancelled: stopped while a retry was due.
      return to == S::kReady || to == S::kPending || to == S::kCancelled;
    case S::kWaiting:
      // pending: an upstream step got a new version, so the decision is asked for again later
      return to == S::kReady || to == S::kSucceeded || to == S::kFailed ||
             to == S::kCancelled || to == S::kPending;
    case S::kCancelled:
      return to == S::kReady || to == S::kPending;
    case S::kSucceeded:
      // stale: an upstream step got a new version; ready: this step is tweaked or regenerated;
      // succeeded: reverted to a kept version
      return to == S::kStale || to == S::kReady || to == S::kSucceeded;
    case S::kStale:
      return to == S::kReady || to == S::kPending || to == S::kCancelled;
    case S::kSkipped:
      // re-evaluated when an upstream step gets a new version
      return to == S::kPending;
  }
  return false;
}
}  // namespace

const char* ExecStatusName(ExecStatus s) { return kExecNames[static_cast<int>(s)]; }
const char* StepStatusName(StepStatus s) { return kStepNames[static_cast<int>(s)]; }

std::optional<ExecStatus> ExecStatusFromName(std::string_view name) {
  for (size_t i = 0; i < kExecNames.size(); ++i)
    if (name == kExecNames[i]) return static_cast<ExecStatus>(i);
  return std::nullopt;
}

std::optional<StepStatus> StepStatusFromName(std::string_view name) {
  for (size_t i = 0; i < kStepNames.size(); ++i)
    if (name == kStepNames[i]) return static_cast<StepStatus>(i);
  return std::nullopt;
}

Status CheckExecTransition(ExecStatus from, ExecStatus to) {
  if (ExecAllowed(from, to)) return Status::Ok();
  return FailedPrecondition(std::string("execution cannot go from ") + ExecStatusName(from) +
                            " to " + ExecStatusName(to));
}

Status CheckStepTransition(StepStatus from, StepStatus to) {
  if (StepAllowed(from, to)) return Status::Ok();
  return FailedPrecondition(std::string("step cannot go from ") + StepStatusName(from) + " to " +
                            StepStatusName(to));
}

bool IsTerminal(ExecStatus s) {
  return s == E::kCompleted || s == E::kFailed || s == E::kStopped;
}

}  // namespace atelier
