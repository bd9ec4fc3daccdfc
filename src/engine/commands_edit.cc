// Approve with an edit: the person's edited text becomes a new version of the step the approval
// reviews, in the transaction that approves it (see Engine::Decide).
#include "atelier/core/approval_target.h"
#include "commands.h"
#include "engine_util.h"

namespace atelier {

Status Commands::EditReviewed(const ExecutionRecord& ex, const Graph& graph,
                              const std::vector<StepRecord>& steps, const StepRecord& approval,
                              const Decision& d, int64_t now, Transition& t) {
  const int gate = graph.IndexOf(approval.node_id);
  const std::string target = ApprovalTarget(graph, gate);
  if (target.empty())
    return FailedPrecondition("approval step '" + approval.step_id +
                              "' reviews no step, so there is nothing to edit; set its tweak_step");
  const StepRecord* st = FindStep(steps, target);
  const int node = graph.IndexOf(target);
  if (st == nullptr || node < 0 || !st->parent_step_id.empty())
    return FailedPrecondition("approval step '" + approval.step_id + "' reviews step '" + target +
                              "', which this execution does not have");
  if (st->status != StepStatus::kSucceeded)
    return FailedPrecondition("step '" + target + "' is " + StepStatusName(st->status) +
                              "; only a succeeded step's text can be edited");
  if (!st->output.is_object() || !st->output.contains("text") || !st->output["text"].is_string())
    return FailedPrecondition("step '" + target + "' (a " + graph.node(node).type +
                              " step) has no text to edit; approve it as it is, or tweak it");

  // What already read the reviewed output would not see the edit: refused. The approval and
  // what follows it have not run yet (the approval waits), so they will.
  const std::vector<char> after_gate = graph.Downstream({gate});
  const std::vector<char> readers = graph.Downstream({node});
  for (const auto& s : steps) {
    if (!s.parent_step_id.empty()) continue;
    const int n = graph.IndexOf(s.node_id);
    if (n < 0 || !readers[n] || n == gate || after_gate[n]) continue;
    if (s.status == StepStatus::kPending || s.status == StepStatus::kSkipped) continue;
    return FailedPrecondition("step '" + s.step_id + "' has already used the text of '" + target +
                              "' (it is " + StepStatusName(s.status) +
                              "), so an edit would not reach it; tweak '" + target +
                              "' instead, which runs it again");
  }

  StepRecord row = *st;
  row.version = st->version + 1;
  row.updated_at = now;
  row.output["text"] = *d.edit;
  if (st->output.contains("json") && !st->output["json"].is_null()) {
    Json parsed = Json::parse(*d.edit, nullptr, false);
    if (parsed.is_discarded())
      return InvalidArgument("step '" + target +
                             "' answers JSON (its schema); the edit must be JSON too");
    row.output["json"] = std::move(parsed);
  }
  // The document artifact holds the text as it was; the edited version has none.
  if (row.output.contains("artifact_id")) row.output["artifact_id"] = nullptr;
  KeepReplacedVersion(*st, now, t);
  StepVersion v;
  v.execution_id = ex.id;
  v.step_id = target;
  v.version = row.version;
  v.output = row.output;
  v.session = row.session;
  v.meta = {{"source", "edit"},
            {"by", d.editor},
            {"from_version", st->version},
            {"approval", approval.step_id}};
  v.created_at = now;
  t.ops.push_back(StepWrite{row, StepStatus::kSucceeded, st->attempt, false});
  t.ops.push_back(StepVersionPut{std::move(v)});
  t.ops.push_back(EventAppend{MakeEvent(ex.id, now, "step_edited", target,
                                        {{"version", row.version},
                                         {"from_version", st->version},
                                         {"by", d.editor},
                                         {"approval", approval.step_id}})});
  return Status::Ok();
}

}  // namespace atelier
