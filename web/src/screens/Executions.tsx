// Runs: every execution of the workspace, newest first, with status, progress, template name,
// start, duration and cost (each row of the list carries them: no request per row); filters by status, template and time, paged by cursor. The workspace's event
// stream keeps the rows current (no polling): an event carries the progress figures, so a row
// moves from the event itself and is read again only when the event cannot tell what changed.
// Closing or leaving this page stops nothing: jobs run in the server.
import "./screens.css";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, describeError, type StreamEvent } from "../api/client";
import { credits } from "../credits/money";
import { duration, percent, when } from "../format";
import { useEventStream } from "../live";
import { ViewLink } from "../ViewLink";
import { useTemplateNames } from "../runs/useTemplateNames";
import {
  RANGES,
  applyEvent,
  filterQuery,
  fromDetail,
  fromExecution,
  matchesNew,
  mergeRead,
  rowFromCreated,
  stageText,
  waitingReason,
  type RunFilters,
  type RunRow,
  type RunStatus,
} from "../runs/runRows";

const STATUSES: RunStatus[] = ["queued", "running", "waiting", "paused", "completed", "failed", "stopped"];
const PAGE = 50;
const ROW_HEIGHT = 42;

export function Executions() {
  const [filters, setFilters] = useState<RunFilters>({ status: "", templateId: "", range: "" });
  const [rows, setRowsState] = useState<RunRow[]>([]);
  // The rows as of the last change, so an event's effect (and whether it needs the row read
  // again) is known at once rather than when React runs a state updater.
  const rowsRef = useRef<RunRow[]>([]);
  const setRows = useCallback((change: (list: RunRow[]) => RunRow[]) => {
    const next = change(rowsRef.current);
    if (next === rowsRef.current) return;
    rowsRef.current = next;
    setRowsState(next);
  }, []);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState("");
  const { names, templates } = useTemplateNames();
  const namesRef = useRef(names);
  namesRef.current = names;
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  // Events that arrive while the first page loads are applied once it is in.
  const early = useRef<StreamEvent[] | null>([]);
  const reading = useRef(new Set<string>());
  // One map per fresh read of the first page in flight: the runs the stream changed meanwhile
  // (true: created), which that read may predate (mergeRead).
  const reads = useRef(new Set<Map<string, boolean>>());

  const refetch = useCallback(async (id: string) => {
    if (reading.current.has(id)) return;
    reading.current.add(id);
    const { data } = await api.GET("/api/v1/executions/{id}", { params: { path: { id } } });
    reading.current.delete(id);
    if (data) setRows((list) => list.map((r) => (r.id === id ? fromDetail(data, r.gid) : r)));
  }, [setRows]);

  const onEvent = useCallback(
    (e: StreamEvent) => {
      if (early.current) {
        early.current.push(e);
        return;
      }
      const created = rowFromCreated(e);
      let again = false;
      setRows((list) => {
        const i = list.findIndex((r) => r.id === e.execution_id);
        if (i < 0) {
          if (!created || !matchesNew(created, filtersRef.current)) return list;
          for (const changed of reads.current) changed.set(e.execution_id, true);
          return [{ ...created, templateName: created.templateName ?? namesRef.current.get(created.templateId) ?? null }, ...list];
        }
        const current = list[i];
        if (!current) return list;
        const { row, refetch: must } = applyEvent(current, e);
        again = must;
        if (row === current) return list;
        for (const changed of reads.current) if (!changed.has(e.execution_id)) changed.set(e.execution_id, false);
        const copy = list.slice();
        copy[i] = row;
        return copy;
      });
      if (again) void refetch(e.execution_id);
    },
    [refetch, setRows],
  );

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      const query = { ...filterQuery(filters, Date.now()), limit: PAGE, ...(after ? { cursor: after } : {}) };
      const changed = new Map<string, boolean>();
      if (!after) reads.current.add(changed);
      const { data, error: err, response } = await api.GET("/api/v1/executions", { params: { query } });
      reads.current.delete(changed);
      setLoading(false);
      if (!data) {
        setError(describeError(err, response));
        return;
      }
      setError("");
      const page = data.items.map(fromExecution);
      setRows((list) => {
        const known = new Set(list.map((r) => r.id));
        return after ? [...list, ...page.filter((r) => !known.has(r.id))] : mergeRead(list, page, changed);
      });
      setCursor(data.next_cursor);
      const pending = early.current;
      early.current = null;
      if (pending) for (const e of pending) onEvent(e);
    },
    [filters, onEvent, setRows],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  const stream = useEventStream("/api/v1/events/stream", onEvent);
  // A run launched between the list's read and the stream's opening would be in neither: read the
  // list again each time the stream (re)opens.
  const wasLive = useRef(false);
  useEffect(() => {
    const live = stream === "live";
    if (live && !wasLive.current) void load(null);
    wasLive.current = live;
  }, [stream, load]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtual.getVirtualItems();
  const top = items[0]?.start ?? 0;
  const bottom = virtual.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  const templateOptions = useMemo(() => [...templates].sort((a, b) => a.name.localeCompare(b.name)), [templates]);

  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <div className="toolbar" role="search" aria-label="Filter runs">
        <label>
          Status
          <select
            aria-label="Status" value={filters.status}
            onChange={(e) => {
              const v = e.target.value;
              setFilters({ ...filters, status: STATUSES.find((s) => s === v) ?? "" });
            }}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Template
          <select aria-label="Template" value={filters.templateId} onChange={(e) => setFilters({ ...filters, templateId: e.target.value })}>
            <option value="">Any template</option>
            {templateOptions.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Started
          <select aria-label="Started" value={filters.range} onChange={(e) => setFilters({ ...filters, range: e.target.value })}>
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {stream === "reconnecting" && <span className="reconnecting">Reconnecting…</span>}
      </div>
      {error && <p role="alert">{error}</p>}
      <div className="table-scroll runs-scroll" ref={scroller} tabIndex={0} role="region" aria-label="Runs list">
        <table>
          <thead>
            <tr>
              <th>Execution</th>
              <th>Template</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            {top > 0 && <tr aria-hidden="true" style={{ height: top }} />}
            {items.map((v) => {
              const r = rows[v.index];
              return r ? <RunLine key={r.id} row={r} /> : null;
            })}
            {bottom > 0 && <tr aria-hidden="true" style={{ height: bottom }} />}
          </tbody>
        </table>
        {!loading && rows.length === 0 && <p className="muted">No runs match these filters.</p>}
      </div>
      <div className="pager">
        <span className="muted">
          {rows.length} {rows.length === 1 ? "run" : "runs"} shown
        </span>
        {cursor && (
          <button disabled={loading} onClick={() => void load(cursor)}>
            Load more
          </button>
        )}
        {loading && <span className="muted">Loading…</span>}
      </div>
    </section>
  );
}

function RunLine({ row }: { row: RunRow }) {
  const why = waitingReason(row);
  const stage = stageText(row.progress);
  return (
    <tr className="runs-row" data-execution={row.id} data-status={row.status}>
      <td>
        <ViewLink className="mono" to={{ kind: "execution", id: row.id }}>
          {row.id}
        </ViewLink>
      </td>
      <td>{row.templateName ?? <span className="muted">…</span>}</td>
      <td>
        <span className={`status status-${row.status}`}>{row.status}</span>
        {why && row.status !== "completed" && <span className="wait-reason">{why}</span>}
      </td>
      <td>
        {row.progress ? (
          <span className="progress-cell">
            <progress max={100} value={row.progress.percent} aria-label={`progress of ${row.id}`} />
            <span data-testid="run-percent">{percent(row.progress.percent)}</span>
            {stage && <span className="muted">{stage}</span>}
          </span>
        ) : (
          <span className="muted">{row.status === "queued" ? "not started" : "…"}</span>
        )}
      </td>
      <td>{when(row.startedAt ?? row.createdAt)}</td>
      <td>{duration(row.startedAt, row.finishedAt)}</td>
      <td>{row.cost === null ? "" : credits(row.cost)}</td>
    </tr>
  );
}
