#include "atelier/app/workspace_transfer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>
#include <vector>

#include "atelier/core/validation.h"
#include "atelier/engine/timestamp.h"

namespace atelier {
namespace {

constexpr int kFormat = 1;

ServiceError Bad(const std::string& where, const std::string& msg) {
  return ServiceError(InvalidArgument(where + ": " + msg), where);
}

// The fields of a schedule or trigger document that a create takes (its name included).
const std::vector<std::string>& ScheduleFields() {
  static const std::vector<std::string> f = {
      "name",      "template",      "version",  "inputs",   "cron",
      "time_zone", "every_seconds", "start_at", "catch_up", "misfire_grace_seconds",
      "paused"};
  return f;
}
const std::vector<std::string>& TriggerFields() {
  static const std::vector<std::string> f = {"name", "template",          "version", "inputs",
                                             "map",  "tolerance_seconds", "paused"};
  return f;
}

Json Pick(const Json& from, const std::vector<std::string>& fields) {
  Json out = Json::object();
  for (const auto& f : fields)
    if (from.contains(f) && !from[f].is_null()) out[f] = from[f];
  return out;
}

// One template of the document, every version parsed before anything is written.
struct TemplateImport {
  std::string name;
  std::vector<std::pair<int64_t, Template>> versions;  // source version, parsed
  std::vector<Json> definitions;                       // each version's definition as sent
};

}  // namespace

ServiceResult<Json> ExportWorkspace(App& app, ScheduleService& schedules, TriggerService& triggers,
                                    const std::string& ws) {
  auto workspace = app.accounts().GetWorkspace(ws);
  if (!workspace) return ServiceFail(workspace.error());
  TemplateFilter all;
  all.limit = 0;
  auto list = app.accounts().ListTemplates(ws, all);
  if (!list) return ServiceFail(list.error());
  Json templates = Json::array();
  for (const auto& t : *list) {
    if (t.builtin) continue;
    auto versions = app.accounts().ListTemplateVersions(ws, t.id);
    if (!versions) return ServiceFail(versions.error());
    Json vs = Json::array();
    for (const auto& v : *versions)
      vs.push_back({{"version", v.version},
                    {"definition", v.definition},
                    {"created_at", FormatTimestamp(v.created_at)}});
    templates.push_back({{"name", t.name}, {"versions", std::move(vs)}});
  }
  Json out_schedules = Json::array();
  auto sl = schedules.List(ws);
  if (!sl) return ServiceFail(sl.error());
  for (const auto& s : *sl) {
    Json j = Pick(schedules.ToJson(s), ScheduleFields());
    j["paused"] = s.paused;
    out_schedules.push_back(std::move(j));
  }
  Json out_triggers = Json::array();
  auto tl = triggers.List(ws);
  if (!tl) return ServiceFail(tl.error());
  for (const auto& t : *tl) {
    Json j = Pick(triggers.ToJson(t), TriggerFields());
    j["paused"] = t.paused;
    out_triggers.push_back(std::move(j));
  }
  return Json{
      {"atelier_export", kFormat},
      {"exported_at", FormatTimestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count())},
      {"workspace", {{"id", workspace->id}, {"name", workspace->name}}},
      {"templates", std::move(templates)},
      {"schedules", std::move(out_schedules)},
      {"triggers", std::move(out_triggers)}};
}

