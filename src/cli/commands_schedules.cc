// `atelier schedules`: list, create, show, pause, resume and delete the schedules of the default
// workspace (ScheduleService, docs/schedules.md). `atelier serve` fires them; these commands only
// change the rows, so they work while a server runs on the same database.
#include <iomanip>
#include <iostream>

#include "atelier/app/engine_launch_service.h"
#include "atelier/app/schedules.h"
#include "atelier/core/validation.h"
#include "commands.h"

namespace atelier {
namespace {

struct SchedulesOptions {
  Common common;
  CLI::App* list = nullptr;
  CLI::App* create = nullptr;
  CLI::App* show = nullptr;
  CLI::App* pause = nullptr;
  CLI::App* resume = nullptr;
  CLI::App* del = nullptr;
  std::string id;  // show, pause, resume, delete
  // create
  std::string name, tmpl, cron, time_zone, start_at, catch_up, inputs_json;
  int64_t every = 0;
  int64_t version = 0;
  int64_t grace = 0;
  bool paused = false;
  std::vector<std::string> inputs;  // NAME=VALUE
};

std::string When(const Json& s) {
  if (s["cron"].is_string()) {
    return s["cron"].get<std::string>() + " (" + s["time_zone"].get<std::string>() + ")";
  }
  return "every " + std::to_string(s["every_seconds"].get<int64_t>()) + " s";
}

void PrintList(const std::vector<Json>& list) {
  std::cout << std::left << std::setw(30) << "ID" << std::setw(20) << "NAME" << std::setw(20)
            << "TEMPLATE" << std::setw(28) << "WHEN" << std::setw(26) << "NEXT"
            << "LAST\n";
  for (const Json& s : list) {
    std::string last =
        s["last_execution_id"].is_string() ? s["last_execution_id"].get<std::string>() : "";
    if (s["last_error"].is_string()) last = "error: " + s["last_error"].get<std::string>();
    std::cout << std::left << std::setw(30) << s["id"].get<std::string>() << std::setw(20)
              << s["name"].get<std::string>() << std::setw(20) << s["template"].get<std::string>()
              << std::setw(28) << When(s) << std::setw(26)
              << (s["paused"].get<bool>() ? "paused" : s["next_due_at"].get<std::string>()) << last
              << "\n";
  }
}

void PrintOne(const Json& s) {
  std::cout << "schedule " << s["id"].get<std::string>() << " '" << s["name"].get<std::string>()
            << "'\n  template   " << s["template"].get<std::string>();
  if (s["version"].is_number()) std::cout << " (version " << s["version"] << ")";
  std::cout << "\n  inputs     " << s["inputs"].dump() << "\n  when       " << When(s)
            << "\n  catch-up   " << s["catch_up"].get<std::string>() << " (missed after "
            << s["misfire_grace_seconds"] << " s)\n";
  if (s["paused"].get<bool>()) {
    std::cout << "  paused\n";
  } else {
    std::cout << "  next       ";
    for (size_t i = 0; i < s["next_fire_times"].size(); ++i)
      std::cout << (i ? "\n             " : "") << s["next_fire_times"][i].get<std::string>();
    std::cout << "\n";
  }
  std::cout << "  fired      " << s["fire_count"] << " time(s), skipped " << s["skip_count"];
  if (s["last_fired_at"].is_string())
    std::cout << "; last at " << s["last_fired_at"].get<std::string>();
  if (s["last_execution_id"].is_string())
    std::cout << " -> " << s["last_execution_id"].get<std::string>();
  std::cout << "\n";
  if (s["last_error"].is_string())
    std::cout << "  last error " << s["last_error"].get<std::string>() << "\n";
}

// The request body `create` makes of its options; inputs typed as the template declares them.
Result<Json> CreateBody(App& app, const SchedulesOptions& o) {
  Json body = {{"name", o.name}, {"template", o.tmpl}};
  if (o.version > 0) body["version"] = o.version;
  if (!o.cron.empty()) body["cron"] = o.cron;
  if (!o.time_zone.empty()) body["time_zone"] = o.time_zone;
  if (o.every > 0) body["every_seconds"] = o.every;
  if (!o.start_at.empty()) body["start_at"] = o.start_at;
  if (!o.catch_up.empty()) body["catch_up"] = o.catch_up;
  if (o.grace > 0) body["misfire_grace_seconds"] = o.grace;
  if (o.paused) body["paused"] = true;
  Json inputs = Json::object();
  if (!o.inputs_json.empty()) {
    auto parsed = ParseJsonText(o.inputs_json);
    if (!parsed || !parsed->is_object())
      return Err(InvalidArgument("--inputs must be a JSON object, e.g. '{\"topic\": \"otters\"}'"));
    inputs = std::move(*parsed);
  }
  auto typed = TypedInputs(app, o.tmpl, o.inputs, std::move(inputs));
  if (!typed) return Err(typed.error());
  inputs = std::move(*typed);
  body["inputs"] = inputs;
  return body;
}

int Schedules(const SchedulesOptions& o) {
  return WithApp(o.common, [&](App& app) {
    EngineLaunchService launch(&app, /*drive_here=*/false);
    SystemClock clock;
    ScheduleService svc(&app, &launch, &clock);
    const std::string ws = App::kWorkspace;
    auto print = [&](const ServiceResult<ScheduleRecord>& r, const char* verb) {
      if (!r) return Fail(r.error());
      Json j = svc.ToJson(*r);
      if (o.common.json) {
        std::cout << j.dump(2) << "\n";
      } else {
        if (*verb) std::cerr << verb << " schedule " << r->id << "\n";
        PrintOne(j);
      }
      return kExitOk;
    };
    if (o.create->parsed()) {
      auto body = CreateBody(app, o);
      if (!body) return Fail(body.error());
      return print(svc.Create(ws, *body), "created");
    }
    if (o.show->parsed()) return print(svc.Get(ws, o.id), "");
    if (o.pause->parsed()) return print(svc.SetPaused(ws, o.id, true), "paused");
    if (o.resume->parsed()) return print(svc.SetPaused(ws, o.id, false), "resumed");
    if (o.del->parsed()) {
      auto r = svc.Delete(ws, o.id);
      if (!r) return Fail(r.error());
      std::cerr << "deleted schedule " << o.id << "\n";
      return kExitOk;
    }
    auto list = svc.List(ws);
    if (!list) return Fail(list.error());
    std::vector<Json> rows;
    for (const auto& s : *list) rows.push_back(svc.ToJson(s));
    if (o.common.json) {
      std::cout << Json(rows).dump(2) << "\n";
    } else if (rows.empty()) {
      std::cout << "No schedules. Make one: atelier schedules create NAME --template T --cron "
                   "'0 9 * * 1'\n";
    } else {
      PrintList(rows);
    }
    return kExitOk;
  });
}

}  // namespace

Command AddSchedules(CLI::App& cli) {
  return MakeCommand(
      cli, "schedules",
      "Launch templates on a cron expression or an interval (atelier serve fires them)",
      [](CLI::App* c, SchedulesOptions& o) {
        c->require_subcommand(0, 1);
        AddDbAndJsonOptions(c, o.common);
        o.list = c->add_subcommand("list", "List the schedules with their next due time");
        AddDbAndJsonOptions(o.list, o.common);
        o.create = c->add_subcommand("create", "Make a schedule");
        o.create->add_option("NAME", o.name, "A name, unique in the workspace")->required();
        o.create->add_option("--template,-t", o.tmpl, "The template's name")->required();
        auto* cron = o.create->add_option("--cron", o.cron,
                                          "5 fields: minute hour day-of-month month day-of-week "
                                          "(or @hourly, @daily, @weekly, @monthly, @yearly)");
        auto* every = o.create->add_option("--every", o.every, "Seconds between launches")
                          ->check(CLI::Range(int64_t{1}, int64_t{31622400}));
        cron->excludes(every);
        o.create->add_option("--tz", o.time_zone, "IANA time zone of --cron (default UTC)")
            ->needs(cron);
        o.create
            ->add_option("--start-at", o.start_at,
                         "First launch of --every (ISO-8601; default now + the interval)")
            ->needs(every);
        o.create->add_option("--version", o.version, "Pin a template version (default: current)")
            ->check(CLI::PositiveNumber);
        o.create->add_option("--input,-i", o.inputs, "NAME=VALUE (repeatable)");
        o.create->add_option("--inputs", o.inputs_json, "A JSON object of inputs");
        o.create
            ->add_option("--catch-up", o.catch_up,
                         "A due time missed by more than --grace: run_once (default) or skip")
            ->check(CLI::IsMember({"run_once", "skip"}));
        o.create
            ->add_option("--grace", o.grace,
                         "Seconds late after which a due time counts as missed (default 60)")
            ->check(CLI::Range(int64_t{1}, int64_t{604800}));
        o.create->add_flag("--paused", o.paused, "Create it paused");
        AddDbAndJsonOptions(o.create, o.common);
        for (auto [sub, name, help] :
             {std::tuple{&o.show, "show", "Show a schedule and its next five fire times"},
              std::tuple{&o.pause, "pause", "Pause: nothing fires until resumed"},
              std::tuple{&o.resume, "resume", "Resume: the next due time after now"},
              std::tuple{&o.del, "delete", "Delete a schedule (its executions stay)"}}) {
          *sub = c->add_subcommand(name, help);
          (*sub)->add_option("ID", o.id, "Schedule id")->required();
          AddDbAndJsonOptions(*sub, o.common);
        }
      },
      &Schedules);
}

}  // namespace atelier
