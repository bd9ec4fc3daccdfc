// Approvals inbox: every step of the workspace waiting for a person, newest first, with what to
// judge inline (text as Markdown, JSON pretty, images) and the decisions the step allows, taken
// here without opening the execution: approve, approve with an edit to the text, request changes
// (a tweak instruction), reject. The workspace stream adds new requests and removes decided ones.
import "./screens.css";
import { useCallback, useEffect, useState } from "react";
import Markdown from "react-markdown";
import { api, describeError, type Schemas, type StreamEvent } from "../api/client";
import { when } from "../format";
import { useEventStream } from "../live";
import { navigate } from "../nav";
import { mergeApprovals, removeApproval, type Approval } from "../approvals/inbox";

const PAGE = 50;
const GONE = new Set(["execution_completed", "execution_failed", "execution_stopped"]);

export default function Approvals({ role }: { role: Schemas["Role"] }) {
  const [items, setItems] = useState<Approval[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(true);
  const [done, setDone] = useState("");

  const load = useCallback(async (after: string | null) => {
    setLoading(true);
    const query = after ? { limit: PAGE, cursor: after } : { limit: PAGE };
    const { data, error: err, response } = await api.GET("/api/v1/approvals", { params: { query } });
    setLoading(false);
    if (!data) {
      setError(describeError(err, response));
      return;
    }
    setError("");
    setItems((list) => (after ? mergeApprovals(list, data.items) : mergeApprovals([], data.items)));
    setCursor(data.next_cursor);
  }, []);

  useEffect(() => {
    void load(null);
  }, [load]);

  const stream = useEventStream("/api/v1/events/stream", (e: StreamEvent) => {
    if (e.type === "approval_decided" && e.step) setItems((list) => removeApproval(list, e.execution_id, e.step ?? ""));
    else if (GONE.has(e.type)) setItems((list) => list.filter((a) => a.execution_id !== e.execution_id));
    else if (e.type === "approval_requested") {
      void api.GET("/api/v1/approvals", { params: { query: { limit: PAGE } } }).then(({ data }) => {
        if (data) setItems((list) => mergeApprovals(list, data.items));
      });
    }
  });

  return (
    <section aria-labelledby="approvals-title">
      <h2 id="approvals-title">Approvals</h2>
      {stream === "reconnecting" && <p className="reconnecting">Reconnecting…</p>}
      {error && <p role="alert">{error}</p>}
      {done && <p role="status">{done}</p>}
      {!loading && items.length === 0 && !error && <p className="muted">Nothing is waiting for a decision.</p>}
      {items.map((a) => (
        <ApprovalItem
          key={`${a.execution_id}/${a.step}`}
          approval={a}
          role={role}
          onDecided={(what) => {
            setDone(`${what}: ${a.label} of ${a.template.name} (${a.execution_id}).`);
            setItems((list) => removeApproval(list, a.execution_id, a.step));
          }}
        />
      ))}
      <div className="pager">
        <span className="muted">{items.length} waiting</span>
        {cursor && (
          <button disabled={loading} onClick={() => void load(cursor)}>
            Load more
          </button>
        )}
      </div>
    </section>
  );
}

type Mode = "" | "edit" | "tweak" | "reject";

function ApprovalItem({ approval: a, role, onDecided }: { approval: Approval; role: Schemas["Role"]; onDecided: (what: string) => void }) {
  const [mode, setMode] = useState<Mode>("");
  const [text, setText] = useState(a.content?.text ?? "");
  const [instruction, setInstruction] = useState("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const can = role !== "viewer";
  const why = can ? undefined : "Your key has the viewer role: deciding needs editor";
  const allows = (d: string) => a.decisions.some((x) => x === d);
  const params = { params: { path: { id: a.execution_id, step: a.step } } };
  const base = `d-${a.execution_id}-${a.step}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const withComment = comment.trim() ? { comment: comment.trim() } : {};

  async function decide(kind: "approve" | "edit" | "tweak" | "reject") {
    setBusy(true);
    setError("");
    const r =
      kind === "approve"
        ? await api.POST("/api/v1/executions/{id}/steps/{step}/approve", { ...params, body: withComment })
        : kind === "edit"
          ? await api.POST("/api/v1/executions/{id}/steps/{step}/approve", { ...params, body: { ...withComment, edit: text } })
          : kind === "reject"
            ? await api.POST("/api/v1/executions/{id}/steps/{step}/reject", { ...params, body: withComment })
            : await api.POST("/api/v1/executions/{id}/steps/{step}/tweak", { ...params, body: { ...withComment, instruction: instruction.trim() } });
    setBusy(false);
    if (r.error || !r.data) setError(describeError(r.error, r.response));
    else onDecided({ approve: "Approved", edit: "Approved with your edit", tweak: "Changes requested", reject: "Rejected" }[kind]);
  }

  return (
    <article className="approval-item" aria-labelledby={`${base}-title`} data-execution={a.execution_id} data-step={a.step}>
      <h3 id={`${base}-title`}>
        {a.label} · {a.template.name}
      </h3>
      <p className="muted">
        asked {when(a.requested_at)} ·{" "}
        <a
          className="mono"
          href={`/executions/${a.execution_id}`}
          onClick={(e) => {
            e.preventDefault();
            navigate({ kind: "execution", id: a.execution_id });
          }}
        >
          {a.execution_id}
        </a>
      </p>
      <p>
        <strong>{a.message}</strong>
      </p>
      {a.content && <Content content={a.content} />}
      {a.show !== null && a.show !== undefined && !a.content && <pre aria-label="Shown values">{JSON.stringify(a.show, null, 2)}</pre>}
      <label htmlFor={`${base}-comment`}>Comment (optional)</label>
      <input id={`${base}-comment`} value={comment} onChange={(e) => setComment(e.target.value)} />
      <div className="decide-row">
        <button className="primary" disabled={!can || busy} title={why} onClick={() => void decide("approve")}>
          Approve
        </button>
        {allows("edit") && (
          <button disabled={!can || busy} title={why} aria-expanded={mode === "edit"} onClick={() => setMode(mode === "edit" ? "" : "edit")}>
            Approve with an edit…
          </button>
        )}
        {allows("tweak") && (
          <button disabled={!can || busy} title={why} aria-expanded={mode === "tweak"} onClick={() => setMode(mode === "tweak" ? "" : "tweak")}>
            Request changes…
          </button>
        )}
        <button disabled={!can || busy} title={why} aria-expanded={mode === "reject"} onClick={() => setMode(mode === "reject" ? "" : "reject")}>
          Reject…
        </button>
      </div>
      {mode === "edit" && (
        <div className="field">
          <label htmlFor={`${base}-edit`}>The text as it should be approved</label>
          <textarea id={`${base}-edit`} value={text} rows={8} onChange={(e) => setText(e.target.value)} />
          <button disabled={!can || busy || text === (a.content?.text ?? "")} title={why} onClick={() => void decide("edit")}>
            Approve with this edit
          </button>
        </div>
      )}
      {mode === "tweak" && (
        <div className="field">
          <label htmlFor={`${base}-tweak`}>What should change</label>
          <textarea id={`${base}-tweak`} value={instruction} rows={3} onChange={(e) => setInstruction(e.target.value)} />
          <button disabled={!can || busy || !instruction.trim()} title={why} onClick={() => void decide("tweak")}>
            Send the request
          </button>
        </div>
      )}
      {mode === "reject" && (
        <div className="decide-row" role="group" aria-label={`Confirm rejecting ${a.label}`}>
          <span>Reject {a.label}? The comment above goes with it.</span>
          <button disabled={!can || busy} title={why} onClick={() => void decide("reject")}>
            Yes, reject
          </button>
        </div>
      )}
      {error && <p role="alert">{error}</p>}
    </article>
  );
}

function Content({ content }: { content: NonNullable<Approval["content"]> }) {
  return (
    <div className="approval-content" aria-label={`Content of ${content.label}, version ${content.version}`} role="group">
      <p className="muted">
        {content.label} · version {content.version}
      </p>
      {content.text !== null ? (
        <div className="markdown">
          <Markdown>{content.text}</Markdown>
        </div>
      ) : content.images.length === 0 ? (
        <pre>{JSON.stringify(content.json, null, 2)}</pre>
      ) : null}
      {content.images.map((img) => (
        <img key={img.artifact_id} src={`/api/v1/artifacts/${encodeURIComponent(img.artifact_id)}/content`} alt={`${img.name} from ${content.label}`} />
      ))}
    </div>
  );
}
