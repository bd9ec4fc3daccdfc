#include "atelier/app/schedules.h"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <utility>

#include "atelier/app/cron.h"
#include "atelier/app/engine_launch_service.h"
#include "atelier/app/failure_run.h"
#include "atelier/engine/timestamp.h"

namespace atelier {
namespace {

constexpr int64_t kMaxEverySeconds = 366LL * 24 * 3600;
constexpr int64_t kMaxGraceSeconds = 7LL * 24 * 3600;

std::string TypeName(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

// "2026-12-05T09:00:00Z", with an optional fraction of a second and a "+01:00" offset instead of
// Z, as ms since the epoch; nullopt when `text` is not exactly that.
std::optional<int64_t> ParseIsoTime(const std::string& text) {
  int y, mo, d, h, mi, sec, n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
      n != 19)
    return std::nullopt;
  const date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                                 date::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59 || y < 1970) return std::nullopt;
  int64_t ms =
      (date::sys_days(ymd).time_since_epoch().count() * 86400LL + h * 3600LL + mi * 60LL + sec) *
      1000;
  size_t i = 19;
  if (i < text.size() && text[i] == '.') {
    int64_t scale = 100;
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      ms += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i + 1 == text.size() && text[i] == 'Z') return ms;
  int oh, om;
  if (i + 6 == text.size() && (text[i] == '+' || text[i] == '-') &&
      std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) == 2 && text[i + 3] == ':' &&
      oh <= 23 && om <= 59) {
    const int64_t offset = (oh * 60LL + om) * 60000;
    return text[i] == '+' ? ms - offset : ms + offset;
  }
  return std::nullopt;
}

// An ISO-8601 time (as ParseIsoTime reads it) or milliseconds since the epoch.
tl::expected<int64_t, ServiceError> ParseTime(const std::string& field, const Json& v) {
  if (v.is_number_integer()) {
    const int64_t ms = v.get<int64_t>();
    if (ms < 0 || ms > 253402300799999) return tl::unexpected(FieldError(field, "out of range"));
    return ms;
  }
  if (!v.is_string()) {
    return tl::unexpected(FieldError(field,
                              "must be an ISO-8601 time (2026-12-05T09:00:00Z) or "
                              "milliseconds since the epoch, not " +
                                  TypeName(v)));
  }
  const std::string text = v.get<std::string>();
  if (auto ms = ParseIsoTime(text)) return *ms;
  return tl::unexpected(
      FieldError(field, "'" + text + "' is not an ISO-8601 time such as 2026-12-05T09:00:00Z"));
}

// What a schedule's spec says, parsed.
struct Spec {
  std::string template_name;
  std::optional<int64_t> version;
  Json inputs = Json::object();
  std::optional<CronSpec> cron;
  int64_t every_ms = 0;
  int64_t start_at = 0;  // the interval's first due time
  bool skip_missed = false;
  int64_t grace_ms = 60000;

  Json ToJson() const {
    return {{"template", template_name},
            {"version", version ? Json(*version) : Json()},
            {"inputs", inputs},
            {"cron", cron ? Json(cron->expression()) : Json()},
            {"time_zone", cron ? Json(cron->time_zone()) : Json()},
            {"every_seconds", cron ? Json() : Json(every_ms / 1000)},
            {"start_at", cron ? Json() : Json(start_at)},
            {"catch_up", skip_missed ? "skip" : "run_once"},
            {"misfire_grace_seconds", grace_ms / 1000}};
  }

  // The first due time strictly after `after`.
  int64_t NextAfter(int64_t after) const {
    if (cron) return cron->Next(after);
    if (after < start_at) return start_at;
    return start_at + ((after - start_at) / every_ms + 1) * every_ms;
  }

  // The latest due time at or before `now`, given that `due` (<= now) is one.
  int64_t LatestBy(int64_t due, int64_t now) const {
    if (!cron) return due + ((now - due) / every_ms) * every_ms;
    // Look back over growing windows so that a frequent schedule after a long outage does not
    // walk every minute it missed: the first window holding a due time bounds the walk.
    constexpr int64_t kMinute = 60000, kDay = 86400000;
    for (int64_t window : std::initializer_list<int64_t>{2 * kMinute, 120 * kMinute, 2 * kDay,
                                                         64 * kDay, 800 * kDay, INT64_MAX}) {
      const int64_t from = window == INT64_MAX ? due - 1 : std::max(due - 1, now - window);
      int64_t latest = cron->Next(from);
      if (latest > now) continue;
      for (int64_t n = cron->Next(latest); n <= now; n = cron->Next(n)) latest = n;
      return latest;
    }
    return due;
  }
};

