#include "atelier/engine/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace atelier {

RetryPolicy RetryPolicy::ForNode(const Json& data, bool paid) {
  int max_attempts = paid ? 3 : 1;
  int64_t backoff = 1000;
  if (data.is_object()) {
    auto it = data.find("retry");
    if (it != data.end() && it->is_object()) {
      if (auto m = it->find("max_attempts"); m != it->end() && m->is_number_integer())
        max_attempts = m->get<int>();
      if (auto b = it->find("backoff_ms"); b != it->end() && b->is_number_integer())
        backoff = b->get<int64_t>();
    }
  }
  return RetryPolicy(max_attempts, backoff);
}

bool RetryPolicy::ShouldRetry(const Status& error, int attempt_in_run) const {
  return IsRetryable(error) && attempt_in_run < max_attempts_;
}

int64_t RetryPolicy::DelayMs(const Status& error, int attempt_in_run, double unit) const {
  int shift = std::clamp(attempt_in_run - 1, 0, 30);
  double base = static_cast<double>(backoff_ms_) * std::pow(2.0, shift);
  double jitter = 0.5 + 0.5 * std::clamp(unit, 0.0, 1.0);
  auto delay = static_cast<int64_t>(std::min(base * jitter, static_cast<double>(kMaxDelayMs)));
  if (auto ra = error.retry_after_ms()) delay = std::max(delay, *ra);
  return std::max<int64_t>(delay, 0);
}

}  // namespace atelier
