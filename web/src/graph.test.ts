import { describe, expect, it } from "vitest";
import type { Step } from "./api/client";
import { STATUS_COLOURS, buildGraph } from "./graph";

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
