import { describe, expect, it } from "vitest";
import type { Step } from "../api/client";
import { STATUS_COLOURS, buildGraph, downstreamOf, reconcileEdges, reconcileNodes, upstreamOf } from "./graph";

function step(id: string, status: Step["status"], stage = 1): Step {
  return {
    id, node_id: id, status, attempts: 1, version: 1, output: null, error: null, usage: null,
    started_at: null, finished_at: null, duration_ms: null, type: "generate_text", label: id.toUpperCase(),
    artifacts: [], stage,
  };
}

describe("buildGraph", () => {
  const def = {
    name: "t",
    nodes: [
      { id: "start", type: "start", position: { x: 0, y: 0 } },
      { id: "a", type: "generate_text" },
      { id: "b", type: "generate_text" },
    ],
    edges: [
      { id: "1", source: "start", target: "a" },
      { source: "a", target: "b" },
    ],
  };

  it("colours each node by its step's status and animates edges into running steps", () => {
    const g = buildGraph(def, [step("start", "succeeded", 0), step("a", "running"), step("a[0]", "failed")]);
    expect(g.nodes.map((n) => n.data.status)).toEqual(["succeeded", "running", "pending"]);
    expect(g.nodes[1]?.style?.background).toBe(STATUS_COLOURS["running"]);
    expect(g.nodes[1]?.data.label).toBe("A");
    expect(g.edges.map((e) => e.animated)).toEqual([true, false]);
    expect(g.edges[1]?.id).toBe("e1");
  });

  it("keeps stored positions and lays out the others", () => {
    const g = buildGraph(def, []);
    expect(g.nodes[0]?.position).toEqual({ x: 0, y: 0 });
    expect(g.nodes[2]?.position).toEqual({ x: 440, y: 180 });
  });
});

describe("map counts and reconciling", () => {
  const def = {
    name: "t",
    nodes: [
      { id: "start", type: "start" },
      { id: "m", type: "map" },
      { id: "after", type: "generate_text" },
      { id: "other", type: "generate_text" },
    ],
    edges: [
      { source: "start", target: "m" },
      { source: "m", target: "after" },
      { source: "start", target: "other" },
    ],
  };
  const item = (i: number, status: Step["status"]): Step => ({ ...step(`m[${i}]`, status), node_id: "m", parent: "m", item_index: i });

  it("shows a map's items done of total, failures included", () => {
    const g = buildGraph(def, [step("m", "running"), item(0, "succeeded"), item(1, "failed"), item(2, "running")]);
    expect(g.nodes[1]?.data.items).toEqual({ done: 2, total: 3, failed: 1 });
    expect(g.nodes[1]?.type).toBe("step");
    expect(g.nodes[1]?.className).toBe("step step-running");
  });

  it("keeps the objects of the nodes an event did not change", () => {
    const before = buildGraph(def, [step("m", "running"), item(0, "running"), step("other", "running")]).nodes;
    const measured = before.map((n) => ({ ...n, measured: { width: 170, height: 50 } }));
    const after = reconcileNodes(measured, buildGraph(def, [step("m", "running"), item(0, "succeeded"), step("other", "running")]).nodes);
    expect(after[0]).toBe(measured[0]);
    expect(after[2]).toBe(measured[2]);
    expect(after[3]).toBe(measured[3]);
    expect(after[1]).not.toBe(measured[1]);
    expect(after[1]?.data.items?.done).toBe(1);
    expect(after[1]?.measured).toEqual({ width: 170, height: 50 });
    // Nothing changed: the same array.
    expect(reconcileNodes(after, buildGraph(def, [step("m", "running"), item(0, "succeeded"), step("other", "running")]).nodes)).toBe(after);
  });

  it("names a failed step's error class", () => {
    const g = buildGraph(def, [{ ...step("other", "failed"), error: { code: "unavailable", message: "down" } }]);
    expect(g.nodes[3]?.data.error).toBe("unavailable");
    expect(buildGraph(def, [{ ...step("other", "succeeded"), error: { code: "unavailable" } }]).nodes[3]?.data.error).toBeUndefined();
  });

  it("keeps unchanged edges", () => {
    const a = buildGraph(def, [step("m", "running")]).edges;
    const b = reconcileEdges(a, buildGraph(def, [step("m", "running"), step("after", "running")]).edges);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
    expect(b[1]?.animated).toBe(true);
  });

  it("finds what runs downstream and upstream", () => {
    expect(downstreamOf(def, "m")).toEqual(["after"]);
    expect(downstreamOf(def, "start")).toEqual(["m", "after", "other"]);
    expect(upstreamOf(def, "after")).toEqual(["m"]);
  });
});
