// What every Store backend's transition interpreter decides the same way, whatever its SQL: which
// ops can leave a transition unapplied, when a transition needs a savepoint, and the ledger's
// arithmetic (what a settlement or refund writes against its reservation, how `reserved` moves).
// Pure functions of the ops, header-only, safe from any thread. Used by the SQL backends' shared
// interpreter (transition_core.h) and by MemoryStore.
#pragma once

#include <cstdint>
#include <type_traits>
#include <variant>

#include "atelier/store/store.h"

namespace atelier::transition_rules {

// Whether `op` can leave its transition unapplied (a guard, an insert that may conflict, a
// reservation that may lack funds). A failing op writes nothing itself.
inline bool CanFail(const Op& op) {
  if (const auto* l = std::get_if<LedgerAppend>(&op)) return l->require_funds;
  return std::holds_alternative<ExecWrite>(op) || std::holds_alternative<StepWrite>(op) ||
         std::holds_alternative<ExecGuard>(op) || std::holds_alternative<IdempotencyPut>(op);
}

inline bool Writes(const Op& op) { return !std::holds_alternative<ExecGuard>(op); }

// A savepoint is needed only when an op can fail after something was already written; a
// transition whose guards all come first (or that has one write) is undone for free.
inline bool NeedsSavepoint(const Transition& t) {
  bool wrote = false;
  for (const Op& op : t.ops) {
    if (wrote && CanFail(op)) return true;
    if (Writes(op)) wrote = true;
  }
  return false;
}

// What running a transition's ops came to.
struct OpsRun {
  bool ok = true;               // every op applied
  bool wrote = false;           // an op before the failing one wrote (undo needed)
  bool short_of_funds = false;  // the failing op was a ledger append lacking funds
};

// Runs the ops of `t` in order through `backend` until one fails: `backend.Apply(op)` for each
// kind, returning bool for the ops that can fail and void for the inserts that cannot, and
// `backend.Apply(append, out)` for an event append (numbered into `out`). The one dispatch of
// every backend's interpreter; undoing a failed transition is the backend's.
template <class Backend>
OpsRun RunOps(Backend& backend, const Transition& t, CommitResult& out) {
  OpsRun run;
  for (const Op& op : t.ops) {
    const bool ok = std::visit(
        [&](const auto& o) -> bool {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, EventAppend>) {
            backend.Apply(o, out);
            return true;
          } else if constexpr (std::is_void_v<decltype(backend.Apply(o))>) {
            backend.Apply(o);
            return true;
          } else {
            return backend.Apply(o);
          }
        },
        op);
    if (!ok) {
      run.ok = false;
      run.short_of_funds = std::holds_alternative<LedgerAppend>(op);
      return run;
    }
    run.wrote = run.wrote || Writes(op);
  }
  return run;
}

// Whether this ledger entry closes a reservation (a settlement or refund naming one).
inline bool ClosesReservation(const LedgerEntry& e) {
  return (e.kind == LedgerKind::kSettlement || e.kind == LedgerKind::kRefund) &&
         !e.reservation_key.empty();
}

// The amount a closing entry with `against_reservation` records: what the open reservation held
// (`open_amount`, negative) given back, minus what the step cost, so reservation + closing = -cost.
inline int64_t ClosingAmount(int64_t open_amount, int64_t cost) { return -open_amount - cost; }

// How the workspace's `reserved` sum moves when `e` is written: a reservation opens (reserved
// grows by what it holds), an entry closing an open reservation of `open_amount` gives it back.
inline int64_t ReservedDelta(const LedgerEntry& e, const int64_t* open_amount) {
  if (e.kind == LedgerKind::kReservation) return -e.amount;
  if (open_amount != nullptr) return *open_amount;
  return 0;
}

// How the workspace's `granted` sum moves when `e` is written.
inline int64_t GrantedDelta(const LedgerEntry& e) {
  return e.kind == LedgerKind::kGrant ? e.amount : 0;
}

}  // namespace atelier::transition_rules
