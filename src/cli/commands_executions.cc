// Commands that act on one execution: resume, retry, approve, tweak, regenerate, revert (which
// then drive it here until it rests), pause and stop (which report its status), milestone.
#include <cstdlib>
#include <iostream>
#include <iterator>

#include "atelier/app/engine_execution_commands.h"
#include "atelier/app/files.h"
#include "commands.h"
#include "output.h"

namespace atelier {
namespace {

struct ExecutionOptions {
  Common common;
  std::string id;
  std::string step;
  std::string out_dir;
  std::string decision, comment;  // approve
  std::string instruction;        // approve --decision tweak, tweak
  std::string edit_file;          // approve --decision approve: the edited text ("-": stdin)
  int version = 0;                // revert
};

// --out, --db, --json and the run options: after a driving command's own options.
void AddDriveOptions(CLI::App* c, ExecutionOptions& o) {
  c->add_option("--out", o.out_dir, "Folder for artifacts and result.json");
  AddDbAndJsonOptions(c, o.common);
  AddRunOptions(c, o.common);
}

// The ID and STEP of tweak, regenerate and revert.
void AddIdAndVersionedStep(CLI::App* c, ExecutionOptions& o) {
  AddExecutionId(c, o.id);
  c->add_option("STEP", o.step,
                "A succeeded generate_text, generate_image or refine step, or a map item such "
                "as 'sections[2]' (regenerate and revert: also export, attach, transform, code)")
      ->required();
}

// Pause and stop take the execution and the database only.
void AddIdAndDb(CLI::App* c, ExecutionOptions& o) {
  AddExecutionId(c, o.id);
  AddDbOption(c, o.common);
}

enum class Then { kDrive, kPrintStatus };
using Act = std::function<ServiceResult<ExecutionRecord>(ExecutionCommands&)>;

// Applies `act` to the execution, then drives it here until it rests or prints its status. The
// signals are blocked before the App starts any thread, as DriveAndReport needs.
int Apply(const ExecutionOptions& o, Then then, const Act& act) {
  SignalWatcher signals;
  auto app = OpenApp(o.common);
  if (!app) return Fail(app.error());
  // This process drives what a command re-opens itself, with its progress display.
  EngineExecutionCommands commands(app->get(), /*drive_here=*/false);
  auto rec = act(commands);
  if (!rec) return Fail(rec.error().status);
  if (then == Then::kDrive) return DriveAndReport(**app, signals, o.id, o.out_dir, o.common.json);
  std::cout << ExecStatusName(rec->status) << " " << o.id << "\n";
  return kExitOk;
}

int Resume(const ExecutionOptions& o) {
  return Apply(o, Then::kDrive,
               [&](ExecutionCommands& c) { return c.Resume(App::kWorkspace, o.id); });
}

int Retry(const ExecutionOptions& o) {
  return Apply(o, Then::kDrive, [&](ExecutionCommands& c) {
    return o.step.empty() ? c.Retry(App::kWorkspace, o.id)
                          : c.RetryStep(App::kWorkspace, o.id, o.step);
  });
}

// The edited text of `approve --edit-file`: the file's bytes, or stdin's for "-".
Result<std::string> ReadEdit(const std::string& path) {
  if (path != "-") return ReadWholeFile(path);
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) return Err(InvalidArgument("--edit-file -: cannot read the edit from stdin"));
  return text;
}

// Who made an edit from the terminal: the login name, as `milestone --by` defaults to.
std::string EditorName() {
  const char* user = std::getenv("USER");
  return user && *user ? std::string("cli:") + user : "cli";
}

int Approve(const ExecutionOptions& o) {
  return Apply(o, Then::kDrive, [&](ExecutionCommands& c) -> ServiceResult<ExecutionRecord> {
    if (o.decision == "tweak" && o.instruction.empty())
      return ServiceFail(InvalidArgument("--decision tweak needs --instruction TEXT"));
    Decision d{o.decision, o.comment, o.instruction, std::nullopt, ""};
    if (!o.edit_file.empty()) {
      if (o.decision != "approve")
        return ServiceFail(InvalidArgument("--edit-file goes with --decision approve, not '" +
                                           o.decision + "'"));
      auto text = ReadEdit(o.edit_file);
      if (!text) return ServiceFail(text.error());
      d.edit = std::move(*text);
      d.editor = EditorName();
    }
    return c.Decide(App::kWorkspace, o.id, o.step, d);
  });
}

int Tweak(const ExecutionOptions& o) {
  return Apply(o, Then::kDrive, [&](ExecutionCommands& c) {
    return c.Tweak(App::kWorkspace, o.id, o.step, o.instruction, "");
  });
}

int Regenerate(const ExecutionOptions& o) {
  return Apply(o, Then::kDrive,
               [&](ExecutionCommands& c) { return c.Regenerate(App::kWorkspace, o.id, o.step); });
}

int Revert(const ExecutionOptions& o) {
  return Apply(o, Then::kDrive, [&](ExecutionCommands& c) {
    return c.Revert(App::kWorkspace, o.id, o.step, o.version);
  });
}

int Pause(const ExecutionOptions& o) {
  return Apply(o, Then::kPrintStatus,
               [&](ExecutionCommands& c) { return c.Pause(App::kWorkspace, o.id); });
}

int Stop(const ExecutionOptions& o) {
  return Apply(o, Then::kPrintStatus,
               [&](ExecutionCommands& c) { return c.Stop(App::kWorkspace, o.id); });
}

struct MilestoneOptions {
  Common common;
  std::string id, milestone, note, by;
};

int Mark(const MilestoneOptions& o) {
  return WithApp(o.common, [&](App& app) {
    std::string by = o.by;
    if (by.empty()) {
      const char* user = std::getenv("USER");
      by = user && *user ? user : "";
    }
    if (by.empty()) return Fail("--by NAME is needed (USER is not set)", kExitUsage);
    MilestoneMarkRequest mark;
    mark.by = by;
    mark.note = o.note;
    auto marked = EngineExecutionCommands(&app, /*drive_here=*/false)
                      .MarkMilestone(App::kWorkspace, o.id, o.milestone, mark);
    if (!marked) return Fail(marked.error().status);
    auto report = DescribeExecution(app, App::kWorkspace, o.id);
    if (!report) return Fail(report.error());
    if (o.common.json) {
      std::cout << (*report)["milestones"].dump(2) << "\n";
    } else {
      std::cout << "marked " << o.milestone << " of " << o.id << " by " << by << "\n";
      (*report)["files"] = Json::array();  // the summary lists written files; none here
      PrintSummary(std::cout, *report);
    }
    return kExitOk;
  });
}

}  // namespace

