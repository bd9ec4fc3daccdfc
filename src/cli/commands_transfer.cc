// `atelier export` and `atelier import`: the default workspace's templates (every version),
// schedules and triggers as one JSON document (atelier/app/workspace_transfer.h,
// docs/transfer.md).
#include <fstream>
#include <iostream>

#include "atelier/app/engine_launch_service.h"
#include "atelier/app/files.h"
#include "atelier/app/workspace_transfer.h"
#include "atelier/core/validation.h"
#include "commands.h"

namespace atelier {
namespace {

struct TransferOptions {
  Common common;
  std::string file;  // export: where to write ("" = stdout); import: what to read
};

int Export(const TransferOptions& o) {
  return WithApp(o.common, [&](App& app) {
    EngineLaunchService launch(&app, /*drive_here=*/false);
    SystemClock clock;
    ScheduleService schedules(&app, &launch, &clock);
    TriggerService triggers(&app, &launch, &clock);
    auto doc = ExportWorkspace(app, schedules, triggers, App::kWorkspace);
    if (!doc) return Fail(doc.error());
    const std::string text = doc->dump(2) + "\n";
    if (o.file.empty()) {
      std::cout << text;
    } else {
      std::ofstream out(o.file, std::ios::binary);
      out << text;
      if (!out.flush()) return Fail("cannot write " + o.file);
    }
    std::cerr << "exported " << (*doc)["templates"].size() << " template(s), "
              << (*doc)["schedules"].size() << " schedule(s), " << (*doc)["triggers"].size()
              << " trigger(s)\n";
    return kExitOk;
  });
}

int Import(const TransferOptions& o) {
  auto text = ReadWholeFile(o.file);
  if (!text) return Fail(text.error());
  auto doc = ParseJsonText(*text);
  if (!doc) return Fail(InvalidArgument(o.file + ": " + doc.error().message()));
  return WithApp(o.common, [&](App& app) {
    EngineLaunchService launch(&app, /*drive_here=*/false);
    SystemClock clock;
    ScheduleService schedules(&app, &launch, &clock);
    TriggerService triggers(&app, &launch, &clock);
    auto report = ImportWorkspace(app, schedules, triggers, App::kWorkspace, *doc);
    if (!report) return Fail(report.error());
    if (o.common.json) {
      std::cout << report->dump(2) << "\n";
      return kExitOk;
    }
    for (const auto& t : (*report)["templates"])
      std::cout << "template " << t["name"].get<std::string>() << ": "
                << t["action"].get<std::string>() << "\n";
    for (const auto& s : (*report)["schedules"])
      std::cout << "schedule " << s["name"].get<std::string>() << ": "
                << s["action"].get<std::string>()
                << (s.contains("reason") ? " (" + s["reason"].get<std::string>() + ")" : "")
                << "\n";
    for (const auto& t : (*report)["triggers"]) {
      std::cout << "trigger " << t["name"].get<std::string>() << ": "
                << t["action"].get<std::string>();
      if (t.contains("secret"))
        std::cout << ", POST " << t["url"].get<std::string>() << ", new secret "
                  << t["secret"].get<std::string>() << " (shown only now)";
      std::cout << "\n";
    }
    return kExitOk;
  });
}

}  // namespace

Command AddExport(CLI::App& cli) {
  return MakeCommand(
      cli, "export", "Write the workspace's templates, schedules and triggers as one JSON document",
      [](CLI::App* c, TransferOptions& o) {
        AddDbOption(c, o.common);
        c->add_option("--out,-o", o.file, "File to write (default: stdout)");
      },
      &Export);
}

Command AddImport(CLI::App& cli) {
  return MakeCommand(
      cli, "import", "Import a document made by export (nothing already here is replaced)",
      [](CLI::App* c, TransferOptions& o) {
        c->add_option("FILE", o.file, "The exported document")->required();
        AddDbAndJsonOptions(c, o.common);
      },
      &Import);
}

}  // namespace atelier
