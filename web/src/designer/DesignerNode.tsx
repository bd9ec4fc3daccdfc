// One node on the designer's canvas: its type, label, edge handles (a condition's true/false, an
// approval's approved/rejected) and the validation messages that name it. Memoised: typing in
// one node's form re-renders that node only.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { useCatalogue } from "./catalogue";
import type { DesignNode } from "./types";

function DesignerNodeView({ id, data, selected }: NodeProps<DesignNode>) {
  const type = useCatalogue().byName.get(data.type);
  const label = typeof data.values["label"] === "string" && data.values["label"] ? data.values["label"] : id;
  const handles = type?.handles ?? [];
  const bad = data.problems.length > 0;
  return (
    <div
      className={`dnode dnode-${type?.kind ?? "unknown"}${bad ? " dnode-error" : ""}${selected ? " dnode-selected" : ""}`}
      aria-label={`${label} (${data.type})${bad ? `, ${data.problems.length} problems` : ""}`}
    >
      {type?.kind !== "start" && (
        <Handle type="target" position={Position.Left} aria-label={`Into ${id}`} title={`Into ${id}`} />
      )}
      <div className="dnode-type">{data.type}</div>
      <div className="dnode-label">{label}</div>
      {label !== id && <div className="dnode-id">{id}</div>}
      {bad && (
        <ul className="dnode-problems">
          {data.problems.slice(0, 3).map((p, i) => (
            <li key={i}>{p}</li>
          ))}
          {data.problems.length > 3 && <li>and {data.problems.length - 3} more</li>}
        </ul>
      )}
      {handles.length === 0 ? (
        <Handle type="source" position={Position.Right} aria-label={`Out of ${id}`} title={`Out of ${id}`} />
      ) : (
        handles.map((h, i) => (
          <Handle
            key={h}
            id={h}
            type="source"
            position={Position.Right}
            style={{ top: `${((i + 1) * 100) / (handles.length + 1)}%` }}
            aria-label={`${h} out of ${id}`}
            title={`${h}: edges taken when ${id} ends on "${h}"`}
          >
            <span className="dnode-handle-label">{h}</span>
          </Handle>
        ))
      )}
    </div>
  );
}

export const DesignerNode = memo(DesignerNodeView);