Command AddResume(CLI::App& cli) {
  return MakeCommand(
      cli, "resume", "Resume a paused or interrupted execution here",
      [](CLI::App* c, ExecutionOptions& o) {
        AddExecutionId(c, o.id);
        AddDriveOptions(c, o);
      },
      &Resume);
}

Command AddRetry(CLI::App& cli) {
  return MakeCommand(
      cli, "retry", "Re-run the failed, cancelled and never-run steps",
      [](CLI::App* c, ExecutionOptions& o) {
        AddExecutionId(c, o.id);
        c->add_option("--step", o.step,
                      "Only the failed items of this map (or this one failed item), even while "
                      "the execution waits at a later approval");
        AddDriveOptions(c, o);
      },
      &Retry);
}

Command AddApprove(CLI::App& cli) {
  return MakeCommand(
      cli, "approve", "Decide an approval step, then continue",
      [](CLI::App* c, ExecutionOptions& o) {
        AddExecutionId(c, o.id);
        c->add_option("STEP", o.step, "The waiting approval step")->required();
        c->add_option("--decision", o.decision, "approve, reject, or tweak (with --instruction)")
            ->required()
            ->check(CLI::IsMember({"approve", "reject", "tweak"}));
        c->add_option("--comment", o.comment, "Note recorded with the decision");
        c->add_option("--instruction", o.instruction,
                      "With --decision tweak: what to change in the reviewed step");
        c->add_option("--edit-file", o.edit_file,
                      "With --decision approve: a file ('-': stdin) whose text replaces the "
                      "reviewed step's output, kept as a new version");
        AddDriveOptions(c, o);
      },
      &Approve);
}

Command AddTweak(CLI::App& cli) {
  return MakeCommand(
      cli, "tweak", "Refine a step by continuing its session, then re-run what depends on it",
      [](CLI::App* c, ExecutionOptions& o) {
        AddIdAndVersionedStep(c, o);
        c->add_option("--instruction", o.instruction, "What to change")->required();
        AddDriveOptions(c, o);
      },
      &Tweak);
}

Command AddRegenerate(CLI::App& cli) {
  return MakeCommand(
      cli, "regenerate", "Run a step again with the same settings, as a new version",
      [](CLI::App* c, ExecutionOptions& o) {
        AddIdAndVersionedStep(c, o);
        AddDriveOptions(c, o);
      },
      &Regenerate);
}

Command AddRevert(CLI::App& cli) {
  return MakeCommand(
      cli, "revert", "Make a kept version of a step current again",
      [](CLI::App* c, ExecutionOptions& o) {
        AddIdAndVersionedStep(c, o);
        c->add_option("--version", o.version, "The version to restore")->required();
        AddDriveOptions(c, o);
      },
      &Revert);
}

Command AddMilestone(CLI::App& cli) {
  return MakeCommand(
      cli, "milestone", "Mark a manual milestone of an execution (who, note)",
      [](CLI::App* c, MilestoneOptions& o) {
        AddExecutionId(c, o.id);
        c->add_option("MILESTONE", o.milestone, "A manual milestone the template declares")
            ->required();
        c->add_option("--note", o.note, "What happened (\"sent to the client by email\")");
        c->add_option("--by", o.by, "Who marks it (default: $USER)");
        AddDbAndJsonOptions(c, o.common);
      },
      &Mark);
}

Command AddPause(CLI::App& cli) {
  return MakeCommand(cli, "pause", "Pause: running steps finish, nothing new starts", &AddIdAndDb,
                     &Pause);
}

Command AddStop(CLI::App& cli) {
  return MakeCommand(cli, "stop", "Stop: cancel running steps at once", &AddIdAndDb, &Stop);
}

}  // namespace atelier
