#include "atelier/app/engine_launch_service.h"

#include <chrono>
#include <utility>
#include <vector>

#include "atelier/core/validation.h"
#include "atelier/blob/sha256.h"

namespace atelier {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every problem with the inputs at once, each naming its input; the message is the engine's.
ServiceError InputErrors(std::vector<ValidationError> errors, const Status& fallback) {
  std::string msg;
  for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e.ToString();
  ServiceError e(InvalidArgument(msg.empty() ? fallback.message() : msg), "inputs");
  e.input_errors = std::move(errors);
  return e;
}

}  // namespace

Json LaunchRequest::ToJson() const {
  Json j = Json::object();
  if (template_id) j["template_id"] = *template_id;
  if (template_name) j["template_name"] = *template_name;
  if (version) j["version"] = *version;
  if (inputs) j["inputs"] = *inputs;
  return j;
}

ServiceResult<TemplateRecord> FindLaunchTemplate(App& app, const std::string& ws,
                                                 const LaunchRequest& r) {
  const int version = r.version ? static_cast<int>(*r.version) : 0;
  if (version < 0)
    return ServiceFail({InvalidArgument("field 'version' must be 1 or more"), "version"});
  Result<TemplateRecord> tmpl;
  if (r.template_id) {
    if (r.template_id->empty())
      return ServiceFail({InvalidArgument("field 'template_id' must not be empty"), "template_id"});
    tmpl = app.store().GetTemplate(ws, *r.template_id, version);
  } else if (r.template_name) {
    tmpl = app.store().FindTemplate(ws, *r.template_name);
    if (tmpl && version > 0) tmpl = app.store().GetTemplate(ws, tmpl->id, version);
  } else {
    return ServiceFail(
        {InvalidArgument("missing required field 'template_id' (or 'template_name')"),
         "template_id"});
  }
  if (!tmpl) return ServiceFail(tmpl.error());
  return std::move(*tmpl);
}

ServiceResult<Json> ResolveLaunchInputs(const Template& tmpl, const LaunchRequest& request) {
  std::vector<ValidationError> errors;
  auto resolved = ResolveInputs(tmpl, request.inputs.value_or(Json::object()), &errors);
  if (!resolved) return ServiceFail(InputErrors(std::move(errors), resolved.error()));
  return std::move(*resolved);
}

ServiceResult<LaunchOutcome> EngineLaunchService::Replay(const std::string& ws,
                                                         const IdempotencyRecord& bound,
                                                         const std::string& request_hash) {
  LaunchOutcome out;
  if (bound.request_hash != request_hash) {
    out.kind = LaunchOutcome::Kind::kKeyReused;
    out.other_execution_id = bound.execution_id;
    return out;
  }
  auto rec = app_->store().GetExecution(ws, bound.execution_id);
  if (!rec) return ServiceFail(rec.error());
  out.kind = LaunchOutcome::Kind::kReplayed;
  out.execution = std::move(*rec);
  return out;
}

LaunchOutcome EngineLaunchService::Created(const std::string& ws, ExecutionRecord rec) {
  if (drive_here_) {
    Status s = app_->engine().Drive(ws, rec.id);
    (void)s;  // FailedPrecondition: another live process drives it, which is fine
  }
  LaunchOutcome out;
  out.execution = std::move(rec);
  return out;
}

ServiceResult<LaunchOutcome> EngineLaunchService::Launch(const std::string& ws,
                                                         const LaunchRequest& request) {
  const auto& key = request.idempotency_key;
  if (key && (key->empty() || key->size() > 200 || key->find_first_of("\r\n") != std::string::npos))
    return ServiceFail(
        {InvalidArgument("Idempotency-Key must be 1 to 200 characters"), "Idempotency-Key"});
  auto tmpl = FindLaunchTemplate(*app_, ws, request);
  if (!tmpl) return ServiceFail(tmpl.error());
  const Json inputs = request.inputs.value_or(Json::object());

  // The inputs are checked here, where every problem can be named, before anything is written.
  auto graph = app_->engine().GraphFor(ws, tmpl->id, tmpl->version);
  if (!graph) return ServiceFail(graph.error());
  if (auto resolved = ResolveLaunchInputs((*graph)->tmpl(), request); !resolved)
    return ServiceFail(resolved.error());

  if (!key || key->empty()) {
    auto ex = app_->engine().Launch(ws, *tmpl, inputs);
    if (!ex) return ServiceFail(ex.error());
    return Created(ws, std::move(*ex));
  }

  // What was asked (the fields given, keys sorted), so that a retried launch is recognised even
  // after the template got a new version, and a key reused for another request is refused.
  const std::string request_hash = Sha256Hex(request.ToJson().dump());
  auto found = app_->accounts().FindIdempotencyKey(ws, *key);
  if (!found) return ServiceFail(found.error());
  if (*found) return Replay(ws, **found, request_hash);

  // The key is bound in the transaction that creates the execution: a crash leaves both or
  // neither, and of two processes racing on one key only one creates anything.
  IdempotencyRecord bind;
  bind.workspace_id = ws;
  bind.key = *key;
  bind.request_hash = request_hash;
  bind.created_at = NowMs();
  auto ex = app_->engine().Launch(ws, *tmpl, inputs, {IdempotencyPut{bind}});
  if (!ex && ex.error().code() == Code::kAlreadyExists) {
    auto winner = app_->accounts().FindIdempotencyKey(ws, *key);
    if (!winner) return ServiceFail(winner.error());
    if (*winner) return Replay(ws, **winner, request_hash);
  }
  if (!ex) return ServiceFail(ex.error());
  return Created(ws, std::move(*ex));
}

}  // namespace atelier
