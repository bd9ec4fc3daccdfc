#include "atelier/app/change_watcher.h"

#include <utility>

namespace atelier {

ChangeWatcher::ChangeWatcher(Store* store, std::function<void(unsigned kinds)> on_change)
    : feed_(store->OpenChangeFeed()), on_change_(std::move(on_change)) {
  // Listening from now on: what rings between here and Start is kept for the first Wait there.
  if (feed_) (void)feed_->Wait(0);
}

ChangeWatcher::~ChangeWatcher() { Stop(); }

void ChangeWatcher::Start() {
  if (!feed_ || thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    while (!stopping_) {
      const unsigned rung = feed_->Wait(1000);
      if (rung != 0 && !stopping_) on_change_(rung);
    }
  });
}

void ChangeWatcher::Stop() {
  stopping_ = true;
  if (feed_) feed_->Interrupt();
  if (thread_.joinable()) thread_.join();
}

}  // namespace atelier
