// What the engine's end-to-end suites share: templates, checks of events and the ledger, and
// the remains of a process that died mid-step. Header-only (inline) for the test files.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/test_env.h"

namespace atelier::testing {

// Largest number of steps whose [started_at, finished_at) intervals overlap.
inline int MaxOverlap(const std::vector<StepRecord>& steps) {
  std::vector<std::pair<int64_t, int>> edges;
  for (const auto& s : steps) {
    if (!s.started_at || !s.finished_at) continue;
    edges.push_back({s.started_at, +1});
    edges.push_back({s.finished_at, -1});
  }
  std::sort(edges.begin(), edges.end());  // ends (-1) sort before starts at the same ms
  int cur = 0, best = 0;
  for (auto& [t, d] : edges) best = std::max(best, cur += d);
  return best;
}

inline void ExpectGapFreeEvents(const std::vector<Event>& events) {
  for (size_t i = 0; i < events.size(); ++i) ASSERT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
}

inline std::map<std::string, int> SucceededCounts(const std::vector<Event>& events) {
  std::map<std::string, int> n;
  for (const auto& e : events)
    if (e.type == "step_succeeded") n[e.step_id]++;
  return n;
}

inline const char* kLinear = R"({
  "name": "Linear", "category": "test",
  "inputs": {"product": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "caption", "type": "generate_text", "data": {"prompt": "Caption for {{inputs.product}}"}},
    {"id": "hero", "type": "generate_image", "data": {"prompt": "{{steps.caption.text}}", "size": "64x64"}},
    {"id": "done", "type": "end", "data": {"output": {"caption": "{{steps.caption.text}}", "image": "{{steps.hero.image}}"}}}
  ],
  "edges": [
    {"id": "e1", "source": "start", "target": "caption"},
    {"id": "e2", "source": "caption", "target": "hero"},
    {"id": "e3", "source": "hero", "target": "done"}
  ]})";

inline std::string MapTemplate(const std::string& items, const std::string& inner, int concurrency,
                        const std::string& on_error) {
  return R"({"name": "Map", "nodes": [{"id": "start", "type": "start"},
    {"id": "each", "type": "map", "data": {"items": )" + items + R"(, "concurrency": )" +
         std::to_string(concurrency) + R"(, "on_item_error": ")" + on_error + R"(", "node": )" +
         inner + R"(}},
    {"id": "done", "type": "end", "data": {"output": {"all": "{{steps.each.results}}"}}}],
    "edges": [{"id": "1", "source": "start", "target": "each"}, {"id": "2", "source": "each", "target": "done"}]})";
}

inline AccountStore& Accounts(Harness& h) { return dynamic_cast<AccountStore&>(h.store()); }

// ---- poison pills: steps whose process dies every time they run ---------------------------------

inline int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Owners named "ghost:..." are processes that are gone; anything else is alive.
inline EngineOptions GhostsAreDead(EngineOptions o = {}) {
  o.owner_is_dead = [](const std::string& owner) { return owner.rfind("ghost:", 0) == 0; };
  return o;
}

// What a process `owner` that died while running `step` leaves behind: the execution running and
// owned by it, the step running (attempt 1) under its lease, `crashes` counted before. The leases
// are good for an hour unless `lease_until` says otherwise, so only a dead owner frees them.
inline void LeaveRunning(Harness& h, const ExecutionRecord& ex, const std::string& step, int crashes,
                  const std::string& owner = "ghost:1:dead", int64_t lease_until = 0) {
  if (lease_until == 0) lease_until = WallMs() + 3'600'000;
  Transition t;
  ExecutionRecord row = ex;
  row.status = ExecStatus::kRunning;
  row.owner = owner;
  row.owner_expires_at = lease_until;
  t.ops.push_back(ExecWrite{row, {ExecStatus::kQueued}, false});
  for (auto s : h.Steps(ex.id)) {
    if (s.step_id != step) continue;
    const StepStatus was = s.status;
    s.status = StepStatus::kRunning;
    s.attempt = 1;
    s.lease_owner = owner;
    s.lease_expires_at = lease_until;
    s.crashes = crashes;
    t.ops.push_back(StepWrite{s, was, std::nullopt, false});
  }
  auto r = h.store().Commit({t});
  ASSERT_TRUE(r && r->applied[0]);
}

}  // namespace atelier::testing
