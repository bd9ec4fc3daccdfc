// A template document <-> what React Flow draws, and the edits the designer makes to that state.
// Pure, so it is unit-tested without a browser. Edits keep every node they do not change as the
// same object: React Flow and the memoised node component then re-render only the changed node,
// which keeps a 300-node template smooth while a person types.
import type { Definition, DesignEdge, DesignNode, InputRow, InputType, Meta } from "./types";

type InputSpec = NonNullable<Definition["inputs"]>[string];

const COLUMN = 240;
const ROW = 110;

// Where the nodes without a stored position go: columns by the longest path from the roots.
function layout(def: Definition): Map<string, { x: number; y: number }> {
  const ids = def.nodes.map((n) => n.id);
  const into = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of def.edges ?? []) into.get(e.target)?.push(e.source);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle (validation names it); any column will do
    visiting.add(id);
    const d = Math.max(-1, ...(into.get(id) ?? []).map(depthOf)) + 1;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const id of ids) {
    const d = depthOf(id);
    const r = rows.get(d) ?? 0;
    rows.set(d, r + 1);
    out.set(id, { x: d * COLUMN, y: r * ROW });
  }
  return out;
}

export function toFlow(def: Definition): { nodes: DesignNode[]; edges: DesignEdge[] } {
  const auto = def.nodes.some((n) => !n.position) ? layout(def) : null;
  const nodes = def.nodes.map(
    (n): DesignNode => ({
      id: n.id,
      type: "design",
      position: n.position ? { x: n.position.x, y: n.position.y } : (auto?.get(n.id) ?? { x: 0, y: 0 }),
      data: { type: n.type, values: n.data ?? {}, problems: [] },
    }),
  );
  const taken = new Set((def.edges ?? []).flatMap((e) => (e.id ? [e.id] : [])));
  const edges = (def.edges ?? []).map((e): DesignEdge => {
    const id = e.id ?? newEdgeId(taken);
    taken.add(id);
    return { id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null };
  });
  return { nodes, edges };
}

export function metaOf(def: Definition): Meta {
  const inputs = Object.entries(def.inputs ?? {}).map(
    ([name, spec], i): InputRow => ({
      key: `in${i}`,
      name,
      type: spec.type,
      required: spec.required ?? false,
      defaultText: defaultText(spec.default),
      description: spec.description ?? "",
    }),
  );
  const meta: Meta = {
    name: def.name,
    description: def.description ?? "",
    category: def.category ?? "",
    inputs,
  };
  if (def.milestones) meta.milestones = def.milestones;
  return meta;
}

