import { describe, expect, it } from "vitest";
import {
  canConnect,
  freeSpot,
  fromFlow,
  inputsOf,
  metaOf,
  newNode,
  newNodeId,
  parseDefault,
  renameInMilestones,
  renameNode,
  setNodeValue,
  toFlow,
  withEdgeProblems,
  withProblems,
} from "./model";
import type { Definition } from "./types";

const tagline: Definition = {
  name: "Tagline",
  description: "One tagline for a product.",
  category: "advertising",
  inputs: {
    product: { type: "string", required: true, description: "What the tagline sells" },
    words: { type: "integer", default: 12 },
  },
  nodes: [
    { id: "start", type: "start", position: { x: 0, y: 0 } },
    {
      id: "tagline",
      type: "generate_text",
      position: { x: 220.5, y: -40 },
      data: { label: "Tagline", prompt: "Write one tagline for {{inputs.product}}.", max_tokens: 60 },
    },
    { id: "is_long", type: "condition", position: { x: 440, y: 0 }, data: { value: "{{steps.tagline.text}}", operator: "not_empty" } },
    { id: "done", type: "end", position: { x: 660, y: 0 }, data: { output: { tagline: "{{steps.tagline.text}}" } } },
  ],
  edges: [
    { id: "e1", source: "start", target: "tagline" },
    { id: "e2", source: "tagline", target: "is_long" },
    { id: "e3", source: "is_long", target: "done", sourceHandle: "true" },
  ],
  milestones: [{ id: "written", when: ["tagline"] }],
};

describe("template <-> React Flow", () => {
  it("round-trips a template: fields, handles, inputs, milestones and positions kept", () => {
    const { nodes, edges } = toFlow(tagline);
    expect(nodes[1]?.position).toEqual({ x: 220.5, y: -40 });
    expect(edges[2]?.sourceHandle).toBe("true");
    expect(fromFlow(metaOf(tagline), nodes, edges)).toEqual(tagline);
  });

  it("keeps a moved node's new position", () => {
    const { nodes, edges } = toFlow(tagline);
    const moved = nodes.map((n) => (n.id === "done" ? { ...n, position: { x: 900, y: 310 } } : n));
    expect(fromFlow(metaOf(tagline), moved, edges).nodes[3]?.position).toEqual({ x: 900, y: 310 });
  });

  it("lays out nodes that have no position in columns by depth, and names edges without an id", () => {
    const def: Definition = {
      name: "t",
      nodes: [
        { id: "start", type: "start" },
        { id: "a", type: "generate_text" },
        { id: "b", type: "generate_text" },
        { id: "c", type: "end" },
      ],
      edges: [
        { source: "start", target: "a" },
        { source: "start", target: "b" },
        { id: "e1", source: "a", target: "c" },
      ],
    };
    const { nodes, edges } = toFlow(def);
    expect(nodes.map((n) => n.position)).toEqual([
      { x: 0, y: 0 },
      { x: 240, y: 0 },
      { x: 240, y: 110 },
      { x: 480, y: 0 },
    ]);
    expect(edges.map((e) => e.id)).toEqual(["e2", "e3", "e1"]);
  });

  it("leaves out empty data, empty optional fields and null handles", () => {
    const { nodes, edges } = toFlow({ name: "t", nodes: [{ id: "start", type: "start", data: {} }] });
    const def = fromFlow({ name: "t", description: "", category: "", inputs: [] }, nodes, edges);
    expect(def).toEqual({ name: "t", nodes: [{ id: "start", type: "start", position: { x: 0, y: 0 } }], edges: [] });
  });
});

describe("inputs", () => {
  it("types each default by the input's type and flags text that is not one", () => {
    expect(parseDefault("integer", "800")).toEqual({ value: 800 });
    expect(parseDefault("integer", "8.5").error).toBe("must be a whole number");
    expect(parseDefault("boolean", "false")).toEqual({ value: false });
    expect(parseDefault("list", '["a"]')).toEqual({ value: ["a"] });
    expect(parseDefault("object", "[]").error).toBe("must be an object");
    expect(parseDefault("string", "")).toEqual({});
    const rows = metaOf(tagline).inputs;
    expect(inputsOf(rows)).toEqual(tagline.inputs);
    // An unparsable default is sent as typed, so the server names it too.
    expect(inputsOf([{ ...rows[1]!, defaultText: "lots" }])).toEqual({ words: { type: "integer", default: "lots" } });
  });
});

