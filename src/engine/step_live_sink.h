// StepLiveSink: the ProgressSink the engine hands a running step's provider calls. It keeps the
// step's latest state (a bounded tail of the text, its character count, image steps) and passes
// it on to the live observer at most once per `interval_ms` of the engine's clock: the first
// report at once, later ones only when the interval has passed since the last one passed on
// (the one that follows the last is the durable step_succeeded, so nothing is flushed at the
// end). One per step attempt; called from the worker thread that runs the step.
#pragma once

#include <functional>
#include <memory>

#include "atelier/engine/clock.h"
#include "atelier/engine/live_progress.h"
#include "atelier/engine/provider.h"

namespace atelier {

class StepLiveSink final : public ProgressSink {
 public:
  using Observer = std::function<void(const StepLive&)>;
  StepLiveSink(StepLive ids, Clock* clock, int64_t interval_ms,
               std::shared_ptr<const Observer> observer);

  void Restart() override;
  void Text(std::string_view delta) override;
  void Steps(int64_t value, int64_t max) override;

 private:
  void MaybeSend();

  StepLive state_;
  Clock* clock_;
  int64_t interval_ms_;
  std::shared_ptr<const Observer> observer_;
  bool sent_ = false;
  int64_t last_sent_ms_ = 0;
};

}  // namespace atelier
