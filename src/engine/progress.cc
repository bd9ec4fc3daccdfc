#include "atelier/engine/progress.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace atelier {
namespace {
// The most an execution with anything left to run reports.
constexpr double kOpenPercentCap = 99.0;

bool IsWorkNode(const Graph& g, int i) {
  NodeKind k = g.spec(i).kind;
  return k != NodeKind::kStart && k != NodeKind::kEnd;
}
}  // namespace

Json UsageTotals(const std::vector<StepRecord>& steps) {
  int64_t in = 0, out = 0, images = 0;
  double cost = 0;
  for (const auto& s : steps) {
    if (!s.usage.is_object()) continue;
    in += s.usage.value("input_tokens", int64_t{0});
    out += s.usage.value("output_tokens", int64_t{0});
    images += s.usage.value("images", int64_t{0});
    cost += s.usage.value("cost", 0.0);
  }
  return {{"input_tokens", in}, {"output_tokens", out}, {"images", images}, {"cost", cost}};
}

Progress ComputeProgress(const Graph& g, const std::vector<StepRecord>& steps) {
  Progress p;
  // Items of each map: finished / total.
  std::unordered_map<std::string, std::pair<int, int>> items;
  std::unordered_map<std::string, const StepRecord*> maps;
  for (const auto& s : steps)
    if (s.parent_step_id.empty()) maps[s.step_id] = &s;
  for (const auto& s : steps) {
    if (s.parent_step_id.empty()) continue;
    auto m = maps.find(s.parent_step_id);
    if (m != maps.end() && !IsCurrentItem(s, *m->second)) continue;  // an earlier run's item
    auto& c = items[s.parent_step_id];
    c.second++;
    if (s.status == StepStatus::kSucceeded || s.status == StepStatus::kSkipped ||
        (s.status == StepStatus::kFailed && s.due_at == 0) || s.status == StepStatus::kCancelled)
      c.first++;
  }
  // stage -> (unfinished work steps in it)
  std::map<int, int> unfinished_by_stage;
  double done = 0;
  for (const auto& s : steps) {
    if (!s.parent_step_id.empty()) continue;
    int i = g.IndexOf(s.node_id);
    if (i < 0 || !IsWorkNode(g, i) || s.status == StepStatus::kSkipped) continue;
    p.total++;
    int& unfinished = unfinished_by_stage[g.stage(i)];
    if (s.status == StepStatus::kSucceeded) {
      p.finished++;
      done += 1;
      continue;
    }
    unfinished++;
    if (s.status == StepStatus::kRunning) {
      auto it = items.find(s.step_id);
      if (it != items.end() && it->second.second > 0) {
        done += static_cast<double>(it->second.first) / it->second.second;
        p.running.push_back(s.step_id + " " + std::to_string(it->second.first) + "/" +
                            std::to_string(it->second.second));
      } else {
        p.running.push_back(s.step_id);
      }
    } else if (s.status == StepStatus::kWaiting) {
      p.waiting.push_back(s.step_id);
    }
  }
  p.percent = p.total == 0 ? 0 : 100.0 * done / p.total;
  p.stages = static_cast<int>(unfinished_by_stage.size());
  p.stage = p.stages;
  int rank = 0;
  for (const auto& [stage, unfinished] : unfinished_by_stage) {
    ++rank;
    if (unfinished > 0) {
      p.stage = rank;
      break;
    }
  }
  // 100% means nothing is left to run: not while the end step is pending (a paused execution
  // whose work steps all finished), a map item waits to run again (a retry), or a failed step
  // has a retry scheduled.
  bool open = false;
  for (const auto& s : steps) {
    if (s.status == StepStatus::kPending || s.status == StepStatus::kReady ||
        s.status == StepStatus::kRunning || s.status == StepStatus::kWaiting ||
        (s.status == StepStatus::kFailed && s.due_at != 0))
      open = true;
  }
  if (p.total > 0 && p.finished == p.total && !open) p.percent = 100;
  if (open) p.percent = std::min(p.percent, kOpenPercentCap);
  return p;
}

}  // namespace atelier
