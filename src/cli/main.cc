// The `atelier` command line: validate, run, resume, approve, pause, stop, retry, executions,
// show, events, templates, serve, keys. Exit codes: 0 completed (or success), 1 failed / error, 2
// waiting for a decision, 3 paused, 4 stopped, 64 usage error (also an unknown command), 130
// interrupted by SIGINT, SIGTERM or SIGHUP (the execution is queued again; `atelier resume ID`
// continues it). With --json, stdout holds one JSON document and nothing else.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/app.h"
#include "app/estimate.h"
#include "atelier/core/validation.h"
#include "atelier/engine/clock.h"
#include "atelier/engine/records_json.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "server/api_keys.h"
#include "server/server.h"

#ifndef ATELIER_VERSION
#define ATELIER_VERSION "unknown"
#endif

namespace atelier {
namespace {

// `atelier serve`: the API until SIGTERM, SIGINT or SIGHUP (a closed terminal), then a graceful
// shutdown (exit 0).
int Serve(const Common& common, const std::string& listen, ServerOptions opts, int64_t grace_ms) {
  if (Status s = ParseListenAddress(listen, &opts.host, &opts.port); !s.ok())
    return Fail(s.message(), kExitUsage);
  // Blocked before any thread starts, so only sigwait below receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto app = OpenApp(common);
  if (!app) return Fail(app.error());
  auto first = BootstrapAdminKey(**app, SystemClock().NowMs());
  if (!first) return Fail(first.error());
  if (*first) {
    std::cout << "No API keys yet: created an admin key for workspace '" << App::kWorkspace
              << "'. It is shown only this once:\n"
              << (*first)->secret << std::endl;
  }
  Server server(app->get(), opts);
  if (Status s = server.Start(); !s.ok()) return Fail(s);
  std::cout << "listening on http://" << opts.host << ":" << server.port() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop(grace_ms);
  return kExitOk;
}

}  // namespace

namespace {

int MainUnguarded(int argc, char** argv) {
  CLI::App cli{"Atelier: durable workflows for AI content pipelines"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "atelier " ATELIER_VERSION, "Print the version and exit");
  cli.set_help_all_flag("--help-all", "Show help for every command");
  Common common;
  // validate
  std::string file;
  auto* validate = cli.add_subcommand("validate", "Check a template; print ok or every error");
  validate->add_option("FILE", file, "Template JSON file")->required();

  // run
  std::vector<std::string> inputs;
  std::string inputs_json, out_dir;
  auto* run = cli.add_subcommand("run", "Run a template until it completes, fails or waits");
  run->add_option("FILE", file, "Template JSON file")->required();
  run->add_option("--input,-i", inputs, "NAME=VALUE (repeatable)");
  run->add_option("--inputs-json", inputs_json, "JSON file with an object of inputs");
  run->add_option("--out", out_dir,
                  "Folder for artifacts and result.json (default atelier-out/ID)");
  AddDbAndJsonOptions(run, common);
  AddRunOptions(run, common);

  auto* estimate = cli.add_subcommand("estimate", "What a run would cost, before launching it");
  estimate->add_option("FILE", file, "Template JSON file")->required();
  estimate->add_option("--input,-i", inputs, "NAME=VALUE (repeatable)");
  estimate->add_option("--inputs-json", inputs_json, "JSON file with an object of inputs");
  AddDbAndJsonOptions(estimate, common);
  estimate->add_option("--providers", common.providers, "Providers file (with prices)");

  // commands on an execution
  std::string id, step, decision, comment, instruction;
  auto* resume = cli.add_subcommand("resume", "Resume a paused or interrupted execution here");
  auto* retry = cli.add_subcommand("retry", "Re-run the failed, cancelled and never-run steps");
  auto* approve = cli.add_subcommand("approve", "Decide an approval step, then continue");
  for (auto* c : {resume, retry, approve}) {
    AddExecutionId(c, id);
    if (c == retry)
      c->add_option("--step", step,
                    "Only the failed items of this map (or this one failed item), even while "
                    "the execution waits at a later approval");
    if (c == approve) {
      c->add_option("STEP", step, "The waiting approval step")->required();
      c->add_option("--decision", decision, "approve, reject, or tweak (with --instruction)")
          ->required()
          ->check(CLI::IsMember({"approve", "reject", "tweak"}));
      c->add_option("--comment", comment, "Note recorded with the decision");
      c->add_option("--instruction", instruction,
                    "With --decision tweak: what to change in the reviewed step");
    }
    c->add_option("--out", out_dir, "Folder for artifacts and result.json");
    AddDbAndJsonOptions(c, common);
    AddRunOptions(c, common);
  }
  // new versions of a generative step
  int version = 0;
  auto* tweak = cli.add_subcommand(
      "tweak", "Refine a step by continuing its session, then re-run what depends on it");
  auto* regenerate =
      cli.add_subcommand("regenerate", "Run a step again with the same settings, as a new version");
  auto* revert = cli.add_subcommand("revert", "Make a kept version of a step current again");
  for (auto* c : {tweak, regenerate, revert}) {
    AddExecutionId(c, id);
    c->add_option("STEP", step,
                  "A succeeded generate_text, generate_image or refine step, or a map item such "
                  "as 'sections[2]' (regenerate and revert: also export, attach, transform, code)")
        ->required();
    if (c == tweak) c->add_option("--instruction", instruction, "What to change")->required();
    if (c == revert) c->add_option("--version", version, "The version to restore")->required();
    c->add_option("--out", out_dir, "Folder for artifacts and result.json");
    AddDbAndJsonOptions(c, common);
    AddRunOptions(c, common);
  }
  auto* versions = cli.add_subcommand("versions", "Every kept version of a step");
  AddExecutionId(versions, id);
  versions->add_option("STEP", step, "The step")->required();
  AddDbAndJsonOptions(versions, common);

  // business states
  std::string milestone, note, by;
  auto* mark =
      cli.add_subcommand("milestone", "Mark a manual milestone of an execution (who, note)");
  AddExecutionId(mark, id);
  mark->add_option("MILESTONE", milestone, "A manual milestone the template declares")->required();
  mark->add_option("--note", note, "What happened (\"sent to the client by email\")");
  mark->add_option("--by", by, "Who marks it (default: $USER)");
  AddDbAndJsonOptions(mark, common);

  auto* pause = cli.add_subcommand("pause", "Pause: running steps finish, nothing new starts");
  auto* stop = cli.add_subcommand("stop", "Stop: cancel running steps at once");
  for (auto* c : {pause, stop}) {
    AddExecutionId(c, id);
    AddDbOption(c, common);
  }

  // inspection
  std::string status_filter;
  int limit = 50;
  int64_t after = 0;
  auto* executions = cli.add_subcommand("executions", "List executions, newest first");
  executions->add_option("--status", status_filter, "Only this status");
  executions->add_option("--limit", limit, "At most this many")->check(CLI::Range(1, 100000));
  AddDbAndJsonOptions(executions, common);
  auto* show = cli.add_subcommand("show", "An execution's steps, attempts, errors and artifacts");
  AddExecutionId(show, id);
  AddDbAndJsonOptions(show, common);
  auto* events = cli.add_subcommand("events", "An execution's event log");
  AddExecutionId(events, id);
  events->add_option("--after", after, "Only events with a larger sequence number");
  AddDbAndJsonOptions(events, common);

  // the workspace's templates
  std::string clone_name;
  auto* templates = cli.add_subcommand("templates", "List the templates (built-ins marked)");
  templates->require_subcommand(0, 1);
  AddDbAndJsonOptions(templates, common);
  auto* templates_clone = templates->add_subcommand(
      "clone", "Copy a template (a built-in, say) under a new name, as an editable template");
  templates_clone->add_option("TEMPLATE", id, "Template id or name")->required();
  templates_clone->add_option("NAME", clone_name, "Name of the copy")->required();
  AddDbAndJsonOptions(templates_clone, common);

  // serve
  std::string listen = "127.0.0.1:8080";
  ServerOptions server_opts;
  int64_t grace_ms = 5000;
  auto* serve = cli.add_subcommand("serve", "Serve the REST API (docs/api.md) and run executions");
  AddDbOption(serve, common);
  AddRunOptions(serve, common);
  serve->add_option("--listen", listen, "HOST:PORT to listen on (PORT 0: any free port)")
      ->capture_default_str();
  serve
      ->add_option("--http-threads", server_opts.threads,
                   "Threads that run request handlers (connections and event streams hold none)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  serve
      ->add_option("--max-connections", server_opts.max_connections,
                   "Open connections in all (more answer 503)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  serve
      ->add_option("--max-connections-per-client", server_opts.max_connections_per_client,
                   "Open connections per client address (more answer 503)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  serve
      ->add_option("--max-unauthenticated-per-client", server_opts.max_unauthenticated_per_client,
                   "Per client address, connections that have not shown an API key; over it the "
                   "oldest idle one is closed")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  serve
      ->add_option("--header-timeout-ms", server_opts.header_timeout_ms,
                   "Time for a request's headers to arrive (and keep-alive idle time)")
      ->check(CLI::Range(int64_t{100}, int64_t{3600000}))
      ->capture_default_str();
  serve->add_option("--max-body", server_opts.max_body_bytes, "Largest request body, bytes")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30))
      ->capture_default_str();
  serve
      ->add_option("--heartbeat-ms", server_opts.heartbeat_ms,
                   "Heartbeat interval of idle event streams")
      ->check(CLI::Range(int64_t{10}, int64_t{3600000}))
      ->capture_default_str();
  bool no_credits = false;
  serve->add_flag("--no-credits", no_credits,
                  "Do not charge provider calls to workspace credits (by default a paid step "
                  "reserves its estimate first and pauses its execution when the workspace is "
                  "short)");
  serve
      ->add_option("--grace-ms", grace_ms,
                   "On SIGTERM/SIGINT: how long running steps get to commit before they are "
                   "handed back")
      ->check(CLI::Range(int64_t{0}, int64_t{600000}))
      ->capture_default_str();

  // keys
  std::string key_ws, key_role, key_name;
  auto* keys = cli.add_subcommand("keys", "Manage API keys");
  keys->require_subcommand(1);
  auto* keys_create = keys->add_subcommand("create", "Make an API key; prints its secret once");
  AddDbOption(keys_create, common);
  keys_create->add_option("--workspace", key_ws, "Workspace id (created when absent)")->required();
  keys_create->add_option("--role", key_role, "viewer, editor or admin")
      ->required()
      ->check(CLI::IsMember({"viewer", "editor", "admin"}));
  keys_create->add_option("--name", key_name, "A label for the key");

  // An unknown command is a usage error, not a reason to print the help and succeed.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string name = argv[1];
    std::string known;
    bool found = false;
    for (const CLI::App* c : cli.get_subcommands({})) {
      found = found || c->get_name() == name;
      known += (known.empty() ? "" : ", ") + c->get_name();
    }
    if (!found)
      return Fail("unknown command '" + name + "'; the commands are: " + known +
                      " (atelier --help explains them)",
                  kExitUsage);
  }

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = cli.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  if (serve->parsed()) {
    Common served = common;
    served.credits = !no_credits;
    return Serve(served, listen, server_opts, grace_ms);
  }
  if (keys_create->parsed()) {
    auto app = OpenApp(common);
    if (!app) return Fail(app.error());
    if (auto made = (*app)->EnsureWorkspace(key_ws, key_ws); !made) return Fail(made.error());
    auto key = CreateApiKey((*app)->accounts(), key_ws, *RoleFromName(key_role), key_name,
                            SystemClock().NowMs());
    if (!key) return Fail(key.error());
    std::cout << key->secret << std::endl;
    std::cerr << "created " << key_role << " key " << key->record.id << " for workspace " << key_ws
              << "; the secret above is shown only once\n";
    return kExitOk;
  }

  if (validate->parsed()) {
    auto text = ReadFile(file);
    if (!text) return Fail(text.error());
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(*text, &errors);
    if (t) {
      std::cout << "ok\n";
      return kExitOk;
    }
    for (const auto& e : errors) std::cout << file << ": " << e.ToString() << "\n";
    return kExitFailed;
  }

  if (run->parsed() || estimate->parsed()) {
    auto text = ReadFile(file);
    if (!text) return Fail(text.error());
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(*text, &errors);
    if (!t) {
      for (const auto& e : errors) std::cerr << file << ": " << e.ToString() << "\n";
      return kExitFailed;
    }
    Json given = Json::object();
    if (!inputs_json.empty()) {
      auto js = ReadFile(inputs_json);
      if (!js) return Fail(js.error());
      auto parsed = ParseJsonText(*js);
      if (!parsed) return Fail(inputs_json + ": " + parsed.error().message(), kExitUsage);
      if (!parsed->is_object()) return Fail(inputs_json + ": must hold a JSON object", kExitUsage);
      given = std::move(*parsed);
    }
    for (const auto& kv : inputs) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return Fail("--input expects NAME=VALUE, got '" + kv + "'", kExitUsage);
      auto v = CoerceCliInput(*t, kv.substr(0, eq), kv.substr(eq + 1));
      if (!v) return Fail(v.error().message(), kExitUsage);
      given[kv.substr(0, eq)] = std::move(*v);
    }
    if (estimate->parsed()) {
      auto app = OpenApp(common);
      if (!app) return Fail(app.error());
      std::vector<ValidationError> input_errors;
      auto resolved = ResolveInputs(*t, given, &input_errors);
      if (!resolved) {
        for (const auto& e : input_errors) std::cerr << "error: " << e.ToString() << "\n";
        return kExitUsage;
      }
      Json est = EstimateCost(*t, *resolved, (*app)->providers(), (*app)->prices());
      if (common.json) {
        std::cout << est.dump(2) << "\n";
      } else {
        PrintEstimate(std::cout, est);
      }
      return kExitOk;
    }
    SignalWatcher signals;
    auto app = OpenApp(common);
    if (!app) return Fail(app.error());
    // A file equal to a built-in runs the built-in; one that differs under a built-in's name is
    // refused (built-ins are not edited in place).
    auto tmpl = (*app)->engine().RegisterTemplate(App::kWorkspace, *t);
    if (!tmpl && tmpl.error().code() == Code::kAlreadyExists) {
      auto builtin = (*app)->store().FindTemplate(App::kWorkspace, t->name);
      if (builtin && builtin->builtin)
        return Fail(file + ": '" + t->name + "' is a built-in template (" + builtin->id +
                    ") and this file differs from it; built-ins are not edited in place: give "
                    "the template in this file another \"name\" to run it as your own");
    }
    if (!tmpl) return Fail(tmpl.error());
    auto ex = (*app)->engine().Launch(App::kWorkspace, *tmpl, given);
    if (!ex) return Fail(ex.error());
    // With --json, stdout carries the one JSON document only.
    (common.json ? std::cerr : std::cout) << "execution " << ex->id << std::endl;
    return DriveAndReport(**app, signals, ex->id, out_dir, common.json);
  }

