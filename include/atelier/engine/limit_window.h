// The decision every LimitCounter takes the same way, wherever it counts a provider's calls (in
// the process, or in a cluster's database): given what the last minute holds, whether a call fits
// every limit, and if not when to ask again. Header-only, no I/O.
#pragma once

#include <algorithm>
#include <cstdint>

#include "atelier/engine/limit_counter.h"

namespace atelier::limit_window {

inline constexpr int64_t kWindowMs = 60000;
inline constexpr int64_t kMaxWaitMs = 100;  // ask again at least this often (the clock may be fake)

// What the counter holds for one provider at the moment of asking.
struct Held {
  int64_t in_flight = 0;  // calls not ended
  int64_t requests = 0;   // calls started in the last minute
  int64_t tokens = 0;     // their tokens (estimates until they end, then what they used)
  int64_t oldest = 0;     // when the oldest of them started (meaningful when requests > 0)
};

// Granted (the caller then records the call), or not with retry_in_ms: sooner than kMaxWaitMs
// when the oldest call of the minute leaves the window first. A call larger than the whole token
// budget still runs once the window is empty.
inline LimitCounter::Answer Decide(const ProviderLimits& limits, const Held& held, int64_t tokens,
                                   int64_t now) {
  const bool slot = limits.concurrent <= 0 || held.in_flight < limits.concurrent;
  const bool rate = limits.requests_per_minute <= 0 || held.requests < limits.requests_per_minute;
  const bool budget = limits.tokens_per_minute <= 0 || held.requests == 0 ||
                      held.tokens + tokens <= limits.tokens_per_minute;
  LimitCounter::Answer a;
  if (slot && rate && budget) {
    a.granted = true;
    return a;
  }
  a.retry_in_ms = kMaxWaitMs;
  if (slot && held.requests > 0)
    a.retry_in_ms = std::clamp<int64_t>(held.oldest + kWindowMs - now, 1, kMaxWaitMs);
  return a;
}

}  // namespace atelier::limit_window
