// Validation problems (POST /api/v1/templates/validate) put where they belong: on the node, edge,
// field or input they name ("nodes[1] (id 'draft').data.temperature", "edges[2] (id 'e3')",
// "inputs.topic"), the rest in a list. Nodes and edges are found by their index in the document
// that was validated, so a malformed id still lands on its node.
import type { Definition, Problem } from "./types";

export interface MappedProblems {
  // Messages per node id; a field's message starts with the field's name.
  nodes: Map<string, string[]>;
  // Messages per node field, keyed `${nodeId}/${field}`.
  fields: Map<string, string[]>;
  edges: Map<string, string[]>;
  // Messages per declared input name.
  inputs: Map<string, string[]>;
  // Messages per top-level field (name, description, category, nodes).
  template: Map<string, string[]>;
  // Problems that name no node or edge (a cycle, a milestone, the template's name).
  general: Problem[];
  total: number;
}

const NODE = /^nodes\[(\d+)\](?: \(id '[^']*'\))?(?:\.data\.([^.[\s]+))?/;
const EDGE = /^edges\[(\d+)\]/;
const INPUT = /^inputs\.([^.\s]+)/;
const TOP = /^template\.([a-z_]+)/;

function add<K>(map: Map<K, string[]>, key: K, message: string) {
  const list = map.get(key);
  if (list) list.push(message);
  else map.set(key, [message]);
}

export function mapProblems(problems: Problem[], def: Definition): MappedProblems {
  const out: MappedProblems = {
    nodes: new Map(),
    fields: new Map(),
    edges: new Map(),
    inputs: new Map(),
    template: new Map(),
    general: [],
    total: problems.length,
  };
  for (const p of problems) {
    const node = NODE.exec(p.where);
    const nodeId = node ? def.nodes[Number(node[1])]?.id : undefined;
    if (node && nodeId !== undefined) {
      const field = node[2];
      add(out.nodes, nodeId, field ? `${field}: ${p.message}` : p.message);
      if (field) add(out.fields, `${nodeId}/${field}`, p.message);
      continue;
    }
    const edge = EDGE.exec(p.where);
    const edgeId = edge ? def.edges?.[Number(edge[1])]?.id : undefined;
    if (edge && edgeId !== undefined) {
      add(out.edges, edgeId, p.message);
      continue;
    }
    const input = INPUT.exec(p.where);
    if (input?.[1]) add(out.inputs, input[1], p.message);
    const top = TOP.exec(p.where);
    if (top?.[1]) add(out.template, top[1], p.message);
    out.general.push(p);
  }
  return out;
}

// The problems an API error carries (a 400 on save lists every problem in details.errors).
export function problemsOf(details: Record<string, unknown> | undefined): Problem[] {
  const list = details?.["errors"];
  if (!Array.isArray(list)) return [];
  const out: Problem[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null) continue;
    const where: unknown = Reflect.get(item, "where");
    const message: unknown = Reflect.get(item, "message");
    if (typeof where === "string" && typeof message === "string") out.push({ where, message });
  }
  return out;
}
