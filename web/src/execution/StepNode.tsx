// One node of the execution graph: the step's label, type and status, for a map its items done
// of total, and while it runs its live progress (a bar for image steps, characters for text).
// Memoised: React Flow hands it the same props while its node object is the same, so an event
// re-renders only the nodes whose step it changed (graph.ts reconcileNodes).
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import type { StepFlowNode } from "./graph";

function StepNodeView({ data }: NodeProps<StepFlowNode>) {
  const { label, status, type, items, error, live } = data;
  return (
    <div className="step-node" data-status={status}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="step-node-label">{label}</div>
      <div className="step-node-meta">
        <span>{type}</span> · <span className="step-node-status">{status}</span>
      </div>
      {error && <div className="step-node-error">{error}</div>}
      {live?.max !== undefined && (
        <div className="step-node-live" aria-label={`step ${live.value ?? 0} of ${live.max}`}>
          <progress max={live.max} value={live.value ?? 0} />
        </div>
      )}
      {live?.chars !== undefined && (
        <div className="step-node-live" data-testid="node-writing">
          writing… {live.chars} chars
        </div>
      )}
      {items && (
        <div className="step-node-items" aria-label={`${items.done} of ${items.total} items done`}>
          <progress max={Math.max(items.total, 1)} value={items.done} />
          {items.done} / {items.total}
          {items.failed > 0 && <span className="step-node-failed"> · {items.failed} failed</span>}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

export const StepNode = memo(StepNodeView);

export const nodeTypes = { step: StepNode };
