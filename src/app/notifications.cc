#include "atelier/app/notifications.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "atelier/app/engine_launch_service.h"
#include "atelier/blob/sha256.h"
#include "atelier/engine/timestamp.h"
#include "atelier/providers/http/host_allow_list.h"
#include "atelier/providers/http/http_url.h"

namespace atelier {
namespace {

std::string NewSecret() { return "whsec_" + RandomHex(32); }

bool IsLaunchKind(const EndpointRecord& rec) { return rec.spec.value("kind", "") == "launch"; }

// The workspace's launch endpoint among its endpoints, or nullopt.
Result<std::optional<EndpointRecord>> FindLaunchEndpoint(App& app, const std::string& ws) {
  auto list = app.accounts().ListEndpoints(ws);
  if (!list) return Err(list.error());
  for (auto& e : *list)
    if (IsLaunchKind(e)) return std::optional<EndpointRecord>(std::move(e));
  return std::optional<EndpointRecord>();
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// `events` as given (a non-empty list of known types, no repeats), in NotificationEventTypes'
// order; null or absent: all of them.
ServiceResult<Json> CheckEvents(const Json& v, const std::string& field) {
  const auto& known = NotificationEventTypes();
  if (v.is_null()) return Json(known);
  if (!v.is_array() || v.empty())
    return ServiceFail(FieldError(field, "must be a non-empty list of event types (" + Joined(known) +
                                      ")"));
  std::set<std::string> seen;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string where = field + "[" + std::to_string(i) + "]";
    if (!v[i].is_string()) return ServiceFail(FieldError(where, "must be a string"));
    const std::string t = v[i].get<std::string>();
    if (std::find(known.begin(), known.end(), t) == known.end())
      return ServiceFail(
          FieldError(where, "unknown event type '" + t + "'; use one of " + Joined(known)));
    seen.insert(t);
  }
  Json out = Json::array();
  for (const auto& t : known)
    if (seen.count(t)) out.push_back(t);
  return out;
}

// An http(s) URL whose host and port are on the allow-list (no DNS here: every attempt resolves
// and checks again before it connects).
ServiceResult<std::string> CheckUrl(const Json& v, const std::string& field,
                                    const HostAllowList& allow) {
  if (!v.is_string() || v.get<std::string>().empty())
    return ServiceFail(FieldError(field, "must be an http or https URL"));
  if (v.get<std::string>().size() > 2000)
    return ServiceFail(FieldError(field, "must be at most 2000 characters"));
  auto url = ParseHttpUrl(v.get<std::string>());
  if (!url) {
    std::string why = url.error().message();
    if (why.rfind("url: ", 0) == 0) why = why.substr(5);
    return ServiceFail(FieldError(field, why));
  }
  if (!allow.Allows(*url))
    return ServiceFail(FieldError(field, "host '" + HostPort(url->host, url->port) +
                                      "' is not on the allow-list " +
                                      HostAllowList::kWhereTheList));
  return url->url;
}

ServiceResult<bool> CheckFields(const Json& body, const std::set<std::string>& fields) {
  if (!body.is_object()) return ServiceFail(InvalidArgument("the body must be a JSON object"));
  for (auto& [key, value] : body.items()) {
    (void)value;
    if (!fields.count(key))
      return ServiceFail(ServiceError(InvalidArgument("unknown field '" + key + "'"), key));
  }
  if (body.contains("paused") && !body["paused"].is_boolean())
    return ServiceFail(FieldError("paused", "must be true or false"));
  if (body.contains("name")) {
    if (std::string why = CheckRowName(body["name"]); !why.empty())
      return ServiceFail(FieldError("name", why));
    if (body["name"].get<std::string>() == kLaunchEndpointName)
      return ServiceFail(ServiceError(
          AlreadyExists(std::string("the name '") + kLaunchEndpointName +
                        "' is reserved for the endpoint that signs launch callbacks"),
          "name"));
  }
  return true;
}

// The spec of a workspace endpoint from the request-shaped `merged`: url, events, template.
ServiceResult<Json> CheckSpec(App& app, const std::string& ws, const Json& merged) {
  Json spec = merged;
  auto url = CheckUrl(merged.value("url", Json()), "url", app.http_allow());
  if (!url) return ServiceFail(url.error());
  spec["url"] = *url;
  auto events = CheckEvents(merged.value("events", Json()), "events");
  if (!events) return ServiceFail(events.error());
  spec["events"] = *events;
  const Json& tmpl = merged.value("template", Json());
  if (!tmpl.is_null()) {
    if (!tmpl.is_string() || tmpl.get<std::string>().empty())
      return ServiceFail(FieldError("template", "must be a template name, or null for every template"));
    LaunchRequest req;
    req.template_name = tmpl.get<std::string>();
    if (auto found = FindLaunchTemplate(app, ws, req); !found) {
      ServiceError e = found.error();
      e.field = "template";
      if (e.status.code() == Code::kNotFound)
        e.status = NotFound("template '" + *req.template_name + "' not found");
      return ServiceFail(e);
    }
  }
  spec["template"] = tmpl;
  spec["kind"] = "workspace";
  return spec;
}

}  // namespace

const std::vector<std::string>& NotificationEventTypes() {
  static const std::vector<std::string> kTypes = {"execution_completed", "execution_failed",
                                                  "execution_stopped", "approval_requested"};
  return kTypes;
}

ServiceResult<Json> CheckLaunchNotify(const Json& notify, const HostAllowList& allow) {
  if (!notify.is_object())
    return ServiceFail(FieldError("notify", "must be an object {\"url\": ..., \"events\": [...]}"));
  for (auto& [key, value] : notify.items()) {
    (void)value;
    if (key != "url" && key != "events")
      return ServiceFail(FieldError("notify." + key, "unknown field (notify takes url and events)"));
  }
  if (!notify.contains("url")) return ServiceFail(FieldError("notify.url", "is required"));
  auto url = CheckUrl(notify["url"], "notify.url", allow);
  if (!url) return ServiceFail(url.error());
  auto events = CheckEvents(notify.value("events", Json()), "notify.events");
  if (!events) return ServiceFail(events.error());
  return Json{{"url", *url}, {"events", *events}};
}

NotificationService::NotificationService(App* app, Clock* clock) : app_(app), clock_(clock) {}

ServiceResult<EndpointRecord> NotificationService::Create(const std::string& ws,
                                                          const Json& body) {
  if (auto ok = CheckFields(body, {"name", "url", "events", "template", "paused"}); !ok)
    return ServiceFail(ok.error());
  if (!body.contains("name")) return ServiceFail(FieldError("name", "is required"));
  if (!body.contains("url")) return ServiceFail(FieldError("url", "is required"));
  auto spec = CheckSpec(*app_, ws, body);
  if (!spec) return ServiceFail(spec.error());
  // Only what happens from now on: the cursor may still be behind this point.
  auto since = app_->accounts().LastEventId();
  if (!since) return ServiceFail(since.error());
  const int64_t now = clock_->NowMs();
  EndpointRecord rec;
  rec.id = RandomIdGenerator().NewId("ntf_");
  rec.workspace_id = ws;
  rec.name = body["name"].get<std::string>();
  rec.secret = NewSecret();
  rec.paused = body.value("paused", false);
  rec.revision = 1;
  rec.created_at = rec.updated_at = now;
  rec.spec = std::move(*spec);
  rec.spec.erase("name");
  rec.spec.erase("paused");
  rec.spec["since_gid"] = *since;
  if (Status s = app_->accounts().InsertEndpoint(rec); !s.ok())
    return ServiceFail(ServiceError(s, s.code() == Code::kAlreadyExists ? "name" : ""));
  return rec;
}

ServiceResult<EndpointRecord> NotificationService::LaunchEndpoint(const std::string& ws) {
  auto found = FindLaunchEndpoint(*app_, ws);
  if (!found) return ServiceFail(found.error());
  if (*found) return std::move(**found);
  auto since = app_->accounts().LastEventId();
  if (!since) return ServiceFail(since.error());
  const int64_t now = clock_->NowMs();
  EndpointRecord rec;
  rec.id = RandomIdGenerator().NewId("ntf_");
  rec.workspace_id = ws;
  rec.name = kLaunchEndpointName;
  rec.secret = NewSecret();
  rec.revision = 1;
  rec.created_at = rec.updated_at = now;
  rec.spec = {{"kind", "launch"},
              {"url", nullptr},
              {"events", NotificationEventTypes()},
              {"template", nullptr},
              {"since_gid", *since}};
  Status s = app_->accounts().InsertEndpoint(rec);
  if (s.code() == Code::kAlreadyExists) {  // another caller made it first
    auto again = FindLaunchEndpoint(*app_, ws);
    if (!again) return ServiceFail(again.error());
    if (*again) return std::move(**again);
  }
  if (!s.ok()) return ServiceFail(s);
  return rec;
}

ServiceResult<EndpointRecord> NotificationService::Update(const std::string& ws,
                                                          const std::string& id,
                                                          const Json& patch) {
  if (auto ok = CheckFields(patch, {"name", "url", "events", "template", "paused"}); !ok)
    return ServiceFail(ok.error());
  for (;;) {
    auto cur = app_->accounts().GetEndpoint(ws, id);
    if (!cur) return ServiceFail(cur.error());
    EndpointRecord rec = *cur;
    if (IsLaunchKind(rec)) {
      for (auto& [k, v] : patch.items()) {
        (void)v;
        if (k != "events" && k != "paused")
          return ServiceFail(FieldError(k, "the launch callbacks endpoint takes only events and paused "
                                    "(each launch names its own URL)"));
      }
      if (patch.contains("events")) {
        auto events = CheckEvents(patch["events"], "events");
        if (!events) return ServiceFail(events.error());
        rec.spec["events"] = *events;
      }
    } else {
      Json merged = rec.spec;
      for (auto& [k, v] : patch.items()) merged[k] = v;
      auto spec = CheckSpec(*app_, ws, merged);
      if (!spec) return ServiceFail(spec.error());
      spec->erase("name");
      spec->erase("paused");
      rec.spec = std::move(*spec);
      if (patch.contains("name")) rec.name = patch["name"].get<std::string>();
    }
    const bool resumed = cur->paused && patch.value("paused", true) == false;
    if (patch.contains("paused")) rec.paused = patch["paused"].get<bool>();
    rec.updated_at = clock_->NowMs();
    auto applied = app_->accounts().UpdateEndpoint(rec);
    if (!applied) {
      const Status& s = applied.error();
      return ServiceFail(ServiceError(s, s.code() == Code::kAlreadyExists ? "name" : ""));
    }
    if (*applied) {
      ++rec.revision;
      if (resumed) {
        if (Status s = ReleaseHeld(ws, id); !s.ok()) return ServiceFail(s);
      }
      return rec;
    }
  }
}

Status NotificationService::ReleaseHeld(const std::string& ws, const std::string& endpoint_id) {
  DeliveryFilter f;
  f.endpoint_id = endpoint_id;
  f.status = "pending";
  f.limit = 500;
  for (;;) {
    auto page = app_->accounts().ListDeliveries(ws, f);
    if (!page) return page.error();
    const int64_t now = clock_->NowMs();
    for (DeliveryRecord d : *page) {
      if (!d.state.contains("held")) continue;
      d.state.erase("held");
      d.next_attempt_at = now;
      d.updated_at = now;
      // Not applied: a sender moved it meanwhile, which is as good.
      if (auto r = app_->accounts().UpdateDelivery(d); !r) return r.error();
    }
    if (static_cast<int>(page->size()) < f.limit) return Status::Ok();
    f.before_gid = page->back().event_gid;
    f.before_id = page->back().id;
  }
}

ServiceResult<EndpointRecord> NotificationService::RotateSecret(const std::string& ws,
                                                                const std::string& id) {
  for (;;) {
    auto cur = app_->accounts().GetEndpoint(ws, id);
    if (!cur) return ServiceFail(cur.error());
    EndpointRecord rec = *cur;
    rec.secret = NewSecret();
    rec.updated_at = clock_->NowMs();
    auto applied = app_->accounts().UpdateEndpoint(rec);
    if (!applied) return ServiceFail(applied.error());
    if (*applied) {
      ++rec.revision;
      return rec;
    }
  }
}

ServiceResult<EndpointRecord> NotificationService::Get(const std::string& ws,
                                                       const std::string& id) {
  auto rec = app_->accounts().GetEndpoint(ws, id);
  if (!rec) return ServiceFail(rec.error());
  return std::move(*rec);
}

ServiceResult<std::vector<EndpointRecord>> NotificationService::List(const std::string& ws) {
  if (auto launch = LaunchEndpoint(ws); !launch) return ServiceFail(launch.error());
  auto list = app_->accounts().ListEndpoints(ws);
  if (!list) return ServiceFail(list.error());
  return std::move(*list);
}

ServiceResult<bool> NotificationService::Delete(const std::string& ws, const std::string& id) {
  auto cur = app_->accounts().GetEndpoint(ws, id);
  if (!cur) return ServiceFail(cur.error());
  if (IsLaunchKind(*cur))
    return ServiceFail(FailedPrecondition(
        "the launch callbacks endpoint cannot be deleted (its secret signs every launch's "
        "callbacks): pause it to hold them, or rotate its secret"));
  if (Status s = app_->accounts().DeleteEndpoint(ws, id); !s.ok()) return ServiceFail(s);
  return true;
}

Json NotificationService::ToJson(const EndpointRecord& rec, bool with_secret) const {
  const Json& sp = rec.spec;
  Json j = {{"id", rec.id},
            {"name", rec.name},
            {"kind", sp.value("kind", "workspace")},
            {"url", sp.value("url", Json()).is_string() ? Json(RedactUrl(sp["url"])) : Json()},
            {"events", sp.value("events", Json(NotificationEventTypes()))},
            {"template", sp.value("template", Json())},
            {"paused", rec.paused},
            {"created_at", FormatTimestamp(rec.created_at)},
            {"updated_at", FormatTimestamp(rec.updated_at)}};
  if (with_secret) j["secret"] = rec.secret;
  return j;
}

ServiceResult<std::vector<DeliveryRecord>> NotificationService::ListDeliveries(
    const std::string& ws, const DeliveryFilter& f) {
  auto list = app_->accounts().ListDeliveries(ws, f);
  if (!list) return ServiceFail(list.error());
  return std::move(*list);
}

ServiceResult<DeliveryRecord> NotificationService::GetDelivery(const std::string& ws,
                                                               const std::string& id) {
  auto rec = app_->accounts().GetDelivery(ws, id);
  if (!rec) return ServiceFail(rec.error());
  return std::move(*rec);
}

ServiceResult<DeliveryRecord> NotificationService::Resend(const std::string& ws,
                                                          const std::string& id) {
  for (;;) {
    auto cur = app_->accounts().GetDelivery(ws, id);
    if (!cur) return ServiceFail(cur.error());
    DeliveryRecord rec = *cur;
    if (rec.status == "pending")
      return ServiceFail(FailedPrecondition(
          "delivery '" + id + "' is still pending: it is sent again when due (" +
          FormatTimestamp(rec.next_attempt_at) + ")"));
    const int64_t now = clock_->NowMs();
    rec.status = "pending";
    rec.next_attempt_at = now;
    rec.updated_at = now;
    rec.state["budget_from"] = rec.attempts;  // a fresh retry budget from here
    rec.state["resent_at"] = now;
    auto applied = app_->accounts().UpdateDelivery(rec);
    if (!applied) return ServiceFail(applied.error());
    if (*applied) {
      ++rec.revision;
      return rec;
    }
  }
}

Json NotificationService::ToJson(const DeliveryRecord& rec, bool with_body) const {
  const Json& st = rec.state;
  auto when = [](const Json& ms) -> Json {
    if (!ms.is_number_integer() || ms.get<int64_t>() <= 0) return Json();
    return FormatTimestamp(ms.get<int64_t>());
  };
  Json j = {{"id", rec.id},
            {"endpoint_id", rec.endpoint_id},
            {"execution_id", rec.execution_id},
            {"event", rec.event_type},
            {"event_id", rec.event_gid},
            {"url", RedactUrl(rec.url)},
            {"status", rec.status},
            {"attempts", rec.attempts},
            {"next_attempt_at", rec.status == "pending" ? when(rec.next_attempt_at) : Json()},
            {"last_attempt_at", when(st.value("last_attempt_at", Json()))},
            {"last_status_code", st.value("last_status_code", Json())},
            {"last_error", st.value("last_error", Json())},
            {"delivered_at", when(st.value("delivered_at", Json()))},
            {"held", rec.status == "pending" && st.contains("held")},
            {"created_at", FormatTimestamp(rec.created_at)}};
  if (with_body) {
    auto parsed = Json::parse(rec.body, nullptr, false);
    j["body"] = parsed.is_discarded() ? Json(rec.body) : parsed;
  }
  return j;
}

}  // namespace atelier
