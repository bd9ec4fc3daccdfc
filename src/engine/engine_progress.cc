// Progress carried by events.
#include "engine_impl.h"

namespace atelier {

// ---- progress in events ----------------------------------------------------------------------
int64_t Engine::Impl::SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Engine::Impl::CountItems(ExecState& ex) {
  ex.item_counts.clear();
  for (const auto& s : ex.steps) {
    if (s.parent_step_id.empty()) continue;
    auto m = ex.index.find(s.parent_step_id);
    if (m != ex.index.end() && !IsCurrentItem(s, ex.steps[m->second])) continue;
    MapItemCounts& c = ex.item_counts[s.parent_step_id];
    c.total++;
    c.finished += CountsAsFinished(s);
    c.open += CountsAsOpen(s);
  }
  ex.item_counts_valid = true;
}

// The execution's progress once `written` (this round's step rows for it so far, in order) are
// in place. O(top-level steps) for the usual transition; a launch, a map's new run or new rows
// are counted from a merged copy.
Progress Engine::Impl::ProgressWith(ExecState& ex, const std::vector<const StepRecord*>& written) {
  std::unordered_map<std::string, const StepRecord*> last;
  bool merge = false;
  for (const StepRecord* r : written) {
    last[r->step_id] = r;
    auto it = ex.index.find(r->step_id);
    if (it == ex.index.end() ||
        (r->parent_step_id.empty() && ex.steps[it->second].version != r->version &&
         ex.children.count(r->step_id)))
      merge = true;
  }
  if (merge) {
    std::vector<StepRecord> all = ex.steps;
    for (const auto& [id, r] : last) {
      auto it = ex.index.find(id);
      if (it == ex.index.end()) {
        all.push_back(*r);
      } else {
        all[it->second] = *r;
      }
    }
    return ComputeProgress(*ex.graph, all);
  }
  if (!ex.item_counts_valid) CountItems(ex);
  std::vector<const StepRecord*> top;
  top.reserve(ex.top.size());
  for (size_t i : ex.top) {
    auto w = last.find(ex.steps[i].step_id);
    top.push_back(w == last.end() ? &ex.steps[i] : w->second);
  }
  std::unordered_map<std::string, MapItemCounts> delta;
  for (const auto& [id, r] : last) {
    if (r->parent_step_id.empty()) continue;
    const StepRecord& before = ex.steps[ex.index.at(id)];
    MapItemCounts& d = delta[r->parent_step_id];
    d.finished += CountsAsFinished(*r) - CountsAsFinished(before);
    d.open += CountsAsOpen(*r) - CountsAsOpen(before);
  }
  return ComputeProgress(*ex.graph, top, [&](const std::string& map) {
    MapItemCounts c;
    if (auto it = ex.item_counts.find(map); it != ex.item_counts.end()) c = it->second;
    if (auto d = delta.find(map); d != delta.end()) {
      c.finished += d->second.finished;
      c.open += d->second.open;
    }
    return c;
  });
}

// The last event of each transition that changes an execution's progress carries it:
// {"percent", "stage", "stages", "finished", "total"}, as GET .../executions/{id} computes them,
// so that a client follows progress from the stream alone.
void Engine::Impl::AttachProgress(std::vector<Pending>& batch) {
  std::unordered_map<std::string, std::vector<const StepRecord*>> written;
  for (auto& p : batch) {
    auto it = execs_.find(p.exec_id);
    if (it == execs_.end() || !it->second.graph) continue;
    ExecState& ex = it->second;
    std::vector<const StepRecord*>& w = written[p.exec_id];
    EventAppend* last_event = nullptr;
    bool steps_changed = false, status_changed = false;
    for (auto& op : p.t.ops) {
      if (auto* sw = std::get_if<StepWrite>(&op)) {
        w.push_back(&sw->row);
        steps_changed = true;
      } else if (auto* ea = std::get_if<EventAppend>(&op)) {
        last_event = ea;
      } else if (std::holds_alternative<ExecWrite>(op)) {
        status_changed = true;
      }
    }
    if (!last_event || !steps_changed) continue;
    const int64_t now = SteadyMs();
    if (ex.steps.empty()) {  // a launch: 0%, stage 1, which a client knows without being told
      ex.progress_at = now;
      continue;
    }
    if (!status_changed && ex.progress_at != 0 && now - ex.progress_at < opts_.progress_interval_ms)
      continue;  // coalesced: a later event carries it
    Progress pr = ProgressWith(ex, w);
    const ExecState::ShownProgress figures{pr.percent, pr.stage, pr.stages, pr.finished, pr.total};
    if (figures == ex.shown_progress) continue;
    // Built key by key: nlohmann's initializer-list constructor copies and inspects every
    // element, which made this the costliest line of a one-step execution's commit (callgrind).
    Json& shown = last_event->event.payload["progress"];
    shown = Json::object();
    shown["percent"] = pr.percent;
    shown["stage"] = pr.stage;
    shown["stages"] = pr.stages;
    shown["finished"] = pr.finished;
    shown["total"] = pr.total;
    ex.shown_progress = figures;
    ex.progress_at = now;
  }
}

}  // namespace atelier
