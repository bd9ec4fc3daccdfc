// Live progress of running steps: what a step's provider call has reported so far (the text as
// the model writes it, an image server's sampling steps), for people watching the execution.
// Not durable and never in the event log: it is a view of work in progress that the step's
// durable result (step_succeeded and its output) replaces. See Engine::SetLiveObserver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace atelier {

// The most text a notice carries: the end of the answer so far, cut at a character boundary.
inline constexpr size_t kMaxLiveTextBytes = 64 * 1024;

// One notice: the latest state of one running step (not a delta: a watcher that joins late
// needs only the last one).
struct StepLive {
  std::string ws;
  std::string execution_id;
  std::string step_id;  // a map item's own id ("sections[2]") for an item
  bool has_text = false;
  std::string text;   // the last kMaxLiveTextBytes (or fewer) bytes of the answer so far
  int64_t chars = 0;  // characters (UTF-8 code points) of the whole answer so far
  int64_t value = 0;  // image work: steps done of `max`; max 0 when none were reported
  int64_t max = 0;
  int64_t at_ms = 0;  // the engine's clock when the state was reported
};

}  // namespace atelier
