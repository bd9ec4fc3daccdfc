import { describe, expect, it } from "vitest";
import type { Step } from "../api/client";
import { estimateRerun, execActions, stepActions, type Traits } from "./steer";

const traits = (t: Partial<Traits>): Traits => ({
  composite: false, edits_attachments: false, generative: false, mappable: false, paid: false, pure: false,
  rebuildable: false, waits_for_person: false, ...t,
});
const TRAITS: Record<string, Traits> = {
  generate_text: traits({ generative: true, paid: true }),
  generate_image: traits({ generative: true, paid: true }),
  attach: traits({ rebuildable: true }),
  end: traits({ pure: true }),
  map: traits({ composite: true }),
  start: traits({}),
};

const step = (id: string, status: Step["status"], extra: Partial<Step> = {}): Step => ({
  id, node_id: id, status, attempts: 1, version: 1, output: null, error: null, usage: null,
  started_at: null, finished_at: null, duration_ms: null, type: "generate_text", label: id.toUpperCase(), artifacts: [], ...extra,
});

describe("execution actions", () => {
  it("are enabled by status", () => {
    const running = execActions("running", "editor");
    expect(running.pause).toBeUndefined();
    expect(running.stop).toBeUndefined();
    expect(running.resume).toMatch(/paused/);
    expect(running.retry).toMatch(/failed or stopped/);
    expect(execActions("stopped", "editor").retry).toBeUndefined();
    expect(execActions("paused", "admin").resume).toBeUndefined();
    expect(execActions("completed", "editor").stop).toMatch(/cannot be stopped/);
  });

  it("are all disabled for a viewer, with the reason", () => {
    for (const why of Object.values(execActions("running", "viewer"))) expect(why).toMatch(/viewer role/);
  });
});

describe("step actions", () => {
  it("come from the node type's traits, not its name", () => {
    const img = step("img", "succeeded", { type: "generate_image" });
    expect(stepActions(img, TRAITS["generate_image"], false, [], "editor")).toEqual({ tweak: undefined, regenerate: undefined });
    const attach = step("attach", "succeeded", { type: "attach" });
    expect(Object.keys(stepActions(attach, TRAITS["attach"], false, [], "editor"))).toEqual(["regenerate"]);
    expect(stepActions(step("done", "succeeded", { type: "end" }), TRAITS["end"], false, [], "editor")).toEqual({});
  });

  it("need a finished step; a failed map item may be regenerated and retried", () => {
    expect(stepActions(step("a", "running"), TRAITS["generate_text"], false, [], "editor").tweak).toMatch(/running/);
    const item = step("m[1]", "failed", { parent: "m", item_index: 1 });
    const acts = stepActions(item, TRAITS["generate_text"], false, [], "editor");
    expect(acts.regenerate).toBeUndefined();
    expect(acts.retry).toBeUndefined();
    expect(acts.tweak).toMatch(/failed/);
  });

  it("retries a map only when it has finished with failed items", () => {
    const map = step("m", "succeeded", { type: "map" });
    const ok = [map, step("m[0]", "succeeded", { parent: "m" })];
    expect(stepActions(map, TRAITS["map"], true, ok, "editor").retry).toMatch(/no failed/);
    const bad = [map, step("m[0]", "failed", { parent: "m" })];
    expect(stepActions(map, TRAITS["map"], true, bad, "editor").retry).toBeUndefined();
    expect(stepActions({ ...map, status: "running" }, TRAITS["map"], true, bad, "editor").retry).toMatch(/running/);
    expect(stepActions(map, TRAITS["map"], true, bad, "viewer").retry).toMatch(/viewer role/);
  });
});

describe("the re-run estimate", () => {
  const def = {
    name: "t",
    nodes: [
      { id: "start", type: "start" },
      { id: "text", type: "generate_text" },
      { id: "img", type: "generate_image" },
      { id: "m", type: "map" },
      { id: "attach", type: "attach" },
      { id: "done", type: "end" },
    ],
    edges: [
      { source: "start", target: "text" },
      { source: "start", target: "img" },
      { source: "img", target: "attach" },
      { source: "text", target: "m" },
      { source: "m", target: "attach" },
      { source: "attach", target: "done" },
    ],
  };
  const usage = (cost: number, tokens: number, images = 0) => ({ cost, input_tokens: tokens, output_tokens: 0, images });
  const steps = [
    step("text", "succeeded", { usage: usage(2, 100) }),
    step("img", "succeeded", { type: "generate_image", usage: usage(5, 0, 1) }),
    step("m", "succeeded", { type: "map" }),
    step("m[0]", "succeeded", { parent: "m", usage: usage(1, 10) }),
    step("attach", "succeeded", { type: "attach" }),
    step("done", "succeeded", { type: "end" }),
  ];
  const of = (t: string) => TRAITS[t];

  it("re-runs the step and what follows it, costed from their last usage", () => {
    const e = estimateRerun(def, steps, steps[1]!, of);
    expect(e.reruns.map((r) => r.id)).toEqual(["img", "attach", "done"]);
    expect(e).toMatchObject({ cost: 5, tokens: 0, images: 1, unknown: 0 });
  });

  it("for a map item: the item, its map collecting again, and what follows the map", () => {
    const e = estimateRerun(def, steps, steps[3]!, of);
    expect(e.reruns.map((r) => r.id)).toEqual(["m[0]", "m", "attach", "done"]);
    expect(e).toMatchObject({ cost: 1, tokens: 10, unknown: 0 });
  });

  it("counts paid steps that never ran as unknown", () => {
    const e = estimateRerun(def, [steps[0]!], steps[0]!, of);
    expect(e.reruns.map((r) => r.id)).toEqual(["text", "m", "attach", "done"]);
    expect(e.unknown).toBe(0); // map, attach and end are not paid
    const e2 = estimateRerun(def, [step("start", "succeeded", { type: "start" })], step("start", "succeeded", { type: "start" }), of);
    expect(e2.unknown).toBe(2); // text and img
    expect(estimateRerun(def, [], step("x", "succeeded", { type: "mystery" }), of).unknown).toBe(1); // a type not known: counted
  });
});
