#include "atelier/engine/limited_provider.h"

#include <algorithm>
#include <chrono>

namespace atelier {
namespace {
constexpr int64_t kRetryMs = 100;  // after a counter that could not answer (its database away)
constexpr int64_t kLocalPollMs = 10;  // while this process's own calls fill the concurrent limit

int64_t EstimateTokens(const TextRequest& req) {
  size_t chars = req.system.size();
  for (const auto& m : req.messages) chars += m.content.size();
  return static_cast<int64_t>(chars / 4) + std::max(req.max_tokens, 0);
}
}  // namespace

LimitedProvider::LimitedProvider(std::shared_ptr<Provider> inner, ProviderLimits limits,
                                 Clock* clock, std::shared_ptr<LimitCounter> counter)
    : inner_(std::move(inner)),
      limits_(limits),
      clock_(clock),
      counter_(counter ? std::move(counter)
                       : std::shared_ptr<LimitCounter>(MakeLocalLimitCounter())) {}

// The counter may be a database shared by a cluster: a waiting call does not ask it while this
// process's own calls fill the concurrent limit (it looks again locally every kLocalPollMs), nor
// while another call of this process has just been told there is no room (it waits as long as
// that one was told). So the calls waiting here ask about once per answer, not each of them.
Result<int64_t> LimitedProvider::Acquire(int64_t tokens, CancelToken& cancel) {
  for (;;) {
    int64_t wait = kLocalPollMs;
    {
      std::lock_guard l(ask_mu_);
      const auto t = std::chrono::steady_clock::now();
      const bool full_here = limits_.concurrent > 0 && in_flight_.load() >= limits_.concurrent;
      if (!full_here && t >= next_ask_) {
        auto a = counter_->TryAcquire(name(), limits_, tokens, clock_->NowMs());
        if (a && a->granted) {
          ++in_flight_;
          return a->ticket;
        }
        wait = std::max<int64_t>(a ? a->retry_in_ms : kRetryMs, 1);
        next_ask_ = t + std::chrono::milliseconds(wait);
      } else if (!full_here) {
        wait = std::chrono::ceil<std::chrono::milliseconds>(next_ask_ - t).count();
      }
    }
    if (!cancel.SleepFor(std::max<int64_t>(wait, 1)))
      return Err(Cancelled("cancelled while waiting for provider '" + name() + "' limits"));
  }
}

void LimitedProvider::Release(int64_t ticket, int64_t used) {
  --in_flight_;
  counter_->Release(name(), ticket, used);
}

Result<TextResponse> LimitedProvider::GenerateText(const TextRequest& req, CancelToken& cancel) {
  const int64_t estimate = EstimateTokens(req);
  auto ticket = Acquire(estimate, cancel);
  if (!ticket) return Err(ticket.error());
  auto r = inner_->GenerateText(req, cancel);
  Release(*ticket, r ? r->usage.input_tokens + r->usage.output_tokens : 0);
  return r;
}

Result<ImageResponse> LimitedProvider::GenerateImage(const ImageRequest& req, CancelToken& cancel) {
  auto ticket = Acquire(0, cancel);
  if (!ticket) return Err(ticket.error());
  auto r = inner_->GenerateImage(req, cancel);
  Release(*ticket, 0);
  return r;
}

Result<ImageResponse> LimitedProvider::EditImage(const ImageEditRequest& req, CancelToken& cancel) {
  auto ticket = Acquire(0, cancel);
  if (!ticket) return Err(ticket.error());
  auto r = inner_->EditImage(req, cancel);
  Release(*ticket, 0);
  return r;
}

}  // namespace atelier
