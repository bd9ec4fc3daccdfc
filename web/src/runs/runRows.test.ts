import { describe, expect, it } from "vitest";
import type { StreamEvent } from "../api/client";
import { applyEvent, filterQuery, fromExecution, matchesNew, mergeRead, rowFromCreated, stageText, waitingReason, type RunRow } from "./runRows";

let gid = 100;
function ev(type: string, payload: Record<string, unknown> = {}, execution_id = "ex_1"): StreamEvent {
  gid++;
  return { type, payload, execution_id, gid, seq: gid, step: null, ts: `2026-12-04T10:00:${String(gid % 60).padStart(2, "0")}.000Z` };
}

const created = rowFromCreated(ev("execution_created", { template_id: "tpl_a", template_name: "Blog article", inputs: {} }));

describe("the runs list follows the workspace stream", () => {
  it("makes a row from execution_created, named by the template", () => {
    expect(created).toMatchObject({ id: "ex_1", templateName: "Blog article", status: "queued", progress: null });
  });

  it("moves progress from the event's figures and ends at 100% and stage M of M", () => {
    if (!created) throw new Error("no row");
    let row: RunRow = created;
    const steps = [
      ev("execution_started"),
      ev("step_started", { progress: { percent: 0, stage: 1, stages: 3, finished: 0, total: 4 } }),
      ev("step_succeeded", { usage: { cost: 0.25 }, progress: { percent: 50, stage: 2, stages: 3, finished: 2, total: 4 } }),
      ev("step_succeeded", { usage: { cost: 0.5 } }),
      ev("execution_completed", { progress: { percent: 100, stage: 3, stages: 3, finished: 4, total: 4 } }),
    ];
    const refetches = steps.map((e) => {
      const a = applyEvent(row, e);
      row = a.row;
      return a.refetch;
    });
    expect(refetches.every((r) => !r)).toBe(true);
    expect(row.status).toBe("completed");
    expect(row.progress).toEqual({ percent: 100, stage: 3, stages: 3 });
    expect(stageText(row.progress)).toBe("stage 3 of 3");
    expect(row.cost).toBeCloseTo(0.75);
    expect(row.finishedAt).toBe(steps[4]?.ts);
  });

  it("ignores an event it has applied already, and reads the row again when the event cannot tell", () => {
    if (!created) throw new Error("no row");
    const e = ev("step_succeeded", { usage: { cost: 1 } });
    const once = applyEvent(created, e).row;
    expect(applyEvent(once, e).row).toBe(once);
    expect(applyEvent(once, ev("execution_retried")).refetch).toBe(true);
    expect(applyEvent(once, ev("execution_paused")).refetch).toBe(true);
  });
});

describe("filters", () => {
  it("builds the list query and decides whether a new run belongs", () => {
    const now = Date.parse("2026-12-04T12:00:00Z");
    expect(filterQuery({ status: "running", templateId: "tpl_a", range: "1h" }, now)).toEqual({
      status: "running",
      template_id: "tpl_a",
      created_after: "2026-12-04T11:00:00.000Z",
    });
    expect(filterQuery({ status: "", templateId: "", range: "" }, now)).toEqual({});
    if (!created) throw new Error("no row");
    expect(matchesNew(created, { status: "", templateId: "tpl_a", range: "" })).toBe(true);
    expect(matchesNew(created, { status: "completed", templateId: "", range: "" })).toBe(false);
    expect(matchesNew(created, { status: "", templateId: "tpl_b", range: "" })).toBe(false);
  });
});

describe("waitingReason", () => {
  it("says why a run waits", () => {
    expect(waitingReason({ status: "queued", reason: "" })).toBe("waiting for a free worker");
    expect(waitingReason({ status: "paused", reason: "insufficient_credits" })).toMatch(/credits/);
    expect(waitingReason({ status: "running", reason: "" })).toBe("");
  });
});

describe("fromExecution", () => {
  it("shows a completed run at 100% and stage M of M, also one with no step to count", () => {
    const base = {
      id: "ex_1", workspace_id: "w", template_id: "tpl_a", template_version: 1, template_name: "Tiny", reason: "", inputs: {},
      error: null, created_at: null, started_at: null, finished_at: null, updated_at: null, cost: 0,
    };
    const none = { percent: 0, stage: 0, stages: 0, finished: 0, total: 0, running: [], waiting: [] };
    expect(fromExecution({ ...base, status: "completed", progress: none }).progress).toEqual({ percent: 100, stage: 0, stages: 0 });
    const half = { ...none, percent: 50, stage: 1, stages: 2, finished: 1, total: 2 };
    expect(fromExecution({ ...base, status: "running", progress: half }).progress).toEqual({ percent: 50, stage: 1, stages: 2 });
    expect(fromExecution({ ...base, status: "completed", progress: { ...half, percent: 100, stage: 2 } }).progress).toEqual({ percent: 100, stage: 2, stages: 2 });
    expect(fromExecution({ ...base, status: "completed", progress: none }).templateName).toBe("Tiny");
  });
});

describe("a fresh read of the list while the stream moves it", () => {
  const row = (id: string, status: RunRow["status"], gid = 0): RunRow => ({
    id, templateId: "tpl_a", templateName: "Blog article", status, reason: "", createdAt: "2026-12-04T10:00:00.000Z",
    startedAt: null, finishedAt: null, progress: null, cost: null, gid,
  });

  it("keeps a run created while the read was in flight, which the page predates", () => {
    const list = [row("ex_new", "queued", 201), row("ex_old", "running")];
    const page = [row("ex_old", "running")];
    const merged = mergeRead(list, page, new Map([["ex_new", true]]));
    expect(merged.map((r) => r.id)).toEqual(["ex_new", "ex_old"]);
  });

  it("keeps what the stream said of a run it changed meanwhile, and takes the rest from the page", () => {
    const list = [row("ex_a", "completed", 205), row("ex_b", "running"), row("ex_gone", "failed")];
    const page = [row("ex_a", "running"), row("ex_b", "paused"), row("ex_c", "queued")];
    const merged = mergeRead(list, page, new Map([["ex_a", false]]));
    expect(merged.map((r) => [r.id, r.status])).toEqual([["ex_a", "completed"], ["ex_b", "paused"], ["ex_c", "queued"]]);
  });

  it("is the page when nothing moved", () => {
    const page = [row("ex_b", "paused")];
    expect(mergeRead([row("ex_x", "running")], page, new Map())).toBe(page);
  });
});
