// LocalLimitCounter: one process's calls to each provider in the last minute.
#include <algorithm>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "atelier/engine/limit_counter.h"
#include "atelier/engine/limit_window.h"

namespace atelier {
namespace {

using limit_window::kWindowMs;

class LocalLimitCounter final : public LimitCounter {
 public:
  Result<Answer> TryAcquire(const std::string& provider, const ProviderLimits& limits,
                            int64_t tokens, int64_t now) override {
    std::lock_guard<std::mutex> l(mu_);
    Calls& c = calls_[provider];
    Expire(c, now);
    limit_window::Held held;
    held.in_flight = c.in_flight;
    held.requests = static_cast<int64_t>(c.started.size());
    held.tokens = c.tokens_in_window;
    if (!c.started.empty()) held.oldest = c.started.front().at;
    Answer a = limit_window::Decide(limits, held, tokens, now);
    if (a.granted) {
      a.ticket = ++next_ticket_;
      ++c.in_flight;
      c.started.push_back({a.ticket, now, tokens});
      c.tokens_in_window += tokens;
    }
    return a;
  }

  void Release(const std::string& provider, int64_t ticket, int64_t used_tokens) override {
    std::lock_guard<std::mutex> l(mu_);
    Calls& c = calls_[provider];
    --c.in_flight;
    if (used_tokens <= 0) return;
    for (Started& s : c.started) {
      if (s.ticket != ticket) continue;
      c.tokens_in_window += used_tokens - s.tokens;
      s.tokens = used_tokens;
      break;
    }
  }

 private:
  struct Started {
    int64_t ticket;
    int64_t at;
    int64_t tokens;
  };
  struct Calls {
    int in_flight = 0;
    std::deque<Started> started;  // in the last minute, oldest first
    int64_t tokens_in_window = 0;
  };

  static void Expire(Calls& c, int64_t now) {
    while (!c.started.empty() && c.started.front().at <= now - kWindowMs) {
      c.tokens_in_window -= c.started.front().tokens;
      c.started.pop_front();
    }
  }

  std::mutex mu_;
  std::unordered_map<std::string, Calls> calls_;
  int64_t next_ticket_ = 0;
};

}  // namespace

std::unique_ptr<LimitCounter> MakeLocalLimitCounter() {
  return std::make_unique<LocalLimitCounter>();
}

}  // namespace atelier