  if (resume->parsed() || retry->parsed() || approve->parsed() || pause->parsed() ||
      stop->parsed() || tweak->parsed() || regenerate->parsed() || revert->parsed()) {
    SignalWatcher signals;
    auto app = OpenApp(common);
    if (!app) return Fail(app.error());
    Engine& engine = (*app)->engine();
    Status s;
    if (resume->parsed()) s = engine.Resume(App::kWorkspace, id);
    if (retry->parsed())
      s = step.empty() ? engine.Retry(App::kWorkspace, id)
                       : engine.RetryStep(App::kWorkspace, id, step);
    if (approve->parsed()) {
      if (decision == "tweak" && instruction.empty())
        return Fail("--decision tweak needs --instruction TEXT", kExitUsage);
      s = engine.Decide(App::kWorkspace, id, step, {decision, comment, instruction});
    }
    if (pause->parsed()) s = engine.Pause(App::kWorkspace, id);
    if (stop->parsed()) s = engine.Stop(App::kWorkspace, id);
    if (tweak->parsed()) s = engine.Tweak(App::kWorkspace, id, step, instruction);
    if (regenerate->parsed()) s = engine.Regenerate(App::kWorkspace, id, step);
    if (revert->parsed()) s = engine.Revert(App::kWorkspace, id, step, version);
    if (!s.ok()) return Fail(s);
    if (pause->parsed() || stop->parsed()) {
      auto rec = (*app)->store().GetExecution(App::kWorkspace, id);
      if (!rec) return Fail(rec.error());
      std::cout << ExecStatusName(rec->status) << " " << id << "\n";
      return kExitOk;
    }
    return DriveAndReport(**app, signals, id, out_dir, common.json);
  }