// Stored specs were written by Parse below; one that no longer parses (a time zone removed from
// the system's tz database) is reported, never fired.
tl::expected<Spec, ServiceError> SpecFromJson(const Json& j);

// Applies the fields of `body` over `base` (both request-shaped: the API's field names) and
// checks the result. Keys of `body` not in the schema are refused by name.
tl::expected<Spec, ServiceError> ParseSpec(const Json& base, const Json& body, int64_t now,
                                           bool* timing_changed) {
  static const std::set<std::string> kTiming = {"cron", "time_zone", "every_seconds", "start_at"};
  Json merged = base;
  for (auto& [key, value] : body.items()) {
    if (kTiming.count(key) && merged.value(key, Json()) != value) *timing_changed = true;
    merged[key] = value;
  }
  Spec s;
  const Json& tmpl = merged.value("template", Json());
  if (!tmpl.is_string() || tmpl.get<std::string>().empty())
    return tl::unexpected(FieldError(
        "template", tmpl.is_null() ? "is required (a template name)" : "must be a template name"));
  s.template_name = tmpl.get<std::string>();
  if (const Json& v = merged.value("version", Json()); !v.is_null()) {
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
      return tl::unexpected(FieldError("version", "must be an integer of 1 or more, or null"));
    s.version = v.get<int64_t>();
  }
  if (const Json& in = merged.value("inputs", Json()); !in.is_null()) {
    if (!in.is_object()) return tl::unexpected(FieldError("inputs", "must be an object"));
    s.inputs = in;
  }
  const Json& cron = merged.value("cron", Json());
  const Json& every = merged.value("every_seconds", Json());
  if (cron.is_null() == every.is_null())
    return tl::unexpected(FieldError(cron.is_null() ? "cron" : "every_seconds",
                              cron.is_null()
                                  ? "give either 'cron' (a 5-field expression) or 'every_seconds'"
                                  : "give either 'cron' or 'every_seconds', not both"));
  if (!cron.is_null()) {
    if (!cron.is_string()) return tl::unexpected(FieldError("cron", "must be a string"));
    const Json& tz = merged.value("time_zone", Json());
    if (!tz.is_null() && !tz.is_string())
      return tl::unexpected(FieldError("time_zone", "must be an IANA time zone name"));
    if (!merged.value("start_at", Json()).is_null())
      return tl::unexpected(FieldError("start_at", "applies to 'every_seconds' only"));
    auto parsed =
        CronSpec::Parse(cron.get<std::string>(), tz.is_null() ? "UTC" : tz.get<std::string>());
    if (!parsed) {
      const bool zone = parsed.error().message().find("time zone") != std::string::npos;
      return tl::unexpected(ServiceError(parsed.error(), zone ? "time_zone" : "cron"));
    }
    s.cron = std::move(*parsed);
  } else {
    if (!merged.value("time_zone", Json()).is_null())
      return tl::unexpected(FieldError("time_zone", "applies to 'cron' only"));
    if (!every.is_number_integer() || every.get<int64_t>() < 1 ||
        every.get<int64_t>() > kMaxEverySeconds)
      return tl::unexpected(
          FieldError("every_seconds", "must be an integer from 1 to " + std::to_string(kMaxEverySeconds)));
    s.every_ms = every.get<int64_t>() * 1000;
    const Json& start = merged.value("start_at", Json());
    if (start.is_null()) {
      s.start_at = now + s.every_ms;
    } else {
      auto t = ParseTime("start_at", start);
      if (!t) return tl::unexpected(t.error());
      s.start_at = *t;
    }
  }
  if (const Json& c = merged.value("catch_up", Json()); !c.is_null()) {
    if (c != "run_once" && c != "skip")
      return tl::unexpected(FieldError("catch_up", "must be \"run_once\" or \"skip\""));
    s.skip_missed = c == "skip";
  }
  if (const Json& g = merged.value("misfire_grace_seconds", Json()); !g.is_null()) {
    if (!g.is_number_integer() || g.get<int64_t>() < 1 || g.get<int64_t>() > kMaxGraceSeconds)
      return tl::unexpected(FieldError("misfire_grace_seconds", "must be an integer from 1 to " +
                                                             std::to_string(kMaxGraceSeconds)));
    s.grace_ms = g.get<int64_t>() * 1000;
  }
  return s;
}

