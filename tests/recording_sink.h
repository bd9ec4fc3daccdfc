// A ProgressSink for tests: records what a provider reported, in order.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "atelier/engine/provider.h"

namespace atelier::testing {

class RecordingSink final : public ProgressSink {
 public:
  void Restart() override {
    std::lock_guard<std::mutex> l(mu_);
    ++restarts_;
    pieces_.clear();
    steps_.clear();
  }
  void Text(std::string_view delta) override {
    std::lock_guard<std::mutex> l(mu_);
    pieces_.emplace_back(delta);
  }
  void Steps(int64_t value, int64_t max) override {
    std::lock_guard<std::mutex> l(mu_);
    steps_.emplace_back(value, max);
  }
  std::vector<std::string> pieces() {
    std::lock_guard<std::mutex> l(mu_);
    return pieces_;
  }
  std::string text() {
    std::lock_guard<std::mutex> l(mu_);
    std::string all;
    for (const auto& p : pieces_) all += p;
    return all;
  }
  std::vector<std::pair<int64_t, int64_t>> steps() {
    std::lock_guard<std::mutex> l(mu_);
    return steps_;
  }
  int restarts() {
    std::lock_guard<std::mutex> l(mu_);
    return restarts_;
  }

 private:
  std::mutex mu_;
  int restarts_ = 0;
  std::vector<std::string> pieces_;
  std::vector<std::pair<int64_t, int64_t>> steps_;
};

}  // namespace atelier::testing
