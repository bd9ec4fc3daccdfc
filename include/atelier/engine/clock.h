// Time and identity, injected into the engine so tests control them (a FakeClock makes retries and
// timeouts testable without sleeping). Implementations are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace atelier {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() override;
};

// Starts at `start_ms` and moves only when told.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_;
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
