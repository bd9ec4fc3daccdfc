import { describe, expect, it } from "vitest";
import type { ExecutionDetail, StreamEvent } from "../api/client";
import { applyExecEvents } from "./useExecution";

const exec: ExecutionDetail = {
  id: "ex_1", status: "running", template_id: "tpl_1", template_version: 1, inputs: {},
  template: { id: "tpl_1", name: "T", version: 1 }, progress: { percent: 50, stage: 1, stages: 2, finished: 1, total: 2, running: [], waiting: [] },
  stage: "stage 1 of 2", totals: { cost: 0, images: 0, input_tokens: 0, output_tokens: 0 }, reason: "", error: null,
  created_at: null, started_at: null, finished_at: null, updated_at: null, workspace_id: "default",
};
const ev = (seq: number, type: string, payload: Record<string, unknown>, step: string | null = null): StreamEvent => ({
  seq, gid: seq, execution_id: "ex_1", ts: null, type, step, payload,
});

describe("applyExecEvents", () => {
  it("takes the status and progress the events carry, so the end says stage 2 of 2 and 100", () => {
    const out = applyExecEvents(exec, [
      ev(7, "step_succeeded", { progress: { percent: 100, stage: 2, stages: 2, finished: 2, total: 2 } }, "b"),
      ev(8, "execution_completed", { from: "running", to: "completed" }),
    ]);
    expect(out.status).toBe("completed");
    expect(out.stage).toBe("stage 2 of 2");
    expect(out.progress.percent).toBe(100);
  });

  it("leaves the execution as it is when the events say nothing about it", () => {
    expect(applyExecEvents(exec, [ev(3, "step_started", { attempt: 1 }, "a")])).toBe(exec);
  });
});
