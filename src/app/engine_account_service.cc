#include "atelier/app/engine_account_service.h"

#include <chrono>

namespace atelier {

ServiceResult<GrantOutcome> EngineAccountService::Grant(const std::string& ws, int64_t amount,
                                                        const std::string& note,
                                                        const std::string& granted_by) {
  if (amount <= 0 || amount > (int64_t{1} << 52))
    return ServiceFail(
        {InvalidArgument("field 'amount' must be a positive number of micro-credits"), "amount"});
  LedgerEntry e;
  e.workspace_id = ws;
  e.kind = LedgerKind::kGrant;
  e.amount = amount;
  e.key = new_grant_key_();
  e.note = note.empty() ? "granted by " + granted_by : note;
  e.created_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  auto done = app_->store().Commit({Transition{{LedgerAppend{e, false}}}});
  if (!done) return ServiceFail(done.error());
  if (done->applied.empty() || !done->applied[0])
    return ServiceFail(Internal("the grant was not applied"));
  auto entry = app_->accounts().FindLedgerEntry(ws, e.key);
  if (!entry) return ServiceFail(entry.error());
  auto balance = app_->accounts().GetBalance(ws);
  if (!balance) return ServiceFail(balance.error());
  GrantOutcome out;
  out.entry = *entry ? **entry : e;
  out.balance = *balance;
  // Executions paused for want of credits carry on (each pauses again if still short).
  auto resumed = app_->engine().ResumeAfterGrant(ws);
  out.resumed = resumed ? *resumed : 0;
  return out;
}

}  // namespace atelier
