// What every Store backend's transition interpreter decides the same way, whatever its SQL: which
// ops can leave a transition unapplied, when a transition needs a savepoint, and the ledger's
// arithmetic (what a settlement or refund writes against its reservation, how `reserved` moves).
// Pure functions of the ops, header-only, safe from any thread. Used by SqliteStore and
// PostgresStore (all of it) and MemoryStore (the ledger arithmetic).
#pragma once

#include <cstdint>
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
