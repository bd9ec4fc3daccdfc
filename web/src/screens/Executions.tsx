// Runs: every execution of the workspace, newest first, with status and progress.
import { useCallback, useEffect, useState } from "react";
import { api, describeError, type Execution } from "../api/client";
import { duration, when } from "../format";

export function Executions() {
  const [items, setItems] = useState<Execution[]>([]);
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    const { data, error: err, response } = await api.GET("/api/v1/executions", {
      params: { query: { limit: 50 } },
    });
    if (data) {
      setItems(data.items);
      setError("");
    } else {
      setError(describeError(err, response));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <button onClick={() => void load()}>Refresh</button>
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>Execution</th>
            <th>Status</th>
            <th>Started</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-status={e.status}>
              <td>{e.id}</td>
              <td>
                <span className={`status status-${e.status}`}>{e.status}</span>
                {e.reason && <small> {e.reason}</small>}
              </td>
              <td>{when(e.started_at ?? e.created_at)}</td>
              <td>{duration(e.started_at, e.finished_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
