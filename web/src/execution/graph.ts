// The execution graph as React Flow draws it: the template's nodes and edges, each node carrying
// its step's status (and a map's items done of total). Pure, so it is unit-tested without a
// browser. `reconcileNodes` keeps the previous object of every node whose data did not change,
// so React Flow (which compares node objects) and the memoised StepNode re-render only the nodes
// an event touched.
import { Position, type Edge, type Node } from "@xyflow/react";
import type { Schemas, Step } from "../api/client";
import { NO_LIVE, nodeLive, type LiveMap, type NodeLive } from "./liveProgress";

export type StepNodeData = {
  label: string;
  status: string;
  type: string;
  // A map: its current items, finished ones (succeeded, skipped, failed, cancelled) and failures.
  items?: { done: number; total: number; failed: number };
  // The class of its last failure (error.code), while it is failed.
  error?: string;
  // While it runs: its live progress (characters written, or sampling steps of max).
  live?: NodeLive;
};

export type StepFlowNode = Node<StepNodeData, "step">;

export const STATUS_COLOURS: Record<string, string> = {
  pending: "#e5e7eb",
  ready: "#e5e7eb",
  running: "#93c5fd",
  succeeded: "#86efac",
  failed: "#fca5a5",
  skipped: "#f3f4f6",
  waiting: "#fde047",
  cancelled: "#d1d5db",
  stale: "#fdba74",
};

const FINISHED = new Set(["succeeded", "skipped", "failed", "cancelled"]);

// Items done of total for every map step, from the (current) map items in the steps list.
export function mapCounts(steps: Step[]): Map<string, { done: number; total: number; failed: number }> {
  const counts = new Map<string, { done: number; total: number; failed: number }>();
  for (const s of steps) {
    if (!s.parent) continue;
    const c = counts.get(s.parent) ?? { done: 0, total: 0, failed: 0 };
    c.total++;
    if (FINISHED.has(s.status)) c.done++;
    if (s.status === "failed") c.failed++;
    counts.set(s.parent, c);
  }
  return counts;
}

export function buildGraph(
  def: Schemas["TemplateDefinition"],
  steps: Step[],
  live: LiveMap = NO_LIVE,
): { nodes: StepFlowNode[]; edges: Edge[] } {
  const byNode = new Map<string, Step>();
  for (const s of steps) if (s.id === s.node_id) byNode.set(s.node_id, s);
  const counts = mapCounts(steps);
  const nodes = def.nodes.map((n, i): StepFlowNode => {
    const step = byNode.get(n.id);
    const status = step?.status ?? "pending";
    const label = step?.label ?? n.id;
    const items = counts.get(n.id);
    const code = status === "failed" ? step?.error?.["code"] : undefined;
    const data: StepNodeData = { label, status, type: n.type };
    if (items) data.items = items;
    if (typeof code === "string") data.error = code;
    const progress = nodeLive(step, live);
    if (progress) data.live = progress;
    return {
      id: n.id,
      type: "step",
      position: n.position ?? { x: (step?.stage ?? i) * 220, y: i * 90 },
      data,
      // Templates flow left to right (stages are columns).
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      className: `step step-${status}`,
      style: { background: STATUS_COLOURS[status] ?? "#fff" },
    };
  });
  const edges = (def.edges ?? []).map(
    (e, i): Edge => ({
      id: e.id ?? `e${i}`,
      source: e.source,
      target: e.target,
      animated: byNode.get(e.target)?.status === "running",
    }),
  );
  return { nodes, edges };
}

function sameData(a: StepNodeData, b: StepNodeData): boolean {
  return (
    a.label === b.label &&
    a.status === b.status &&
    a.type === b.type &&
    a.error === b.error &&
    a.items?.done === b.items?.done &&
    a.items?.total === b.items?.total &&
    a.items?.failed === b.items?.failed &&
    a.live?.chars === b.live?.chars &&
    a.live?.value === b.live?.value &&
    a.live?.max === b.live?.max
  );
}

// The new nodes, reusing the previous object (with React Flow's measurements and selection) for
// every node whose data is unchanged, and keeping those of the ones that changed.
export function reconcileNodes(prev: StepFlowNode[], next: StepFlowNode[]): StepFlowNode[] {
  const old = new Map(prev.map((n) => [n.id, n]));
  let changed = prev.length !== next.length;
  const out = next.map((n, i) => {
    const p = old.get(n.id);
    if (p && sameData(p.data, n.data) && p.position.x === n.position.x && p.position.y === n.position.y) {
      if (prev[i] !== p) changed = true;
      return p;
    }
    changed = true;
    return p ? { ...n, measured: p.measured, selected: p.selected } : n;
  });
  return changed ? out : prev;
}

export function reconcileEdges(prev: Edge[], next: Edge[]): Edge[] {
  const old = new Map(prev.map((e) => [e.id, e]));
  let changed = prev.length !== next.length;
  const out = next.map((e) => {
    const p = old.get(e.id);
    if (p && p.animated === e.animated && p.source === e.source && p.target === e.target) return p;
    changed = true;
    return e;
  });
  return changed ? out : prev;
}

// Every node reachable from `from` along the template's edges (not `from` itself), in template
// order: what a new version of `from` makes run again.
export function downstreamOf(def: Schemas["TemplateDefinition"], from: string): string[] {
  const next = new Map<string, string[]>();
  for (const e of def.edges ?? []) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length) {
    const id = queue.shift() ?? "";
    for (const t of next.get(id) ?? []) {
      if (t === from || seen.has(t)) continue;
      seen.add(t);
      queue.push(t);
    }
  }
  return def.nodes.map((n) => n.id).filter((id) => seen.has(id));
}

// The template nodes with an edge into `id`.
export function upstreamOf(def: Schemas["TemplateDefinition"], id: string): string[] {
  return (def.edges ?? []).filter((e) => e.target === id).map((e) => e.source);
}
