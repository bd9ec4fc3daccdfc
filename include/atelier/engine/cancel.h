// CancelToken: how the engine tells a running step to stop (execution stopped, step timed out,
// shutdown). Shared between the engine and the worker running the step; thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace atelier {

class CancelToken {
 public:
  void Cancel(std::string reason) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (cancelled_) return;
      cancelled_ = true;
      reason_ = std::move(reason);
    }
    cv_.notify_all();
  }
  bool cancelled() const {
    std::lock_guard<std::mutex> l(mu_);
    return cancelled_;
  }
  std::string reason() const {
    std::lock_guard<std::mutex> l(mu_);
    return reason_;
  }
  // Sleeps up to `ms`; returns false (early) when cancelled.
  bool SleepFor(int64_t ms) {
    std::unique_lock<std::mutex> l(mu_);
    return !cv_.wait_for(l, std::chrono::milliseconds(ms), [&] { return cancelled_; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::string reason_;
};

}  // namespace atelier
