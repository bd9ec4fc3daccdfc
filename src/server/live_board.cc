#include "live_board.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "atelier/core/json_limits.h"
#include "atelier/engine/timestamp.h"

namespace atelier::api {
namespace {

std::string Key(const std::string& execution_id, const std::string& step_id) {
  return execution_id + '\n' + step_id;
}

// The item index of a map item's step id ("sections[2]" -> 2), or -1.
int64_t ItemOf(const std::string& step_id) {
  if (step_id.size() < 3 || step_id.back() != ']') return -1;
  size_t open = step_id.rfind('[');
  if (open == std::string::npos || open + 2 > step_id.size() - 1) return -1;
  int64_t n = 0;
  for (size_t i = open + 1; i + 1 < step_id.size(); ++i) {
    char c = step_id[i];
    if (c < '0' || c > '9' || n > 1000000000) return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::string LiveFrame(const StepLive& live) {
  Json data = {{"execution_id", live.execution_id},
               {"step_id", live.step_id},
               {"at", FormatTimestamp(live.at_ms)}};
  if (int64_t item = ItemOf(live.step_id); item >= 0) data["item"] = item;
  if (live.has_text) {
    data["text"] = live.text;
    data["chars"] = live.chars;
  }
  if (live.max > 0) {
    data["value"] = live.value;
    data["max"] = live.max;
  }
  // Text cut by a provider inside a character is replaced, never thrown on.
  return "event: step_progress\ndata: " +
         data.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
}

void LiveBoard::Put(const StepLive& live) {
  std::string frame = LiveFrame(live);
  std::lock_guard<std::mutex> l(mu_);
  Notice& n = notices_[Key(live.execution_id, live.step_id)];
  n.number = ++counter_;
  n.ws = live.ws;
  n.execution_id = live.execution_id;
  n.frame = std::move(frame);
}

void LiveBoard::Drop(const std::string& execution_id, const std::string& step_id) {
  std::lock_guard<std::mutex> l(mu_);
  if (!step_id.empty()) {
    notices_.erase(Key(execution_id, step_id));
    return;
  }
  auto it = notices_.lower_bound(execution_id + '\n');
  while (it != notices_.end() && it->second.execution_id == execution_id) it = notices_.erase(it);
}

std::string LiveBoard::Since(const std::string& ws, const std::string& execution_id, uint64_t after,
                             uint64_t* newest) {
  std::string out;
  *newest = after;
  std::lock_guard<std::mutex> l(mu_);
  if (counter_ <= after) return out;
  auto it = execution_id.empty() ? notices_.begin() : notices_.lower_bound(execution_id + '\n');
  for (; it != notices_.end(); ++it) {
    const Notice& n = it->second;
    if (!execution_id.empty() && n.execution_id != execution_id) break;
    if (n.ws != ws || n.number <= after) continue;
    out += n.frame;
    if (n.number > *newest) *newest = n.number;
  }
  return out;
}

uint64_t LiveBoard::last() {
  std::lock_guard<std::mutex> l(mu_);
  return counter_;
}

}  // namespace atelier::api
