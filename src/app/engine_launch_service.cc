#include "atelier/app/engine_launch_service.h"

#include <chrono>
#include <utility>
#include <vector>

#include "atelier/app/notifications.h"
#include "atelier/core/graph.h"
#include "atelier/core/template.h"
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

// An Idempotency-Key: 1 to 200 characters, no line breaks.
Status CheckKey(const std::optional<std::string>& key) {
  if (key && (key->empty() || key->size() > 200 || key->find_first_of("\r\n") != std::string::npos))
    return InvalidArgument("Idempotency-Key must be 1 to 200 characters");
  return Status::Ok();
}

}  // namespace

Json ForkRequest::ToJson() const {
  Json j = {{"fork_of", execution_id}};
  if (step) j["step"] = *step;
  if (inputs) j["inputs"] = *inputs;
  if (version) j["version"] = *version;
  if (settings) j["settings"] = *settings;
  return j;
}

Json LaunchRequest::ToJson() const {
  Json j = Json::object();
  if (template_id) j["template_id"] = *template_id;
  if (template_name) j["template_name"] = *template_name;
  if (version) j["version"] = *version;
  if (inputs) j["inputs"] = *inputs;
  if (notify) j["notify"] = *notify;
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
  if (Status bad = CheckKey(key); !bad.ok()) return ServiceFail({bad, "Idempotency-Key"});
  auto tmpl = FindLaunchTemplate(*app_, ws, request);
  if (!tmpl) return ServiceFail(tmpl.error());
  const Json inputs = request.inputs.value_or(Json::object());

  // The inputs are checked here, where every problem can be named, before anything is written.
  auto graph = app_->engine().GraphFor(ws, tmpl->id, tmpl->version);
  if (!graph) return ServiceFail(graph.error());
  if (auto resolved = ResolveLaunchInputs((*graph)->tmpl(), request); !resolved)
    return ServiceFail(resolved.error());
  Json notify;
  if (request.notify) {
    auto checked = CheckLaunchNotify(*request.notify, app_->http_allow());
    if (!checked) return ServiceFail(checked.error());
    notify = std::move(*checked);
  }

  // What was asked (the fields given, keys sorted), so that a retried launch is recognised even
  // after the template got a new version, and a key reused for another request is refused.
  const std::string request_hash = key ? Sha256Hex(request.ToJson().dump()) : "";
  return CreateOnce(ws, key, request_hash, [&](std::vector<Op> with) {
    return app_->engine().Launch(ws, *tmpl, inputs, std::move(with), notify);
  });
}

ServiceResult<LaunchOutcome> EngineLaunchService::CreateOnce(const std::string& ws,
                                                             const std::optional<std::string>& key,
                                                             const std::string& request_hash,
                                                             const Create& create) {
  if (!key || key->empty()) {
    auto ex = create({});
    if (!ex) return ServiceFail(ex.error());
    return Created(ws, std::move(*ex));
  }
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
  auto ex = create({IdempotencyPut{bind}});
  if (!ex && ex.error().code() == Code::kAlreadyExists) {
    auto winner = app_->accounts().FindIdempotencyKey(ws, *key);
    if (!winner) return ServiceFail(winner.error());
    if (*winner) return Replay(ws, **winner, request_hash);
  }
  if (!ex) return ServiceFail(ex.error());
  return Created(ws, std::move(*ex));
}

ServiceResult<LaunchOutcome> EngineLaunchService::Fork(const std::string& ws,
                                                       const ForkRequest& request) {
  const auto& key = request.idempotency_key;
  if (Status bad = CheckKey(key); !bad.ok()) return ServiceFail({bad, "Idempotency-Key"});
  if (!request.step || request.step->empty())
    return ServiceFail({InvalidArgument("missing required field 'step' (the step to run again)"),
                        "step"});
  if (request.inputs && !request.inputs->is_object())
    return ServiceFail({InvalidArgument("field 'inputs' must be an object"), "inputs"});
  if (request.version && *request.version < 1)
    return ServiceFail({InvalidArgument("field 'version' must be 1 or more"), "version"});
  auto source = app_->store().GetExecution(ws, request.execution_id);
  if (!source) return ServiceFail(source.error());

  // The inputs the fork gets, checked here where every problem can be named (settings change
  // nodes, never the inputs a version declares).
  auto graph = app_->engine().GraphFor(
      ws, source->template_id,
      request.version ? static_cast<int>(*request.version) : source->template_version);
  if (!graph) return ServiceFail(graph.error());
  const Json changes = request.inputs.value_or(Json::object());
  LaunchRequest as_launch;
  as_launch.inputs = ForkInputs((*graph)->tmpl(), source->inputs, changes);
  if (auto resolved = ResolveLaunchInputs((*graph)->tmpl(), as_launch); !resolved)
    return ServiceFail(resolved.error());
  auto version = ForkVersion(ws, *source, request);
  if (!version) return ServiceFail(version.error());

  const std::string request_hash = key ? Sha256Hex(request.ToJson().dump()) : "";
  const Engine::ForkRequest fork{*request.step, changes, *version, false};
  return CreateOnce(ws, key, request_hash, [&](std::vector<Op> with) {
    return app_->engine().Fork(ws, source->id, fork, std::move(with));
  });
}

