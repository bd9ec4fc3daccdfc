// The execution's graph (React Flow). Nodes and edges are kept in state and reconciled with each
// new build, so unchanged nodes keep their objects (and React Flow's measurements: a node is
// shown once measured, and a rebuilt node would be hidden again) and do not re-render.
import "@xyflow/react/dist/style.css";
import { Background, Controls, ReactFlow, useEdgesState, useNodesState, useReactFlow, type Edge } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef } from "react";
import type { Schemas, Step } from "../api/client";
import { NO_LIVE, type LiveMap } from "./liveProgress";
import { buildGraph, reconcileEdges, reconcileNodes, type StepFlowNode } from "./graph";
import { nodeTypes } from "./StepNode";

interface Props {
  def: Schemas["TemplateDefinition"];
  steps: Step[];
  live?: LiveMap;
  onOpen: (stepId: string) => void;
}

export function ExecutionGraph({ def, steps, live = NO_LIVE, onOpen }: Props) {
  const graph = useMemo(() => buildGraph(def, steps, live), [def, steps, live]);
  const [nodes, setNodes, onNodesChange] = useNodesState<StepFlowNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  useEffect(() => {
    setNodes((prev) => reconcileNodes(prev, graph.nodes));
    setEdges((prev) => reconcileEdges(prev, graph.edges));
  }, [graph, setNodes, setEdges]);

  // A node focused with Tab and selected with Enter opens too.
  const onSelection = useCallback(
    ({ nodes: sel }: { nodes: StepFlowNode[] }) => {
      if (sel.length === 1 && sel[0]) onOpen(sel[0].id);
    },
    [onOpen],
  );

  return (
    <div className="graph" role="group" aria-label="workflow graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeClick={(_, n) => onOpen(n.id)}
        onSelectionChange={onSelection}
        fitView
        nodesDraggable={false}
        nodesConnectable={false}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
        <FitOnResize />
      </ReactFlow>
    </div>
  );
}

// The graph is fitted again when its box changes size (the step panel opens or closes, the window
// turns), so no node is left outside the view.
function FitOnResize() {
  const flow = useReactFlow();
  const box = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const el = box.current?.closest(".react-flow");
    if (!el) return;
    let first = true;
    const ro = new ResizeObserver(() => {
      if (first) first = false; // the initial fitView has done it
      else void flow.fitView();
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [flow]);
  return <span ref={box} hidden />;
}
