// The notifications' deliveries, newest first: status, event, endpoint, run (linked), attempts,
// the receiver's last answer and when it went or goes out; a status filter, "Show more", the
// body a delivery sends, and "Resend" for a delivered or failed one. Delivery attempts send no
// event on the workspace stream, so the list is read again when a run reports (`changes`), and
// while a delivery is on its way (see nextCheck).
import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, describeError } from "../api/client";
import { when } from "../format";
import { CopyButton } from "./CopyButton";
import { DELIVERY_STATUSES, deliveryTime, endpointName, eventLabel, lastAnswer, nextCheck, prettyBody, resendReason, type Delivery, type DeliveryStatus, type Endpoint } from "./notifications";
import { RunLink } from "./rowParts";

const PAGE = 20;
const COLUMNS = 8;

export function Deliveries({ endpoints, canEdit, changes }: { endpoints: Endpoint[]; canEdit: boolean; changes: number }) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const [error, setError] = useState("");
  const [now, setNow] = useState(() => Date.now());
  const [more, setMore] = useState(false);
  const shown = useRef(0);
  const asked = useRef(0);
  const paused = useMemo(() => new Set(endpoints.filter((e) => e.paused).map((e) => e.id)), [endpoints]);

  // The first page again, as long as what is shown (up to 500).
  const load = useCallback(async () => {
    const ask = ++asked.current;
    const query = { limit: Math.min(Math.max(shown.current, PAGE), 500), ...(status ? { status } : {}) };
    const { data, error: err, response } = await api.GET("/api/v1/notifications/deliveries", { params: { query } });
    if (ask !== asked.current) return; // a newer read is under way
    setNow(Date.now());
    if (!data) {
      setError(describeError(err, response));
      return;
    }
    setError("");
    setItems(data.items);
    setNext(data.next_cursor);
    shown.current = data.items.length;
  }, [status]);

  useEffect(() => {
    shown.current = 0;
    void load();
  }, [load]);

  // A run reported (or an endpoint was resumed): its deliveries are made a moment later.
  useEffect(() => {
    if (changes === 0) return;
    const timer = window.setTimeout(() => void load(), 1200);
    return () => window.clearTimeout(timer);
  }, [changes, load]);

  // A delivery on its way: read again once it has had time to go out.
  useEffect(() => {
    const delay = nextCheck(items ?? [], paused, Date.now());
    if (delay === null) return;
    const timer = window.setTimeout(() => void load(), delay);
    return () => window.clearTimeout(timer);
  }, [items, paused, load]);

  async function showMore() {
    if (!next) return;
    setMore(true);
    const ask = asked.current;
    const query = { limit: PAGE, cursor: next, ...(status ? { status } : {}) };
    const { data, error: err, response } = await api.GET("/api/v1/notifications/deliveries", { params: { query } });
    setMore(false);
    if (ask !== asked.current) return;
    if (!data) {
      setError(describeError(err, response));
      return;
    }
    setItems((list) => [...(list ?? []), ...data.items]);
    setNext(data.next_cursor);
    shown.current += data.items.length;
  }

  return (
    <section aria-labelledby="deliveries-title" className="automation-section">
      <div className="section-head">
        <h4 id="deliveries-title">Deliveries</h4>
        <div className="toolbar">
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(DELIVERY_STATUSES.find((s) => s === e.target.value) ?? "")}>
              <option value="">any</option>
              {DELIVERY_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {error && <p role="alert">{error}</p>}
      <div className="table-scroll">
        <table aria-labelledby="deliveries-title">
          <thead>
            <tr>
              <th>Status</th>
              <th>Event</th>
              <th>Endpoint</th>
              <th>Run</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>When</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(items ?? []).map((d) => (
              <DeliveryRow
                key={d.id}
                delivery={d}
                endpoint={endpointName(d.endpoint_id, endpoints)}
                held={d.held || paused.has(d.endpoint_id)}
                canEdit={canEdit}
                now={now}
                onResent={(r) => setItems((list) => (list ?? []).map((x) => (x.id === r.id ? r : x)))}
              />
            ))}
          </tbody>
        </table>
        {items?.length === 0 && <p className="muted">{status ? `No ${status} delivery.` : "No delivery yet: one is made when a run reports an event an endpoint sends."}</p>}
        {items === null && !error && <p className="muted">Loading…</p>}
      </div>
      {next && (
        <div className="pager">
          <button disabled={more} onClick={() => void showMore()}>
            Show more
          </button>
        </div>
      )}
    </section>
  );
}

function DeliveryRow({
  delivery: d,
  endpoint,
  held,
  canEdit,
  now,
  onResent,
}: {
  delivery: Delivery;
  endpoint: string;
  held: boolean;
  canEdit: boolean;
  now: number;
  onResent: (d: Delivery) => void;
}) {
  const [open, setOpen] = useState(false);
  const [full, setFull] = useState<Delivery | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const why = resendReason(d, canEdit);
  const time = deliveryTime(d, held, now);
  const answer = lastAnswer(d);
  const path = { params: { path: { id: d.id } } };

  async function toggle() {
    if (open) {
      setOpen(false);
      return;
    }
    setOpen(true);
    setError("");
    const { data, error: err, response } = await api.GET("/api/v1/notifications/deliveries/{id}", path);
    if (data) setFull(data);
    else setError(describeError(err, response));
  }

  async function resend() {
    setBusy(true);
    setError("");
    const { data, error: err, response } = await api.POST("/api/v1/notifications/deliveries/{id}/resend", path);
    setBusy(false);
    if (data) onResent(data);
    else setError(describeError(err, response));
  }

  return (
    <Fragment>
      <tr data-delivery={d.id} data-status={d.status}>
        <td>
          <span className={`status status-${d.status}`}>{d.status}</span>
        </td>
        <td title={d.event}>{eventLabel(d.event)}</td>
        <td>{endpoint}</td>
        <td>
          <RunLink id={d.execution_id} />
        </td>
        <td data-testid="attempts">{d.attempts}</td>
        <td data-testid="last-answer">{answer && <span className={d.last_error ? "field-error" : "mono"}>{answer}</span>}</td>
        <td>
          {time.text} {time.at && <time dateTime={time.at}>{when(time.at)}</time>}
        </td>
        <td>
          <span className="decide-row">
            <button aria-expanded={open} aria-label={`${open ? "Hide" : "Show"} the body of ${d.id}`} onClick={() => void toggle()}>
              {open ? "Hide body" : "Show body"}
            </button>
            <button disabled={busy || why !== undefined} title={why} aria-label={`Resend ${d.id}`} onClick={() => void resend()}>
              Resend
            </button>
          </span>
          {error && <p role="alert">{error}</p>}
        </td>
      </tr>
      {open && (
        <tr className="delivery-detail">
          <td colSpan={COLUMNS}>
            {!full && !error && <span className="muted">Reading…</span>}
            {full && (
              <div className="delivery-body" role="region" aria-label={`Body of ${d.id}`}>
                <span className="muted">
                  POSTed to <code>{full.url}</code> with <code>X-Atelier-Delivery: {full.id}</code> and <code>X-Atelier-Event: {full.event}</code>, the same
                  on every attempt and resend:
                </span>
                <pre className="signing-example" data-testid="delivery-body">
                  {prettyBody(full.body)}
                </pre>
                <div className="decide-row">
                  <CopyButton text={prettyBody(full.body)} label="Copy the body" />
                </div>
              </div>
            )}
          </td>
        </tr>
      )}
    </Fragment>
  );
}
