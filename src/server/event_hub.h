// EventHub: wakes event streams when the engine commits events. The event log in the store is the
// one queue every stream reads from (after its last id), so the hub carries no events, only a
// generation number: a stream never misses an event, never sees one twice, and the engine's loop
// thread (which rings the hub from its observer) never waits on a slow client. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace atelier::api {

class EventHub {
 public:
  // Something was committed: wake every waiting stream. Quick; never blocks for long.
  void Ring();
  uint64_t generation();
  // Blocks until the generation differs from `seen`, Poke is called, the hub closes, or `max`
  // passes.
  void Wait(uint64_t seen, std::chrono::milliseconds max);
  // Wakes a waiter without a new commit (a stream finished writing and may be served again).
  void Poke();
  // Ends every stream (shutdown).
  void Close();
  bool closed();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
  bool poked_ = false;
  bool closed_ = false;
};

}  // namespace atelier::api
