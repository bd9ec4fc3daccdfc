// Credits: reservations and their settlement per attempt.
#include "engine_impl.h"

namespace atelier {

// Credits (EngineOptions::credits). Ledger keys name the attempt, so a replayed transition never
// reserves, settles or refunds twice.
std::string Engine::Impl::AttemptKey(const std::string& exec_id, const StepRecord& row) {
  return exec_id + "/" + row.step_id + "/v" + std::to_string(row.version) + "/a" +
         std::to_string(row.attempt);
}

int64_t Engine::Impl::Micro(double credits) {
  return static_cast<int64_t>(std::llround(credits * 1e6));
}

// Reserves the estimate of `row`'s attempt; the transition is refused when funds are short.
void Engine::Impl::Reserve(const ExecState& ex, const StepRecord& row, const std::string& type,
                           const Json& data, const Json& scope, int64_t now, Transition& t) {
  if (!opts_.credits) return;
  static const PriceTable kNoPrices;
  const PriceTable& prices = opts_.prices ? *opts_.prices : kNoPrices;
  StepEstimate est = EstimateStep(type, data, scope, *providers_, prices);
  LedgerEntry e;
  e.workspace_id = ex.ws;
  e.kind = LedgerKind::kReservation;
  e.amount = -Micro(est.cost);
  e.key = "reserve:" + AttemptKey(ex.rec.id, row);
  e.execution_id = ex.rec.id;
  e.step_id = row.step_id;
  e.note = est.provider + "/" + est.model + " estimate: " + std::to_string(est.usage.input_tokens) +
           " in, " + std::to_string(est.usage.output_tokens) + " out, " +
           std::to_string(est.usage.images) + " images";
  e.created_at = now;
  t.ops.push_back(LedgerAppend{std::move(e), /*require_funds=*/true});
}

// Closes the reservation of `row`'s attempt: settles at `cost` credits, or refunds it all.
// Adds nothing when the attempt reserved nothing.
void Engine::Impl::CloseReservation(const std::string& ws, const std::string& exec_id,
                                    const StepRecord& row, std::optional<double> cost, int64_t now,
                                    Transition& t) {
  if (!opts_.credits) return;
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

}  // namespace atelier
