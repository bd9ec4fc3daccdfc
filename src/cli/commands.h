// The `atelier` commands: each Add* function declares one subcommand with its options and returns
// what runs it once parsed; main.cc only registers them in order, parses and runs the parsed one.
// The pieces every command shares (the common options, opening the App, exit codes, driving an
// execution to rest) live in command_support.cc.
#pragma once

#include <signal.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "atelier/app/app.h"
#include "atelier/app/service_error.h"

namespace atelier {

// Exit codes: see main.cc.
constexpr int kExitOk = 0, kExitFailed = 1, kExitWaiting = 2, kExitPaused = 3, kExitStopped = 4,
              kExitUsage = 64, kExitInterrupted = 130;

// A registered command: its subcommand, and what runs it once the command line is parsed. The
// option values it reads live as long as `run` (it shares them).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Adds the subcommand `name`, has `declare(subcommand, options)` add its options bound to the
// fields of a new `Options`, and returns it with `run(options)` as what runs it.
template <typename Options, typename Declare>
Command MakeCommand(CLI::App& cli, const char* name, const char* help, Declare declare,
                    int (*run)(const Options&)) {
  auto options = std::make_shared<Options>();
  CLI::App* app = cli.add_subcommand(name, help);
  declare(app, *options);
  return {app, [options, run] { return run(*options); }};
}

// The options most commands share.
struct Common {
  std::string db = "atelier.db";
  std::string blobs;      // "" = beside a SQLite file, in the database on PostgreSQL
  bool credits = false;   // charge workspace credits (serve)
  std::string providers;  // "" = $ATELIER_PROVIDERS, else ./atelier.providers.json when present
  bool json = false;
  int workers = 8;
  int concurrency = 8;
  int max_step_crashes = 3;  // see EngineOptions::max_step_crashes
  int64_t lease_ms = 30000;  // see EngineOptions::lease_ms
};

// --db, and --blobs (where artifacts are kept).
void AddDbOption(CLI::App* c, Common& o);
// --db, then --json
void AddDbAndJsonOptions(CLI::App* c, Common& o);
// --workers, --concurrency, --max-step-crashes, --lease-ms and --providers: for commands that run
// steps.
// `min_workers` 0 (serve): --workers 0 runs no steps in this process (AppOptions::workers).
void AddRunOptions(CLI::App* c, Common& o, int min_workers = 1);
// The required ID positional of the commands on one execution.
void AddExecutionId(CLI::App* c, std::string& id);

// Prints "error: MSG" to stderr and returns `code`.
int Fail(const std::string& msg, int code = kExitFailed);
// As above; an invalid argument is a usage error (64), anything else a failure (1).
int Fail(const Status& s);
// A service's refusal, each input error on a line of its own; exit codes as above.
int Fail(const ServiceError& e);
// `base` with the --input NAME=VALUE options `given`, typed as the default workspace's template
// named `name` declares its inputs (a usage error for a bad one).
Result<Json> TypedInputs(App& app, const std::string& name, const std::vector<std::string>& given,
                         Json base);
// The same, typed as template `t` declares its inputs.
Result<Json> TypedInputs(const Template& t, const std::vector<std::string>& given, Json base);


// The App over the database and providers the common options name.
Result<std::unique_ptr<App>> OpenApp(const Common& c);
// Opens the App and runs `f` on it; a failure to open is reported and exits 1.
int WithApp(const Common& c, const std::function<int(App&)>& f);

// Blocks SIGINT, SIGTERM and SIGHUP in this thread (call it before any thread starts, so they all
// inherit the mask) and returns them: a long-running command (serve, worker) waits for one with
// sigwait, then shuts down gracefully.
sigset_t BlockStopSignals();

// SIGINT, SIGTERM and SIGHUP (a closed terminal): hand running steps back, record the execution
// as interrupted (queued, for `atelier resume`) and exit 130. Make it before the App, so that no
// thread of the App sees those signals.
class SignalWatcher {
 public:
  SignalWatcher();
  ~SignalWatcher();
  void Watch(Engine* engine);

 private:
  std::thread thread_;
};

// Drives an execution in this process until it rests, with live progress, then writes outputs
// (into `out_dir`, default atelier-out/ID) and reports them; returns the exit code of its status.
int DriveAndReport(App& app, SignalWatcher& signals, const std::string& id,
                   const std::string& out_dir, bool json);

// Registration, by file; main.cc registers them in the order `atelier --help` lists them.
// commands_run.cc
Command AddValidate(CLI::App& cli);
Command AddRun(CLI::App& cli);
Command AddEstimate(CLI::App& cli);
// commands_executions.cc: commands that act on one execution
Command AddResume(CLI::App& cli);
Command AddRetry(CLI::App& cli);
Command AddApprove(CLI::App& cli);
Command AddTweak(CLI::App& cli);
Command AddRegenerate(CLI::App& cli);
Command AddRevert(CLI::App& cli);
Command AddMilestone(CLI::App& cli);
Command AddPause(CLI::App& cli);
Command AddStop(CLI::App& cli);
// commands_inspect.cc: commands that only read
Command AddVersions(CLI::App& cli);
Command AddExecutions(CLI::App& cli);
Command AddShow(CLI::App& cli);
Command AddEvents(CLI::App& cli);
// commands_admin.cc
Command AddTemplates(CLI::App& cli);
Command AddServe(CLI::App& cli);
// commands_worker.cc
Command AddWorker(CLI::App& cli);
Command AddKeys(CLI::App& cli);
Command AddOpenApi(CLI::App& cli);
Command AddMcp(CLI::App& cli);
// commands_schedules.cc, commands_triggers.cc, commands_notifications.cc
Command AddSchedules(CLI::App& cli);
Command AddTriggers(CLI::App& cli);
Command AddNotifications(CLI::App& cli);
Command AddRetention(CLI::App& cli);
// commands_fork.cc
Command AddFork(CLI::App& cli);
// commands_transfer.cc
Command AddExport(CLI::App& cli);
Command AddImport(CLI::App& cli);

}  // namespace atelier
