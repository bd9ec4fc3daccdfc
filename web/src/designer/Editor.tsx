// The designer's editing surface: palette, canvas and side panel, the toolbar with the problem
// count, Save and Run. Holds the template being edited as React Flow's nodes and edges plus its
// settings (Meta); the document is rebuilt from them (fromFlow) to validate and to save.
import "@xyflow/react/dist/style.css";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Connection,
  type IsValidConnection,
  type OnSelectionChangeFunc,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { api, type Schemas } from "../api/client";
import { guardLeaving, navigate, replaceView } from "../nav";
import { DesignerNode } from "./DesignerNode";
import {
  canConnect,
  freeSpot,
  fromFlow,
  newEdgeId,
  newNode,
  renameInMilestones,
  renameNode,
  setNodeValue,
  withEdgeProblems,
  withProblems,
} from "./model";
import { NodeForm } from "./NodeForm";
import { DRAG_MIME, Palette } from "./Palette";
import { mapProblems, problemsOf, type MappedProblems } from "./problems";
import { saveErrorSentence } from "./save";
import { TemplateForm } from "./TemplateForm";
import type { DesignEdge, DesignNode, Meta } from "./types";
import { useValidation } from "./useValidation";

const nodeTypes = { design: DesignerNode };

const NO_PROBLEMS: MappedProblems = {
  nodes: new Map(),
  fields: new Map(),
  edges: new Map(),
  inputs: new Map(),
  template: new Map(),
  general: [],
  total: 0,
};

export interface Saved {
  id?: string;
  version?: number;
  builtin: boolean;
  // The document as last saved (or loaded): the designer has unsaved changes while it differs.
  json: string;
}

interface Props {
  meta: Meta;
  nodes: DesignNode[];
  edges: DesignEdge[];
  saved: Saved;
  role: Schemas["Role"];
  // Called once a new template is stored, before the address changes to it.
  onCreated: (id: string) => void;
}

type Selection = { kind: "node" | "edge"; id: string } | null;

