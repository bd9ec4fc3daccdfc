// Runs: every execution of the workspace, newest first, with status and progress, kept current by
// the workspace's event stream (no polling): an event refreshes its execution's row.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, describeError, type Execution, type ExecutionDetail } from "../api/client";
import { duration, percent, when } from "../format";
import { useEventStream } from "../live";

interface Props {
  onOpen: (id: string) => void;
}

export function Executions({ onOpen }: Props) {
  const [items, setItems] = useState<Execution[]>([]);
  const [details, setDetails] = useState<Record<string, ExecutionDetail>>({});
  const [error, setError] = useState("");
  const pending = useRef(new Set<string>());

  const refresh = useCallback(async (id: string) => {
    if (pending.current.has(id)) return;
    pending.current.add(id);
    const { data } = await api.GET("/api/v1/executions/{id}", { params: { path: { id } } });
    pending.current.delete(id);
    if (!data) return;
    setDetails((d) => ({ ...d, [id]: data }));
    setItems((list) => {
      const row: Execution = {
        id: data.id,
        workspace_id: data.workspace_id,
        template_id: data.template_id,
        template_version: data.template_version,
        status: data.status,
        reason: data.reason,
        inputs: data.inputs,
        error: data.error,
        created_at: data.created_at,
        started_at: data.started_at,
        finished_at: data.finished_at,
        updated_at: data.updated_at,
      };
      return list.some((e) => e.id === id) ? list.map((e) => (e.id === id ? row : e)) : [row, ...list];
    });
  }, []);

  useEffect(() => {
    void (async () => {
      const { data, error: err, response } = await api.GET("/api/v1/executions", {
        params: { query: { limit: 50 } },
      });
      if (!data) {
        setError(describeError(err, response));
        return;
      }
      setItems(data.items);
      for (const e of data.items) if (e.status !== "completed") void refresh(e.id);
    })();
  }, [refresh]);

  const stream = useEventStream("/api/v1/events/stream", (e) => void refresh(e.execution_id));

  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {stream === "reconnecting" && <p className="reconnecting">Reconnecting…</p>}
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>Execution</th>
            <th>Template</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => {
            const d = details[e.id];
            return (
              <tr key={e.id} data-execution={e.id} data-status={e.status}>
                <td>
                  <a
                    href={`/executions/${e.id}`}
                    onClick={(ev) => {
                      ev.preventDefault();
                      onOpen(e.id);
                    }}
                  >
                    {e.id}
                  </a>
                </td>
                <td>{d?.template.name ?? e.template_id}</td>
                <td>
                  <span className={`status status-${e.status}`}>{e.status}</span>
                  {e.reason && <small> {e.reason}</small>}
                </td>
                <td>
                  {d && (
                    <>
                      <progress max={100} value={d.progress.percent} aria-label="progress" />{" "}
                      {percent(d.progress.percent)} · {d.stage}
                    </>
                  )}
                </td>
                <td>{when(e.started_at ?? e.created_at)}</td>
                <td>{duration(e.started_at, e.finished_at)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