  auto app = OpenApp(common);
  if (!app) return Fail(app.error());
  if (templates_clone->parsed()) {
    std::string tid = id;
    if (auto by_name = (*app)->store().FindTemplate(App::kWorkspace, id)) tid = by_name->id;
    auto rec =
        CloneTemplate((*app)->engine(), (*app)->store(), App::kWorkspace, tid, 0, clone_name);
    if (!rec) return Fail(rec.error());
    PrintTemplates({*rec}, common.json);
    return kExitOk;
  }
  if (templates->parsed()) {
    TemplateFilter f;
    f.limit = 0;
    auto list = (*app)->accounts().ListTemplates(App::kWorkspace, f);
    if (!list) return Fail(list.error());
    PrintTemplates(*list, common.json);
    return kExitOk;
  }
  if (executions->parsed()) {
    ExecutionFilter f;
    f.limit = limit;
    if (!status_filter.empty()) {
      f.status = ExecStatusFromName(status_filter);
      if (!f.status)
        return Fail("--status: unknown status '" + status_filter +
                        "'; use queued, running, paused, waiting, completed, failed or stopped",
                    kExitUsage);
    }
    auto list = (*app)->store().ListExecutions(App::kWorkspace, f);
    if (!list) return Fail(list.error());
    PrintExecutions(**app, *list, common.json);
    return kExitOk;
  }
  if (show->parsed()) {
    auto report = DescribeExecution(**app, App::kWorkspace, id);
    if (!report) return Fail(report.error());
    if (common.json) {
      std::cout << report->dump(2) << "\n";
    } else {
      PrintShow(std::cout, *report);
    }
    return kExitOk;
  }
  if (mark->parsed()) {
    if (by.empty()) {
      const char* user = std::getenv("USER");
      by = user && *user ? user : "";
    }
    if (by.empty()) return Fail("--by NAME is needed (USER is not set)", kExitUsage);
    Status s = (*app)->engine().MarkMilestone(App::kWorkspace, id, milestone, by, note);
    if (!s.ok()) return Fail(s);
    auto report = DescribeExecution(**app, App::kWorkspace, id);
    if (!report) return Fail(report.error());
    if (common.json) {
      std::cout << (*report)["milestones"].dump(2) << "\n";
    } else {
      std::cout << "marked " << milestone << " of " << id << " by " << by << "\n";
      (*report)["files"] = Json::array();  // the summary lists written files; none here
      PrintSummary(std::cout, *report);
    }
    return kExitOk;
  }
  if (versions->parsed()) {
    auto list = (*app)->store().ListStepVersions(App::kWorkspace, id, step);
    if (!list) return Fail(list.error());
    if (list->empty())
      return Fail("step '" + step + "' of execution " + id +
                  " has no kept versions (only generate_text and generate_image steps keep them)");
    PrintVersions(std::cout, *list, common.json);
    return kExitOk;
  }
  if (events->parsed()) {
    Json all = Json::array();
    for (;;) {
      auto page = (*app)->store().ReadEvents(App::kWorkspace, id, after, 1000);
      if (!page) return Fail(page.error());
      for (const auto& e : *page) {
        if (common.json) {
          all.push_back(ToJson(e));
        } else {
          std::cout << e.seq << "  " << FormatTimestamp(e.ts) << "  " << e.type
                    << (e.step_id.empty() ? "" : "  " + e.step_id) << "  " << e.payload.dump()
                    << "\n";
        }
        after = e.seq;
      }
      if (page->size() < 1000) break;
    }
    if (common.json) std::cout << all.dump(2) << "\n";
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace

// No input ends the program through std::terminate: whatever escapes a command is reported and
// exits 1 (64 when it is an argument the command could not take).
int Main(int argc, char** argv) {
  try {
    return MainUnguarded(argc, argv);
  } catch (const std::invalid_argument& e) {
    return Fail(std::string("invalid argument: ") + e.what(), kExitUsage);
  } catch (const std::out_of_range& e) {
    return Fail(std::string("argument out of range: ") + e.what(), kExitUsage);
  } catch (const std::exception& e) {
    return Fail(std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail("internal error: unknown exception");
  }
}

}  // namespace atelier

int main(int argc, char** argv) { return atelier::Main(argc, argv); }
