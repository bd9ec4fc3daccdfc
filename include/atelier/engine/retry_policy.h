// RetryPolicy: how many attempts a step gets and how long to wait between them (exponential
// backoff with jitter, honouring a provider's retry-after). A pure value; thread-safe.
#pragma once

#include <cstdint>

#include "atelier/core/status.h"
#include "atelier/core/template.h"

namespace atelier {

class RetryPolicy {
 public:
  static constexpr int64_t kMaxDelayMs = 300'000;

  RetryPolicy(int max_attempts, int64_t backoff_ms)
      : max_attempts_(max_attempts < 1 ? 1 : max_attempts), backoff_ms_(backoff_ms) {}
  // From a node's data: `retry: {max_attempts, backoff_ms}` over the defaults of its kind
  // (3 attempts / 1000 ms for paid nodes, 1 attempt otherwise).
  static RetryPolicy ForNode(const Json& data, bool paid);

  int max_attempts() const { return max_attempts_; }
  int64_t backoff_ms() const { return backoff_ms_; }

  // Whether a step that failed with `error` on its `attempt_in_run`-th attempt (1-based, counted
  // since the last manual retry) gets another attempt.
  bool ShouldRetry(const Status& error, int attempt_in_run) const;
  // Delay before the next attempt: backoff_ms * 2^(attempt_in_run-1), scaled by a jitter factor
  // in [0.5, 1.0] taken from `unit` (a uniform draw in [0,1)), capped at kMaxDelayMs, and never
  // shorter than the error's retry_after_ms.
  int64_t DelayMs(const Status& error, int attempt_in_run, double unit) const;

 private:
  int max_attempts_;
  int64_t backoff_ms_;
};

}  // namespace atelier
