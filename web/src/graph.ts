// The execution graph as React Flow draws it: the template's nodes and edges, each node coloured
// by its step's status. Pure, so it is unit-tested without a browser.
import { Position, type Edge, type Node } from "@xyflow/react";
import type { Schemas, Step } from "./api/client";

export type StepNodeData = { label: string; status: string; type: string };

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

export function buildGraph(
  def: Schemas["TemplateDefinition"],
  steps: Step[],
): { nodes: Node<StepNodeData>[]; edges: Edge[] } {
  const byNode = new Map<string, Step>();
  for (const s of steps) if (s.id === s.node_id) byNode.set(s.node_id, s);
  const nodes = def.nodes.map((n, i): Node<StepNodeData> => {
    const step = byNode.get(n.id);
    const status = step?.status ?? "pending";
    const label = step?.label ?? n.id;
    return {
      id: n.id,
      position: n.position ?? { x: (step?.stage ?? i) * 220, y: i * 90 },
      data: { label, status, type: n.type },
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
