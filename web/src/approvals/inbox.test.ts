import { describe, expect, it } from "vitest";
import { mergeApprovals, removeApproval, type Approval } from "./inbox";

function approval(execution_id: string, step: string, requested_at: string): Approval {
  return {
    execution_id,
    step,
    requested_at,
    execution_status: "waiting",
    template: { id: "tpl_a", version: 1, name: "Reviewed announcement" },
    label: "Editor review",
    message: "Publish?",
    show: null,
    content: null,
    decisions: ["approve", "reject"],
  };
}

describe("the approvals inbox", () => {
  it("keeps one entry per waiting step, newest first, and drops decided ones", () => {
    const a = approval("ex_a", "review", "2026-12-04T10:00:00.000Z");
    const b = approval("ex_b", "review", "2026-12-04T11:00:00.000Z");
    const a2 = { ...a, message: "Publish now?" };
    const list = mergeApprovals(mergeApprovals([], [a]), [b, a2]);
    expect(list.map((x) => [x.execution_id, x.message])).toEqual([
      ["ex_b", "Publish?"],
      ["ex_a", "Publish now?"],
    ]);
    expect(removeApproval(list, "ex_b", "review").map((x) => x.execution_id)).toEqual(["ex_a"]);
    expect(removeApproval(list, "ex_c", "review")).toBe(list);
  });
});
