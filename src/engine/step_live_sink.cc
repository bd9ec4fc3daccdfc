#include "step_live_sink.h"

#include <utility>

namespace atelier {
namespace {

bool Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Where the last kMaxLiveTextBytes (or fewer) of `text` start, on a character.
size_t TailStart(const std::string& text) {
  if (text.size() <= kMaxLiveTextBytes) return 0;
  size_t from = text.size() - kMaxLiveTextBytes;
  while (from < text.size() && Continuation(text[from])) ++from;
  return from;
}

// Drops all but the tail once the text has grown to twice its bound, so that a long answer
// costs amortised constant time per piece.
void Bound(std::string& text) {
  if (text.size() >= 2 * kMaxLiveTextBytes) text.erase(0, TailStart(text));
}

}  // namespace

StepLiveSink::StepLiveSink(StepLive ids, Clock* clock, int64_t interval_ms,
                           std::shared_ptr<const Observer> observer)
    : state_(std::move(ids)),
      clock_(clock),
      interval_ms_(interval_ms),
      observer_(std::move(observer)) {}

void StepLiveSink::Restart() {
  state_.has_text = false;
  state_.text.clear();
  state_.chars = 0;
  state_.value = 0;
  state_.max = 0;
}

void StepLiveSink::Text(std::string_view delta) {
  state_.has_text = true;
  state_.text.append(delta);
  for (char c : delta) state_.chars += Continuation(c) ? 0 : 1;
  Bound(state_.text);
  MaybeSend();
}

void StepLiveSink::Steps(int64_t value, int64_t max) {
  state_.value = value;
  state_.max = max;
  MaybeSend();
}

void StepLiveSink::MaybeSend() {
  if (!observer_ || !*observer_) return;
  const int64_t now = clock_->NowMs();
  if (sent_ && now - last_sent_ms_ < interval_ms_) return;
  sent_ = true;
  last_sent_ms_ = now;
  state_.at_ms = now;
  // The notice carries the tail only; the whole (up to twice the bound) stays for the next.
  std::string whole = std::move(state_.text);
  state_.text = whole.substr(TailStart(whole));
  (*observer_)(state_);
  state_.text = std::move(whole);
}

}  // namespace atelier
