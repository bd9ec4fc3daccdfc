import { describe, expect, it } from "vitest";
import { spendByExecution, type LedgerEntry } from "./ledger";

let id = 0;
function entry(kind: string, amount: number, execution_id: string, key: string, reservation_key = ""): LedgerEntry {
  id++;
  return { id, kind, amount, execution_id, key, reservation_key, step: "s", note: "", created_at: `2026-12-04T10:00:0${id}.000Z` };
}

describe("spendByExecution", () => {
  it("sums each execution's settled cost and what is still held, newest first", () => {
    const entries = [
      entry("grant", 5_000_000, "", "g1"),
      entry("reservation", -300, "ex_a", "r1"),
      entry("settlement", 100, "ex_a", "s1", "r1"), // cost 200
      entry("reservation", -500, "ex_a", "r2"),
      entry("refund", 500, "ex_a", "f2", "r2"), // failed attempt: free
      entry("reservation", -700, "ex_b", "r3"), // still running
    ];
    expect(spendByExecution(entries)).toEqual([
      { executionId: "ex_b", spent: 0, held: 700, entries: 1, last: entries[5]?.created_at },
      { executionId: "ex_a", spent: 200, held: 0, entries: 4, last: entries[4]?.created_at },
    ]);
  });
});
