// Automations: what launches templates without a person pressing Launch. Schedules (a cron
// expression in a time zone, or an interval; docs/schedules.md) with when each fires next, in
// the browser's local time, and what its last firing launched or why it launched nothing; and
// inbound webhook triggers (docs/webhooks.md) with their full URL, deliveries and last run.
// Editors create, pause, resume and delete them (deleting asks first); a trigger's secret is
// shown once, with a signed example delivery. Viewers see the lists only. The lists follow the
// workspace's event stream (a firing or a delivery creates an execution) and are read again
// when a due time passes. Below them, outbound notifications (docs/notifications.md): the
// endpoints runs report to and the deliveries made to them (automations/NotificationsSection);
// last, retention (docs/retention.md): the policy that deletes old finished runs, its preview and
// a sweep on demand (automations/RetentionSection).
import "./screens.css";
import "../automations/automations.css";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, describeError, type Schemas, type StreamEvent } from "../api/client";
import { CopyButton } from "../automations/CopyButton";
import { NotificationsSection } from "../automations/NotificationsSection";
import { RetentionSection } from "../automations/RetentionSection";
import { Confirm, RunLink, State, useSecretRowActions } from "../automations/rowParts";
import { ScheduleForm } from "../automations/ScheduleForm";
import { describeWhen, fromNow, type Schedule } from "../automations/schedules";
import { TriggerForm, TriggerSecret } from "../automations/TriggerForm";
import { hookUrl, type Trigger } from "../automations/triggers";
import { when } from "../format";
import { useEventStream } from "../live";
import { useTemplateNames } from "../runs/useTemplateNames";

type Role = Schemas["Role"];

// The events a notification reports (docs/notifications.md): each may make deliveries.
const REPORTED = new Set(["execution_completed", "execution_failed", "execution_stopped", "approval_requested"]);

