// Map steps: items, their scheduling and their collection.
#include "composite_step.h"

namespace atelier {

void Engine::Impl::StartMap(ExecState& ex, int node, StepRecord row, StepStatus expected,
                            int expected_attempt, int64_t now, Pending p,
                            std::vector<Pending>& batch) {
  const Json& data = ex.graph->node(node).data;
  const std::string& exec_id = ex.rec.id;
  row.attempt += 1;
  row.started_at = now;
  auto existing = ex.children.find(row.step_id);
  bool same_version = false;
  if (existing != ex.children.end())
    for (size_t k : existing->second)
      if (k != SIZE_MAX && IsCurrentItem(ex.steps[k], row)) same_version = true;
  if (same_version) {
    // Re-run after a retry: keep the items (and every item that already succeeded).
    row.status = StepStatus::kRunning;
    p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
    p.t.ops.push_back(EventAppend{MakeEvent(exec_id, now, "step_started", row.step_id,
                                            {{"attempt", row.attempt}, {"resumed", true}})});
    batch.push_back(std::move(p));
    return;
  }
  Json scope = ScopeFor(ex, node, nullptr);
  auto items = RenderValue(data.at("items"), scope);
  if (items && !items->is_array())
    items =
        Err(InvalidArgument("map items must be a list, got " + std::string(items->type_name())));
  if (!items) {
    FailRow(ex, row, InvalidArgument("items: " + items.error().message()), data, false, now, p);
    p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
    batch.push_back(std::move(p));
    return;
  }
  if (items->empty()) {
    row.output = {{"results", Json::array()},
                  {"errors", Json::array()},
                  {"count", 0},
                  {"succeeded", 0},
                  {"failed", 0}};
    NodeResult r;
    r.output = row.output;
    SucceedRow(ex, row, std::move(r), now, p);
    p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
    batch.push_back(std::move(p));
    return;
  }
  // The map's settings are rendered once and kept with its items, so they survive restarts.
  auto concurrency =
      RenderValue(data.contains("concurrency") ? data["concurrency"] : Json(4), scope);
  auto on_error =
      RenderValue(data.contains("on_item_error") ? data["on_item_error"] : Json("fail"), scope);
  Status bad;
  int64_t limit = 0;
  if (concurrency && concurrency->is_string()) {
    try {
      concurrency = Json(std::stoll(concurrency->get<std::string>()));
    } catch (...) {
    }
  }
  if (!concurrency || !concurrency->is_number_integer() ||
      (limit = concurrency->get<int64_t>()) < 1 || limit > 1024)
    bad = InvalidArgument("concurrency: must be an integer 1..1024");
  else if (!on_error || !on_error->is_string() || (*on_error != "fail" && *on_error != "continue"))
    bad = InvalidArgument("on_item_error: must be \"fail\" or \"continue\"");
  if (!bad.ok()) {
    FailRow(ex, row, bad, data, false, now, p);
    p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
    batch.push_back(std::move(p));
    return;
  }
  row.status = StepStatus::kRunning;
  row.output = {{"items", *items}, {"concurrency", limit}, {"on_item_error", *on_error}};
  p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
  for (size_t k = 0; k < items->size(); ++k) {
    StepRecord child;
    child.execution_id = exec_id;
    child.step_id = row.step_id + "[" + std::to_string(k) + "]";
    child.node_id = row.node_id;
    child.parent_step_id = row.step_id;
    child.item_index = static_cast<int>(k);
    child.status = StepStatus::kReady;
    child.version = row.version;
    child.created_at = child.updated_at = now;
    // A new version of the map starts its items afresh (their earlier rows are replaced).
    const bool had = existing != ex.children.end() && k < existing->second.size() &&
                     existing->second[k] != SIZE_MAX;
    StepWrite w{std::move(child), std::nullopt, std::nullopt, !had};
    w.replace = had;
    p.t.ops.push_back(std::move(w));
  }
  p.t.ops.push_back(EventAppend{MakeEvent(exec_id, now, "step_started", row.step_id,
                                          {{"attempt", row.attempt}, {"items", items->size()}})});
  batch.push_back(std::move(p));
}

void Engine::Impl::ScheduleMap(ExecState& ex, int node, const StepRecord& map, Slots& slots,
                               int64_t now, std::vector<Pending>& batch) {
  const Json& data = ex.graph->node(node).data;
  const Json& inner = data.at("node");
  const std::string inner_type = inner.value("type", "");
  const Json& inner_data = inner.contains("data") ? inner["data"] : empty_object_;
  const NodeTypeSpec* inner_spec = FindNodeType(inner_type);
  bool paid = inner_spec && inner_spec->paid;
  NodeExecutor* executor = nodes_->Find(inner_type);
  const Json& settings = map.output.is_object() ? map.output : empty_object_;
  int map_limit = 4;
  if (auto c = settings.find("concurrency"); c != settings.end() && c->is_number_integer())
    map_limit = c->get<int>();
  bool fail_fast = true;
  if (auto o = settings.find("on_item_error"); o != settings.end() && o->is_string())
    fail_fast = *o != "continue";
  auto cit = ex.children.find(map.step_id);
  if (cit == ex.children.end()) return;
  const size_t n = cit->second.size();
  // This version's item at a position, or SIZE_MAX.
  auto kid = [&](size_t pos) {
    size_t k = cit->second[pos];
    return k != SIZE_MAX && IsCurrentItem(ex.steps[k], map) ? k : SIZE_MAX;
  };
  size_t& cursor = ex.map_cursor[map.step_id];
  bool failed = false;
  while (cursor < n) {
    size_t k = kid(cursor);
    if (k != SIZE_MAX) {
      if (!Settled(ex.steps[k])) break;
      if (PermanentlyFailed(ex.steps[k])) ex.map_failed.insert(map.step_id);
    }
    ++cursor;
  }
  failed = ex.map_failed.count(map.step_id) > 0;
  // Items start in order, so the ones that ran lie between the cursor and the first that never
  // started.
  int active = 0;
  for (size_t pos = cursor; pos < n; ++pos) {
    size_t k = kid(pos);
    if (k == SIZE_MAX) continue;
    const StepRecord& c = ex.steps[k];
    if (c.status == StepStatus::kPending) break;
    if (auto fi = ex.inflight.find(c.step_id); fi != ex.inflight.end() && !fi->second.completing)
      ++active;
    if (PermanentlyFailed(c)) failed = true;
  }
  const bool all_settled = cursor >= n;
  auto finish = [&] {
    std::vector<size_t> kids;
    for (size_t pos = 0; pos < n; ++pos)
      if (size_t k = kid(pos); k != SIZE_MAX) kids.push_back(k);
    FinishMap(ex, map, kids, fail_fast, now, batch);
  };
  if (all_settled && active == 0) return finish();
  if (failed && fail_fast) {
    if (active == 0) finish();
    return;
  }
  for (size_t pos = cursor; pos < n; ++pos) {
    const size_t k = kid(pos);
    if (k == SIZE_MAX) continue;
    if (slots.full()) ex.blocked.push_back(node);
    if (active >= map_limit || slots.full()) break;
    StepRecord c = ex.steps[k];
    if (ex.inflight.count(c.step_id)) continue;
    const StepStatus expected = c.status;
    const StepPlan plan = PlanItem(c, now);
    if (plan.action == StepAction::kWaitUntil) {
      AddTimer(ex.rec.id, plan.at);
      ex.retry_wait.push_back(node);
      continue;
    }
    if (plan.action != StepAction::kStart) continue;
    c.status = StepStatus::kReady;
    c.due_at = 0;
    Pending p{ex.rec.id, {}, {}, std::nullopt};
    p.t.ops.push_back(ExecGuard{ex.rec.id, {ExecStatus::kRunning}});
    const int before = slots.running;
    const StepRecord* item_of = &ex.steps[k];
    RunStep(ex, node, inner_type, inner_data, paid, executor, std::move(c), expected,
            ex.steps[k].attempt, slots, now, std::move(p), batch, item_of);
    if (slots.running > before) ++active;
  }
}

void Engine::Impl::FinishMap(ExecState& ex, const StepRecord& map, const std::vector<size_t>& kids,
                             bool fail_fast, int64_t now, std::vector<Pending>& batch) {
  Json results = Json::array(), errors = Json::array();
  int ok = 0, bad = 0;
  std::string first_error;
  Status first_status;
  for (size_t k : kids) {
    if (k == SIZE_MAX) {
      results.push_back(nullptr);
      continue;
    }
    const StepRecord& c = ex.steps[k];
    if (c.status == StepStatus::kSucceeded) {
      results.push_back(c.output);
      ++ok;
    } else {
      results.push_back(nullptr);
      if (c.status == StepStatus::kFailed || c.status == StepStatus::kCancelled) {
        ++bad;
        Status st = c.status == StepStatus::kCancelled ? Cancelled("cancelled")
                                                       : StatusFromErrorJson(c.error);
        errors.push_back(
            {{"index", c.item_index}, {"code", CodeName(st.code())}, {"message", st.message()}});
        if (first_error.empty()) {
          first_error = "item " + std::to_string(c.item_index) + " failed: " + st.message();
          first_status = st;
        }
      }
    }
  }
  StepRecord row = map;
  Pending p{ex.rec.id, {}, {}, std::nullopt};
  if (fail_fast && bad > 0) {
    row.status = StepStatus::kFailed;
    row.due_at = 0;
    row.error = {{"code", CodeName(first_status.code())}, {"message", first_error}};
    row.finished_at = row.updated_at = now;
    p.t.ops.push_back(EventAppend{
        MakeEvent(ex.rec.id, now, "step_failed", row.step_id,
                  {{"attempt", row.attempt}, {"error", row.error}, {"will_retry", false}})});
  } else {
    NodeResult r;
    r.output = {{"results", std::move(results)},
                {"errors", std::move(errors)},
                {"count", kids.size()},
                {"succeeded", ok},
                {"failed", bad}};
    // Kept so that a retry of a collected failed item can re-open the map as it ran.
    for (const char* k : {"items", "concurrency", "on_item_error"})
      if (auto c = map.output.find(k); map.output.is_object() && c != map.output.end())
        r.output[k] = *c;
    SucceedRow(ex, row, std::move(r), now, p);
  }
  p.t.ops.insert(p.t.ops.begin(), StepWrite{row, StepStatus::kRunning, map.attempt, false});
  batch.push_back(std::move(p));
}

const Engine::Impl::MapStep& Engine::Impl::MapStep::Get() {
  static const MapStep kStep;
  return kStep;
}

void Engine::Impl::MapStep::Start(Impl& e, ExecState& ex, int node, StepRecord row,
                                  StepStatus expected, int expected_attempt, int64_t now, Pending p,
                                  std::vector<Pending>& batch) const {
  e.StartMap(ex, node, std::move(row), expected, expected_attempt, now, std::move(p), batch);
}

void Engine::Impl::MapStep::Follow(Impl& e, ExecState& ex, int node, const StepRecord& cur,
                                   Slots& slots, int64_t now, std::vector<Pending>& batch) const {
  e.ScheduleMap(ex, node, cur, slots, now, batch);
}

}  // namespace atelier
