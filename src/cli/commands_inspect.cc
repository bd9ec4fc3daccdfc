// Commands that only read: versions, executions, show, events.
#include <iostream>

#include "atelier/api/records_json.h"
#include "commands.h"
#include "output.h"

namespace atelier {
namespace {

// show, events, versions: one execution (and a step of it).
struct InspectOptions {
  Common common;
  std::string id;
  std::string step;   // versions
  int64_t after = 0;  // events
};

struct ListOptions {
  Common common;
  std::string status;
  int limit = 50;
};

int Versions(const InspectOptions& o) {
  return WithApp(o.common, [&](App& app) {
    auto list = app.store().ListStepVersions(App::kWorkspace, o.id, o.step);
    if (!list) return Fail(list.error());
    if (list->empty())
      return Fail("step '" + o.step + "' of execution " + o.id +
                  " has no kept versions (only generate_text and generate_image steps keep them)");
    PrintVersions(std::cout, *list, o.common.json);
    return kExitOk;
  });
}

int Executions(const ListOptions& o) {
  return WithApp(o.common, [&](App& app) {
    ExecutionFilter f;
    f.limit = o.limit;
    if (!o.status.empty()) {
      f.status = ExecStatusFromName(o.status);
      if (!f.status)
        return Fail("--status: unknown status '" + o.status +
                        "'; use queued, running, paused, waiting, completed, failed or stopped",
                    kExitUsage);
    }
    auto list = app.store().ListExecutions(App::kWorkspace, f);
    if (!list) return Fail(list.error());
    PrintExecutions(app, *list, o.common.json);
    return kExitOk;
  });
}

int Show(const InspectOptions& o) {
  return WithApp(o.common, [&](App& app) {
    auto report = DescribeExecution(app, App::kWorkspace, o.id);
    if (!report) return Fail(report.error());
    if (o.common.json) {
      std::cout << report->dump(2) << "\n";
    } else {
      PrintShow(std::cout, *report);
    }
    return kExitOk;
  });
}

// The event log a page of 1,000 at a time: one line an event, or with --json one array.
int Events(const InspectOptions& o) {
  return WithApp(o.common, [&](App& app) {
    Json all = Json::array();
    for (int64_t after = o.after;;) {
      auto page = app.store().ReadEvents(App::kWorkspace, o.id, after, 1000);
      if (!page) return Fail(page.error());
      for (const auto& e : *page) {
        if (o.common.json) {
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
    if (o.common.json) std::cout << all.dump(2) << "\n";
    return kExitOk;
  });
}

}  // namespace

Command AddVersions(CLI::App& cli) {
  return MakeCommand(
      cli, "versions", "Every kept version of a step",
      [](CLI::App* c, InspectOptions& o) {
        AddExecutionId(c, o.id);
        c->add_option("STEP", o.step, "The step")->required();
        AddDbAndJsonOptions(c, o.common);
      },
      &Versions);
}

Command AddExecutions(CLI::App& cli) {
  return MakeCommand(
      cli, "executions", "List executions, newest first",
      [](CLI::App* c, ListOptions& o) {
        c->add_option("--status", o.status, "Only this status");
        c->add_option("--limit", o.limit, "At most this many")->check(CLI::Range(1, 100000));
        AddDbAndJsonOptions(c, o.common);
      },
      &Executions);
}

Command AddShow(CLI::App& cli) {
  return MakeCommand(
      cli, "show", "An execution's steps, attempts, errors and artifacts",
      [](CLI::App* c, InspectOptions& o) {
        AddExecutionId(c, o.id);
        AddDbAndJsonOptions(c, o.common);
      },
      &Show);
}

Command AddEvents(CLI::App& cli) {
  return MakeCommand(
      cli, "events", "An execution's event log",
      [](CLI::App* c, InspectOptions& o) {
        AddExecutionId(c, o.id);
        c->add_option("--after", o.after, "Only events with a larger sequence number");
        AddDbAndJsonOptions(c, o.common);
      },
      &Events);
}

}  // namespace atelier
