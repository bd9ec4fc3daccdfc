import { describe, expect, it } from "vitest";
import { mapProblems, problemsOf } from "./problems";
import type { Definition } from "./types";

const def: Definition = {
  name: "t",
  nodes: [
    { id: "start", type: "start" },
    { id: "g", type: "generate_text" },
    { id: "bad id", type: "condition" },
  ],
  edges: [
    { id: "e1", source: "start", target: "g" },
    { id: "e2", source: "g", target: "bad id" },
  ],
};

// As POST /api/v1/templates/validate answers them.
const problems = [
  { where: "nodes[1] (id 'g').data.temperature", message: "must be between 0 and 2, got 3" },
  { where: "nodes[1] (id 'g').data.prompt", message: "reference {{steps.zz.text}} names an unknown node 'zz'" },
  { where: "nodes[2]", message: "invalid node id 'bad id'" },
  { where: "edges[1] (id 'e2')", message: "edges leaving node 'c' (type 'condition') must set sourceHandle" },
  { where: "inputs.1a", message: "invalid input name '1a'" },
  { where: "template.name", message: "name must be a non-empty string" },
  { where: "template", message: "cycle a -> b -> a" },
  { where: "milestones[0]", message: "a milestone needs 'when'" },
];

describe("mapProblems", () => {
  const m = mapProblems(problems, def);

  it("puts node and field problems on the node, by index", () => {
    expect(m.nodes.get("g")).toEqual([
      "temperature: must be between 0 and 2, got 3",
      "prompt: reference {{steps.zz.text}} names an unknown node 'zz'",
    ]);
    expect(m.fields.get("g/temperature")).toEqual(["must be between 0 and 2, got 3"]);
    expect(m.nodes.get("bad id")).toEqual(["invalid node id 'bad id'"]);
  });

  it("puts edge problems on the edge", () => {
    expect(m.edges.get("e2")?.[0]).toContain("sourceHandle");
    expect(m.edges.has("e1")).toBe(false);
  });

  it("lists what names no node or edge, and counts everything", () => {
    expect(m.general.map((p) => p.where)).toEqual(["inputs.1a", "template.name", "template", "milestones[0]"]);
    expect(m.inputs.get("1a")).toEqual(["invalid input name '1a'"]);
    expect(m.template.get("name")).toEqual(["name must be a non-empty string"]);
    expect(m.total).toBe(8);
  });

  it("reads the problems of a refused save", () => {
    expect(problemsOf({ errors: [problems[0], { where: 1 }], field: "x" })).toEqual([problems[0]]);
    expect(problemsOf({})).toEqual([]);
  });
});
