// The approvals inbox's list: newest first, one entry per waiting step.
import type { Schemas } from "../api/client";

export type Approval = Schemas["Approval"];

const keyOf = (a: Pick<Approval, "execution_id" | "step">) => `${a.execution_id}/${a.step}`;

// `list` with the entries of `page` (new ones added, known ones replaced), newest first.
export function mergeApprovals(list: Approval[], page: Approval[]): Approval[] {
  const byKey = new Map(list.map((a) => [keyOf(a), a]));
  for (const a of page) byKey.set(keyOf(a), a);
  return [...byKey.values()].sort((x, y) => y.requested_at.localeCompare(x.requested_at) || keyOf(y).localeCompare(keyOf(x)));
}

export function removeApproval(list: Approval[], executionId: string, step: string): Approval[] {
  const next = list.filter((a) => a.execution_id !== executionId || a.step !== step);
  return next.length === list.length ? list : next;
}
