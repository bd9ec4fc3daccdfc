// `atelier triggers`: list, create, show, rotate and delete the inbound webhooks of the default
// workspace (TriggerService, docs/webhooks.md). `atelier serve` answers their deliveries.
#include <iomanip>
#include <iostream>

#include "atelier/app/engine_launch_service.h"
#include "atelier/app/triggers.h"
#include "atelier/core/validation.h"
#include "commands.h"

namespace atelier {
namespace {

struct TriggersOptions {
  Common common;
  CLI::App* list = nullptr;
  CLI::App* create = nullptr;
  CLI::App* show = nullptr;
  CLI::App* rotate = nullptr;
  CLI::App* del = nullptr;
  std::string id;
  std::string name, tmpl, inputs_json;
  int64_t version = 0;
  int64_t tolerance = 0;
  bool paused = false;
  std::vector<std::string> inputs;  // NAME=VALUE
  std::vector<std::string> map;     // INPUT=/pointer
};

void PrintOne(const Json& t) {
  std::cout << "trigger " << t["id"].get<std::string>() << " '" << t["name"].get<std::string>()
            << "'\n  url        POST " << t["url"].get<std::string>() << "\n  template   "
            << t["template"].get<std::string>();
  if (t["version"].is_number()) std::cout << " (version " << t["version"] << ")";
  std::cout << "\n  inputs     " << t["inputs"].dump() << "\n  map        "
            << (t["map"].is_null() ? "the body's fields are the inputs" : t["map"].dump())
            << "\n  tolerance  " << t["tolerance_seconds"] << " s"
            << (t["paused"].get<bool>() ? "\n  paused" : "") << "\n  deliveries "
            << t["delivery_count"];
  if (t["last_execution_id"].is_string())
    std::cout << "; last " << t["last_delivery_at"].get<std::string>() << " -> "
              << t["last_execution_id"].get<std::string>();
  std::cout << "\n";
  if (t.contains("secret"))
    std::cout << "  secret     " << t["secret"].get<std::string>()
              << "\n             (shown only now; sign deliveries with it, docs/webhooks.md)\n";
}

Result<Json> CreateBody(App& app, const TriggersOptions& o) {
  Json body = {{"name", o.name}, {"template", o.tmpl}};
  if (o.version > 0) body["version"] = o.version;
  if (o.tolerance > 0) body["tolerance_seconds"] = o.tolerance;
  if (o.paused) body["paused"] = true;
  Json inputs = Json::object();
  if (!o.inputs_json.empty()) {
    auto parsed = ParseJsonText(o.inputs_json);
    if (!parsed || !parsed->is_object())
      return Err(InvalidArgument("--inputs must be a JSON object, e.g. '{\"tone\": \"warm\"}'"));
    inputs = std::move(*parsed);
  }
  auto typed = TypedInputs(app, o.tmpl, o.inputs, std::move(inputs));
  if (!typed) return Err(typed.error());
  body["inputs"] = std::move(*typed);
  if (!o.map.empty()) {
    Json map = Json::object();
    for (const auto& kv : o.map) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return Err(InvalidArgument("--map expects INPUT=/json/pointer, got '" + kv + "'"));
      map[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    body["map"] = std::move(map);
  }
  return body;
}

int Triggers(const TriggersOptions& o) {
  return WithApp(o.common, [&](App& app) {
    EngineLaunchService launch(&app, /*drive_here=*/false);
    SystemClock clock;
    TriggerService svc(&app, &launch, &clock);
    const std::string ws = App::kWorkspace;
    auto print = [&](const ServiceResult<TriggerRecord>& r, const char* verb, bool secret) {
      if (!r) return Fail(r.error());
      Json j = svc.ToJson(*r, secret);
      if (o.common.json) {
        std::cout << j.dump(2) << "\n";
      } else {
        if (*verb) std::cerr << verb << " trigger " << r->id << "\n";
        PrintOne(j);
      }
      return kExitOk;
    };
    if (o.create->parsed()) {
      auto body = CreateBody(app, o);
      if (!body) return Fail(body.error());
      return print(svc.Create(ws, *body), "created", true);
    }
    if (o.show->parsed()) return print(svc.Get(ws, o.id), "", false);
    if (o.rotate->parsed()) return print(svc.RotateSecret(ws, o.id), "rotated the secret of", true);
    if (o.del->parsed()) {
      auto r = svc.Delete(ws, o.id);
      if (!r) return Fail(r.error());
      std::cerr << "deleted trigger " << o.id << "\n";
      return kExitOk;
    }
    auto list = svc.List(ws);
    if (!list) return Fail(list.error());
    Json rows = Json::array();
    for (const auto& t : *list) rows.push_back(svc.ToJson(t));
    if (o.common.json) {
      std::cout << rows.dump(2) << "\n";
    } else if (rows.empty()) {
      std::cout << "No triggers. Make one: atelier triggers create NAME --template T\n";
    } else {
      std::cout << std::left << std::setw(30) << "ID" << std::setw(20) << "NAME" << std::setw(20)
                << "TEMPLATE" << std::setw(12) << "DELIVERIES"
                << "URL\n";
      for (const Json& t : rows)
        std::cout << std::left << std::setw(30) << t["id"].get<std::string>() << std::setw(20)
                  << t["name"].get<std::string>() << std::setw(20)
                  << t["template"].get<std::string>() << std::setw(12)
                  << t["delivery_count"].get<int64_t>() << t["url"].get<std::string>()
                  << (t["paused"].get<bool>() ? " (paused)" : "") << "\n";
    }
    return kExitOk;
  });
}

}  // namespace

Command AddTriggers(CLI::App& cli) {
  return MakeCommand(
      cli, "triggers", "Inbound webhooks: signed POSTs that launch a template (serve answers them)",
      [](CLI::App* c, TriggersOptions& o) {
        c->require_subcommand(0, 1);
        AddDbAndJsonOptions(c, o.common);
        o.list = c->add_subcommand("list", "List the triggers");
        AddDbAndJsonOptions(o.list, o.common);
        o.create = c->add_subcommand("create", "Make a trigger; prints its secret once");
        o.create->add_option("NAME", o.name, "A name, unique in the workspace")->required();
        o.create->add_option("--template,-t", o.tmpl, "The template's name")->required();
        o.create->add_option("--version", o.version, "Pin a template version")
            ->check(CLI::PositiveNumber);
        o.create->add_option("--input,-i", o.inputs, "Fixed NAME=VALUE (repeatable)");
        o.create->add_option("--inputs", o.inputs_json, "Fixed inputs as a JSON object");
        o.create->add_option("--map", o.map,
                             "INPUT=/json/pointer: the input taken from the delivery's body "
                             "(repeatable; none: the body's fields are the inputs)");
        o.create
            ->add_option("--tolerance", o.tolerance,
                         "Seconds a delivery's timestamp may be off (default 300)")
            ->check(CLI::Range(int64_t{1}, int64_t{86400}));
        o.create->add_flag("--paused", o.paused, "Create it paused (deliveries answer 409)");
        AddDbAndJsonOptions(o.create, o.common);
        for (auto [sub, name, help] :
             {std::tuple{&o.show, "show", "Show a trigger (not its secret)"},
              std::tuple{&o.rotate, "rotate", "A new secret; the old one stops working"},
              std::tuple{&o.del, "delete", "Delete a trigger (its executions stay)"}}) {
          *sub = c->add_subcommand(name, help);
          (*sub)->add_option("ID", o.id, "Trigger id")->required();
          AddDbAndJsonOptions(*sub, o.common);
        }
      },
      &Triggers);
}

}  // namespace atelier
