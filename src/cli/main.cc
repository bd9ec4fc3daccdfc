// The `atelier` command line: validate, run, resume, approve, pause, stop, retry, executions,
// show, events, templates, serve, keys, openapi. Exit codes: 0 completed (or success), 1 failed /
// error, 2 waiting for a decision, 3 paused, 4 stopped, 64 usage error (also an unknown command),
// 130 interrupted by SIGINT, SIGTERM or SIGHUP (the execution is queued again; `atelier resume ID`
// continues it). With --json, stdout holds one JSON document and nothing else.
//
// Each command is declared and run by its own function (commands.h); this file only puts them
// together.
#include <CLI/CLI.hpp>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "commands.h"

#ifndef ATELIER_VERSION
#define ATELIER_VERSION "unknown"
#endif

namespace atelier {
namespace {

// An unknown command is a usage error, not a reason to print the help and succeed.
int CheckCommandName(const CLI::App& cli, int argc, char** argv) {
  if (argc <= 1 || argv[1][0] == '-') return kExitOk;
  const std::string name = argv[1];
  std::string known;
  bool found = false;
  for (const CLI::App* c : cli.get_subcommands({})) {
    found = found || c->get_name() == name;
    known += (known.empty() ? "" : ", ") + c->get_name();
  }
  if (found) return kExitOk;
  return Fail("unknown command '" + name + "'; the commands are: " + known +
                  " (atelier --help explains them)",
              kExitUsage);
}

int MainUnguarded(int argc, char** argv) {
  CLI::App cli{"Atelier: durable workflows for AI content pipelines"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "atelier " ATELIER_VERSION, "Print the version and exit");
  cli.set_help_all_flag("--help-all", "Show help for every command");
  std::vector<Command> commands;
  for (auto add :
       {&AddValidate, &AddRun,       &AddEstimate,   &AddResume, &AddRetry,    &AddFork,
        &AddApprove,  &AddTweak,     &AddRegenerate, &AddRevert, &AddVersions, &AddMilestone,
        &AddPause,    &AddStop,      &AddExecutions, &AddShow,   &AddEvents,   &AddTemplates,
        &AddServe,    &AddWorker,    &AddSchedules, &AddTriggers,   &AddNotifications, &AddRetention, &AddExport,
        &AddImport,
        &AddKeys,     &AddOpenApi,   &AddMcp})
    commands.push_back(add(cli));

  if (int rc = CheckCommandName(cli, argc, argv); rc != kExitOk) return rc;
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = cli.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  for (const Command& c : commands)
    if (c.app->parsed()) return c.run();
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
