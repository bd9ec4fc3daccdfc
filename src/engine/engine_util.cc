#include "engine_util.h"

#include "atelier/core/json_limits.h"

namespace atelier {

Json ErrorJson(const Status& s) {
  return Json{{"code", CodeName(s.code())}, {"message", s.message()}};
}

Status StatusFromErrorJson(const Json& j) {
  if (!j.is_object()) return Internal("unknown error");
  Code code = CodeFromName(j.value("code", "internal")).value_or(Code::kInternal);
  return Status(code, j.value("message", ""));
}

Result<NodeResult> BoundedDepth(Result<NodeResult> r) {
  if (!r) return r;
  const auto too_deep = [](const Json& v) { return JsonDeeperThan(v, kMaxStepOutputDepth); };
  const char* what = too_deep(r->output) ? "output" : too_deep(r->session) ? "session" : nullptr;
  for (const ArtifactDraft& a : r->artifacts)
    if (what == nullptr && too_deep(a.meta)) what = "artifact metadata";
  if (what == nullptr) return r;
  return Err(InvalidArgument(std::string("the step's ") + what + " is nested deeper than " +
                             std::to_string(kMaxStepOutputDepth) + " levels"));
}

Event MakeEvent(const std::string& exec_id, int64_t ts, std::string type, std::string step_id,
                Json payload) {
  Event e;
  e.execution_id = exec_id;
  e.ts = ts;
  e.type = std::move(type);
  e.step_id = std::move(step_id);
  e.payload = std::move(payload);
  return e;
}

std::string ChildId(const std::string& parent, const std::string& step, int version) {
  return parent + "." + step + ".v" + std::to_string(version);
}

}  // namespace atelier
