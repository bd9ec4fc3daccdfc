#include "atelier/app/triggers.h"

#include <cstdint>
#include <optional>
#include <set>
#include <utility>

#include "atelier/app/engine_launch_service.h"
#include "atelier/blob/sha256.h"
#include "atelier/core/validation.h"
#include "atelier/engine/timestamp.h"

namespace atelier {
namespace {

constexpr int64_t kDefaultTolerance = 300;
constexpr int64_t kMaxTolerance = 86400;

ServiceError Unauthenticated(const std::string& msg) {
  return ServiceError(Status(Code::kUnauthenticated, msg));
}

// 256 bits from OpenSSL's random source, as hex.
std::string NewSecret() { return "whsec_" + RandomHex(32); }

bool Declares(const Template& t, const std::string& name) {
  for (const auto& in : t.inputs)
    if (in.name == name) return true;
  return false;
}

const std::set<std::string>& Fields() {
  static const std::set<std::string> f = {"name", "template",          "version", "inputs",
                                          "map",  "tolerance_seconds", "paused"};
  return f;
}

// The spec from the request-shaped `merged` (stored specs have the same shape), checked against
// the template: the inputs as a launch checks them (the fixed ones may be partial: the delivery
// gives the rest), each mapped input declared.
ServiceResult<Json> CheckSpec(App& app, const std::string& ws, const Json& merged) {
  const Json& tmpl = merged.value("template", Json());
  if (!tmpl.is_string() || tmpl.get<std::string>().empty())
    return ServiceFail(FieldError(
        "template", tmpl.is_null() ? "is required (a template name)" : "must be a template name"));
  Json spec = {{"template", tmpl},
               {"version", nullptr},
               {"inputs", Json::object()},
               {"map", nullptr},
               {"tolerance_seconds", kDefaultTolerance}};
  if (const Json& v = merged.value("version", Json()); !v.is_null()) {
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
      return ServiceFail(FieldError("version", "must be an integer of 1 or more, or null"));
    spec["version"] = v;
  }
  if (const Json& in = merged.value("inputs", Json()); !in.is_null()) {
    if (!in.is_object()) return ServiceFail(FieldError("inputs", "must be an object"));
    spec["inputs"] = in;
  }
  if (const Json& t = merged.value("tolerance_seconds", Json()); !t.is_null()) {
    if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > kMaxTolerance)
      return ServiceFail(FieldError("tolerance_seconds",
                             "must be an integer from 1 to " + std::to_string(kMaxTolerance)));
    spec["tolerance_seconds"] = t;
  }
  LaunchRequest req;
  req.template_name = tmpl.get<std::string>();
  if (!spec["version"].is_null()) req.version = spec["version"].get<int64_t>();
  auto found = FindLaunchTemplate(app, ws, req);
  if (!found) {
    ServiceError e = found.error();
    if (e.field.empty() || e.field == "template_id") e.field = "template";
    if (e.status.code() == Code::kNotFound)
      e.status = NotFound("template '" + *req.template_name + "' not found");
    return ServiceFail(e);
  }
  auto graph = app.engine().GraphFor(ws, found->id, found->version);
  if (!graph) return ServiceFail(graph.error());
  const Template& t = (*graph)->tmpl();
  for (auto& [name, value] : spec["inputs"].items()) {
    (void)value;
    if (!Declares(t, name))
      return ServiceFail(FieldError("inputs", "the template has no input '" + name + "'"));
  }
  if (const Json& m = merged.value("map", Json()); !m.is_null()) {
    if (!m.is_object() || m.empty())
      return ServiceFail(FieldError("map", "must be an object of input names to JSON pointers"));
    for (auto& [name, pointer] : m.items()) {
      if (!Declares(t, name))
        return ServiceFail(FieldError("map", "the template has no input '" + name + "'"));
      if (!pointer.is_string())
        return ServiceFail(FieldError("map", "the pointer of input '" + name + "' must be a string"));
      try {
        Json::json_pointer p(pointer.get<std::string>());
        (void)p;
      } catch (const std::exception&) {
        return ServiceFail(FieldError("map", "'" + pointer.get<std::string>() + "' (input '" + name +
                                          "') is not a JSON pointer such as /product/title"));
      }
    }
    spec["map"] = m;
  }
  return spec;
}

ServiceResult<bool> CheckBody(const Json& body) {
  if (!body.is_object()) return ServiceFail(InvalidArgument("the body must be a JSON object"));
  for (auto& [key, value] : body.items()) {
    (void)value;
    if (!Fields().count(key))
      return ServiceFail(ServiceError(InvalidArgument("unknown field '" + key + "'"), key));
  }
  if (body.contains("paused") && !body["paused"].is_boolean())
    return ServiceFail(FieldError("paused", "must be true or false"));
  if (body.contains("name")) {
    if (std::string why = CheckRowName(body["name"]); !why.empty())
      return ServiceFail(FieldError("name", why));
  }
  return true;
}

std::optional<int64_t> Seconds(const std::string& text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

TriggerService::TriggerService(App* app, LaunchService* launch, Clock* clock)
    : app_(app), launch_(launch), clock_(clock) {}

ServiceResult<TriggerRecord> TriggerService::Create(const std::string& ws, const Json& body) {
  if (auto ok = CheckBody(body); !ok) return ServiceFail(ok.error());
  if (!body.contains("name")) return ServiceFail(FieldError("name", "is required"));
  auto spec = CheckSpec(*app_, ws, body);
  if (!spec) return ServiceFail(spec.error());
  const int64_t now = clock_->NowMs();
  TriggerRecord rec;
  rec.id = RandomIdGenerator().NewId("trg_");
  rec.workspace_id = ws;
  rec.name = body["name"].get<std::string>();
  rec.secret = NewSecret();
  rec.paused = body.value("paused", false);
  rec.revision = 1;
  rec.created_at = now;
  rec.updated_at = now;
  rec.spec = std::move(*spec);
  rec.state = {{"delivery_count", 0}};
  if (Status s = app_->accounts().InsertTrigger(rec); !s.ok())
    return ServiceFail(ServiceError(s, s.code() == Code::kAlreadyExists ? "name" : ""));
  return rec;
}

ServiceResult<TriggerRecord> TriggerService::Update(const std::string& ws, const std::string& id,
                                                    const Json& patch) {
  if (auto ok = CheckBody(patch); !ok) return ServiceFail(ok.error());
  for (;;) {
    auto cur = app_->accounts().GetTrigger(ws, id);
    if (!cur) return ServiceFail(cur.error());
    TriggerRecord rec = *cur;
    Json merged = rec.spec;
    for (auto& [k, v] : patch.items()) merged[k] = v;
    auto spec = CheckSpec(*app_, ws, merged);
    if (!spec) return ServiceFail(spec.error());
    if (patch.contains("name")) rec.name = patch["name"].get<std::string>();
    if (patch.contains("paused")) rec.paused = patch["paused"].get<bool>();
    rec.spec = std::move(*spec);
    rec.updated_at = clock_->NowMs();
    auto applied = app_->accounts().UpdateTrigger(rec);
    if (!applied) {
      const Status& s = applied.error();
      return ServiceFail(ServiceError(s, s.code() == Code::kAlreadyExists ? "name" : ""));
    }
    if (*applied) {
      ++rec.revision;
      return rec;
    }
  }
}

ServiceResult<TriggerRecord> TriggerService::RotateSecret(const std::string& ws,
                                                          const std::string& id) {
  for (;;) {
    auto cur = app_->accounts().GetTrigger(ws, id);
    if (!cur) return ServiceFail(cur.error());
    TriggerRecord rec = *cur;
    rec.secret = NewSecret();
    rec.updated_at = clock_->NowMs();
    auto applied = app_->accounts().UpdateTrigger(rec);
    if (!applied) return ServiceFail(applied.error());
    if (*applied) {
      ++rec.revision;
      return rec;
    }
  }
}

ServiceResult<TriggerRecord> TriggerService::Get(const std::string& ws, const std::string& id) {
  auto rec = app_->accounts().GetTrigger(ws, id);
  if (!rec) return ServiceFail(rec.error());
  return std::move(*rec);
}

ServiceResult<std::vector<TriggerRecord>> TriggerService::List(const std::string& ws) {
  auto list = app_->accounts().ListTriggers(ws);
  if (!list) return ServiceFail(list.error());
  return std::move(*list);
}

ServiceResult<bool> TriggerService::Delete(const std::string& ws, const std::string& id) {
  if (Status s = app_->accounts().DeleteTrigger(ws, id); !s.ok()) return ServiceFail(s);
  return true;
}

Json TriggerService::ToJson(const TriggerRecord& rec, bool with_secret) const {
  const Json& sp = rec.spec;
  const Json& st = rec.state;
  auto when = [](const Json& ms) -> Json {
    if (!ms.is_number_integer() || ms.get<int64_t>() <= 0) return Json();
    return FormatTimestamp(ms.get<int64_t>());
  };
  Json j = {{"id", rec.id},
            {"name", rec.name},
            {"url", "/api/v1/hooks/" + rec.id},
            {"template", sp.value("template", "")},
            {"version", sp.value("version", Json())},
            {"inputs", sp.value("inputs", Json::object())},
            {"map", sp.value("map", Json())},
            {"tolerance_seconds", sp.value("tolerance_seconds", kDefaultTolerance)},
            {"paused", rec.paused},
            {"delivery_count", st.value("delivery_count", 0)},
            {"last_delivery_at", when(st.value("last_delivery_at", Json()))},
            {"last_delivery_id", st.value("last_delivery_id", Json())},
            {"last_execution_id", st.value("last_execution_id", Json())},
            {"created_at", FormatTimestamp(rec.created_at)},
            {"updated_at", FormatTimestamp(rec.updated_at)}};
  if (with_secret) j["secret"] = rec.secret;
  return j;
}

std::string TriggerService::Sign(const std::string& secret, const std::string& timestamp,
                                 const std::string& body) {
  return "sha256=" + HmacSha256Hex(secret, timestamp + "." + body);
}

ServiceResult<LaunchOutcome> TriggerService::Deliver(const Delivery& d) {
  auto found = app_->accounts().FindTrigger(d.trigger_id);
  if (!found) return ServiceFail(found.error());
  const TriggerRecord& trig = *found;
  const Json& spec = trig.spec;

  // Who sent it, before anything about the trigger is revealed.
  if (d.timestamp.empty() || d.signature.empty())
    return ServiceFail(Unauthenticated(
        "a delivery must be signed: send X-Atelier-Timestamp (seconds since the epoch) and "
        "X-Atelier-Signature (sha256= and the hex HMAC-SHA256 of 'TIMESTAMP.BODY' under the "
        "trigger's secret)"));
  const auto sent = Seconds(d.timestamp);
  if (!sent)
    return ServiceFail(
        Unauthenticated("X-Atelier-Timestamp must be whole seconds since the "
                        "epoch, not '" +
                        d.timestamp.substr(0, 40) + "'"));
  const int64_t tolerance = spec.value("tolerance_seconds", kDefaultTolerance);
  const int64_t skew = *sent - clock_->NowMs() / 1000;
  if (skew > tolerance || -skew > tolerance)
    return ServiceFail(Unauthenticated(
        "X-Atelier-Timestamp is " + std::to_string(skew < 0 ? -skew : skew) + " s " +
        (skew < 0 ? "behind" : "ahead of") + " the server's clock; at most " +
        std::to_string(tolerance) + " s is accepted (a delayed or replayed delivery)"));
  if (!ConstantTimeEquals(d.signature, Sign(trig.secret, d.timestamp, d.body)))
    return ServiceFail(Unauthenticated(
        "X-Atelier-Signature does not match: it must be sha256= and the hex HMAC-SHA256 of "
        "'TIMESTAMP.BODY' (the raw body) under the trigger's current secret"));

  if (trig.paused)
    return ServiceFail(
        ServiceError(Status(Code::kFailedPrecondition, "trigger '" + trig.id + "' is paused")));
  if (d.delivery_id.empty() || d.delivery_id.size() > 200 ||
      d.delivery_id.find_first_of("\r\n") != std::string::npos)
    return ServiceFail(ServiceError(
        InvalidArgument("X-Atelier-Delivery must name the delivery (1 to 200 characters, the "
                        "same on every retry of it)"),
        "X-Atelier-Delivery"));

  auto body = ParseJsonText(d.body);
  if (!body)
    return ServiceFail(ServiceError(
        InvalidArgument("the delivery's body is not JSON: " + body.error().message()), "body"));
  Json inputs = spec.value("inputs", Json::object());
  const Json& map = spec.value("map", Json());
  if (map.is_object()) {
    for (auto& [name, pointer] : map.items()) {
      Json::json_pointer p(pointer.get<std::string>());
      if (!body->contains(p))
        return ServiceFail(ServiceError(
            InvalidArgument("the delivery's body has nothing at '" + pointer.get<std::string>() +
                            "' (mapped to input '" + name + "')"),
            "body"));
      inputs[name] = body->at(p);
    }
  } else {
    if (!body->is_object())
      return ServiceFail(ServiceError(
          InvalidArgument("the delivery's body must be a JSON object of inputs (or give the "
                          "trigger a map)"),
          "body"));
    for (auto& [k, v] : body->items()) inputs[k] = v;
  }

  LaunchRequest req;
  req.template_name = spec.value("template", "");
  if (spec.value("version", Json()).is_number_integer())
    req.version = spec["version"].get<int64_t>();
  req.inputs = std::move(inputs);
  req.idempotency_key = "webhook:" + trig.id + ":" + d.delivery_id;
  auto out = launch_->Launch(trig.workspace_id, req);
  if (!out) return out;

  // What the delivery did, for the trigger's listing; a lost race with an edit is not retried.
  TriggerRecord rec = trig;
  rec.state["delivery_count"] =
      rec.state.value("delivery_count", 0) + (out->kind == LaunchOutcome::Kind::kCreated ? 1 : 0);
  rec.state["last_delivery_at"] = clock_->NowMs();
  rec.state["last_delivery_id"] = d.delivery_id;
  rec.state["last_execution_id"] =
      out->kind == LaunchOutcome::Kind::kKeyReused ? out->other_execution_id : out->execution.id;
  (void)app_->accounts().UpdateTrigger(rec);
  return out;
}

}  // namespace atelier
