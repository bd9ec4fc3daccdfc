#include "atelier/app/approvals.h"

#include <set>
#include <unordered_map>

#include "atelier/core/approval_target.h"
#include "atelier/core/node_types.h"
#include "atelier/engine/timestamp.h"

namespace atelier {
namespace {

std::string LabelOf(const Graph& g, int node) {
  const Json& data = g.node(node).data;
  if (data.is_object())
    if (auto l = data.find("label"); l != data.end() && l->is_string() && !l->empty())
      return l->get<std::string>();
  return g.node(node).id;
}

// Every image inside `v` (objects naming an artifact and its mime), each once.
void CollectImages(const Json& v, std::set<std::string>* seen, Json* out) {
  if (v.is_object()) {
    auto id = v.find("artifact_id");
    auto mime = v.find("mime");
    if (id != v.end() && id->is_string() && mime != v.end() && mime->is_string() &&
        mime->get_ref<const std::string&>().rfind("image/", 0) == 0) {
      if (seen->insert(id->get<std::string>()).second) {
        Json img = {{"artifact_id", *id}, {"mime", *mime}, {"name", v.value("name", "")}};
        for (const char* k : {"width", "height"})
          if (auto d = v.find(k); d != v.end() && d->is_number_integer()) img[k] = *d;
        out->push_back(std::move(img));
      }
      return;
    }
    for (const auto& [k, child] : v.items()) CollectImages(child, seen, out);
  } else if (v.is_array()) {
    for (const auto& child : v) CollectImages(child, seen, out);
  }
}

// The rendered message as text (a message that is a single reference may render to any value).
std::string MessageText(const Json& request) {
  auto m = request.find("message");
  if (m == request.end() || m->is_null()) return "";
  return m->is_string() ? m->get<std::string>() : m->dump();
}

// Cursor "STARTED_AT.STEP.EXECUTION" (step ids have no dots; sub-execution ids do).
bool ParseCursor(const std::string& c, WaitingStepFilter* f) {
  auto a = c.find('.');
  if (a == std::string::npos || a == 0 || a > 17) return false;
  auto b = c.find('.', a + 1);
  if (b == std::string::npos || b == a + 1 || b + 1 >= c.size()) return false;
  int64_t ts = 0;
  for (size_t i = 0; i < a; ++i) {
    if (c[i] < '0' || c[i] > '9') return false;
    ts = ts * 10 + (c[i] - '0');
  }
  f->before_started_at = ts;
  f->before_step_id = c.substr(a + 1, b - a - 1);
  f->before_execution_id = c.substr(b + 1);
  return true;
}

}  // namespace

Json ApprovalContent(const Graph& g, int approval_node, const std::vector<StepRecord>& steps) {
  const std::string target = ApprovalTarget(g, approval_node);
  if (target.empty()) return nullptr;
  const StepRecord* reviewed = nullptr;
  for (const auto& s : steps)
    if (s.step_id == target) reviewed = &s;
  const int node = g.IndexOf(target);
  if (reviewed == nullptr || node < 0) return nullptr;
  Json images = Json::array();
  std::set<std::string> seen;
  CollectImages(reviewed->output, &seen, &images);
  Json text;
  if (reviewed->output.is_object())
    if (auto t = reviewed->output.find("text"); t != reviewed->output.end() && t->is_string())
      text = *t;
  return {{"step", target}, {"label", LabelOf(g, node)}, {"version", reviewed->version},
          {"text", text},   {"json", reviewed->output},  {"images", images}};
}

Result<ApprovalsPage> ListApprovals(App& app, const std::string& ws, const std::string& cursor,
                                    int limit) {
  WaitingStepFilter f;
  if (!cursor.empty() && !ParseCursor(cursor, &f))
    return Err(InvalidArgument("malformed cursor '" + cursor + "'"));
  ApprovalsPage page;
  std::unordered_map<std::string, std::vector<StepRecord>> steps_of;  // per execution, read once
  // Waiting steps that are not approvals (a subworkflow step waiting on its sub-execution) are
  // passed over, so a page may need more than one read.
  for (;;) {
    f.limit = limit + 1;
    auto rows = app.accounts().ListWaitingSteps(ws, f);
    if (!rows) return Err(rows.error());
    for (const auto& w : *rows) {
      f.before_started_at = w.step.started_at;
      f.before_execution_id = w.execution.id;
      f.before_step_id = w.step.step_id;
      auto graph = app.engine().GraphFor(ws, w.execution.template_id, w.execution.template_version);
      if (!graph) return Err(graph.error());
      const Graph& g = **graph;
      const int node = g.IndexOf(w.step.node_id);
      if (node < 0 || !w.step.parent_step_id.empty() || g.spec(node).kind != NodeKind::kApproval)
        continue;
      if (static_cast<int>(page.items.size()) == limit) {
        const Json& last = page.items.back();
        page.next_cursor = std::to_string(last["requested_ms"].get<int64_t>()) + "." +
                           last["step"].get<std::string>() + "." +
                           last["execution_id"].get<std::string>();
        break;
      }
      auto cached = steps_of.find(w.execution.id);
      if (cached == steps_of.end()) {
        auto steps = app.store().GetSteps(ws, w.execution.id);
        if (!steps) return Err(steps.error());
        cached = steps_of.emplace(w.execution.id, std::move(*steps)).first;
      }
      Json content = ApprovalContent(g, node, cached->second);
      Json decisions = Json::array({"approve", "reject"});
      if (!ApprovalTarget(g, node).empty()) decisions.push_back("tweak");
      if (content.is_object() && content["text"].is_string()) decisions.push_back("edit");
      const Json request = w.request.is_object() ? w.request : Json::object();
      page.items.push_back({{"execution_id", w.execution.id},
                            {"execution_status", ExecStatusName(w.execution.status)},
                            {"template",
                             {{"id", w.execution.template_id},
                              {"version", w.execution.template_version},
                              {"name", g.tmpl().name}}},
                            {"step", w.step.step_id},
                            {"label", LabelOf(g, node)},
                            {"requested_at", FormatTimestamp(w.step.started_at)},
                            {"requested_ms", w.step.started_at},
                            {"message", MessageText(request)},
                            {"show", request.contains("show") ? request["show"] : Json()},
                            {"content", std::move(content)},
                            {"decisions", std::move(decisions)}});
    }
    if (!page.next_cursor.empty() || static_cast<int>(rows->size()) < f.limit) break;
  }
  for (auto& item : page.items) item.erase("requested_ms");
  return page;
}

}  // namespace atelier
