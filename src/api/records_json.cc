#include "atelier/api/records_json.h"

namespace atelier {
namespace {
Json Ts(int64_t ms) { return ms ? Json(FormatTimestamp(ms)) : Json(); }
}  // namespace

Json ToJson(const ExecutionRecord& e) {
  Json j = {{"id", e.id},
          {"workspace_id", e.workspace_id},
          {"template_id", e.template_id},
          {"template_version", e.template_version},
          {"status", ExecStatusName(e.status)},
          {"reason", e.reason},
          {"inputs", e.inputs},
          {"error", e.error},
          {"created_at", Ts(e.created_at)},
          {"started_at", Ts(e.started_at)},
          {"finished_at", Ts(e.finished_at)},
          {"updated_at", Ts(e.updated_at)}};
  if (!e.parent_execution_id.empty())
    j["parent"] = {{"execution_id", e.parent_execution_id}, {"step", e.parent_step_id}};
  if (!e.forked_from_execution_id.empty())
    j["forked_from"] = {{"execution_id", e.forked_from_execution_id},
                        {"step", e.forked_from_step_id}};
  return j;
}

Json ToJson(const StepRecord& s) {
  Json j = {{"id", s.step_id},
            {"node_id", s.node_id},
            {"status", StepStatusName(s.status)},
            {"attempts", s.attempt},
            {"version", s.version},
            {"output", s.output},
            {"error", s.error},
            {"usage", s.usage},
            {"started_at", Ts(s.started_at)},
            {"finished_at", Ts(s.finished_at)},
            {"duration_ms", s.finished_at && s.started_at ? Json(s.finished_at - s.started_at)
                                                          : Json()}};
  if (!s.parent_step_id.empty()) {
    j["parent"] = s.parent_step_id;
    j["item_index"] = s.item_index;
  }
  if (s.due_at) j["retry_at"] = Ts(s.due_at);
  if (s.crashes) j["crashes"] = s.crashes;
  return j;
}

Json ToJson(const Event& e) {
  Json j = {{"seq", e.seq}, {"ts", Ts(e.ts)}, {"type", e.type}, {"payload", e.payload}};
  j["step"] = e.step_id.empty() ? Json() : Json(e.step_id);
  return j;
}

Json ToJson(const ArtifactRecord& a) {
  return {{"id", a.id},       {"execution_id", a.execution_id},
          {"step", a.step_id}, {"step_version", a.step_version},
          {"kind", a.kind},   {"mime", a.mime},
          {"sha256", a.sha256}, {"size", a.size},
          {"name", a.name},   {"meta", a.meta},
          {"created_at", Ts(a.created_at)}};
}

Json ToJson(const StepVersion& v) {
  return {{"step", v.step_id},     {"version", v.version}, {"output", v.output},
          {"session", v.session},  {"meta", v.meta},       {"created_at", Ts(v.created_at)}};
}

Json ToJson(const Progress& p) {
  return {{"percent", p.percent}, {"finished", p.finished}, {"total", p.total},
          {"stage", p.stage},     {"stages", p.stages},     {"running", p.running},
          {"waiting", p.waiting}};
}

Json ToJson(const MilestonesView& v) {
  Json list = Json::array();
  for (const auto& m : v.list) {
    list.push_back({{"id", m.id},
                    {"label", m.label},
                    {"manual", m.manual},
                    {"reached", m.reached},
                    {"skipped", m.skipped},
                    {"reached_at", m.reached ? Json(FormatTimestamp(m.reached_at)) : Json()},
                    {"by", m.by.empty() ? Json() : Json(m.by)},
                    {"note", m.by.empty() && m.note.empty() ? Json() : Json(m.note)}});
  }
  Json current, next;
  if (v.current >= 0) current = {{"id", v.list[v.current].id}, {"label", v.list[v.current].label}};
  if (v.next >= 0) {
    const auto& n = v.list[v.next];
    next = {{"id", n.id}, {"label", n.label}, {"manual", n.manual}, {"action", v.action}};
  }
  return {{"current", std::move(current)},
          {"next", std::move(next)},
          {"can_proceed", v.can_proceed},
          {"list", std::move(list)}};
}

}  // namespace atelier
