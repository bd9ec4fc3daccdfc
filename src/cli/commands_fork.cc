// `atelier fork`: a new execution from one step of a completed, failed or stopped one (the step
// and what follows it run again, the rest is kept), driven here until it rests like `run`.
#include <iostream>
#include <vector>

#include "atelier/app/engine_launch_service.h"
#include "atelier/core/validation.h"
#include "commands.h"

namespace atelier {
namespace {

struct ForkOptions {
  Common common;
  std::string id;
  std::string step;
  std::vector<std::string> inputs;    // NAME=VALUE
  std::vector<std::string> settings;  // NODE.KEY=VALUE
  int version = 0;
  std::string out_dir;
};

// --set NODE.KEY=VALUE: VALUE is JSON when it parses as JSON (5, true, "x", {...}, null removes
// the key), else the text itself.
Result<Json> Settings(const std::vector<std::string>& given) {
  Json settings = Json::object();
  for (const auto& s : given) {
    const size_t eq = s.find('=');
    const size_t dot = s.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 >= eq)
      return Err(InvalidArgument("--set expects NODE.KEY=VALUE, got '" + s + "'"));
    const std::string text = s.substr(eq + 1);
    auto parsed = ParseJsonText(text);
    settings[s.substr(0, dot)][s.substr(dot + 1, eq - dot - 1)] = parsed ? *parsed : Json(text);
  }
  return settings;
}

int RunFork(const ForkOptions& o) {
  auto settings = Settings(o.settings);
  if (!settings) return Fail(settings.error());
  SignalWatcher signals;
  auto app = OpenApp(o.common);
  if (!app) return Fail(app.error());
  auto source = (*app)->store().GetExecution(App::kWorkspace, o.id);
  if (!source) return Fail(source.error());
  // --input values are typed as the version the fork runs declares its inputs.
  auto graph = (*app)->engine().GraphFor(App::kWorkspace, source->template_id,
                                         o.version ? o.version : source->template_version);
  if (!graph) return Fail(graph.error());
  auto inputs = TypedInputs((*graph)->tmpl(), o.inputs, Json::object());
  if (!inputs) return Fail(inputs.error());
  ForkRequest r;
  r.execution_id = o.id;
  r.step = o.step;
  if (!inputs->empty()) r.inputs = std::move(*inputs);
  if (o.version) r.version = o.version;
  if (!settings->empty()) r.settings = std::move(*settings);
  // Driven below, with the progress display.
  auto out = EngineLaunchService(app->get(), /*drive_here=*/false).Fork(App::kWorkspace, r);
  if (!out) return Fail(out.error());
  const ExecutionRecord& ex = out->execution;
  (o.common.json ? std::cerr : std::cout) << "execution " << ex.id << " (a fork of " << o.id
                                          << " from step '" << o.step << "')" << std::endl;
  return DriveAndReport(**app, signals, ex.id, o.out_dir, o.common.json);
}

}  // namespace

Command AddFork(CLI::App& cli) {
  return MakeCommand(
      cli, "fork",
      "Start a new execution from a step of a finished one: that step and what follows run "
      "again, the rest is kept",
      [](CLI::App* c, ForkOptions& o) {
        AddExecutionId(c, o.id);
        c->add_option("--step", o.step, "The step to run again, with everything after it")
            ->required();
        c->add_option("--input,-i", o.inputs, "NAME=VALUE: an input to change (repeatable)");
        c->add_option("--version", o.version,
                      "Run another version of the template (its part before the step unchanged)")
            ->check(CLI::PositiveNumber);
        c->add_option("--set", o.settings,
                      "NODE.KEY=VALUE: change a setting of the step or one after it, e.g. "
                      "--set hero.size=1024x1024 (VALUE as JSON when it parses; repeatable); "
                      "stored as a new version of the template");
        c->add_option("--out", o.out_dir, "Folder for artifacts and result.json");
        AddDbAndJsonOptions(c, o.common);
        AddRunOptions(c, o.common);
      },
      &RunFork);
}

}  // namespace atelier
