// MemoryStore's reads across executions (accounts.h: ExecutionOverview, WaitingStep), answering
// as SqliteStore does.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "memory_state.h"

namespace atelier {
namespace {

// A step's state without its contents, as the SQLite overview reads it.
StepRecord StateOf(const StepRecord& s) {
  StepRecord r = s;
  r.output = nullptr;
  r.error = nullptr;
  r.session = nullptr;
  r.usage = nullptr;
  r.lease_owner.clear();
  r.lease_expires_at = 0;
  return r;
}

}  // namespace

Result<std::vector<ExecutionOverview>> MemoryStore::OverviewExecutions(
    const std::string& ws, const std::vector<std::string>& ids) {
  std::lock_guard lock(s_->mu);
  std::vector<ExecutionOverview> out;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (!s_->ExecutionInWorkspace(ws, id) || !seen.insert(id).second) continue;
    ExecutionOverview o;
    o.execution_id = id;
    auto steps = s_->steps.find(id);
    if (steps != s_->steps.end()) {
      std::map<std::string, MapItemCounts> items;
      for (const auto& [step_id, s] : steps->second) {
        if (s.usage.is_object()) {
          auto cost = s.usage.find("cost");
          if (cost != s.usage.end() && cost->is_number()) o.cost += cost->get<double>();
        }
        if (s.parent_step_id.empty()) {
          o.top.push_back(StateOf(s));
          continue;
        }
        auto map = steps->second.find(s.parent_step_id);
        if (map == steps->second.end() || !IsCurrentItem(s, map->second)) continue;
        MapItemCounts& c = items[s.parent_step_id];
        c.total++;
        if (CountsAsFinished(s)) c.finished++;
        if (CountsAsOpen(s)) c.open++;
      }
      o.items.assign(items.begin(), items.end());
    }
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::vector<WaitingStep>> MemoryStore::ListWaitingSteps(const std::string& ws,
                                                               const WaitingStepFilter& f) {
  std::lock_guard lock(s_->mu);
  using Key = std::tuple<int64_t, std::string, std::string>;
  std::vector<std::pair<Key, WaitingStep>> found;
  const Key cursor{f.before_started_at, f.before_execution_id, f.before_step_id};
  for (const auto& [id, x] : s_->executions) {
    if (x.workspace_id != ws || IsTerminal(x.status)) continue;
    auto steps = s_->steps.find(id);
    if (steps == s_->steps.end()) continue;
    for (const auto& [step_id, s] : steps->second) {
      if (s.status != StepStatus::kWaiting) continue;
      Key k{s.started_at, id, step_id};
      if (!f.before_execution_id.empty() && !(k < cursor)) continue;
      ExecutionRecord rec = x;
      rec.owner.clear();
      rec.owner_expires_at = 0;
      WaitingStep w{std::move(rec), StateOf(s), Json()};
      if (auto log = s_->events_by_execution.find(id); log != s_->events_by_execution.end())
        for (auto e = log->second.rbegin(); e != log->second.rend(); ++e) {
          const Event& ev = s_->events[*e].event;
          if (ev.step_id == step_id && ev.type == "approval_requested") {
            w.request = ev.payload;
            break;
          }
        }
      found.push_back({k, std::move(w)});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  if (f.limit > 0 && found.size() > static_cast<size_t>(f.limit)) found.resize(f.limit);
  std::vector<WaitingStep> out;
  out.reserve(found.size());
  for (auto& [k, w] : found) out.push_back(std::move(w));
  return out;
}

}  // namespace atelier
