// Commands on a template file: validate, run, estimate.
#include <iostream>
#include <optional>
#include <vector>

#include "atelier/app/engine_launch_service.h"
#include "atelier/app/files.h"
#include "atelier/app/estimate.h"
#include "atelier/core/validation.h"
#include "commands.h"
#include "output.h"

namespace atelier {
namespace {

struct TemplateFileOptions {
  Common common;
  std::string file;
  std::vector<std::string> inputs;  // NAME=VALUE
  std::string inputs_json;
  std::string out_dir;  // run
};

void AddFileArg(CLI::App* c, TemplateFileOptions& o) {
  c->add_option("FILE", o.file, "Template JSON file")->required();
}

void AddInputOptions(CLI::App* c, TemplateFileOptions& o) {
  c->add_option("--input,-i", o.inputs, "NAME=VALUE (repeatable)");
  c->add_option("--inputs-json", o.inputs_json, "JSON file with an object of inputs");
}

// The template in `file`; when it cannot be read or is not valid, reports why (each validation
// error a line to `errors`), sets `*exit_code` and returns nothing.
std::optional<Template> LoadTemplate(const std::string& file, std::ostream& errors,
                                     int* exit_code) {
  auto text = ReadWholeFile(file);
  if (!text) {
    *exit_code = Fail(text.error());
    return std::nullopt;
  }
  std::vector<ValidationError> list;
  auto t = ParseTemplateText(*text, &list);
  if (!t) {
    for (const auto& e : list) errors << file << ": " << e.ToString() << "\n";
    *exit_code = kExitFailed;
    return std::nullopt;
  }
  return std::move(*t);
}

// The inputs given with --inputs-json, then --input (which wins), typed as `t` declares them.
// Bad input is an invalid argument (a usage error).
Result<Json> GivenInputs(const Template& t, const TemplateFileOptions& o) {
  Json given = Json::object();
  if (!o.inputs_json.empty()) {
    auto js = ReadWholeFile(o.inputs_json);
    if (!js) return Err(js.error());
    auto parsed = ParseJsonText(*js);
    if (!parsed) return Err(InvalidArgument(o.inputs_json + ": " + parsed.error().message()));
    if (!parsed->is_object())
      return Err(InvalidArgument(o.inputs_json + ": must hold a JSON object"));
    given = std::move(*parsed);
  }
  for (const auto& kv : o.inputs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Err(InvalidArgument("--input expects NAME=VALUE, got '" + kv + "'"));
    auto v = CoerceCliInput(t, kv.substr(0, eq), kv.substr(eq + 1));
    if (!v) return Err(InvalidArgument(v.error().message()));
    given[kv.substr(0, eq)] = std::move(*v);
  }
  return given;
}

int Validate(const TemplateFileOptions& o) {
  int rc = kExitOk;
  if (!LoadTemplate(o.file, std::cout, &rc)) return rc;
  std::cout << "ok\n";
  return kExitOk;
}

// Registers the template in the workspace, launches it and drives it here until it rests.
int Run(const TemplateFileOptions& o) {
  int rc = kExitOk;
  auto t = LoadTemplate(o.file, std::cerr, &rc);
  if (!t) return rc;
  auto given = GivenInputs(*t, o);
  if (!given) return Fail(given.error());
  SignalWatcher signals;
  auto app = OpenApp(o.common);
  if (!app) return Fail(app.error());
  // A file equal to a built-in runs the built-in; one that differs under a built-in's name is
  // refused (built-ins are not edited in place).
  auto tmpl = (*app)->engine().RegisterTemplate(App::kWorkspace, *t);
  if (!tmpl && tmpl.error().code() == Code::kAlreadyExists) {
    auto builtin = (*app)->store().FindTemplate(App::kWorkspace, t->name);
    if (builtin && builtin->builtin)
      return Fail(o.file + ": '" + t->name + "' is a built-in template (" + builtin->id +
                  ") and this file differs from it; built-ins are not edited in place: give "
                  "the template in this file another \"name\" to run it as your own");
  }
  if (!tmpl) return Fail(tmpl.error());
  LaunchRequest launch;
  launch.template_id = tmpl->id;
  launch.version = tmpl->version;
  launch.inputs = std::move(*given);
  // Driven below, with the progress display.
  auto out = EngineLaunchService(app->get(), /*drive_here=*/false).Launch(App::kWorkspace, launch);
  if (!out) return Fail(out.error().status);
  const ExecutionRecord* ex = &out->execution;
  // With --json, stdout carries the one JSON document only.
  (o.common.json ? std::cerr : std::cout) << "execution " << ex->id << std::endl;
  return DriveAndReport(**app, signals, ex->id, o.out_dir, o.common.json);
}

int Estimate(const TemplateFileOptions& o) {
  int rc = kExitOk;
  auto t = LoadTemplate(o.file, std::cerr, &rc);
  if (!t) return rc;
  auto given = GivenInputs(*t, o);
  if (!given) return Fail(given.error());
  return WithApp(o.common, [&](App& app) {
    std::vector<ValidationError> input_errors;
    auto resolved = ResolveInputs(*t, *given, &input_errors);
    if (!resolved) {
      for (const auto& e : input_errors) std::cerr << "error: " << e.ToString() << "\n";
      return kExitUsage;
    }
    Json est = EstimateCost(*t, *resolved, app.providers(), app.prices());
    if (o.common.json) {
      std::cout << est.dump(2) << "\n";
    } else {
      PrintEstimate(std::cout, est);
    }
    return kExitOk;
  });
}

}  // namespace

Command AddValidate(CLI::App& cli) {
  return MakeCommand(cli, "validate", "Check a template; print ok or every error", &AddFileArg,
                     &Validate);
}

Command AddRun(CLI::App& cli) {
  return MakeCommand(
      cli, "run", "Run a template until it completes, fails or waits",
      [](CLI::App* c, TemplateFileOptions& o) {
        AddFileArg(c, o);
        AddInputOptions(c, o);
        c->add_option("--out", o.out_dir,
                      "Folder for artifacts and result.json (default atelier-out/ID)");
        AddDbAndJsonOptions(c, o.common);
        AddRunOptions(c, o.common);
      },
      &Run);
}

Command AddEstimate(CLI::App& cli) {
  return MakeCommand(
      cli, "estimate", "What a run would cost, before launching it",
      [](CLI::App* c, TemplateFileOptions& o) {
        AddFileArg(c, o);
        AddInputOptions(c, o);
        AddDbAndJsonOptions(c, o.common);
        c->add_option("--providers", o.common.providers, "Providers file (with prices)");
      },
      &Estimate);
}

}  // namespace atelier