export default function Automations({ role }: { role: Role }) {
  const canEdit = role !== "viewer";
  const [schedules, setSchedules] = useState<Schedule[] | null>(null);
  const [triggers, setTriggers] = useState<Trigger[] | null>(null);
  const [error, setError] = useState("");
  const [now, setNow] = useState(() => Date.now());
  const [addingSchedule, setAddingSchedule] = useState(false);
  const [addingTrigger, setAddingTrigger] = useState(false);
  const [created, setCreated] = useState<Schedule | null>(null);
  const [secret, setSecret] = useState<Trigger | null>(null);
  const [reported, setReported] = useState(0);
  const { names, templates } = useTemplateNames();
  const templateIds = useMemo(() => new Map(templates.map((t) => [t.name, t.id])), [templates]);

  const load = useCallback(async () => {
    const [s, t] = await Promise.all([api.GET("/api/v1/schedules"), api.GET("/api/v1/triggers")]);
    if (s.data) setSchedules(s.data.items);
    if (t.data) setTriggers(t.data.items);
    setError(s.data ? (t.data ? "" : describeError(t.error, t.response)) : describeError(s.error, s.response));
    setNow(Date.now());
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // A schedule firing or a delivery creates an execution: read the lists again (once for a
  // burst of events). An event a notification reports: the deliveries are read again.
  const soon = useRef<number | undefined>(undefined);
  const stream = useEventStream("/api/v1/events/stream", (e: StreamEvent) => {
    if (REPORTED.has(e.type)) setReported((n) => n + 1);
    if (e.type !== "execution_created" || soon.current !== undefined) return;
    soon.current = window.setTimeout(() => {
      soon.current = undefined;
      void load();
    }, 300);
  });
  useEffect(() => () => window.clearTimeout(soon.current), []);

  // The next due time passing (a firing that launched nothing sends no event); "in N min" moves
  // every half minute.
  const nextDue = useMemo(() => {
    const times = (schedules ?? []).filter((s) => !s.paused && s.next_due_at).map((s) => Date.parse(s.next_due_at ?? ""));
    return times.length ? Math.min(...times) : null;
  }, [schedules]);
  useEffect(() => {
    if (nextDue === null) return;
    // Timers take at most 2^31 - 1 ms (about 24.8 days): a longer delay would fire at once (and
    // read the lists for nothing), so a due time further away than that is not waited for.
    const delay = Math.max(nextDue - Date.now(), 0) + 1500;
    if (delay > 2 ** 31 - 1) return;
    const timer = window.setTimeout(() => void load(), delay);
    return () => window.clearTimeout(timer);
  }, [nextDue, load]);
  useEffect(() => {
    const tick = window.setInterval(() => setNow(Date.now()), 30000);
    return () => window.clearInterval(tick);
  }, []);

  return (
    <section aria-labelledby="automations-title">
      <h2 id="automations-title">Automations</h2>
      <p className="muted">
        Schedules launch a template at set times; triggers launch one when another system posts to their URL. Each launch is an ordinary run.
        Notifications tell other systems how runs end. Retention deletes old finished runs.
      </p>
      {!canEdit && <p className="muted">Your key has the {role} role: you see the automations; creating and changing them needs editor.</p>}
      {stream === "reconnecting" && <p className="reconnecting">Reconnecting…</p>}
      {error && <p role="alert">{error}</p>}

      <section aria-labelledby="schedules-title" className="automation-section">
        <div className="section-head">
          <h3 id="schedules-title">Schedules</h3>
          {canEdit && !addingSchedule && (
            <button
              onClick={() => {
                setAddingSchedule(true);
                setCreated(null);
              }}
            >
              New schedule…
            </button>
          )}
        </div>
        {addingSchedule && (
          <ScheduleForm
            templates={templates}
            onCancel={() => setAddingSchedule(false)}
            onCreated={(s) => {
              setAddingSchedule(false);
              setCreated(s);
              void load();
            }}
          />
        )}
        {created && <CreatedSchedule schedule={created} now={now} onDone={() => setCreated(null)} />}
        <div className="table-scroll">
          <table aria-labelledby="schedules-title">
            <thead>
              <tr>
                <th>Name</th>
                <th>Template</th>
                <th>When</th>
                <th>Next due</th>
                <th>State</th>
                <th>Last run</th>
                <th>Launches</th>
                {canEdit && (
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {(schedules ?? []).map((s) => (
                <ScheduleRow
                  key={s.id}
                  schedule={s}
                  now={now}
                  canEdit={canEdit}
                  onChanged={(next) => setSchedules((list) => (list ?? []).map((x) => (x.id === next.id ? next : x)))}
                  onDeleted={() => {
                    setSchedules((list) => (list ?? []).filter((x) => x.id !== s.id));
                    if (created?.id === s.id) setCreated(null);
                  }}
                />
              ))}
            </tbody>
          </table>
          {schedules?.length === 0 && <p className="muted">No schedule yet.</p>}
          {schedules === null && !error && <p className="muted">Loading…</p>}
        </div>
      </section>

      <section aria-labelledby="triggers-title" className="automation-section">
        <div className="section-head">
          <h3 id="triggers-title">Webhook triggers</h3>
          {canEdit && !addingTrigger && (
            <button
              onClick={() => {
                setAddingTrigger(true);
                setSecret(null);
              }}
            >
              New trigger…
            </button>
          )}
        </div>
        {addingTrigger && (
          <TriggerForm
            templates={templates}
            onCancel={() => setAddingTrigger(false)}
            onCreated={(t) => {
              setAddingTrigger(false);
              setSecret(t);
              void load();
            }}
          />
        )}
        {secret && <TriggerSecret key={secret.secret} trigger={secret} templateId={templateIds.get(secret.template) ?? ""} onDone={() => setSecret(null)} />}
        <div className="table-scroll">
          <table aria-labelledby="triggers-title">
            <thead>
              <tr>
                <th>Name</th>
                <th>Template</th>
                <th>URL</th>
                <th>Map</th>
                <th>Deliveries</th>
                <th>Last run</th>
                <th>State</th>
                {canEdit && (
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {(triggers ?? []).map((t) => (
                <TriggerRow
                  key={t.id}
                  trigger={t}
                  canEdit={canEdit}
                  onChanged={(next) => setTriggers((list) => (list ?? []).map((x) => (x.id === next.id ? { ...next, secret: undefined } : x)))}
                  onRotated={(next) => setSecret(next)}
                  onDeleted={() => {
                    setTriggers((list) => (list ?? []).filter((x) => x.id !== t.id));
                    if (secret?.id === t.id) setSecret(null);
                  }}
                />
              ))}
            </tbody>
          </table>
          {triggers?.length === 0 && <p className="muted">No trigger yet.</p>}
          {triggers === null && !error && <p className="muted">Loading…</p>}
        </div>
      </section>

      <NotificationsSection canEdit={canEdit} templates={templates} changes={reported} />

      <RetentionSection role={role} names={names} />
    </section>
  );
}

function CreatedSchedule({ schedule: s, now, onDone }: { schedule: Schedule; now: number; onDone: () => void }) {
  return (
    <div className="created-box" role="region" aria-label={`Schedule ${s.name} created`}>
      <strong>
        “{s.name}” is saved: {describeWhen(s)}.{s.paused ? " It is paused." : " Its next launches, in your local time:"}
      </strong>
      {s.next_fire_times.length > 0 && (
        <ol aria-label={`Next fire times of ${s.name}`} data-testid="next-fire-times">
          {s.next_fire_times.map((t) => (
            <li key={t}>
              <time dateTime={t}>{when(t)}</time> <span className="muted">{fromNow(t, now)}</span>
            </li>
          ))}
        </ol>
      )}
      <div>
        <button onClick={onDone}>Done</button>
      </div>
    </div>
  );
}

function ScheduleRow({
  schedule: s,
  now,
  canEdit,
  onChanged,
  onDeleted,
}: {
  schedule: Schedule;
  now: number;
  canEdit: boolean;
  onChanged: (s: Schedule) => void;
  onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  async function pauseOrResume() {
    setBusy(true);
    setError("");
    const path = { params: { path: { id: s.id } } };
    const r = s.paused ? await api.POST("/api/v1/schedules/{id}/resume", path) : await api.POST("/api/v1/schedules/{id}/pause", path);
    setBusy(false);
    if (r.data) onChanged(r.data);
    else setError(describeError(r.error, r.response));
  }

  async function remove() {
    setBusy(true);
    const { error: err, response } = await api.DELETE("/api/v1/schedules/{id}", { params: { path: { id: s.id } } });
    setBusy(false);
    if (response.ok) onDeleted();
    else setError(describeError(err, response));
  }

  return (
    <tr data-schedule={s.id} data-paused={s.paused ? "true" : "false"}>
      <td>{s.name}</td>
      <td>{s.template}</td>
      <td className="mono">{describeWhen(s)}</td>
      <td data-testid="next-due">
        {s.paused || !s.next_due_at ? (
          <span className="muted">{s.paused ? "none while paused" : ""}</span>
        ) : (
          <>
            <time dateTime={s.next_due_at}>{when(s.next_due_at)}</time> <span className="muted">{fromNow(s.next_due_at, now)}</span>
            {s.next_fire_times.length > 1 && (
              <details>
                <summary>next five</summary>
                <ol aria-label={`Next fire times of ${s.name}`}>
                  {s.next_fire_times.map((t) => (
                    <li key={t}>{when(t)}</li>
                  ))}
                </ol>
              </details>
            )}
          </>
        )}
      </td>
      <td>
        <State paused={s.paused} />
      </td>
      <td>
        {s.last_execution_id ? <RunLink id={s.last_execution_id} /> : !s.last_error && <span className="muted">not yet</span>}
        {s.last_fired_at && <span className="muted"> {when(s.last_fired_at)}</span>}
        {s.last_error && (
          <span className="field-error" data-testid="last-error">
            {s.last_error}
          </span>
        )}
      </td>
      <td>
        {s.fire_count}
        {s.skip_count > 0 && <span className="muted"> ({s.skip_count} skipped)</span>}
      </td>
      {canEdit && (
        <td>
          {!confirming && (
            <span className="decide-row">
              <button disabled={busy} aria-label={`${s.paused ? "Resume" : "Pause"} ${s.name}`} onClick={() => void pauseOrResume()}>
                {s.paused ? "Resume" : "Pause"}
              </button>
              <button disabled={busy} aria-label={`Delete ${s.name}`} onClick={() => setConfirming(true)}>
                Delete
              </button>
            </span>
          )}
          {confirming && (
            <Confirm
              what={`Confirm deleting ${s.name}`}
              question={`Delete “${s.name}”? It launches nothing more; the runs it launched stay.`}
              yes="Yes, delete"
              onYes={() => void remove()}
              onNo={() => setConfirming(false)}
            />
          )}
          {error && <p role="alert">{error}</p>}
        </td>
      )}
    </tr>
  );
}

function TriggerRow({
  trigger: t,
  canEdit,
  onChanged,
  onRotated,
  onDeleted,
}: {
  trigger: Trigger;
  canEdit: boolean;
  onChanged: (t: Trigger) => void;
  onRotated: (t: Trigger) => void;
  onDeleted: () => void;
}) {
  const url = hookUrl(window.location.origin, t.url);
  const map = Object.entries(t.map ?? {});
  const path = { params: { path: { id: t.id } } };
  const { confirming, setConfirming, busy, error, act } = useSecretRowActions<Trigger>(
    {
      setPaused: (paused) => api.PATCH("/api/v1/triggers/{id}", { ...path, body: { paused } }),
      rotate: () => api.POST("/api/v1/triggers/{id}/rotate", path),
      remove: () => api.DELETE("/api/v1/triggers/{id}", path),
    },
    { changed: onChanged, rotated: onRotated, deleted: onDeleted },
  );

  return (
    <tr data-trigger={t.id} data-paused={t.paused ? "true" : "false"}>
      <td>{t.name}</td>
      <td>{t.template}</td>
      <td>
        <span className="hook-url">
          <code data-testid="trigger-url">{url}</code>
          <CopyButton text={url} label="Copy" name={`Copy the URL of ${t.name}`} />
        </span>
      </td>
      <td>
        {map.length === 0 ? (
          <span className="muted">the body's fields</span>
        ) : (
          <ul className="map-list">
            {map.map(([input, pointer]) => (
              <li key={input}>
                {input} ← <code>{pointer}</code>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        <span data-testid="delivery-count">{t.delivery_count}</span>
        {t.last_delivery_at && <span className="muted"> last {when(t.last_delivery_at)}</span>}
      </td>
      <td>{t.last_execution_id ? <RunLink id={t.last_execution_id} /> : <span className="muted">not yet</span>}</td>
      <td>
        <State paused={t.paused} />
      </td>
      {canEdit && (
        <td>
          {!confirming && (
            <span className="decide-row">
              <button disabled={busy} aria-label={`${t.paused ? "Resume" : "Pause"} ${t.name}`} onClick={() => void act(t.paused ? "resume" : "pause")}>
                {t.paused ? "Resume" : "Pause"}
              </button>
              <button disabled={busy} aria-label={`Rotate the secret of ${t.name}`} onClick={() => setConfirming("rotate")}>
                Rotate secret
              </button>
              <button disabled={busy} aria-label={`Delete ${t.name}`} onClick={() => setConfirming("delete")}>
                Delete
              </button>
            </span>
          )}
          {confirming === "rotate" && (
            <Confirm
              what={`Confirm rotating the secret of ${t.name}`}
              question={`Give “${t.name}” a new secret? Deliveries signed with the current one are refused from then on.`}
              yes="Yes, rotate"
              onYes={() => void act("rotate")}
              onNo={() => setConfirming("")}
            />
          )}
          {confirming === "delete" && (
            <Confirm
              what={`Confirm deleting ${t.name}`}
              question={`Delete “${t.name}”? Its URL answers 404 from then on; the runs it launched stay.`}
              yes="Yes, delete"
              onYes={() => void act("delete")}
              onNo={() => setConfirming("")}
            />
          )}
          {error && <p role="alert">{error}</p>}
        </td>
      )}
    </tr>
  );
}