tl::expected<Spec, ServiceError> SpecFromJson(const Json& j) {
  bool unused = false;
  Json body = j;
  if (body.contains("every_seconds") && !body["every_seconds"].is_null() &&
      body.value("start_at", Json()).is_null())
    return tl::unexpected(ServiceError(Internal("stored schedule has no start_at")));
  return ParseSpec(Json::object(), body, 0, &unused);
}

std::string Iso(int64_t ms) { return ms > 0 ? FormatTimestamp(ms) : std::string(); }

Json IsoOrNull(const Json& ms) {
  if (!ms.is_number_integer() || ms.get<int64_t>() <= 0) return Json();
  return FormatTimestamp(ms.get<int64_t>());
}

}  // namespace

ScheduleService::ScheduleService(App* app, LaunchService* launch, Clock* clock)
    : app_(app), launch_(launch), clock_(clock) {}

namespace {

// The template and inputs of `s` as a launch would check them: every problem at once.
ServiceResult<bool> CheckLaunchable(App& app, const std::string& ws, const Spec& s) {
  LaunchRequest req;
  req.template_name = s.template_name;
  req.version = s.version;
  req.inputs = s.inputs;
  auto tmpl = FindLaunchTemplate(app, ws, req);
  if (!tmpl) {
    ServiceError e = tmpl.error();
    if (e.field.empty() || e.field == "template_id") e.field = "template";
    if (e.status.code() == Code::kNotFound)
      e.status =
          NotFound("template '" + s.template_name + "'" +
                   (s.version ? " version " + std::to_string(*s.version) : "") + " not found");
    return ServiceFail(e);
  }
  auto graph = app.engine().GraphFor(ws, tmpl->id, tmpl->version);
  if (!graph) return ServiceFail(graph.error());
  if (auto resolved = ResolveLaunchInputs((*graph)->tmpl(), req); !resolved)
    return ServiceFail(resolved.error());
  return true;
}

const std::set<std::string>& Fields() {
  static const std::set<std::string> f = {
      "name",      "template",      "version",  "inputs",   "cron",
      "time_zone", "every_seconds", "start_at", "catch_up", "misfire_grace_seconds",
      "paused"};
  return f;
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

}  // namespace

ServiceResult<ScheduleRecord> ScheduleService::Create(const std::string& ws, const Json& body) {
  if (auto ok = CheckBody(body); !ok) return ServiceFail(ok.error());
  if (!body.contains("name")) return ServiceFail(FieldError("name", "is required"));
  const int64_t now = clock_->NowMs();
  Json spec_fields = body;
  spec_fields.erase("name");
  spec_fields.erase("paused");
  bool timing = false;
  auto spec = ParseSpec(Json::object(), spec_fields, now, &timing);
  if (!spec) return ServiceFail(spec.error());
  if (auto ok = CheckLaunchable(*app_, ws, *spec); !ok) return ServiceFail(ok.error());
  ScheduleRecord rec;
  rec.id = RandomIdGenerator().NewId("sch_");
  rec.workspace_id = ws;
  rec.name = body["name"].get<std::string>();
  rec.paused = body.value("paused", false);
  rec.next_due_at = spec->NextAfter(now - 1);
  rec.created_at = now;
  rec.updated_at = now;
  rec.revision = 1;
  rec.spec = spec->ToJson();
  rec.state = {{"fire_count", 0}, {"skip_count", 0}};
  if (Status s = app_->accounts().InsertSchedule(rec); !s.ok())
    return ServiceFail(ServiceError(s, s.code() == Code::kAlreadyExists ? "name" : ""));
  return rec;
}

ServiceResult<ScheduleRecord> ScheduleService::Update(const std::string& ws, const std::string& id,
                                                      const Json& patch) {
  if (auto ok = CheckBody(patch); !ok) return ServiceFail(ok.error());
  for (;;) {
    auto cur = app_->accounts().GetSchedule(ws, id);
    if (!cur) return ServiceFail(cur.error());
    ScheduleRecord rec = *cur;
    const int64_t now = clock_->NowMs();
    Json spec_fields = patch;
    spec_fields.erase("name");
    spec_fields.erase("paused");
    // Switching between cron and every_seconds drops the other form's fields.
    Json base = rec.spec;  // request-shaped: start_at in ms, which ParseTime accepts
    if (spec_fields.contains("cron") && !spec_fields["cron"].is_null()) {
      base["every_seconds"] = nullptr;
      base["start_at"] = nullptr;
    }
    if (spec_fields.contains("every_seconds") && !spec_fields["every_seconds"].is_null()) {
      base["cron"] = nullptr;
      base["time_zone"] = nullptr;
    }
    bool timing = false;
    auto spec = ParseSpec(base, spec_fields, now, &timing);
    if (!spec) return ServiceFail(spec.error());
    if (auto ok = CheckLaunchable(*app_, ws, *spec); !ok) return ServiceFail(ok.error());
    if (patch.contains("name")) rec.name = patch["name"].get<std::string>();
    const bool was_paused = rec.paused;
    if (patch.contains("paused")) rec.paused = patch["paused"].get<bool>();
    if (timing) {
      rec.next_due_at = spec->NextAfter(now - 1);
    } else if (was_paused && !rec.paused) {
      rec.next_due_at = spec->NextAfter(now);  // the paused windows are skipped
    }
    rec.spec = spec->ToJson();
    rec.updated_at = now;
    auto applied = app_->accounts().UpdateSchedule(rec);
    if (!applied) {
      const Status& s = applied.error();
      return ServiceFail(ServiceError(s, s.code() == Code::kAlreadyExists ? "name" : ""));
    }
    if (*applied) {
      ++rec.revision;
      return rec;
    }
    // Another writer (a firing) moved it on: apply the change over what it wrote.
  }
}

ServiceResult<ScheduleRecord> ScheduleService::SetPaused(const std::string& ws,
                                                         const std::string& id, bool paused) {
  for (;;) {
    auto cur = app_->accounts().GetSchedule(ws, id);
    if (!cur) return ServiceFail(cur.error());
    ScheduleRecord rec = *cur;
    if (rec.paused == paused) return rec;
    const int64_t now = clock_->NowMs();
    if (!paused) {
      auto spec = SpecFromJson(rec.spec);
      if (!spec) return ServiceFail(spec.error());
      rec.next_due_at = spec->NextAfter(now);  // the paused windows are skipped
    }
    rec.paused = paused;
    rec.updated_at = now;
    auto applied = app_->accounts().UpdateSchedule(rec);
    if (!applied) return ServiceFail(applied.error());
    if (*applied) {
      ++rec.revision;
      return rec;
    }
  }
}

ServiceResult<ScheduleRecord> ScheduleService::Get(const std::string& ws, const std::string& id) {
  auto rec = app_->accounts().GetSchedule(ws, id);
  if (!rec) return ServiceFail(rec.error());
  return std::move(*rec);
}

ServiceResult<std::vector<ScheduleRecord>> ScheduleService::List(const std::string& ws) {
  auto list = app_->accounts().ListSchedules(ws);
  if (!list) return ServiceFail(list.error());
  return std::move(*list);
}

ServiceResult<bool> ScheduleService::Delete(const std::string& ws, const std::string& id) {
  if (Status s = app_->accounts().DeleteSchedule(ws, id); !s.ok()) return ServiceFail(s);
  return true;
}

Json ScheduleService::ToJson(const ScheduleRecord& rec, int n) const {
  const Json& sp = rec.spec;
  Json j = {{"id", rec.id},
            {"name", rec.name},
            {"template", sp.value("template", "")},
            {"version", sp.value("version", Json())},
            {"inputs", sp.value("inputs", Json::object())},
            {"cron", sp.value("cron", Json())},
            {"time_zone", sp.value("time_zone", Json())},
            {"every_seconds", sp.value("every_seconds", Json())},
            {"start_at", IsoOrNull(sp.value("start_at", Json()))},
            {"catch_up", sp.value("catch_up", "run_once")},
            {"misfire_grace_seconds", sp.value("misfire_grace_seconds", 60)},
            {"paused", rec.paused},
            {"next_due_at", rec.paused ? Json() : Json(Iso(rec.next_due_at))},
            {"next_fire_times", Json::array()},
            {"last_due_at", IsoOrNull(rec.state.value("last_due_at", Json()))},
            {"last_fired_at", IsoOrNull(rec.state.value("last_fired_at", Json()))},
            {"last_execution_id", rec.state.value("last_execution_id", Json())},
            {"last_error", rec.state.value("last_error", Json())},
            {"fire_count", rec.state.value("fire_count", 0)},
            {"skip_count", rec.state.value("skip_count", 0)},
            {"created_at", Iso(rec.created_at)},
            {"updated_at", Iso(rec.updated_at)}};
  if (!rec.paused) {
    if (auto spec = SpecFromJson(rec.spec)) {
      int64_t t = rec.next_due_at;
      for (int i = 0; i < n && t != CronSpec::kNever; ++i) {
        j["next_fire_times"].push_back(FormatTimestamp(t));
        t = spec->NextAfter(t);
      }
    }
  }
  return j;
}

Result<bool> ScheduleService::FireOne(ScheduleRecord rec, int64_t now, int* launched) {
  auto spec = SpecFromJson(rec.spec);
  Json& st = rec.state;
  if (!spec) {
    // Not fireable as stored: say why and pause it rather than failing every pass.
    st["last_error"] = spec.error().status.message();
    rec.paused = true;
    return app_->accounts().UpdateSchedule(rec);
  }
  const int64_t due = spec->LatestBy(rec.next_due_at, now);
  const bool missed = now - due > spec->grace_ms;
  if (missed && spec->skip_missed) {
    st["skip_count"] = st.value("skip_count", 0) + 1;
    st["last_skipped_due_at"] = due;
  } else {
    LaunchRequest req;
    req.template_name = spec->template_name;
    req.version = spec->version;
    req.inputs = spec->inputs;
    req.idempotency_key = "schedule:" + rec.id + ":" + std::to_string(due);
    auto out = launch_->Launch(rec.workspace_id, req);
    if (!out && out.error().status.code() == Code::kUnavailable) {
      return Err(out.error().status);  // the store is away: still due, fired on a later pass
    }
    st["last_due_at"] = due;
    st["last_fired_at"] = now;
    if (!out) {
      st["last_error"] = out.error().status.message();
      st["last_execution_id"] = nullptr;
    } else {
      st["last_error"] = nullptr;
      st["last_execution_id"] = out->kind == LaunchOutcome::Kind::kKeyReused
                                    ? out->other_execution_id
                                    : out->execution.id;
      st["fire_count"] = st.value("fire_count", 0) + 1;
      ++*launched;
    }
  }
  rec.next_due_at = spec->NextAfter(now);
  return app_->accounts().UpdateSchedule(rec);
}

Result<int> ScheduleService::FireDue(int limit) {
  const int64_t now = clock_->NowMs();
  auto due = app_->accounts().DueSchedules(now, limit);
  if (!due) return Err(due.error());
  int launched = 0;
  Status first_error;
  for (const ScheduleRecord& rec : *due) {
    auto r = FireOne(rec, now, &launched);
    if (!r && first_error.ok()) first_error = r.error();
  }
  if (!first_error.ok() && launched == 0) return Err(first_error);
  return launched;
}

ScheduleRunner::ScheduleRunner(
    ScheduleService* service, int64_t poll_ms,
    std::function<void(const std::string& level, const std::string& msg)> log)
    : thread_(poll_ms, 0,
              [service, log = std::move(log),
               failures = FailureRun()](const std::atomic<bool>&) mutable {
                // While the database is away every pass fails: said when it begins and ends.
                auto fired = service->FireDue();
                if (!fired) {
                  if (failures.Failed() && log)
                    log("warn", "schedules not fired yet: " + fired.error().ToString() +
                                    " (will try again)");
                } else if (const FailureRun::Ended e = failures.Worked(); e.failures > 0 && log) {
                  log("info", "schedules fire again after " + std::to_string(e.failures) +
                                  " failed passes over " + std::to_string(e.ms) + " ms");
                }
              }) {}

}  // namespace atelier
