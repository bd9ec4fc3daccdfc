// LiveBoard: the latest live progress notice of every running step (Engine::SetLiveObserver),
// for the event streams. Private to the server.
//
// Notices are not events: they are never stored, carry no id (so they never move a client's
// Last-Event-ID) and only the latest one of each step is kept, formatted once as an SSE frame
// ("event: step_progress"). Each Put gets a number from one counter; a stream remembers the
// highest it has sent and asks for the newer ones of its execution (or workspace), so a stream
// that connects mid-step gets each running step's latest state at once, and a slow stream skips
// the states it had no time for. A step's notice is dropped when a durable event ends or
// hands back its attempt. Thread-safe: the engine's workers Put, the loop's observer Drop, the
// pump reads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "atelier/engine/live_progress.h"

namespace atelier::api {

class LiveBoard {
 public:
  // Keeps `live` as its step's latest notice.
  void Put(const StepLive& live);
  // Forgets the notice of `step_id` (its attempt ended), or of every step of the execution
  // when `step_id` is "" (it stopped, paused or ended).
  void Drop(const std::string& execution_id, const std::string& step_id);
  // The frames of the notices newer than `after` of execution `execution_id` of `ws` ("" = of
  // every execution of the workspace), concatenated, and the number of the newest one (or
  // `after` when none is newer).
  std::string Since(const std::string& ws, const std::string& execution_id, uint64_t after,
                    uint64_t* newest);
  uint64_t last();  // the number of the newest Put so far

 private:
  struct Notice {
    uint64_t number = 0;
    std::string ws;
    std::string execution_id;
    std::string frame;
  };
  std::mutex mu_;
  uint64_t counter_ = 0;                   // GUARDED_BY(mu_)
  std::map<std::string, Notice> notices_;  // GUARDED_BY(mu_): by ws, execution and step
};

// The SSE frame of a notice: "event: step_progress" and its JSON data, with no id line.
std::string LiveFrame(const StepLive& live);

}  // namespace atelier::api
