// ChangeWatcher: a thread that waits on the store's ChangeFeed and calls `on_change` with what
// rang (ChangeKind bits), so that a process sharing its database with others looks now rather
// than at its next poll: a worker's Adopter when an execution was launched or handed back, a
// server's event streams when another process appended events. Does nothing (no thread) when the
// store has no feed (SQLite: one process drives; the polls stay).
//
// The feed listens from construction on (it connects there), so a process makes its watcher
// before its first look at the tables (the Adopter's first pass): nothing committed after that
// look can go unrung.
//
// Thread-safety: Start and Stop from any thread, not concurrently; `on_change` runs on the
// watcher's thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "atelier/store/store.h"

namespace atelier {

class ChangeWatcher {
 public:
  ChangeWatcher(Store* store, std::function<void(unsigned kinds)> on_change);
  ~ChangeWatcher();  // Stop()
  ChangeWatcher(const ChangeWatcher&) = delete;
  ChangeWatcher& operator=(const ChangeWatcher&) = delete;

  void Start();
  void Stop();  // idempotent; returns once the thread ended
  bool active() const { return feed_ != nullptr; }

 private:
  std::unique_ptr<ChangeFeed> feed_;
  std::function<void(unsigned)> on_change_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace atelier
