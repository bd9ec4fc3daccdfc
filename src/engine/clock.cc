#include "atelier/engine/clock.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

namespace atelier {

int64_t SystemClock::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Clock::SleepMs(int64_t ms) {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  WaitUntil(lock, cv, NowMs() + ms, [] { return false; });
}

bool Clock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                      int64_t deadline_ms, const std::function<bool()>& ready) {
  return cv.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(deadline_ms - NowMs(), 0)),
                     ready);
}

void SystemClock::SleepMs(int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void FakeClock::Advance(int64_t ms) {
  now_ += ms;
  std::lock_guard<std::mutex> l(waiters_mu_);
  for (std::condition_variable* cv : waiters_) cv->notify_all();
}

bool FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          int64_t deadline_ms, const std::function<bool()>& ready) {
  {
    std::lock_guard<std::mutex> l(waiters_mu_);
    waiters_.insert(&cv);
  }
  // Advance notifies without the waiter's mutex (taking it could deadlock against a waiter that
  // registers while holding it), so a notification can fall between a check and the wait: the
  // wait is cut into short real-time slices that look again.
  while (!ready() && NowMs() < deadline_ms) cv.wait_for(lock, std::chrono::milliseconds(5));
  {
    std::lock_guard<std::mutex> l(waiters_mu_);
    waiters_.erase(waiters_.find(&cv));
  }
  return ready();
}

std::string RandomIdGenerator::NewId(const char* prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t ms = static_cast<uint64_t>(SystemClock().NowMs());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%012llx%08llx", prefix,
                static_cast<unsigned long long>(ms & 0xffffffffffffULL),
                static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return buf;
}

}  // namespace atelier
