// What the commands share: the common options, errors and exit codes, opening the App, and
// driving an execution to rest with a watch on the signals that interrupt it.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "atelier/core/validation.h"
#include "commands.h"
#include "output.h"

namespace atelier {
namespace {

std::atomic<bool> g_interrupted{false};

int ExitCodeFor(ExecStatus s) {
  switch (s) {
    case ExecStatus::kCompleted:
      return kExitOk;
    case ExecStatus::kWaiting:
      return kExitWaiting;
    case ExecStatus::kPaused:
      return kExitPaused;
    case ExecStatus::kStopped:
      return kExitStopped;
    case ExecStatus::kRunning:
    case ExecStatus::kQueued:
      return g_interrupted ? kExitInterrupted : kExitFailed;
    default:
      return kExitFailed;
  }
}

// The signals that interrupt a run, plus SIGUSR1: the watcher's own wake-up at exit.
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

// The stop signals, and SIGUSR1 with which the watcher's owner wakes it to end.
sigset_t WatchedSignals() {
  sigset_t set = StopSignals();
  sigaddset(&set, SIGUSR1);
  return set;
}

}  // namespace

void AddDbOption(CLI::App* c, Common& o) {
  c->add_option("--db", o.db,
                "SQLite database file, or a PostgreSQL URL (postgres://user@host:port/db)")
      ->capture_default_str();
  c->add_option("--blobs", o.blobs,
                "Folder for artifacts (stored by SHA-256); default: <db name>-blobs/ beside a "
                "SQLite file, in the database itself for a PostgreSQL URL");
}

void AddDbAndJsonOptions(CLI::App* c, Common& o) {
  AddDbOption(c, o);
  c->add_flag("--json", o.json, "Machine-readable JSON output");
}

void AddRunOptions(CLI::App* c, Common& o, int min_workers) {
  c->add_option("--workers", o.workers,
                min_workers == 0 ? "Worker threads for provider calls; 0: run no steps here, only "
                                   "serve the API (`atelier worker` processes on the same "
                                   "database run them)"
                                 : "Worker threads for provider calls")
      ->check(CLI::Range(min_workers, 256))
      ->capture_default_str();
  c->add_option("--concurrency", o.concurrency, "Running steps per execution")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  c->add_option("--max-step-crashes", o.max_step_crashes,
                "Fail a step instead of running it again once the processes running it died "
                "this many times in a row (0: never)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  c->add_option("--lease-ms", o.lease_ms,
                "How long this process's claim on the executions and steps it runs lasts "
                "without renewal (renewed every third of it): after a process stops answering, "
                "another takes its work over this long after its last renewal")
      ->check(CLI::Range(int64_t{1000}, int64_t{3600000}))
      ->capture_default_str();
  c->add_option("--providers", o.providers,
                "Providers file (default: $ATELIER_PROVIDERS, else ./atelier.providers.json "
                "when present; otherwise the built-in offline provider)");
}

void AddExecutionId(CLI::App* c, std::string& id) {
  c->add_option("ID", id, "Execution id")->required();
}

int Fail(const std::string& msg, int code) {
  std::cerr << "error: " << msg << "\n";
  return code;
}

int Fail(const Status& s) {
  return Fail(s.message().empty() ? s.ToString() : s.message(),
              s.code() == Code::kInvalidArgument ? kExitUsage : kExitFailed);
}

int Fail(const ServiceError& e) {
  std::string msg = e.status.message();
  for (const auto& v : e.input_errors) msg += "\n  " + v.ToString();
  return Fail(msg, e.status.code() == Code::kInvalidArgument ? kExitUsage : kExitFailed);
}

// The inputs NAME=VALUE typed as the workspace's template `name` declares them, over `base`.
Result<Json> TypedInputs(App& app, const std::string& name, const std::vector<std::string>& given,
                         Json base) {
  if (given.empty()) return base;
  auto rec = app.store().FindTemplate(App::kWorkspace, name);
  if (!rec) return Err(rec.error());
  auto graph = app.engine().GraphFor(App::kWorkspace, rec->id, rec->version);
  if (!graph) return Err(graph.error());
  return TypedInputs((*graph)->tmpl(), given, std::move(base));
}

Result<Json> TypedInputs(const Template& t, const std::vector<std::string>& given, Json base) {
  for (const auto& kv : given) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Err(InvalidArgument("--input expects NAME=VALUE, got '" + kv + "'"));
    auto v = CoerceCliInput(t, kv.substr(0, eq), kv.substr(eq + 1));
    if (!v) return Err(InvalidArgument(v.error().message()));
    base[kv.substr(0, eq)] = std::move(*v);
  }
  return base;
}

Result<std::unique_ptr<App>> OpenApp(const Common& c) {
  AppOptions o;
  o.db_path = c.db;
  o.blob_dir = c.blobs;
  o.workers = c.workers;
  o.max_concurrency = c.concurrency;
  o.max_step_crashes = c.max_step_crashes;
  o.lease_ms = c.lease_ms;
  o.providers_file = c.providers;
  o.credits = c.credits;
  if (o.providers_file.empty()) {
    if (const char* env = std::getenv("ATELIER_PROVIDERS"); env && *env) {
      o.providers_file = env;
    } else if (std::ifstream("atelier.providers.json").good()) {
      o.providers_file = "atelier.providers.json";
    }
  }
  return App::Open(o);
}

int WithApp(const Common& c, const std::function<int(App&)>& f) {
  auto app = OpenApp(c);
  if (!app) return Fail(app.error());
  return f(**app);
}

sigset_t BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

SignalWatcher::SignalWatcher() {
  sigset_t set = WatchedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void SignalWatcher::Watch(Engine* engine) {
  thread_ = std::thread([engine] {
    sigset_t set = WatchedSignals();
    int sig = 0;
    sigwait(&set, &sig);
    if (sig == SIGUSR1) return;
    g_interrupted = true;
    std::cerr << "\ninterrupted: handing running steps back...\n";
    engine->Shutdown(2000);
  });
}

SignalWatcher::~SignalWatcher() {
  if (thread_.joinable()) {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }
}

int DriveAndReport(App& app, SignalWatcher& signals, const std::string& id,
                   const std::string& out_dir, bool json) {
  ProgressPrinter printer(isatty(STDERR_FILENO) == 1);
  app.engine().SetObserver(
      [&printer](const Event& e, const Progress& p) { printer.OnEvent(e, p); });
  signals.Watch(&app.engine());
  Status s = app.engine().Drive(App::kWorkspace, id);
  if (!s.ok() && !g_interrupted) return Fail(s);
  auto rec = app.engine().WaitUntilRest(App::kWorkspace, id);
  printer.Finish();
  app.engine().SetObserver(nullptr);
  if (!rec) return Fail(rec.error());
  if (g_interrupted) {
    std::cerr << "execution " << id << " interrupted and handed back (queued, nothing runs it); "
              << "continue with: atelier resume " << id << "\n";
    return kExitInterrupted;
  }
  auto report = WriteOutputs(app, *rec, out_dir.empty() ? "atelier-out/" + id : out_dir);
  if (!report) return Fail(report.error());
  if (json) {
    std::cout << report->dump(2) << "\n";
  } else {
    PrintSummary(std::cout, *report);
  }
  return ExitCodeFor(rec->status);
}

}  // namespace atelier
