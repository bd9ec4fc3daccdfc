#include "atelier/engine/limited_provider.h"

#include <algorithm>

namespace atelier {
namespace {
constexpr int64_t kRetryMs = 100;  // after a counter that could not answer (its database away)

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

Result<int64_t> LimitedProvider::Acquire(int64_t tokens, CancelToken& cancel) {
  for (;;) {
    auto a = counter_->TryAcquire(name(), limits_, tokens, clock_->NowMs());
    if (a && a->granted) {
      ++in_flight_;
      return a->ticket;
    }
    const int64_t wait = a ? a->retry_in_ms : kRetryMs;
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
