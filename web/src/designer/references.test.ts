import { describe, expect, it } from "vitest";
import { toFlow } from "./model";
import { insertAt, referenceMenu, upstreamOf } from "./references";
import { catalogue } from "./testCatalogue";

const types = new Map(catalogue.items.map((t) => [t.name, t]));
const { nodes, edges } = toFlow({
  name: "t",
  inputs: { topic: { type: "string" } },
  nodes: [
    { id: "start", type: "start" },
    { id: "outline", type: "generate_text", data: { label: "Outline" } },
    { id: "facts", type: "transform", data: { output: { a: 1, b: "{{inputs.topic}}" } } },
    { id: "article", type: "generate_text" },
    { id: "side", type: "generate_text" },
    { id: "done", type: "end" },
  ],
  edges: [
    { source: "start", target: "outline" },
    { source: "start", target: "facts" },
    { source: "outline", target: "article" },
    { source: "facts", target: "article" },
    { source: "start", target: "side" },
    { source: "article", target: "done" },
  ],
});

describe("reference menu", () => {
  it("lists upstream nodes nearest first, never the node itself or a sibling", () => {
    expect(upstreamOf("done", edges)).toEqual(["article", "outline", "facts", "start"]);
    expect(upstreamOf("start", edges)).toEqual([]);
  });

  it("offers the inputs and each upstream node's outputs from the catalogue", () => {
    const menu = referenceMenu("done", nodes, edges, types, ["topic"]);
    expect(menu.map((g) => g.label)).toEqual([
      "Inputs",
      "article (generate_text)",
      "Outline · outline (generate_text)",
      "facts (transform)",
    ]);
    expect(menu[0]?.options.map((o) => o.value)).toEqual(["{{inputs.topic}}"]);
    expect(menu[1]?.options.map((o) => o.value)).toEqual([
      "{{steps.article.text}}",
      "{{steps.article.json}}",
      "{{steps.article.model}}",
      "{{steps.article.provider}}",
      "{{steps.article.artifact_id}}",
    ]);
    // transform's outputs are the keys of its output.
    expect(menu[3]?.options.map((o) => o.value)).toEqual(["{{steps.facts.a}}", "{{steps.facts.b}}"]);
  });

  it("offers item and index inside a map's per-item node", () => {
    const menu = referenceMenu("outline", nodes, edges, types, [], true);
    expect(menu.map((g) => g.label)).toEqual(["Map item"]);
    expect(menu[0]?.options.map((o) => o.value)).toEqual(["{{item}}", "{{index}}"]);
  });

  it("inserts a reference at the caret or over the selection", () => {
    expect(insertAt("Write about .", "{{inputs.topic}}", 12, 12)).toEqual({ text: "Write about {{inputs.topic}}.", caret: 28 });
    expect(insertAt("Write about X.", "{{inputs.topic}}", 12, 13).text).toBe("Write about {{inputs.topic}}.");
  });
});
