// The reference menu of a field: the template's inputs and the outputs of every node upstream of
// the one being edited (the names validation accepts in {{steps.ID.FIELD}}, docs/templates.md).
import type { DesignEdge, DesignNode, NodeType } from "./types";

export interface RefOption {
  value: string;
  label: string;
}
export interface RefGroup {
  label: string;
  options: RefOption[];
}

// The nodes with a path of edges into `id`, nearest first.
export function upstreamOf(id: string, edges: DesignEdge[]): string[] {
  const into = new Map<string, string[]>();
  for (const e of edges) {
    const list = into.get(e.target);
    if (list) list.push(e.source);
    else into.set(e.target, [e.source]);
  }
  const seen = new Set<string>([id]);
  const order: string[] = [];
  let frontier = [id];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const n of frontier)
      for (const s of into.get(n) ?? []) {
        if (seen.has(s)) continue;
        seen.add(s);
        order.push(s);
        next.push(s);
      }
    frontier = next;
  }
  return order;
}

// A node's output fields: the declared inputs for start, the keys of `output` for the types whose
// outputs are dynamic (end, transform), the catalogue's list otherwise.
export function outputsOf(node: DesignNode, type: NodeType | undefined, inputNames: string[]): string[] {
  if (!type) return [];
  if (type.kind === "start") return inputNames;
  if (type.dynamic_outputs) {
    const out = node.data.values["output"];
    return typeof out === "object" && out !== null && !Array.isArray(out) ? Object.keys(out) : [];
  }
  return type.outputs;
}

export function referenceMenu(
  nodeId: string,
  nodes: DesignNode[],
  edges: DesignEdge[],
  types: Map<string, NodeType>,
  inputNames: string[],
  perItem = false,
): RefGroup[] {
  const groups: RefGroup[] = [];
  if (inputNames.length > 0)
    groups.push({
      label: "Inputs",
      options: inputNames.map((n) => ({ value: `{{inputs.${n}}}`, label: `inputs.${n}` })),
    });
  if (perItem)
    groups.push({
      label: "Map item",
      options: [
        { value: "{{item}}", label: "item" },
        { value: "{{index}}", label: "index" },
      ],
    });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const id of upstreamOf(nodeId, edges)) {
    const node = byId.get(id);
    if (!node) continue;
    const type = types.get(node.data.type);
    // start's outputs are the inputs, listed above already.
    if (type?.kind === "start") continue;
    const fields = outputsOf(node, type, inputNames);
    if (fields.length === 0) continue;
    const label = typeof node.data.values["label"] === "string" && node.data.values["label"] ? node.data.values["label"] : id;
    groups.push({
      label: label === id ? `${id} (${node.data.type})` : `${label} · ${id} (${node.data.type})`,
      options: fields.map((f) => ({ value: `{{steps.${id}.${f}}}`, label: `steps.${id}.${f}` })),
    });
  }
  return groups;
}

// `text` with `ref` put in place of the selection [start, end), and where the caret goes after it.
export function insertAt(text: string, ref: string, start: number, end: number): { text: string; caret: number } {
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  return { text: text.slice(0, s) + ref + text.slice(e), caret: s + ref.length };
}
