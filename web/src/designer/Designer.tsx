// The designer screen (/designer, /designer/ID): loads the node-type catalogue and, to edit one,
// the template's latest version, then hands them to the Editor. Loaded lazily by the shell, so
// React Flow's editing code is not in the initial bundle.
import "./designer.css";
import { ReactFlowProvider } from "@xyflow/react";
import { useEffect, useRef, useState } from "react";
import { api, describeError, type Schemas } from "../api/client";
import { CatalogueContext, catalogueOf, type Catalogue } from "./catalogue";
import { Editor, type Saved } from "./Editor";
import { fromFlow, metaOf, toFlow } from "./model";
import type { Definition } from "./types";

interface Props {
  templateId?: string;
  role: Schemas["Role"];
}

interface Loaded {
  key: string;
  def: Definition;
  saved: Saved;
}

const BLANK: Definition = { name: "", nodes: [], edges: [] };

export default function Designer({ templateId, role }: Props) {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState("");
  // The template this editor created: when the address changes to it, nothing is reloaded.
  const created = useRef<string | undefined>(undefined);

  useEffect(() => {
    void api.GET("/api/v1/node-types").then(({ data, error: err, response }) => {
      if (data) setCatalogue(catalogueOf(data));
      else setError(`Could not load the node types: ${describeError(err, response)}`);
    });
  }, []);

  // Each new template gets an editor of its own.
  const blanks = useRef(0);

  useEffect(() => {
    if (templateId && templateId === created.current) return;
    created.current = undefined;
    setLoaded(null);
    setError("");
    if (!templateId) {
      const { nodes, edges } = toFlow(BLANK);
      setLoaded({ key: `new ${++blanks.current}`, def: BLANK, saved: { builtin: false, json: JSON.stringify(fromFlow(metaOf(BLANK), nodes, edges)) } });
      return;
    }
    let live = true;
    void api.GET("/api/v1/templates/{id}", { params: { path: { id: templateId } } }).then(({ data, error: err, response }) => {
      if (!live) return;
      if (!data) {
        setError(`Could not open the template: ${describeError(err, response)}`);
        return;
      }
      const { nodes, edges } = toFlow(data.definition);
      setLoaded({
        key: `${data.id}@${data.version}`,
        def: data.definition,
        saved: {
          id: data.id,
          version: data.version,
          builtin: data.builtin,
          json: JSON.stringify(fromFlow(metaOf(data.definition), nodes, edges)),
        },
      });
    });
    return () => {
      live = false;
    };
  }, [templateId]);

  if (error) return <p role="alert">{error}</p>;
  if (!catalogue || !loaded) return <p className="muted">Loading the designer…</p>;
  const { nodes, edges } = toFlow(loaded.def);
  return (
    <CatalogueContext.Provider value={catalogue}>
      <ReactFlowProvider>
        <Editor
          key={loaded.key}
          meta={metaOf(loaded.def)}
          nodes={nodes}
          edges={edges}
          saved={loaded.saved}
          role={role}
          onCreated={(id) => (created.current = id)}
        />
      </ReactFlowProvider>
    </CatalogueContext.Provider>
  );
}
