// LimitedProvider: a Provider that enforces one provider's limits for the whole process:
// requests per minute, tokens per minute and calls at once, shared by every execution (there is
// one instance per configured provider). Calls wait for room, cancel-aware, rather than fail.
// Thread-safe. The wrapped provider and the clock must outlive it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "atelier/engine/clock.h"
#include "atelier/engine/provider.h"

namespace atelier {

struct ProviderLimits {
  int requests_per_minute = 0;  // 0 = no limit
  int64_t tokens_per_minute = 0;
  int concurrent = 0;
};

class LimitedProvider final : public Provider {
 public:
  LimitedProvider(std::shared_ptr<Provider> inner, ProviderLimits limits, Clock* clock);

  std::string name() const override { return inner_->name(); }
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override;
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override;
  Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken& cancel) override;

  // Calls running now (for tests and metrics).
  int in_flight() const;

 private:
  // Waits until a call estimated at `tokens` fits every limit; Cancelled when `cancel` fires.
  Status Acquire(int64_t tokens, CancelToken& cancel);
  // Ends a call, replacing its token estimate with what it really used.
  void Release(int64_t estimated, int64_t used);
  void Expire(int64_t now);

  std::shared_ptr<Provider> inner_;
  ProviderLimits limits_;
  Clock* clock_;
  mutable std::mutex mu_;
  int in_flight_ = 0;
  std::deque<int64_t> requests_;                  // start times in the last minute
  std::deque<std::pair<int64_t, int64_t>> tokens_;  // (time, tokens) in the last minute
  int64_t tokens_in_window_ = 0;
};

}  // namespace atelier