function defaultText(v: unknown): string {
  if (v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

// The default typed in an input row, as the value of the input's type. Text that is not one is
// sent as it is, so the server's validation names the problem next to the row too.
export function parseDefault(type: InputType, text: string): { value?: unknown; error?: string } {
  if (text === "") return {};
  const t = text.trim();
  switch (type) {
    case "string":
      return { value: text };
    case "integer":
      return /^[+-]?\d+$/.test(t) ? { value: Number(t) } : { value: text, error: "must be a whole number" };
    case "number": {
      const n = Number(t);
      return t !== "" && Number.isFinite(n) ? { value: n } : { value: text, error: "must be a number" };
    }
    case "boolean":
      return t === "true" || t === "false" ? { value: t === "true" } : { value: text, error: "must be true or false" };
    case "list":
    case "object": {
      let v: unknown;
      try {
        v = JSON.parse(t);
      } catch {
        return { value: text, error: type === "list" ? "must be a JSON list, such as [\"a\"]" : "must be a JSON object" };
      }
      const ok = type === "list" ? Array.isArray(v) : typeof v === "object" && v !== null && !Array.isArray(v);
      return ok ? { value: v } : { value: text, error: type === "list" ? "must be a list" : "must be an object" };
    }
  }
}

export function inputsOf(rows: InputRow[]): Record<string, InputSpec> {
  const inputs: Record<string, InputSpec> = {};
  for (const row of rows) {
    const spec: InputSpec = { type: row.type };
    if (row.required) spec.required = true;
    const d = parseDefault(row.type, row.defaultText);
    if ("value" in d) spec.default = d.value;
    if (row.description) spec.description = row.description;
    inputs[row.name] = spec;
  }
  return inputs;
}

// The template document the designer's state stands for: what is validated and saved.
export function fromFlow(meta: Meta, nodes: DesignNode[], edges: DesignEdge[]): Definition {
  const def: Definition = {
    name: meta.name,
    nodes: nodes.map((n) => {
      const node: Definition["nodes"][number] = {
        id: n.id,
        type: n.data.type,
        position: { x: n.position.x, y: n.position.y },
      };
      if (Object.keys(n.data.values).length > 0) node.data = n.data.values;
      return node;
    }),
    edges: edges.map((e) => {
      const edge: NonNullable<Definition["edges"]>[number] = { id: e.id, source: e.source, target: e.target };
      if (e.sourceHandle) edge.sourceHandle = e.sourceHandle;
      return edge;
    }),
  };
  if (meta.description) def.description = meta.description;
  if (meta.category) def.category = meta.category;
  if (meta.inputs.length > 0) def.inputs = inputsOf(meta.inputs);
  if (meta.milestones) def.milestones = meta.milestones;
  return def;
}

// A node id from its type that no node has yet: generate_text, generate_text_2, ...
export function newNodeId(type: string, taken: Iterable<string>): string {
  const ids = new Set(taken);
  if (!ids.has(type)) return type;
  for (let i = 2; ; i++) if (!ids.has(`${type}_${i}`)) return `${type}_${i}`;
}

export function newEdgeId(taken: Iterable<string>): string {
  const ids = new Set(taken);
  for (let i = 1; ; i++) if (!ids.has(`e${i}`)) return `e${i}`;
}

export function newNode(type: string, taken: Iterable<string>, position: { x: number; y: number }): DesignNode {
  return {
    id: newNodeId(type, taken),
    type: "design",
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    data: { type, values: {}, problems: [] },
  };
}

// Sets (or, for undefined, removes) one field of one node; every other node stays the same object.
export function setNodeValue(nodes: DesignNode[], id: string, field: string, value: unknown): DesignNode[] {
  return nodes.map((n) => {
    if (n.id !== id) return n;
    const values = { ...n.data.values };
    if (value === undefined) delete values[field];
    else values[field] = value;
    return { ...n, data: { ...n.data, values } };
  });
}

// Puts each node's validation messages on it; only nodes whose messages changed become new objects.
export function withProblems(nodes: DesignNode[], byNode: Map<string, string[]>): DesignNode[] {
  let changed = false;
  const next = nodes.map((n) => {
    const problems = byNode.get(n.id) ?? [];
    if (same(problems, n.data.problems)) return n;
    changed = true;
    return { ...n, data: { ...n.data, problems } };
  });
  return changed ? next : nodes;
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Whether an edge from `source` (by `handle`) into `target` may be drawn: never into start, never
// a node into itself, never twice the same.
export function canConnect(
  nodes: DesignNode[],
  edges: DesignEdge[],
  source: string,
  target: string,
  handle: string | null,
): boolean {
  if (source === target) return false;
  if (nodes.find((n) => n.id === target)?.data.type === "start") return false;
  return !edges.some((e) => e.source === source && e.target === target && (e.sourceHandle ?? null) === handle);
}

const ID_RE = /^[A-Za-z0-9_-]+$/;

// Renames a node: its edges and every `{{steps.OLD...}}` reference to it follow. The new id must
// be well-formed and free; the reason is returned otherwise.
export function renameNode(
  nodes: DesignNode[],
  edges: DesignEdge[],
  from: string,
  to: string,
): { nodes: DesignNode[]; edges: DesignEdge[] } | { error: string } {
  if (!ID_RE.test(to)) return { error: "an id has only letters, digits, _ and -" };
  if (to !== from && nodes.some((n) => n.id === to)) return { error: `a node '${to}' exists already` };
  const ref = new RegExp(`(\\{\\{[#^/]?\\s*steps\\.)${from.replace(/[-]/g, "\\-")}(?=[.\\s}])`, "g");
  const rewriteAll = (o: object): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).map(([k, x]) => [k, rewrite(x)]));
  const rewrite = (v: unknown): unknown => {
    if (typeof v === "string") return v.replace(ref, `$1${to}`);
    if (Array.isArray(v)) return v.map(rewrite);
    if (typeof v === "object" && v !== null) return rewriteAll(v);
    return v;
  };
  return {
    nodes: nodes.map((n) => {
      const values = rewriteAll(n.data.values);
      const touched = JSON.stringify(values) !== JSON.stringify(n.data.values);
      if (n.id !== from && !touched) return n;
      return { ...n, id: n.id === from ? to : n.id, data: touched ? { ...n.data, values } : n.data };
    }),
    edges: edges.map((e) =>
      e.source === from || e.target === from
        ? { ...e, source: e.source === from ? to : e.source, target: e.target === from ? to : e.target }
        : e,
    ),
  };
}

// Marks the edges validation names (a red line and the message as its label) and labels the
// others by their handle; only edges whose marks changed become new objects.
export function withEdgeProblems(edges: DesignEdge[], byEdge: Map<string, string[]>): DesignEdge[] {
  let changed = false;
  const next = edges.map((e) => {
    const problems = byEdge.get(e.id);
    const label = problems?.length ? `⚠ ${problems.join("; ")}` : (e.sourceHandle ?? undefined);
    const className = problems?.length ? "dedge-error" : undefined;
    if (e.label === label && e.className === className) return e;
    changed = true;
    return { ...e, label, className, ariaLabel: problems?.length ? `Edge from ${e.source} to ${e.target}: ${problems.join("; ")}` : undefined };
  });
  return changed ? next : edges;
}

// The milestones with a renamed node's id replaced in their `when` lists.
export function renameInMilestones(
  milestones: Record<string, unknown>[] | undefined,
  from: string,
  to: string,
): Record<string, unknown>[] | undefined {
  return milestones?.map((m) => {
    const when = m["when"];
    if (!Array.isArray(when) || !when.includes(from)) return m;
    return { ...m, when: when.map((w) => (w === from ? to : w)) };
  });
}

// A place near `from` where a new node does not cover another: the first free cell of a grid that
// goes down five rows, then on to the next column.
export function freeSpot(nodes: DesignNode[], from: { x: number; y: number }): { x: number; y: number } {
  for (let col = 0; col < 40; col++)
    for (let row = 0; row < 5; row++) {
      const p = { x: from.x + col * COLUMN, y: from.y + row * ROW };
      if (!nodes.some((n) => Math.abs(n.position.x - p.x) < COLUMN - 40 && Math.abs(n.position.y - p.y) < ROW - 30)) return p;
    }
  return from;
}
