#include "atelier/app/describe.h"

#include <algorithm>
#include <map>

#include "atelier/api/records_json.h"

namespace atelier {

namespace {

// What a person calls the step: its node's `label`, else its id; a map item is "LABEL #N" (1-based)
// unless its own node has a label.
std::string StepLabel(const Graph& g, int i, const StepRecord& s) {
  auto label_of = [](const Json& data, const std::string& fallback) {
    if (data.is_object())
      if (auto l = data.find("label"); l != data.end() && l->is_string() && !l->empty())
        return l->get<std::string>();
    return fallback;
  };
  if (i < 0) return s.step_id;
  const Json& data = g.node(i).data;
  std::string own = label_of(data, g.node(i).id);
  if (s.parent_step_id.empty()) return own;
  if (data.is_object() && data.contains("node") && data["node"].is_object()) {
    const Json& inner = data["node"];
    std::string item = label_of(inner.contains("data") ? inner["data"] : Json(), "");
    if (!item.empty()) return item + " #" + std::to_string(s.item_index + 1);
  }
  return own + " #" + std::to_string(s.item_index + 1);
}

}  // namespace

Result<Json> DescribeExecution(App& app, const std::string& ws, const std::string& id) {
  auto rec = app.store().GetExecution(ws, id);
  if (!rec) return Err(rec.error());
  auto steps = app.store().GetSteps(ws, id);
  if (!steps) return Err(steps.error());
  auto artifacts = app.store().ListArtifacts(ws, id);
  if (!artifacts) return Err(artifacts.error());
  auto graph = app.engine().GraphFor(ws, rec->template_id, rec->template_version);
  if (!graph) return Err(graph.error());
  const Graph& g = **graph;

  // Graph order, each map's items right after it.
  std::map<std::string, std::vector<const StepRecord*>> items;
  std::map<std::string, const StepRecord*> top;
  for (const auto& s : *steps) {
    if (s.parent_step_id.empty()) {
      top[s.step_id] = &s;
    } else {
      items[s.parent_step_id].push_back(&s);
    }
  }
  std::map<std::string, Json> step_artifacts;
  for (const auto& a : *artifacts) step_artifacts[a.step_id].push_back(a.id);
  Json step_list = Json::array();
  auto add = [&](const StepRecord& s) {
    Json j = ToJson(s);
    int i = g.IndexOf(s.node_id);
    j["type"] = i >= 0 ? g.node(i).type : "";
    if (!s.parent_step_id.empty() && i >= 0 && g.node(i).data.contains("node"))
      j["type"] = g.node(i).data["node"].value("type", "");  // a map item: its node's type
    if (s.parent_step_id.empty() && i >= 0) j["stage"] = g.stage(i);
    j["label"] = StepLabel(g, i, s);
    j["artifacts"] = step_artifacts.count(s.step_id) ? step_artifacts[s.step_id] : Json::array();
    step_list.push_back(std::move(j));
  };
  for (int i : g.topo_order()) {
    auto it = top.find(g.node(i).id);
    if (it == top.end()) continue;
    add(*it->second);
    auto kids = items.find(it->first);
    if (kids == items.end()) continue;
    std::sort(kids->second.begin(), kids->second.end(),
              [](auto* a, auto* b) { return a->item_index < b->item_index; });
    for (const auto* k : kids->second)
      if (IsCurrentItem(*k, *it->second)) add(*k);  // not the items of an earlier, longer run
  }
  Json arts = Json::array();
  for (const auto& a : *artifacts) arts.push_back(ToJson(a));
  Json milestones;
  if (!g.tmpl().milestones.empty()) {
    auto m = app.engine().Milestones(ws, id);
    if (!m) return Err(m.error());
    milestones = ToJson(*m);
  }
  Json out{
      {"execution", ToJson(*rec)},
      {"template",
       {{"id", rec->template_id}, {"version", rec->template_version}, {"name", g.tmpl().name}}},
      {"progress", ToJson(ComputeProgress(g, *steps))},
      {"totals", UsageTotals(*steps)},
      {"steps", std::move(step_list)},
      {"artifacts", std::move(arts)}};
  if (!milestones.is_null()) out["milestones"] = std::move(milestones);
  return out;
}

Result<Json> ExecutionStatusJson(App& app, const std::string& ws, const std::string& id) {
  auto rec = app.store().GetExecution(ws, id);
  if (!rec) return Err(rec.error());
  auto steps = app.store().GetStepStates(ws, id);
  if (!steps) return Err(steps.error());
  auto graph = app.engine().GraphFor(ws, rec->template_id, rec->template_version);
  if (!graph) return Err(graph.error());
  Progress p = ComputeProgress(**graph, *steps);
  Json out = ToJson(*rec);
  out["template"] = {
      {"id", rec->template_id}, {"version", rec->template_version}, {"name", (*graph)->tmpl().name}};
  out["progress"] = ToJson(p);
  out["stage"] = "stage " + std::to_string(p.stage) + " of " + std::to_string(p.stages);
  out["totals"] = UsageTotals(*steps);
  if (!(*graph)->tmpl().milestones.empty()) {
    auto m = app.engine().Milestones(ws, id);
    if (!m) return Err(m.error());
    out["milestones"] = ToJson(*m);
  }
  return out;
}

}  // namespace atelier
