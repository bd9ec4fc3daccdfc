import { describe, expect, it } from "vitest";
import type { Step, StreamEvent } from "../api/client";
import { appendEvents, applyEvents, gaps, percentText, progressOf } from "./events";

const ev = (seq: number, type = "step_started", step: string | null = "a", payload: Record<string, unknown> = {}): StreamEvent => ({
  seq, gid: seq, execution_id: "ex_1", ts: "2026-12-04T10:00:00.000Z", type, step, payload,
});

const step = (id: string, status: Step["status"]): Step => ({
  id, node_id: id, status, attempts: 1, version: 1, output: null, error: null, usage: null,
  started_at: null, finished_at: null, duration_ms: null, type: "generate_text", label: id, artifacts: [],
});

describe("the event log", () => {
  it("appends in seq order and drops what it already has (a replay after a reconnection)", () => {
    const a = appendEvents([], [ev(1), ev(2)]);
    const b = appendEvents(a, [ev(2), ev(3), ev(1)]);
    expect(b.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(appendEvents(b, [ev(3)])).toBe(b);
    expect(gaps(b)).toEqual([]);
  });

  it("finds a gap", () => {
    expect(gaps([ev(1), ev(2), ev(5)])).toEqual([3, 4]);
  });
});

describe("statuses from events", () => {
  it("applies the last status each event announces, and leaves others alone", () => {
    const steps = [step("a", "pending"), step("b", "running")];
    const out = applyEvents(steps, [ev(1, "step_started", "a"), ev(2, "step_succeeded", "a"), ev(3, "milestone_reached", "b")]);
    expect(out.map((s) => s.status)).toEqual(["succeeded", "running"]);
    expect(out[1]).toBe(steps[1]);
    expect(applyEvents(steps, [ev(4, "execution_started", null)])).toBe(steps);
  });

  it("applies the attempt count an event carries with its status", () => {
    // A step that failed on its first attempt, then retried: started and succeeded at attempt 2.
    const steps = [step("a", "failed"), step("b", "pending")];
    const out = applyEvents(steps, [ev(1, "step_started", "a", { attempt: 2 }), ev(2, "step_succeeded", "a", { attempt: 2, duration_ms: 5 })]);
    expect(out[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    // An event without a count (an approval's step_succeeded) keeps the one an earlier event gave.
    const approved = applyEvents(steps, [ev(3, "step_started", "a", { attempt: 3 }), ev(4, "step_succeeded", "a", { output: {} })]);
    expect(approved[0]).toMatchObject({ status: "succeeded", attempts: 3 });
    // Only a whole number is believed; the step keeps its own count otherwise.
    expect(applyEvents(steps, [ev(5, "step_started", "b", { attempt: "2" })])[1]).toMatchObject({ status: "running", attempts: 1 });
    // A count alone changes the step too (same status, newer count).
    const running = [step("c", "running")];
    expect(applyEvents(running, [ev(6, "step_started", "c", { attempt: 2 })])[0]?.attempts).toBe(2);
    expect(applyEvents(running, [ev(7, "step_started", "c", { attempt: 1 })])).toBe(running);
  });

  it("reads progress from the payload", () => {
    const p = progressOf(ev(1, "execution_completed", null, { progress: { percent: 100, stage: 4, stages: 4, finished: 5, total: 5 } }));
    expect(p).toEqual({ percent: 100, stage: 4, stages: 4, finished: 5, total: 5 });
    expect(progressOf(ev(2, "step_started", "a", { progress: { percent: "x" } }))).toBeUndefined();
  });

  it("says 100% only at 100", () => {
    expect(percentText(99.7)).toBe("99%");
    expect(percentText(100)).toBe("100%");
    expect(percentText(0)).toBe("0%");
  });
});
