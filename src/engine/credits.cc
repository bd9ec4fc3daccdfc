// Credits: reservations and their settlement per attempt.
#include "engine_impl.h"

namespace atelier {

// Credits (EngineOptions::credits): ledger keys and closing live in transition_ops.cc, shared
// with the commands.

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

void Engine::Impl::CloseReservation(const std::string& ws, const std::string& exec_id,
                                    const StepRecord& row, std::optional<double> cost, int64_t now,
                                    Transition& t) {
  if (!opts_.credits) return;
  ::atelier::CloseReservation(ws, exec_id, row, cost, now, t);
}

}  // namespace atelier
