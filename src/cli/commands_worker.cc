// `atelier worker`: runs executions and nothing else (no HTTP). It takes over every queued or
// running execution of the database that no live process drives (what `serve --workers 0` and
// the CLI's launch commands leave queued, what a dead process left running) and runs it, as a
// server does, until SIGTERM, SIGINT or SIGHUP; then it hands its running steps back (within
// --grace-ms) for another process to take over, and exits 0.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <mutex>

#include "atelier/app/adopter.h"
#include "atelier/app/change_watcher.h"
#include "atelier/app/log_line.h"
#include "atelier/engine/clock.h"
#include "commands.h"

namespace atelier {
namespace {

struct WorkerOptions {
  Common common;
  int64_t adopt_interval_ms = 500;
  int64_t grace_ms = 5000;
  bool no_credits = false;
};

int RunWorker(const WorkerOptions& o) {
  // Blocked before any thread starts, so only sigwait below receives them.
  const sigset_t set = BlockStopSignals();
  Common common = o.common;
  common.credits = !o.no_credits;
  auto app = OpenApp(common);
  if (!app) return Fail(app.error());
  SystemClock clock;
  std::mutex log_mu;
  // One JSON object per line on stderr, as `atelier serve` logs.
  auto log = [&](const std::string& level, const std::string& msg, Json extra) {
    const std::string line = LogLine(clock.NowMs(), level, msg, extra);
    std::lock_guard<std::mutex> l(log_mu);
    std::cerr << line << "\n" << std::flush;
  };
  Adopter adopter(app->get(), o.adopt_interval_ms, log);
  // On PostgreSQL a launch or a hand-back by another process rings: taken over now, not at the
  // next look. Listening before the first look, so nothing launched after it goes unrung.
  ChangeWatcher watcher(&(*app)->store(), [&adopter](unsigned rung) {
    if (rung & kChangeWork) adopter.Wake();
  });
  const int adopted = adopter.AdoptNow();
  std::cout << "worker " << (*app)->owner() << " running the executions of " << o.common.db << " ("
            << adopted << " taken over at start)" << std::endl;
  adopter.Start();
  watcher.Start();
  int sig = 0;
  sigwait(&set, &sig);
  log("info", "stopping: handing running steps back", {{"signal", sig}});
  watcher.Stop();
  adopter.Stop();
  (*app)->engine().Shutdown(o.grace_ms);
  log("info", "stopped", Json::object());
  return kExitOk;
}

}  // namespace

Command AddWorker(CLI::App& cli) {
  return MakeCommand(
      cli, "worker",
      "Run executions only (no API): take over every execution of the database that no live "
      "process drives, with `serve --workers 0` serving the API",
      [](CLI::App* c, WorkerOptions& o) {
        AddDbOption(c, o.common);
        AddRunOptions(c, o.common);
        c->add_option("--adopt-interval-ms", o.adopt_interval_ms,
                      "How often to look for executions to take over (queued by an API server, "
                      "or left by a process that died)")
            ->check(CLI::Range(int64_t{50}, int64_t{600000}))
            ->capture_default_str();
        c->add_flag("--no-credits", o.no_credits,
                    "Do not charge provider calls to workspace credits (as `serve --no-credits`)");
        c->add_option("--grace-ms", o.grace_ms,
                      "On SIGTERM/SIGINT: how long running steps get to commit before they are "
                      "handed back")
            ->check(CLI::Range(int64_t{0}, int64_t{600000}))
            ->capture_default_str();
      },
      &RunWorker);
}

}  // namespace atelier
