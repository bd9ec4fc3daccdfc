// Gallery: the workspace's images (thumbnails, a lightbox) and documents (a list), filtered by kind,
// template and run, current versions only unless asked otherwise, newest first, 60 at a time, each downloadable. New artifacts of running jobs appear from the workspace's
// event stream.
import "./screens.css";
import { useCallback, useEffect, useRef, useState } from "react";
import { api, describeError, type Schemas, type StreamEvent } from "../api/client";
import { fileSize, when } from "../format";
import { mergeArtifacts, newestFirst, nextAfter, type Artifact } from "../gallery/paging";
import { useEventStream } from "../live";
import { navigate } from "../nav";
import { useTemplateNames } from "../runs/useTemplateNames";

const PAGE = 60;
const READ = 1000;

type Kind = "" | Artifact["kind"];

export function contentUrl(id: string): string {
  return `/api/v1/artifacts/${encodeURIComponent(id)}/content`;
}

function artifactIds(payload: unknown): string[] {
  if (typeof payload !== "object" || payload === null) return [];
  const list = new Map(Object.entries(payload)).get("artifacts");
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === "string") : [];
}

export function Gallery() {
  const [kind, setKind] = useState<Kind>("");
  const [execution, setExecution] = useState("");
  const [templateId, setTemplateId] = useState("");
  // Only each step's current version: older versions live in the execution's version history.
  const [current, setCurrent] = useState(true);
  const { templates } = useTemplateNames();
  const [items, setItems] = useState<Artifact[]>([]);
  const [shown, setShown] = useState(PAGE);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const [open, setOpen] = useState<Artifact | null>(null);
  const runs = useRecentRuns();

  // The API lists artifacts oldest first from a time on; the gallery shows the newest first, so
  // it reads the list to its end (metadata only, 1,000 a request) and pages through it here.
  useEffect(() => {
    let live = true;
    setLoading(true);
    setShown(PAGE);
    void (async () => {
      let all: Artifact[] = [];
      let from: string | null = null;
      for (;;) {
        const query = {
          limit: READ,
          ...(kind ? { kind } : {}),
          ...(execution ? { execution_id: execution } : {}),
          ...(templateId ? { template_id: templateId } : {}),
          ...(current ? { current: true } : {}),
          ...(from ? { created_after: from } : {}),
        };
        const { data, error: err, response } = await api.GET("/api/v1/artifacts", { params: { query } });
        if (!live) return;
        if (!data) {
          setError(describeError(err, response));
          break;
        }
        setError("");
        const before = all.length;
        all = mergeArtifacts(all, data.items);
        if (data.items.length < READ || all.length === before) break;
        from = nextAfter(data.items);
      }
      setItems(newestFirst(all));
      setLoading(false);
    })();
    return () => {
      live = false;
    };
  }, [kind, execution, templateId, current]);

  const onEvent = useCallback(
    (e: StreamEvent) => {
      // A template filter cannot be told from an event; its list is read again when it changes.
      if (e.type !== "step_succeeded" || templateId) return;
      if (execution && e.execution_id !== execution) return;
      for (const id of artifactIds(e.payload)) {
        void api.GET("/api/v1/artifacts/{id}", { params: { path: { id } } }).then(({ data }) => {
          if (!data || (kind && data.kind !== kind)) return;
          setItems((list) => {
            // With current versions only, a step's new version takes the place of its older ones.
            const kept = current ? list.filter((a) => a.execution_id !== data.execution_id || a.step !== data.step || a.step_version >= data.step_version) : list;
            return newestFirst(mergeArtifacts(kept, [data]));
          });
        });
      }
    },
    [execution, kind, templateId, current],
  );
  const stream = useEventStream("/api/v1/events/stream", onEvent);

  const page = items.slice(0, shown);
  const images = page.filter((a) => a.kind === "image");
  const documents = page.filter((a) => a.kind === "document");
  return (
    <section aria-labelledby="gallery-title">
      <h2 id="gallery-title">Gallery</h2>
      <div className="toolbar" role="search" aria-label="Filter the gallery">
        <label>
          Kind
          <select aria-label="Kind" value={kind} onChange={(e) => setKind(e.target.value === "image" ? "image" : e.target.value === "document" ? "document" : "")}>
            <option value="">Images and documents</option>
            <option value="image">Images</option>
            <option value="document">Documents</option>
          </select>
        </label>
        <label>
          Run
          <select aria-label="Run" value={execution} onChange={(e) => setExecution(e.target.value)}>
            <option value="">Every run</option>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Template
          <select aria-label="Template" value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
            <option value="">Every template</option>
            {[...templates]
              .sort((a, b) => a.name.localeCompare(b.name))
              .map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={current} onChange={(e) => setCurrent(e.target.checked)} />
          Current versions only
        </label>
        {stream === "reconnecting" && <span className="reconnecting">Reconnecting…</span>}
      </div>
      {error && <p role="alert">{error}</p>}
      {!loading && items.length === 0 && !error && <p className="muted">Nothing here yet: images and documents appear as runs make them.</p>}
      {images.length > 0 && (
        <section aria-labelledby="gallery-images">
          <h3 id="gallery-images">Images ({images.length})</h3>
          <ul className="gallery-grid">
            {images.map((a) => (
              <li key={a.id} data-artifact={a.id}>
                <button className="thumb-button" onClick={() => setOpen(a)} aria-label={`Enlarge ${a.name} of ${a.execution_id}`}>
                  <img src={contentUrl(a.id)} alt={imageAlt(a)} loading="lazy" />
                </button>
                <span>{a.name}</span>
                <RunLink id={a.execution_id} />
                <a href={contentUrl(a.id)} download={a.name}>
                  Download
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {documents.length > 0 && (
        <section aria-labelledby="gallery-documents">
          <h3 id="gallery-documents">Documents ({documents.length})</h3>
          <ul className="doc-list">
            {documents.map((a) => (
              <li key={a.id} data-artifact={a.id}>
                <a href={contentUrl(a.id)} target="_blank" rel="noreferrer">
                  {a.name}
                </a>{" "}
                <span className="muted">
                  {a.mime} · {fileSize(a.size)} · step {a.step} v{a.step_version} · {when(a.created_at)}
                </span>{" "}
                <RunLink id={a.execution_id} />{" "}
                <a href={contentUrl(a.id)} download={a.name}>
                  Download
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      <div className="pager">
        <span className="muted">
          {page.length} of {items.length} shown, newest first
        </span>
        {items.length > shown && <button onClick={() => setShown(shown + PAGE)}>Show more</button>}
        {loading && <span className="muted">Loading…</span>}
      </div>
      {open && <Lightbox artifact={open} onClose={() => setOpen(null)} />}
    </section>
  );
}

function imageAlt(a: Artifact): string {
  const prompt = a.meta["prompt"];
  return typeof prompt === "string" && prompt ? prompt : a.name;
}

function RunLink({ id }: { id: string }) {
  return (
    <a
      className="mono"
      href={`/executions/${id}`}
      onClick={(e) => {
        e.preventDefault();
        navigate({ kind: "execution", id });
      }}
    >
      {id}
    </a>
  );
}

function Lightbox({ artifact, onClose }: { artifact: Artifact; onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement;
    close.current?.focus();
    const key = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", key);
    return () => {
      window.removeEventListener("keydown", key);
      if (before instanceof HTMLElement) before.focus();
    };
  }, [onClose]);
  return (
    <div className="lightbox" role="dialog" aria-modal="true" aria-label={artifact.name} onClick={onClose}>
      <img src={contentUrl(artifact.id)} alt={imageAlt(artifact)} onClick={(e) => e.stopPropagation()} />
      <p onClick={(e) => e.stopPropagation()}>
        {artifact.name} · {artifact.execution_id} · step {artifact.step}{" "}
        <a href={contentUrl(artifact.id)} download={artifact.name}>
          Download
        </a>
      </p>
      <button ref={close} onClick={onClose}>
        Close
      </button>
    </div>
  );
}

// The latest runs, for the run filter, named by template and start.
function useRecentRuns(): { id: string; label: string }[] {
  const [runs, setRuns] = useState<Schemas["ExecutionRow"][]>([]);
  useEffect(() => {
    void api.GET("/api/v1/executions", { params: { query: { limit: 100 } } }).then(({ data }) => data && setRuns(data.items));
  }, []);
  return runs.map((r) => ({ id: r.id, label: `${r.template_name} · ${when(r.created_at)} · ${r.id}` }));
}
