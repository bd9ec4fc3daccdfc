import { describe, expect, it } from "vitest";
import type { Step, StepProgress } from "../api/client";
import { parseProgress } from "../live";
import { buildGraph, reconcileNodes } from "./graph";
import { applyProgress, NO_LIVE, nodeLive, pruneLive } from "./liveProgress";

function step(id: string, status: Step["status"]): Step {
  return {
    id, node_id: id, status, attempts: 1, version: 1, output: null, error: null, usage: null,
    started_at: null, finished_at: null, duration_ms: null, type: "generate_text", label: id,
    artifacts: [], stage: 1,
  };
}

function notice(step_id: string, extra: Partial<StepProgress>, execution_id = "ex_1"): StepProgress {
  return { execution_id, step_id, at: "2026-12-05T02:00:00.000Z", ...extra };
}

describe("step_progress notices", () => {
  it("are parsed from a frame's data, and anything else is refused", () => {
    expect(parseProgress('{"execution_id":"ex_1","step_id":"a","text":"Hi","chars":2,"at":"t"}')).toEqual({
      execution_id: "ex_1", step_id: "a", text: "Hi", chars: 2, at: "t",
    });
    expect(parseProgress('{"execution_id":"ex_1","step_id":"a","chars":"2","at":"t"}')).toBeNull();
    expect(parseProgress('{"seq":1,"type":"step_started"}')).toBeNull();
    expect(parseProgress("not json")).toBeNull();
  });

  it("keep the latest state of each step of this execution", () => {
    const live = applyProgress(
      NO_LIVE,
      [
        notice("a", { text: "He", chars: 2 }),
        notice("b", { value: 1, max: 4 }),
        notice("a", { text: "Hello", chars: 5 }),
        notice("a", { text: "other run", chars: 9 }, "ex_2"),
      ],
      "ex_1",
    );
    expect(live.get("a")?.text).toBe("Hello");
    expect(live.get("b")?.value).toBe(1);
    expect(live.size).toBe(2);
    expect(applyProgress(live, [], "ex_1")).toBe(live); // nothing new: the same map
  });

  it("are shown only while their step runs, and dropped when it stops", () => {
    const live = applyProgress(NO_LIVE, [notice("a", { text: "He", chars: 2 }), notice("b", { value: 3, max: 4 })], "ex_1");
    const running = [step("a", "running"), step("b", "running")];
    expect(nodeLive(running[0], live)).toEqual({ chars: 2 });
    expect(nodeLive(running[1], live)).toEqual({ value: 3, max: 4 });
    expect(pruneLive(live, running)).toBe(live);
    const after = [step("a", "succeeded"), step("b", "running")];
    expect(nodeLive(after[0], live)).toBeUndefined();
    const pruned = pruneLive(live, after);
    expect([...pruned.keys()]).toEqual(["b"]);
  });

  it("re-render only the node whose progress changed", () => {
    const def = { name: "t", nodes: [{ id: "a", type: "generate_text" }, { id: "b", type: "generate_text" }], edges: [] };
    const steps = [step("a", "running"), step("b", "running")];
    const first = buildGraph(def, steps, applyProgress(NO_LIVE, [notice("a", { text: "H", chars: 1 })], "ex_1"));
    const prev = reconcileNodes([], first.nodes);
    const next = reconcileNodes(
      prev,
      buildGraph(def, steps, applyProgress(NO_LIVE, [notice("a", { text: "Hi", chars: 2 })], "ex_1")).nodes,
    );
    expect(next[0]).not.toBe(prev[0]);
    expect(next[0]?.data.live).toEqual({ chars: 2 });
    expect(next[1]).toBe(prev[1]);
  });
});
