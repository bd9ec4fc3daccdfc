// The approvals inbox: every approval step of a workspace that waits for a person's decision,
// newest first, with what the person is asked and the content to judge, so that it can be decided
// without opening the execution (GET /api/v1/approvals).
#pragma once

#include <string>
#include <vector>

#include "atelier/app/app.h"

namespace atelier {

struct ApprovalsPage {
  // Each: {"execution_id", "template": {id, version, name}, "step", "label", "requested_at",
  // "message", "show", "content", "decisions"} (see docs/api.md, "Approvals inbox").
  std::vector<Json> items;
  std::string next_cursor;  // "" on the last page
};

// A page of at most `limit` (1 or more) waiting approvals after `cursor` ("" = the newest; else a
// next_cursor this returned). Sub-executions' approvals are listed with their own execution id
// (a decision there carries on the parent); the waiting subworkflow steps of their parents are
// not listed again. InvalidArgument for a malformed cursor; otherwise whatever the store answers.
Result<ApprovalsPage> ListApprovals(App& app, const std::string& ws, const std::string& cursor,
                                    int limit);

// What an approval step of `steps` (an execution's steps, with contents) asks the person to
// judge: {"step", "label", "version", "text", "json", "images"} of the step it reviews
// (ApprovalTarget), or null when it reviews none. `text` is the output's `text` when it is a
// string (else null), `json` the whole output, `images` every {artifact_id, mime, name, width?,
// height?} inside the output.
Json ApprovalContent(const Graph& g, int approval_node, const std::vector<StepRecord>& steps);

}  // namespace atelier
