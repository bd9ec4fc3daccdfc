// How the CLI shows executions: live progress, summaries, tables, and the output folder.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/app/describe.h"
#include "atelier/engine/progress.h"

namespace atelier {

// Prints each committed event: on a terminal as one live status line (stage N of M, percent,
// running steps) with notable events above it; otherwise as plain log lines. Called on the
// engine's loop thread.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool tty) : tty_(tty) {}
  void OnEvent(const Event& e, const Progress& p);
  void Finish();  // ends the live line

 private:
  bool tty_;
  bool line_open_ = false;
};

// Writes every artifact of the execution into `dir` (documents .md/.json, images .png) and
// result.json with the final state; returns the description plus {"out_dir", "files"}.
Result<Json> WriteOutputs(App& app, const ExecutionRecord& rec, const std::string& dir);

void PrintSummary(std::ostream& out, const Json& report);
void PrintShow(std::ostream& out, const Json& report);
void PrintExecutions(App& app, const std::vector<ExecutionRecord>& list, bool json);
void PrintEstimate(std::ostream& out, const Json& estimate);
void PrintVersions(std::ostream& out, const std::vector<StepVersion>& versions, bool json);
// Templates one a line (built-ins marked), or with `json` a JSON array of them.
void PrintTemplates(const std::vector<TemplateRecord>& list, bool json);

}  // namespace atelier
