// Transition pieces shared by the loop and the commands (transition_ops.h).
#include "transition_ops.h"

#include <cmath>

#include "atelier/engine/milestones.h"
#include "engine_util.h"

namespace atelier {

Status SetExecStatus(const ExecutionRecord& ex, ExecStatus to, const std::string& reason,
                     const char* event, int64_t now, const std::string& owner, Transition& t) {
  Status s = CheckExecTransition(ex.status, to);
  if (!s.ok()) return s;
  ExecutionRecord row = ex;
  row.status = to;
  row.reason = reason;
  row.updated_at = now;
  if (IsTerminal(to)) row.finished_at = now;
  if (to != ExecStatus::kRunning && row.owner == owner) {
    row.owner.clear();
    row.owner_expires_at = 0;
  }
  t.ops.push_back(ExecWrite{row, {ex.status}, false});
  Json payload = {{"from", ExecStatusName(ex.status)}, {"to", ExecStatusName(to)}};
  if (!reason.empty()) payload["reason"] = reason;
  t.ops.push_back(EventAppend{MakeEvent(ex.id, now, event, "", std::move(payload))});
  return Status::Ok();
}

// Ledger keys name the attempt, so a replayed transition never reserves, settles or refunds twice.
std::string AttemptKey(const std::string& exec_id, const StepRecord& row) {
  return exec_id + "/" + row.step_id + "/v" + std::to_string(row.version) + "/a" +
         std::to_string(row.attempt);
}

int64_t Micro(double credits) { return static_cast<int64_t>(std::llround(credits * 1e6)); }

void CloseReservation(const std::string& ws, const std::string& exec_id, const StepRecord& row,
                      std::optional<double> cost, int64_t now, Transition& t) {
  const std::string key = AttemptKey(exec_id, row);
  LedgerEntry e;
  e.workspace_id = ws;
  e.kind = cost ? LedgerKind::kSettlement : LedgerKind::kRefund;
  e.amount = cost ? Micro(*cost) : 0;
  e.key = (cost ? "settle:" : "refund:") + key;
  e.reservation_key = "reserve:" + key;
  e.execution_id = exec_id;
  e.step_id = row.step_id;
  e.created_at = now;
  t.ops.push_back(LedgerAppend{std::move(e), false, /*against_reservation=*/true});
}

void AppendMilestonesReached(const Template& tmpl, const std::string& exec_id,
                             const StepRecord& row, int64_t now, Transition& t,
                             const std::function<const StepRecord*(const std::string&)>& find) {
  for (const Milestone* m : MilestonesReachedBy(tmpl, row, find))
    t.ops.push_back(
        EventAppend{MakeEvent(exec_id, now, kMilestoneReached, "",
                              {{"milestone", m->id}, {"label", m->label}, {"step", row.step_id}})});
}

}  // namespace atelier