ServiceResult<int> EngineLaunchService::ForkVersion(const std::string& ws,
                                                    const ExecutionRecord& source,
                                                    const ForkRequest& request) {
  const int version = request.version ? static_cast<int>(*request.version) : source.template_version;
  if (!request.settings) return version;
  const Json& settings = *request.settings;
  if (!settings.is_object() || settings.empty())
    return ServiceFail({InvalidArgument("field 'settings' must be an object of node ids, each "
                                        "an object of the settings to change"),
                        "settings"});
  auto base = app_->store().GetTemplate(ws, source.template_id, version);
  if (!base) return ServiceFail(base.error());
  if (base->builtin)
    return ServiceFail({FailedPrecondition("'" + base->name +
                                           "' is a built-in template, whose settings cannot "
                                           "change; clone it and run the copy"),
                        "settings"});
  auto graph = app_->engine().GraphFor(ws, base->id, base->version);
  if (!graph) return ServiceFail(graph.error());
  // Only the step and what follows it may change: the fork keeps the rest as the source made it.
  const Graph& g = **graph;
  const int from = g.IndexOf(*request.step);
  std::vector<char> after = from >= 0 ? g.Downstream({from}) : std::vector<char>(g.size(), 0);
  if (from >= 0) after[from] = 1;
  Json definition = base->definition;
  for (const auto& [node_id, changes] : settings.items()) {
    if (!changes.is_object())
      return ServiceFail({InvalidArgument("settings of node '" + node_id + "' must be an object"),
                          "settings"});
    Json* node = nullptr;
    if (definition.contains("nodes") && definition["nodes"].is_array())
      for (auto& n : definition["nodes"])
        if (n.is_object() && n.value("id", "") == node_id) node = &n;
    if (!node)
      return ServiceFail({NotFound("version " + std::to_string(version) + " of template '" +
                                   base->name + "' has no node '" + node_id + "'"),
                          "settings"});
    if (const int i = g.IndexOf(node_id); i >= 0 && !after[i])
      return ServiceFail({FailedPrecondition("the settings of step '" + node_id +
                                             "' cannot change in a fork from '" + *request.step +
                                             "', which keeps it as it was; fork from '" +
                                             node_id + "' instead"),
                          "settings"});
    if (!node->contains("data") || !(*node)["data"].is_object()) (*node)["data"] = Json::object();
    for (const auto& [k, v] : changes.items()) {
      if (v.is_null())
        (*node)["data"].erase(k);
      else
        (*node)["data"][k] = v;
    }
  }
  std::vector<ValidationError> errors;
  auto parsed = ParseTemplate(definition, &errors);
  if (!parsed) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e.ToString();
    return ServiceFail({InvalidArgument("the changed settings make an invalid template: " +
                                        (msg.empty() ? parsed.error().message() : msg)),
                        "settings"});
  }
  // Everything else the fork checks, against the version the settings change, before that
  // change is stored: a refused fork leaves no new version behind.
  auto trial = app_->engine().Fork(
      ws, source.id, {*request.step, request.inputs.value_or(Json::object()), version, true});
  if (!trial) return ServiceFail(trial.error());
  // A template keeps its name for life (an edit cannot rename it), so this is a new version of
  // the source's template, or the existing one with the same content.
  auto rec = app_->engine().RegisterTemplate(ws, *parsed);
  if (!rec) return ServiceFail(rec.error());
  return rec->version;
}

}  // namespace atelier
