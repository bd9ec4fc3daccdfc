// What each execution spent, from ledger entries (micro-credits). The balance is the sum of the
// entries: a reservation is negative, its settlement adjusts it to the actual cost, a refund
// gives it back. So an execution's entries sum to minus what it cost, and a reservation no
// settlement or refund names yet is still held.
import type { Schemas } from "../api/client";

export type LedgerEntry = Schemas["LedgerEntry"];

export interface ExecutionSpend {
  executionId: string;
  // Settled cost (micro-credits, positive).
  spent: number;
  // Held by reservations not settled yet (micro-credits, positive).
  held: number;
  entries: number;
  last: string;
}

export function spendByExecution(entries: LedgerEntry[]): ExecutionSpend[] {
  const closed = new Set(entries.map((e) => e.reservation_key).filter(Boolean));
  const out = new Map<string, ExecutionSpend>();
  for (const e of entries) {
    if (!e.execution_id) continue;
    const s = out.get(e.execution_id) ?? { executionId: e.execution_id, spent: 0, held: 0, entries: 0, last: e.created_at };
    s.entries++;
    if (e.created_at > s.last) s.last = e.created_at;
    if (e.kind === "reservation" && !closed.has(e.key)) s.held -= e.amount;
    else s.spent -= e.amount;
    out.set(e.execution_id, s);
  }
  return [...out.values()].sort((a, b) => b.last.localeCompare(a.last));
}