ServiceResult<Json> ImportWorkspace(App& app, ScheduleService& schedules, TriggerService& triggers,
                                    const std::string& ws, const Json& doc) {
  if (!doc.is_object()) return ServiceFail(Bad("document", "must be a JSON object"));
  if (doc.value("atelier_export", Json()) != kFormat)
    return ServiceFail(Bad("atelier_export",
                           "must be 1: this is not an Atelier workspace export "
                           "(or one of a newer version)"));
  for (const char* key : {"templates", "schedules", "triggers"})
    if (doc.contains(key) && !doc[key].is_array()) return ServiceFail(Bad(key, "must be an array"));
  const Json templates = doc.value("templates", Json::array());
  const Json sched = doc.value("schedules", Json::array());
  const Json trigs = doc.value("triggers", Json::array());

  // Every template version parsed and named consistently before anything is written.
  std::vector<TemplateImport> parsed;
  for (size_t i = 0; i < templates.size(); ++i) {
    const std::string at = "templates[" + std::to_string(i) + "]";
    const Json& t = templates[i];
    if (!t.is_object() || !t.value("name", Json()).is_string() ||
        !t.value("versions", Json()).is_array() || t["versions"].empty())
      return ServiceFail(Bad(at,
                             "must be {\"name\", \"versions\": [{\"version\", "
                             "\"definition\"}, ...]} with at least one version"));
    TemplateImport ti;
    ti.name = t["name"].get<std::string>();
    int64_t last = 0;
    for (size_t j = 0; j < t["versions"].size(); ++j) {
      const std::string vat = at + ".versions[" + std::to_string(j) + "]";
      const Json& v = t["versions"][j];
      if (!v.is_object() || !v.value("version", Json()).is_number_integer() ||
          !v.contains("definition"))
        return ServiceFail(Bad(vat, "must be {\"version\": N, \"definition\": {...}}"));
      const int64_t n = v["version"].get<int64_t>();
      if (n <= last) return ServiceFail(Bad(vat, "versions must be given oldest first"));
      last = n;
      std::vector<ValidationError> errors;
      auto tmpl = ParseTemplate(v["definition"], &errors);
      if (!tmpl)
        return ServiceFail(Bad(vat + ".definition",
                               errors.empty() ? tmpl.error().message() : errors[0].ToString()));
      if (tmpl->name != ti.name)
        return ServiceFail(
            Bad(vat + ".definition", "is named '" + tmpl->name + "', not '" + ti.name + "'"));
      ti.versions.emplace_back(n, std::move(*tmpl));
      ti.definitions.push_back(v["definition"]);
    }
    if (auto existing = app.store().FindTemplate(ws, ti.name); existing && existing->builtin)
      return ServiceFail(
          ServiceError(AlreadyExists(at + ": '" + ti.name +
                                     "' is a built-in template here; rename it in the "
                                     "document to import it as your own"),
                       at));
    parsed.push_back(std::move(ti));
  }
  for (const auto& [list, what] : {std::pair{&sched, "schedules"}, std::pair{&trigs, "triggers"}})
    for (size_t i = 0; i < list->size(); ++i)
      if (!(*list)[i].is_object() || !(*list)[i].value("name", Json()).is_string())
        return ServiceFail(Bad(std::string(what) + "[" + std::to_string(i) + "]",
                               "must be an object with a name"));

  Json report = {
      {"templates", Json::array()}, {"schedules", Json::array()}, {"triggers", Json::array()}};
  // Template name -> source version -> target version, for pinned schedules and triggers.
  std::map<std::string, std::map<int64_t, int64_t>> renumbered;
  for (const auto& ti : parsed) {
    auto before = app.store().FindTemplate(ws, ti.name);
    const int before_version = before ? before->version : 0;
    Json versions = Json::object();
    std::string id;
    int after_version = before_version;
    // A version whose definition this workspace already has (an import done again) maps to it.
    std::vector<TemplateRecord> have;
    if (before) {
      auto listed = app.accounts().ListTemplateVersions(ws, before->id);
      if (!listed) return ServiceFail(ServiceError(listed.error()));
      have = std::move(*listed);
    }
    for (size_t k = 0; k < ti.versions.size(); ++k) {
      const auto& [source, tmpl] = ti.versions[k];
      auto same = std::find_if(have.begin(), have.end(), [&](const TemplateRecord& r) {
        return r.definition == ti.definitions[k];
      });
      if (same != have.end()) {
        renumbered[ti.name][source] = same->version;
        versions[std::to_string(source)] = same->version;
        id = same->id;
        continue;
      }
      auto rec = app.engine().RegisterTemplate(ws, tmpl);
      if (!rec)
        return ServiceFail(ServiceError(
            Status(rec.error().code(), "templates '" + ti.name + "': " + rec.error().message()),
            "templates"));
      renumbered[ti.name][source] = rec->version;
      versions[std::to_string(source)] = rec->version;
      id = rec->id;
      after_version = rec->version;
    }
    report["templates"].push_back({{"name", ti.name},
                                   {"id", id},
                                   {"action", !before                           ? "created"
                                              : after_version != before_version ? "updated"
                                                                                : "unchanged"},
                                   {"versions", versions}});
  }

  auto pin = [&](Json body) {
    if (body.contains("version") && body["version"].is_number_integer()) {
      auto t = renumbered.find(body.value("template", ""));
      if (t != renumbered.end()) {
        auto v = t->second.find(body["version"].get<int64_t>());
        if (v != t->second.end()) body["version"] = v->second;
      }
    }
    return body;
  };
  auto existing_schedules = schedules.List(ws);
  if (!existing_schedules) return ServiceFail(existing_schedules.error());
  for (size_t i = 0; i < sched.size(); ++i) {
    Json body = pin(Pick(sched[i], ScheduleFields()));
    const std::string name = body["name"];
    bool taken = false;
    for (const auto& s : *existing_schedules) taken |= s.name == name;
    if (taken) {
      report["schedules"].push_back(
          {{"name", name}, {"action", "skipped"}, {"reason", "a schedule has this name"}});
      continue;
    }
    auto made = schedules.Create(ws, body);
    if (!made) {
      ServiceError e = made.error();
      e.status = Status(e.status.code(), "schedules[" + std::to_string(i) + "] '" + name +
                                             "': " + e.status.message());
      return ServiceFail(e);
    }
    report["schedules"].push_back({{"name", name}, {"action", "created"}, {"id", made->id}});
  }
  auto existing_triggers = triggers.List(ws);
  if (!existing_triggers) return ServiceFail(existing_triggers.error());
  for (size_t i = 0; i < trigs.size(); ++i) {
    Json body = pin(Pick(trigs[i], TriggerFields()));
    const std::string name = body["name"];
    bool taken = false;
    for (const auto& t : *existing_triggers) taken |= t.name == name;
    if (taken) {
      report["triggers"].push_back(
          {{"name", name}, {"action", "skipped"}, {"reason", "a trigger has this name"}});
      continue;
    }
    auto made = triggers.Create(ws, body);
    if (!made) {
      ServiceError e = made.error();
      e.status = Status(e.status.code(), "triggers[" + std::to_string(i) + "] '" + name +
                                             "': " + e.status.message());
      return ServiceFail(e);
    }
    report["triggers"].push_back({{"name", name},
                                  {"action", "created"},
                                  {"id", made->id},
                                  {"url", "/api/v1/hooks/" + made->id},
                                  {"secret", made->secret}});
  }
  return report;
}

}  // namespace atelier
