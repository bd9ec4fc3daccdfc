// FailureRun: a background loop's failures said once per run, not once per pass. While the
// database is away (restarting, unreachable, out of connections) a loop that looks every half
// second fails every pass; its log should say when the trouble began and when it ended, not
// repeat the same line a hundred times. The loop reports each pass; the first failure of a run is
// to be said, the others are counted, and the first pass that works again reports the run it
// ends (how many passes failed, for how long), to be said as the recovery.
//
// Thread-safety: none; one loop (one thread at a time) reports to it.
#pragma once

#include <chrono>
#include <cstdint>

namespace atelier {

class FailureRun {
 public:
  // A pass failed: true when it begins a run of failures (say it), false while the run goes on.
  bool Failed() {
    if (failures_++ > 0) return false;
    began_ = std::chrono::steady_clock::now();
    return true;
  }

  // What a pass that worked ended: no run (`failures` 0), or one of `failures` passes over `ms`.
  struct Ended {
    int64_t failures = 0;
    int64_t ms = 0;
  };
  Ended Worked() {
    Ended e;
    if (failures_ == 0) return e;
    e.failures = failures_;
    e.ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 began_)
               .count();
    failures_ = 0;
    return e;
  }

  bool failing() const { return failures_ > 0; }

 private:
  int64_t failures_ = 0;
  std::chrono::steady_clock::time_point began_{};
};

}  // namespace atelier
