// PeriodicThread: a background pass repeated on a thread of its own, for the server's runners
// (schedules, retention). The first pass runs `first_ms` after Start, then one every
// `interval_ms` after the previous one ended (or at once after Wake), until Stop.
//
// Thread-safety: Start and Stop may be called from any thread; `pass` runs on the thread alone and
// may read `stopping` to end early (Stop sets it before it waits for the pass to return).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace atelier {

class PeriodicThread {
 public:
  using Pass = std::function<void(const std::atomic<bool>& stopping)>;
  PeriodicThread(int64_t interval_ms, int64_t first_ms, Pass pass);
  ~PeriodicThread();  // Stop()
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  void Start();  // no-op once started or stopped
  void Stop();   // idempotent; returns once the thread ended
  // Runs the next pass now rather than at its time (after the one under way, if any). Any thread.
  void Wake();

 private:
  void Loop();

  int64_t interval_ms_;
  int64_t first_ms_;
  Pass pass_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopped_{false};
  bool woken_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace atelier