export function Editor(props: Props) {
  const flow = useReactFlow<DesignNode, DesignEdge>();
  const [meta, setMeta] = useState<Meta>(props.meta);
  const [nodes, setNodes, onNodesChange] = useNodesState<DesignNode>(props.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<DesignEdge>(props.edges);
  const [selected, setSelected] = useState<Selection>(null);
  const [problems, setProblems] = useState<MappedProblems>(NO_PROBLEMS);
  const [saved, setSaved] = useState<Saved>(props.saved);
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState("");
  const [notice, setNotice] = useState("");
  const canvas = useRef<HTMLDivElement>(null);

  const showProblems = useCallback(
    (p: MappedProblems) => {
      setProblems(p);
      setNodes((nds) => withProblems(nds, p.nodes));
      setEdges((eds) => withEdgeProblems(eds, p.edges));
    },
    [setNodes, setEdges],
  );
  const validation = useValidation(meta, nodes, edges, showProblems);

  const json = useMemo(() => JSON.stringify(fromFlow(meta, nodes, edges)), [meta, nodes, edges]);
  const dirty = json !== saved.json;
  // Unsaved work is not lost without asking: not by closing the tab, nor by another screen.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    const unguard = guardLeaving(() => window.confirm("Leave the designer? Your unsaved changes will be lost."));
    return () => {
      window.removeEventListener("beforeunload", warn);
      unguard();
    };
  }, [dirty]);

  const editor = props.role !== "viewer";
  const inputNames = useMemo(() => meta.inputs.map((r) => r.name).filter(Boolean), [meta.inputs]);

  // Adds a node of `type`, selected, at `at` or in view where it covers no other node.
  const add = useCallback(
    (type: string, at?: { x: number; y: number }) => {
      const box = canvas.current?.getBoundingClientRect();
      const inView = flow.screenToFlowPosition({ x: box ? box.left + 40 : 200, y: box ? box.top + 40 : 200 });
      setNodes((nds) => [
        ...nds.map((n) => (n.selected ? { ...n, selected: false } : n)),
        { ...newNode(type, nds.map((n) => n.id), at ?? freeSpot(nds, inView)), selected: true },
      ]);
      setEdges((eds) => eds.map((e) => (e.selected ? { ...e, selected: false } : e)));
    },
    [flow, setNodes, setEdges],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(DRAG_MIME);
      if (!type) return;
      e.preventDefault();
      add(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [add, flow],
  );

  const connect = useCallback(
    (source: string, target: string, handle: string | null) =>
      setEdges((eds) => {
        if (!canConnect(flow.getNodes(), eds, source, target, handle)) return eds;
        const edge: DesignEdge = { id: newEdgeId(eds.map((e) => e.id)), source, target, sourceHandle: handle };
        if (handle) edge.label = handle;
        return [...eds, edge];
      }),
    [flow, setEdges],
  );
  const onConnect = useCallback((c: Connection) => connect(c.source, c.target, c.sourceHandle ?? null), [connect]);
  const isValidConnection: IsValidConnection<DesignEdge> = useCallback(
    (c) => canConnect(flow.getNodes(), flow.getEdges(), c.source, c.target, c.sourceHandle ?? null),
    [flow],
  );
  const onSelectionChange: OnSelectionChangeFunc<DesignNode, DesignEdge> = useCallback(({ nodes: n, edges: e }) => {
    const node = n[0];
    const edge = e[0];
    setSelected(node ? { kind: "node", id: node.id } : edge ? { kind: "edge", id: edge.id } : null);
  }, []);

  // Selects a node or edge from outside the canvas (the list of problems) and shows it.
  const select = useCallback(
    (sel: Selection) => {
      setNodes((nds) =>
        nds.map((n) => {
          const want = sel?.kind === "node" && sel.id === n.id;
          return !!n.selected === want ? n : { ...n, selected: want };
        }),
      );
      setEdges((eds) =>
        eds.map((x) => {
          const want = sel?.kind === "edge" && sel.id === x.id;
          return !!x.selected === want ? x : { ...x, selected: want };
        }),
      );
      setSelected(sel);
      if (sel?.kind === "node") {
        const n = flow.getNode(sel.id);
        if (n) void flow.setCenter(n.position.x + 90, n.position.y + 40, { zoom: Math.max(flow.getZoom(), 0.8), duration: 200 });
      }
    },
    [flow, setNodes, setEdges],
  );

  const node = selected?.kind === "node" ? nodes.find((n) => n.id === selected.id) : undefined;
  const edge = selected?.kind === "edge" ? edges.find((e) => e.id === selected.id) : undefined;

  async function save() {
    const def = fromFlow(meta, nodes, edges);
    setBusy(true);
    setSaveError("");
    setNotice("");
    const update = saved.id && !saved.builtin;
    const r = update
      ? await api.PUT("/api/v1/templates/{id}", { params: { path: { id: saved.id ?? "" } }, body: def })
      : await api.POST("/api/v1/templates", { body: def });
    setBusy(false);
    if (r.data) {
      const created = !update;
      setSaved({ id: r.data.id, version: r.data.version, builtin: false, json: JSON.stringify(def) });
      setNotice(`Saved ${r.data.name}, version ${r.data.version}.`);
      if (created) {
        props.onCreated(r.data.id);
        replaceView({ kind: "designer", templateId: r.data.id });
      }
      return;
    }
    setSaveError(saveErrorSentence(r.error, r.response.status, meta.name));
    const listed = problemsOf(r.error?.error.details);
    if (listed.length > 0) showProblems(mapProblems(listed, def));
  }

  const saveLabel = saved.id && !saved.builtin ? "Save new version" : "Save as new template";
  const saveWhy = !editor
    ? "Your key has the viewer role: saving templates needs editor"
    : !dirty && saved.builtin
      ? "A built-in template cannot be changed: give this copy another name, then save it as a new template"
      : !dirty && saved.id
        ? "No changes since the last save"
        : undefined;
  const runWhy = !editor
    ? "Your key has the viewer role: launching needs editor"
    : !saved.id || saved.builtin
      ? "Save the template first"
      : dirty
        ? "Save your changes first: Run launches the saved version"
        : undefined;
  const count = problems.total;

  return (
    <section className="designer" aria-labelledby="designer-title">
      <div className="dtoolbar" role="toolbar" aria-label="Designer actions">
        <h2 id="designer-title">
          {meta.name || "New template"}
          {saved.version !== undefined && <small> v{saved.version}</small>}
          {dirty && <small className="muted"> · unsaved changes</small>}
        </h2>
        <span
          className={`dcount ${count > 0 ? "dcount-bad" : "dcount-ok"}`}
          role="status"
          aria-label="Problems"
          data-testid="problem-count"
        >
          {validation.checking ? "Checking…" : count === 0 ? "No problems" : `${count} ${count === 1 ? "problem" : "problems"}`}
        </span>
        <button type="button" onClick={() => select(null)} aria-pressed={selected === null}>
          Template settings
        </button>
        <button type="button" disabled={busy || !!saveWhy} title={saveWhy} onClick={() => void save()}>
          {busy ? "Saving…" : saveLabel}
        </button>
        <button
          type="button"
          disabled={!!runWhy}
          title={runWhy}
          onClick={() => saved.id && navigate({ kind: "launch", templateId: saved.id })}
        >
          Run
        </button>
      </div>
      {saved.builtin && (
        <p className="dnote">
          This is a built-in template: it cannot be changed. Give it another name and save it as a new template.
        </p>
      )}
      {validation.error && <p className="field-error">{validation.error}</p>}
      {saveError && <p role="alert">{saveError}</p>}
      {notice && (
        <p className="dnotice" role="status">
          {notice}
        </p>
      )}
      <div className="dbody">
        <Palette onAdd={add} disabled={false} />
        <div
          className="dcanvas"
          ref={canvas}
          onDragOver={(e) => {
            if (e.dataTransfer.types.includes(DRAG_MIME)) {
              e.preventDefault();
              e.dataTransfer.dropEffect = "move";
            }
          }}
          onDrop={onDrop}
          aria-label="Canvas"
          role="region"
        >
          {nodes.length === 0 && (
            <p className="dempty">Drag node types here from the palette, or press one to add it. Start with “start”.</p>
          )}
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            isValidConnection={isValidConnection}
            onSelectionChange={onSelectionChange}
            deleteKeyCode={["Backspace", "Delete"]}
            snapToGrid
            snapGrid={[10, 10]}
            fitView={props.nodes.length > 0}
            fitViewOptions={{ maxZoom: 1 }}
            minZoom={0.1}
            onlyRenderVisibleElements={nodes.length > 150}
          >
            <Background />
            <Controls />
            {nodes.length > 40 && <MiniMap pannable zoomable />}
          </ReactFlow>
        </div>
        <aside className="dside" aria-label="Properties">
          {node ? (
            <NodeForm
              key={node.id}
              node={node}
              nodes={nodes}
              edges={edges}
              inputNames={inputNames}
              disabled={false}
              fieldProblems={(f) => problems.fields.get(`${node.id}/${f}`) ?? []}
              onChange={(field, value) => setNodes((nds) => setNodeValue(nds, node.id, field, value))}
              onRename={(to) => {
                const r = renameNode(nodes, edges, node.id, to);
                if ("error" in r) return r.error;
                setNodes(r.nodes);
                setEdges(r.edges);
                if (meta.milestones) setMeta({ ...meta, milestones: renameInMilestones(meta.milestones, node.id, to) });
                setSelected({ kind: "node", id: to });
                return undefined;
              }}
              onDelete={() => {
                void flow.deleteElements({ nodes: [{ id: node.id }] });
                setSelected(null);
              }}
              onConnect={(target, handle) => connect(node.id, target, handle)}
              onDeleteEdge={(id) => void flow.deleteElements({ edges: [{ id }] })}
            />
          ) : edge ? (
            <div className="edgeform" role="group" aria-label={`Edge ${edge.id}`}>
              <h3>Edge {edge.id}</h3>
              <p>
                {edge.source}
                {edge.sourceHandle ? ` (${edge.sourceHandle})` : ""} → {edge.target}
              </p>
              {(problems.edges.get(edge.id) ?? []).map((m, i) => (
                <p key={i} className="field-error">
                  {m}
                </p>
              ))}
              <button
                type="button"
                className="danger"
                onClick={() => {
                  void flow.deleteElements({ edges: [{ id: edge.id }] });
                  setSelected(null);
                }}
              >
                Delete edge {edge.id}
              </button>
            </div>
          ) : (
            <TemplateForm
              meta={meta}
              onChange={setMeta}
              templateProblems={problems.template}
              inputProblems={problems.inputs}
              disabled={false}
            />
          )}
          <ProblemList problems={problems} onSelect={select} />
        </aside>
      </div>
    </section>
  );
}

// Every problem of the last validation; those on a node or edge select it.
function ProblemList({ problems, onSelect }: { problems: MappedProblems; onSelect: (s: Selection) => void }) {
  if (problems.total === 0) return null;
  const onNodes = [...problems.nodes.entries()];
  const onEdges = [...problems.edges.entries()];
  return (
    <section className="dproblems" aria-labelledby="dproblems-title">
      <h3 id="dproblems-title">Problems</h3>
      <ul>
        {problems.general.map((p, i) => (
          <li key={`g${i}`}>
            <code>{p.where}</code> {p.message}
          </li>
        ))}
        {onNodes.map(([id, list]) => (
          <li key={`n${id}`}>
            <button type="button" className="link" onClick={() => onSelect({ kind: "node", id })}>
              node {id}
            </button>{" "}
            {list.join("; ")}
          </li>
        ))}
        {onEdges.map(([id, list]) => (
          <li key={`e${id}`}>
            <button type="button" className="link" onClick={() => onSelect({ kind: "edge", id })}>
              edge {id}
            </button>{" "}
            {list.join("; ")}
          </li>
        ))}
      </ul>
    </section>
  );
}
