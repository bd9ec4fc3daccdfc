// The side form of the selected node: its id, the fields of its type (generated from the
// node-type catalogue), its outgoing edges (a keyboard way to connect) and deleting it.
import { useMemo, useRef, useState } from "react";
import { useCatalogue } from "./catalogue";
import { FieldInput } from "./FieldInput";
import { formFields } from "./fields";
import { referenceMenu, type RefGroup } from "./references";
import type { DesignEdge, DesignNode } from "./types";

interface Props {
  node: DesignNode;
  nodes: DesignNode[];
  edges: DesignEdge[];
  inputNames: string[];
  // The server's messages per field of this node (field name -> messages).
  fieldProblems: (field: string) => string[];
  disabled: boolean;
  onChange: (field: string, value: unknown) => void;
  // Renames the node; the reason when it cannot be.
  onRename: (to: string) => string | undefined;
  onDelete: () => void;
  onConnect: (target: string, handle: string | null) => void;
  onDeleteEdge: (id: string) => void;
}

export function NodeForm(props: Props) {
  const { node, nodes, edges, inputNames, disabled } = props;
  const catalogue = useCatalogue();
  const type = catalogue.byName.get(node.data.type);
  const fields = useMemo(() => (type ? formFields(type, catalogue.common) : []), [type, catalogue.common]);
  const perItem = fields.some((f) => f.widget === "node");
  const refs = useStableGroups(
    useMemo(() => referenceMenu(node.id, nodes, edges, catalogue.byName, inputNames), [node.id, nodes, edges, catalogue.byName, inputNames]),
  );
  const itemRefs = useStableGroups(
    useMemo(
      () => (perItem ? referenceMenu(node.id, nodes, edges, catalogue.byName, inputNames, true) : []),
      [perItem, node.id, nodes, edges, catalogue.byName, inputNames],
    ),
  );
  const own = fields.filter((f) => !f.common);
  const common = fields.filter((f) => f.common);
  const nodeProblems = node.data.problems.filter((p) => !fields.some((f) => p.startsWith(`${f.name}: `)));

  const field = (f: (typeof fields)[number]) => (
    <FieldInput
      key={f.name}
      field={f}
      value={node.data.values[f.name]}
      refs={refs}
      itemRefs={itemRefs}
      problems={props.fieldProblems(f.name)}
      disabled={disabled}
      onChange={(v) => props.onChange(f.name, v)}
    />
  );

  return (
    <form className="nodeform" aria-label={`Node ${node.id}`} onSubmit={(e) => e.preventDefault()}>
      <h3>
        {node.data.type} <small>{type?.summary}</small>
      </h3>
      {!type && <p className="field-error">The server does not know the node type '{node.data.type}'.</p>}
      <IdField id={node.id} disabled={disabled} onRename={props.onRename} />
      {nodeProblems.map((p, i) => (
        <p key={i} className="field-error">
          {p}
        </p>
      ))}
      {common.filter((f) => f.name === "label").map(field)}
      {own.map(field)}
      <details className="advanced">
        <summary>Retries, time limit, cache</summary>
        {common.filter((f) => f.name !== "label").map(field)}
      </details>
      <Connections {...props} handles={type?.handles ?? []} />
      <button type="button" className="danger" disabled={disabled} onClick={props.onDelete}>
        Delete node {node.id}
      </button>
    </form>
  );
}

// The id, renamed on Enter or when the box is left; edges and references follow.
function IdField({ id, disabled, onRename }: { id: string; disabled: boolean; onRename: Props["onRename"] }) {
  const [text, setText] = useState(id);
  const [error, setError] = useState("");
  const [was, setWas] = useState(id);
  if (was !== id) {
    setWas(id);
    setText(id);
    setError("");
  }
  const apply = () => {
    if (text === id) return setError("");
    setError(onRename(text) ?? "");
  };
  return (
    <div className="dfield">
      <label htmlFor="node-id">id</label>
      <input
        id="node-id"
        value={text}
        disabled={disabled}
        aria-describedby="node-id-help"
        aria-invalid={error ? true : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            apply();
          }
        }}
      />
      <small id="node-id-help" className="dfield-help">
        references name it: {`{{steps.${id}.FIELD}}`}; renaming updates them
      </small>
      {error && <span className="field-error">{`id: ${error}`}</span>}
    </div>
  );
}

// The node's outgoing edges, and a way to add one without dragging.
function Connections(props: Props & { handles: string[] }) {
  const { node, nodes, edges, handles, disabled } = props;
  const [target, setTarget] = useState("");
  const [handle, setHandle] = useState(handles[0] ?? "");
  const out = edges.filter((e) => e.source === node.id);
  const targets = nodes.filter((n) => n.id !== node.id && n.data.type !== "start");
  return (
    <fieldset className="connections">
      <legend>Next steps</legend>
      {out.length === 0 && <p className="muted">No edges leave {node.id}.</p>}
      <ul>
        {out.map((e) => (
          <li key={e.id}>
            {e.sourceHandle ? `${e.sourceHandle} → ` : "→ "}
            {e.target}
            <button
              type="button"
              aria-label={`Delete edge ${e.id} to ${e.target}`}
              disabled={disabled}
              onClick={() => props.onDeleteEdge(e.id)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="connect">
        {handles.length > 0 && (
          <select aria-label="Branch" value={handle} disabled={disabled} onChange={(e) => setHandle(e.target.value)}>
            {handles.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        )}
        <select aria-label={`Connect ${node.id} to`} value={target} disabled={disabled} onChange={(e) => setTarget(e.target.value)}>
          <option value="">connect to…</option>
          {targets.map((n) => (
            <option key={n.id} value={n.id}>
              {n.id}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={disabled || !target}
          onClick={() => {
            props.onConnect(target, handles.length > 0 ? handle : null);
            setTarget("");
          }}
        >
          Add edge
        </button>
      </div>
    </fieldset>
  );
}

// The same groups object for as long as the menu's content is the same: typing in a field changes
// the nodes but rarely the menu, and the menu's entries are then not drawn again.
function useStableGroups(groups: RefGroup[]): RefGroup[] {
  const kept = useRef<{ key: string; groups: RefGroup[] }>({ key: "", groups });
  const key = JSON.stringify(groups);
  if (key !== kept.current.key) kept.current = { key, groups };
  return kept.current.groups;
}
