#include "atelier/app/periodic_thread.h"

#include <algorithm>
#include <chrono>

namespace atelier {

PeriodicThread::PeriodicThread(int64_t interval_ms, int64_t first_ms, Pass pass)
    : interval_ms_(std::max<int64_t>(interval_ms, 10)),
      first_ms_(std::max<int64_t>(first_ms, 0)),
      pass_(std::move(pass)) {}

PeriodicThread::~PeriodicThread() { Stop(); }

void PeriodicThread::Start() {
  std::lock_guard l(mu_);
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicThread::Stop() {
  {
    std::lock_guard l(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::Wake() {
  {
    std::lock_guard l(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void PeriodicThread::Loop() {
  std::unique_lock l(mu_);
  int64_t wait = first_ms_;
  for (;;) {
    if (wait > 0)
      cv_.wait_for(l, std::chrono::milliseconds(wait),
                   [this] { return stopped_.load() || woken_; });
    if (stopped_) return;
    woken_ = false;
    wait = interval_ms_;
    l.unlock();
    pass_(stopped_);
    l.lock();
  }
}

}  // namespace atelier
