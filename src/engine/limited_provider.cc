#include "atelier/engine/limited_provider.h"

#include <algorithm>

namespace atelier {
namespace {
constexpr int64_t kWindowMs = 60000;
constexpr int64_t kMaxWaitStepMs = 100;  // re-check at least this often (clock may be fake)

int64_t EstimateTokens(const TextRequest& req) {
  size_t chars = req.system.size();
  for (const auto& m : req.messages) chars += m.content.size();
  return static_cast<int64_t>(chars / 4) + std::max(req.max_tokens, 0);
}
}  // namespace

LimitedProvider::LimitedProvider(std::shared_ptr<Provider> inner, ProviderLimits limits,
                                 Clock* clock)
    : inner_(std::move(inner)), limits_(limits), clock_(clock) {}

int LimitedProvider::in_flight() const {
  std::lock_guard<std::mutex> l(mu_);
  return in_flight_;
}

void LimitedProvider::Expire(int64_t now) {
  while (!requests_.empty() && requests_.front() <= now - kWindowMs) requests_.pop_front();
  while (!tokens_.empty() && tokens_.front().first <= now - kWindowMs) {
    tokens_in_window_ -= tokens_.front().second;
    tokens_.pop_front();
  }
}

Status LimitedProvider::Acquire(int64_t tokens, CancelToken& cancel) {
  for (;;) {
    int64_t wait = kMaxWaitStepMs;
    {
      std::lock_guard<std::mutex> l(mu_);
      int64_t now = clock_->NowMs();
      Expire(now);
      bool slot = limits_.concurrent <= 0 || in_flight_ < limits_.concurrent;
      bool rate = limits_.requests_per_minute <= 0 ||
                  static_cast<int>(requests_.size()) < limits_.requests_per_minute;
      // A call larger than the whole budget still runs once the window is empty.
      bool budget = limits_.tokens_per_minute <= 0 || tokens_.empty() ||
                    tokens_in_window_ + tokens <= limits_.tokens_per_minute;
      if (slot && rate && budget) {
        ++in_flight_;
        requests_.push_back(now);
        tokens_.push_back({now, tokens});
        tokens_in_window_ += tokens;
        return Status::Ok();
      }
      if (slot && !rate) wait = std::min(wait, requests_.front() + kWindowMs - now);
      if (slot && rate && !budget) wait = std::min(wait, tokens_.front().first + kWindowMs - now);
    }
    if (!cancel.SleepFor(std::max<int64_t>(wait, 1)))
      return Cancelled("cancelled while waiting for provider '" + name() + "' limits");
  }
}

void LimitedProvider::Release(int64_t estimated, int64_t used) {
  std::lock_guard<std::mutex> l(mu_);
  --in_flight_;
  if (used > 0 && !tokens_.empty()) {
    // Correct the newest entry of this size: close enough for a per-minute budget.
    for (auto it = tokens_.rbegin(); it != tokens_.rend(); ++it) {
      if (it->second == estimated) {
        tokens_in_window_ += used - estimated;
        it->second = used;
        break;
      }
    }
  }
}

Result<TextResponse> LimitedProvider::GenerateText(const TextRequest& req, CancelToken& cancel) {
  int64_t estimate = EstimateTokens(req);
  if (Status s = Acquire(estimate, cancel); !s.ok()) return Err(s);
  auto r = inner_->GenerateText(req, cancel);
  Release(estimate, r ? r->usage.input_tokens + r->usage.output_tokens : 0);
  return r;
}

Result<ImageResponse> LimitedProvider::GenerateImage(const ImageRequest& req,
                                                     CancelToken& cancel) {
  if (Status s = Acquire(0, cancel); !s.ok()) return Err(s);
  auto r = inner_->GenerateImage(req, cancel);
  Release(0, 0);
  return r;
}

Result<ImageResponse> LimitedProvider::EditImage(const ImageEditRequest& req,
                                                 CancelToken& cancel) {
  if (Status s = Acquire(0, cancel); !s.ok()) return Err(s);
  auto r = inner_->EditImage(req, cancel);
  Release(0, 0);
  return r;
}

}  // namespace atelier
