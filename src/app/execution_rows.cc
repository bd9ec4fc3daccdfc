#include "atelier/app/execution_rows.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "atelier/api/records_json.h"

namespace atelier {

Result<std::vector<Json>> ExecutionRows(App& app, const std::string& ws,
                                        const std::vector<ExecutionRecord>& page) {
  std::vector<std::string> ids;
  ids.reserve(page.size());
  for (const auto& e : page) ids.push_back(e.id);
  auto overviews = app.accounts().OverviewExecutions(ws, ids);
  if (!overviews) return Err(overviews.error());
  std::unordered_map<std::string, const ExecutionOverview*> by_id;
  for (const auto& o : *overviews) by_id[o.execution_id] = &o;

  std::vector<Json> rows;
  rows.reserve(page.size());
  for (const auto& e : page) {
    Json row = ToJson(e);
    Progress progress;
    double cost = 0;
    std::string name;
    auto graph = app.engine().GraphFor(ws, e.template_id, e.template_version);
    auto it = by_id.find(e.id);
    if (graph) name = (*graph)->tmpl().name;
    if (graph && it != by_id.end()) {
      const ExecutionOverview& o = *it->second;
      std::vector<const StepRecord*> top;
      top.reserve(o.top.size());
      for (const auto& s : o.top) top.push_back(&s);
      // The order GetSteps reads them in, so that `running` lists steps as the detail does.
      std::sort(top.begin(), top.end(), [](const StepRecord* a, const StepRecord* b) {
        return std::tie(a->created_at, a->item_index, a->step_id) <
               std::tie(b->created_at, b->item_index, b->step_id);
      });
      std::unordered_map<std::string, MapItemCounts> items(o.items.begin(), o.items.end());
      progress = ComputeProgress(**graph, top, [&](const std::string& map) {
        auto c = items.find(map);
        return c == items.end() ? MapItemCounts{} : c->second;
      });
    }
    if (it != by_id.end()) cost = it->second->cost;
    row["template_name"] = name;
    row["progress"] = ToJson(progress);
    row["cost"] = cost;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace atelier
