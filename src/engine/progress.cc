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

bool CountsAsFinished(const StepRecord& s) {
  return s.status == StepStatus::kSucceeded || s.status == StepStatus::kSkipped ||
         (s.status == StepStatus::kFailed && s.due_at == 0) || s.status == StepStatus::kCancelled;
}

bool CountsAsOpen(const StepRecord& s) {
  return s.status == StepStatus::kPending || s.status == StepStatus::kReady ||
         s.status == StepStatus::kRunning || s.status == StepStatus::kWaiting ||
         (s.status == StepStatus::kFailed && s.due_at != 0);
}

Progress ComputeProgress(const Graph& g, const std::vector<StepRecord>& steps) {
  std::unordered_map<std::string, const StepRecord*> maps;
  std::vector<const StepRecord*> top;
  for (const auto& s : steps)
    if (s.parent_step_id.empty()) {
      maps[s.step_id] = &s;
      top.push_back(&s);
    }
  std::unordered_map<std::string, MapItemCounts> items;
  for (const auto& s : steps) {
    if (s.parent_step_id.empty()) continue;
    auto m = maps.find(s.parent_step_id);
    if (m != maps.end() && !IsCurrentItem(s, *m->second)) continue;  // an earlier run's item
    MapItemCounts& c = items[s.parent_step_id];
    c.total++;
    if (CountsAsFinished(s)) c.finished++;
    if (CountsAsOpen(s)) c.open++;
  }
  return ComputeProgress(g, top, [&](const std::string& map) {
    auto it = items.find(map);
    return it == items.end() ? MapItemCounts{} : it->second;
  });
}

Progress ComputeProgress(const Graph& g, const std::vector<const StepRecord*>& top,
                         const std::function<MapItemCounts(const std::string&)>& items) {
  Progress p;
  // stage -> (unfinished work steps in it)
  std::map<int, int> unfinished_by_stage;
  double done = 0;
  // 100% means nothing is left to run: not while the end step is pending (a paused execution
  // whose work steps all finished), a map item waits to run again (a retry), or a failed step
  // has a retry scheduled.
  bool open = false;
  for (const StepRecord* sp : top) {
    const StepRecord& s = *sp;
    if (CountsAsOpen(s)) open = true;
    int i = g.IndexOf(s.node_id);
    if (!open && items(s.step_id).open > 0) open = true;
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
      MapItemCounts c = items(s.step_id);
      if (c.total > 0) {
        done += static_cast<double>(c.finished) / c.total;
        p.running.push_back(s.step_id + " " + std::to_string(c.finished) + "/" +
                            std::to_string(c.total));
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
  // A template with no work steps (start -> end) is done, at 100%, once its steps are.
  bool ran = !top.empty() && (p.total > 0 || std::all_of(top.begin(), top.end(), [](const StepRecord* s) {
               return s->status == StepStatus::kSucceeded || s->status == StepStatus::kSkipped;
             }));
  if (ran && p.finished == p.total && !open) p.percent = 100;
  if (open) p.percent = std::min(p.percent, kOpenPercentCap);
  return p;
}

}  // namespace atelier
