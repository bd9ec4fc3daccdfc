// LimitedProvider: a Provider that holds one provider's limits (requests per minute, tokens per
// minute, calls at once) for every execution that calls it: there is one instance per configured
// provider. Calls wait for room, cancel-aware, rather than fail. Where the calls are counted is a
// LimitCounter: this process's own by default, or one shared by a cluster through its database.
// Thread-safe. The wrapped provider, the clock and the counter must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "atelier/engine/clock.h"
#include "atelier/engine/limit_counter.h"
#include "atelier/engine/provider.h"

namespace atelier {

class LimitedProvider final : public Provider {
 public:
  // `counter` null: counted in this process alone.
  LimitedProvider(std::shared_ptr<Provider> inner, ProviderLimits limits, Clock* clock,
                  std::shared_ptr<LimitCounter> counter = nullptr);

  std::string name() const override { return inner_->name(); }
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override;
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override;
  Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken& cancel) override;

  // Calls of this process running now (for tests and metrics).
  int in_flight() const { return in_flight_.load(); }

 private:
  // Waits until a call estimated at `tokens` fits every limit; its ticket, or Cancelled when
  // `cancel` fires.
  Result<int64_t> Acquire(int64_t tokens, CancelToken& cancel);
  // Ends a call, replacing its token estimate with what it really used.
  void Release(int64_t ticket, int64_t used);

  std::shared_ptr<Provider> inner_;
  ProviderLimits limits_;
  Clock* clock_;
  std::shared_ptr<LimitCounter> counter_;
  std::atomic<int> in_flight_{0};
  // One question to the counter at a time, and none before the last "no room" has run out.
  std::mutex ask_mu_;
  std::chrono::steady_clock::time_point next_ask_{};  // GUARDED_BY(ask_mu_)
};

}  // namespace atelier