describe("edits", () => {
  it("changes one node's field and keeps every other node the same object", () => {
    const many: Definition = {
      name: "big",
      nodes: Array.from({ length: 300 }, (_, i) => ({ id: `n${i}`, type: "generate_text", data: { prompt: "p" } })),
    };
    const { nodes } = toFlow(many);
    const next = setNodeValue(nodes, "n150", "prompt", "changed");
    expect(next[150]?.data.values["prompt"]).toBe("changed");
    expect(next.filter((n, i) => n !== nodes[i]).map((n) => n.id)).toEqual(["n150"]);
    expect(setNodeValue(next, "n150", "prompt", undefined)[150]?.data.values).toEqual({});
  });

  it("puts problems only on the nodes whose problems changed", () => {
    const { nodes } = toFlow(tagline);
    const once = withProblems(nodes, new Map([["tagline", ["prompt: missing"]]]));
    expect(once[1]?.data.problems).toEqual(["prompt: missing"]);
    expect(once.filter((n, i) => n !== nodes[i]).length).toBe(1);
    expect(withProblems(once, new Map([["tagline", ["prompt: missing"]]]))).toBe(once);
  });

  it("names new nodes after their type without clashing", () => {
    expect(newNodeId("end", ["start"])).toBe("end");
    expect(newNodeId("end", ["end", "end_2"])).toBe("end_3");
    expect(newNode("map", [], { x: 10.4, y: 20.6 }).position).toEqual({ x: 10, y: 21 });
  });

  it("refuses edges into start, into the node itself and twice the same", () => {
    const { nodes, edges } = toFlow(tagline);
    expect(canConnect(nodes, edges, "tagline", "start", null)).toBe(false);
    expect(canConnect(nodes, edges, "tagline", "tagline", null)).toBe(false);
    expect(canConnect(nodes, edges, "is_long", "done", "true")).toBe(false);
    expect(canConnect(nodes, edges, "is_long", "done", "false")).toBe(true);
  });

  it("renames a node with its edges and the references to it", () => {
    const { nodes, edges } = toFlow(tagline);
    const r = renameNode(nodes, edges, "tagline", "slogan");
    if ("error" in r) throw new Error(r.error);
    expect(r.nodes[1]?.id).toBe("slogan");
    expect(r.nodes[2]?.data.values["value"]).toBe("{{steps.slogan.text}}");
    expect(r.nodes[3]?.data.values["output"]).toEqual({ tagline: "{{steps.slogan.text}}" });
    expect(r.nodes[0]).toBe(nodes[0]);
    expect(r.edges.map((e) => `${e.source}>${e.target}`)).toEqual(["start>slogan", "slogan>is_long", "is_long>done"]);
    expect(renameInMilestones(tagline.milestones, "tagline", "slogan")).toEqual([{ id: "written", when: ["slogan"] }]);
    expect(renameNode(nodes, edges, "tagline", "done")).toEqual({ error: "a node 'done' exists already" });
    expect(renameNode(nodes, edges, "tagline", "a b")).toEqual({ error: "an id has only letters, digits, _ and -" });
  });
});

describe("edge problems", () => {
  it("marks the edges validation names and labels branches by their handle", () => {
    const { edges } = toFlow(tagline);
    const marked = withEdgeProblems(edges, new Map([["e2", ["bad handle"]]]));
    expect(marked[1]).toMatchObject({ label: "⚠ bad handle", className: "dedge-error" });
    expect(marked[2]).toMatchObject({ label: "true", className: undefined });
    expect(withEdgeProblems(marked, new Map([["e2", ["bad handle"]]]))).toBe(marked);
    expect(fromFlow(metaOf(tagline), toFlow(tagline).nodes, marked).edges).toEqual(tagline.edges);
  });
});

describe("adding in view", () => {
  it("puts a new node where it covers no other", () => {
    const { nodes } = toFlow(tagline);
    expect(freeSpot(nodes, { x: 1000, y: 0 })).toEqual({ x: 1000, y: 0 });
    expect(freeSpot(nodes, { x: 0, y: 0 })).toEqual({ x: 0, y: 110 });
    expect(freeSpot(nodes, { x: 230, y: -30 })).toEqual({ x: 230, y: 80 });
  });
});
