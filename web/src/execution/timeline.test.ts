import { describe, expect, it } from "vitest";
import type { Step, StreamEvent } from "../api/client";
import { buildTimeline, timelineSpan } from "./timeline";

const T0 = Date.parse("2026-12-04T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();
const step = (id: string, status: Step["status"], started: number | null, finished: number | null, extra: Partial<Step> = {}): Step => ({
  id, node_id: id, status, attempts: 1, version: 1, output: null, error: null, usage: null,
  started_at: started === null ? null : at(started), finished_at: finished === null ? null : at(finished),
  duration_ms: null, type: "generate_text", label: id, artifacts: [], ...extra,
});
let seq = 0;
const ev = (ms: number, type: string, step: string | null, payload: Record<string, unknown> = {}): StreamEvent => ({
  seq: ++seq, gid: seq, execution_id: "ex", ts: at(ms), type, step, payload,
});

const def = {
  name: "t",
  nodes: [
    { id: "start", type: "start" },
    { id: "a", type: "generate_text" },
    { id: "b", type: "generate_text" },
    { id: "c", type: "generate_text" },
  ],
  edges: [
    { source: "start", target: "a" },
    { source: "start", target: "b" },
    { source: "a", target: "c" },
  ],
};
const exec = { started_at: at(0), created_at: at(0) };

describe("buildTimeline", () => {
  it("waits from the last dependency finishing to the start, and says it was a queue", () => {
    const rows = buildTimeline(def, exec, [step("start", "succeeded", 0, 0), step("a", "succeeded", 1, 500), step("b", "succeeded", 400, 900), step("c", "succeeded", 500, 800)], []);
    const b = rows.find((r) => r.id === "b");
    expect(b).toMatchObject({ readyAt: T0, startedAt: T0 + 400, finishedAt: T0 + 900 });
    expect(b?.reasons).toEqual(["queue: waiting for a free slot"]);
    const c = rows.find((r) => r.id === "c");
    expect(c).toMatchObject({ readyAt: T0 + 500, startedAt: T0 + 500, reasons: [] });
  });

  it("names a retry after a rate limit and a pause for credits", () => {
    const events = [
      ev(10, "step_failed", "a", { error: { code: "resource_exhausted", message: "429" }, will_retry: true }),
      ev(20, "execution_paused", null, { from: "running", to: "paused", reason: "insufficient_credits" }),
      ev(300, "execution_resumed", null, { from: "paused", to: "running" }),
    ];
    const rows = buildTimeline(def, exec, [step("start", "succeeded", 0, 0), step("a", "succeeded", 400, 600, { attempts: 2 })], events);
    expect(rows.find((r) => r.id === "a")?.reasons).toEqual([
      "rate limit: retried after the provider asked to wait",
      "credits: paused until credits are granted",
    ]);
  });

  it("leaves a step whose dependency is still running not ready, and marks waiting for a person", () => {
    const events = [ev(5, "approval_requested", "b")];
    const rows = buildTimeline(def, exec, [step("start", "succeeded", 0, 0), step("a", "running", 1, null), step("b", "waiting", 2, null), step("c", "pending", null, null)], events);
    expect(rows.find((r) => r.id === "c")?.readyAt).toBeNull();
    expect(rows.find((r) => r.id === "b")).toMatchObject({ person: true, finishedAt: null });
    expect(timelineSpan(rows, T0 + 1000)).toEqual({ from: T0, to: T0 + 1000 });
  });

  it("counts a map's items that waited for its slots", () => {
    const item = (i: number, started: number) => step(`a[${i}]`, "succeeded", started, started + 100, { parent: "a", node_id: "a", item_index: i });
    const rows = buildTimeline(def, exec, [step("start", "succeeded", 0, 0), step("a", "succeeded", 10, 400, { type: "map" }), item(0, 10), item(1, 12), item(2, 210)], []);
    expect(rows.find((r) => r.id === "a")?.items).toEqual({ total: 3, queued: 1, longestWait: 200 });
  });

  it("takes a re-opened step's wait from when it was re-opened", () => {
    const events = [ev(2000, "step_stale", "c", { because: "a" })];
    const rows = buildTimeline(def, exec, [step("start", "succeeded", 0, 0), step("a", "succeeded", 1900, 2100), step("c", "succeeded", 2100, 2200)], events);
    expect(rows.find((r) => r.id === "c")).toMatchObject({ readyAt: T0 + 2100, reasons: [] });
  });
});
