// One execution: its graph coloured by step status, progress and stage, and the decisions a person
// takes on waiting steps (approve, reject, tweak). Every event of the execution's stream (which
// replays from the start, then follows live) refreshes the steps: no polling.
import "@xyflow/react/dist/style.css";
import { Background, ReactFlow, useEdgesState, useNodesState, type Edge, type Node } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, describeError, type ExecutionDetail, type Schemas, type Step } from "../api/client";
import { percent } from "../format";
import { buildGraph, type StepNodeData } from "../graph";
import { useEventStream } from "../live";

interface Props {
  id: string;
  role: Schemas["Role"];
}

export function ExecutionView({ id, role }: Props) {
  const [exec, setExec] = useState<ExecutionDetail | null>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const [def, setDef] = useState<Schemas["TemplateDefinition"] | null>(null);
  const [error, setError] = useState("");
  const loading = useRef(false);
  const again = useRef(false);

  // One refresh at a time; events that arrive meanwhile ask for one more.
  const refresh = useCallback(async () => {
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = true;
    do {
      again.current = false;
      const path = { params: { path: { id } } };
      const [e, s] = await Promise.all([
        api.GET("/api/v1/executions/{id}", path),
        api.GET("/api/v1/executions/{id}/steps", path),
      ]);
      if (e.data) setExec(e.data);
      else setError(describeError(e.error, e.response));
      if (s.data) setSteps(s.data.items);
    } while (again.current);
    loading.current = false;
  }, [id]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    if (!exec || def) return;
    void api
      .GET("/api/v1/templates/{id}", {
        params: { path: { id: exec.template_id }, query: { version: exec.template_version } },
      })
      .then(({ data }) => data && setDef(data.definition));
  }, [exec, def]);

  const stream = useEventStream(`/api/v1/executions/${encodeURIComponent(id)}/events/stream`, () => void refresh());
  const graph = useMemo(() => (def ? buildGraph(def, steps) : null), [def, steps]);
  // React Flow shows a node once it has measured it and reported the size through onNodesChange;
  // a node object rebuilt on every event would be hidden again and never re-measured (its DOM
  // size does not change). So the flow keeps its nodes in state, and each rebuild keeps the
  // measured size of the node it replaces.
  const [nodes, setNodes, onNodesChange] = useNodesState<Node<StepNodeData>>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  useEffect(() => {
    if (!graph) return;
    setNodes((prev) => {
      const measured = new Map(prev.map((n) => [n.id, n.measured]));
      return graph.nodes.map((n) => ({ ...n, measured: measured.get(n.id) ?? n.measured }));
    });
    setEdges(graph.edges);
  }, [graph, setNodes, setEdges]);
  const waiting = steps.filter((s) => s.status === "waiting");

  return (
    <section aria-labelledby="exec-title" className="execution">
      <h2 id="exec-title">
        {exec?.template.name ?? "Execution"} <small>{id}</small>
      </h2>
      {stream === "reconnecting" && <p className="reconnecting">Reconnecting…</p>}
      {error && <p role="alert">{error}</p>}
      {exec && (
        <p className="summary">
          <span className={`status status-${exec.status}`} data-testid="execution-status">
            {exec.status}
          </span>{" "}
          <progress max={100} value={exec.progress.percent} aria-label="progress" /> {percent(exec.progress.percent)} ·{" "}
          {exec.stage} · {exec.totals.input_tokens + exec.totals.output_tokens} tokens · cost {exec.totals.cost}
        </p>
      )}
      {waiting.map((s) => (
        <Decision key={s.id} executionId={id} step={s} role={role} onDone={() => void refresh()} />
      ))}
      <div className="graph" aria-label="workflow graph">
        {graph && (
          <ReactFlow
            nodes={nodes}
            edges={edges}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            fitView
            nodesDraggable={false}
            nodesConnectable={false}
          >
            <Background />
          </ReactFlow>
        )}
      </div>
      <ul className="steps">
        {steps.map((s) => (
          <li key={s.id} data-step={s.id} data-status={s.status}>
            <span className={`status status-${s.status}`}>{s.status}</span> {s.label}
            {s.error && <small className="field-error"> {JSON.stringify(s.error)}</small>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Decision({
  executionId,
  step,
  role,
  onDone,
}: {
  executionId: string;
  step: Step;
  role: Schemas["Role"];
  onDone: () => void;
}) {
  const [instruction, setInstruction] = useState("");
  const [error, setError] = useState("");
  const canDecide = role !== "viewer";
  const why = canDecide ? undefined : "Your key has the viewer role: deciding needs editor";
  const params = { params: { path: { id: executionId, step: step.id } } };

  async function decide(kind: "approve" | "reject" | "tweak") {
    setError("");
    const r =
      kind === "approve"
        ? await api.POST("/api/v1/executions/{id}/steps/{step}/approve", { ...params, body: {} })
        : kind === "reject"
          ? await api.POST("/api/v1/executions/{id}/steps/{step}/reject", { ...params, body: {} })
          : await api.POST("/api/v1/executions/{id}/steps/{step}/tweak", { ...params, body: { instruction } });
    if (r.error || !r.data) setError(describeError(r.error, r.response));
    else onDone();
  }

  return (
    <div className="decision" role="group" aria-label={`Decision on ${step.label}`}>
      <strong>{step.label}</strong> is waiting for a decision.
      <button disabled={!canDecide} title={why} onClick={() => void decide("approve")}>
        Approve
      </button>
      <button disabled={!canDecide} title={why} onClick={() => void decide("reject")}>
        Reject
      </button>
      <label htmlFor={`tweak-${step.id}`}>Instruction</label>
      <input id={`tweak-${step.id}`} value={instruction} onChange={(e) => setInstruction(e.target.value)} />
      <button disabled={!canDecide || !instruction.trim()} title={why} onClick={() => void decide("tweak")}>
        Tweak
      </button>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
