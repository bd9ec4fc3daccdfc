// Time and identity, injected into the engine so tests control them (a FakeClock makes retries and
// timeouts testable without sleeping). Implementations are thread-safe.
//
// Every wait of the engine goes through its Clock: the loop's wake-ups (timers, polls, the
// shutdown grace) through WaitUntil, a back-off through SleepMs. On a SystemClock they are waits
// of real time; on a FakeClock they end when Advance moves the clock past their deadline.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>

namespace atelier {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() = 0;

  // Blocks the calling thread until this clock reads `ms` milliseconds later than now.
  virtual void SleepMs(int64_t ms);

  // Called with `lock` held on the mutex that guards what `ready` reads. Waits on `cv` until
  // `ready()` holds (whoever makes it true notifies `cv`) or this clock reads `deadline_ms` or
  // later; returns ready(). Blocks; `lock` is held again on return. The default waits real time.
  virtual bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         int64_t deadline_ms, const std::function<bool()>& ready);
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() override;
  void SleepMs(int64_t ms) override;
};

// Starts at `start_ms` and moves only when told. A wait on it (WaitUntil, SleepMs) ends when
// Advance moves the clock to its deadline, however little real time passes.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() override { return now_.load(); }
  // Moves the clock forward and wakes every wait whose deadline it reaches.
  void Advance(int64_t ms);
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 int64_t deadline_ms, const std::function<bool()>& ready) override;

 private:
  std::atomic<int64_t> now_;
  std::mutex waiters_mu_;  // taken after a waiter's own mutex, never before it
  std::unordered_multiset<std::condition_variable*> waiters_;
};

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A new id with the given prefix ("ex_"), unique and roughly time-ordered.
  virtual std::string NewId(const char* prefix) = 0;
};

// prefix + 12 hex digits of milliseconds + 8 random hex digits.
class RandomIdGenerator final : public IdGenerator {
 public:
  std::string NewId(const char* prefix) override;
};

}  // namespace atelier
