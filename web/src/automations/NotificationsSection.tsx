// The Automations screen's notifications (docs/notifications.md): the endpoints a workspace's
// runs report to (name, where they go, events, template, active or paused), the one that signs
// launch callbacks among them; editors create one, pause and resume it (resuming sends what it
// held), rotate its secret and delete it (both after a confirmation); a secret is shown once.
// Below, the deliveries made to them.
import { useCallback, useEffect, useState } from "react";
import { api, describeError, type TemplateSummary } from "../api/client";
import { Deliveries } from "./Deliveries";
import { EndpointForm, EndpointSecret } from "./EndpointForm";
import { describeEvents, endpointTarget, type Endpoint } from "./notifications";
import { Confirm, State, useSecretRowActions } from "./rowParts";

export function NotificationsSection({ canEdit, templates, changes }: { canEdit: boolean; templates: TemplateSummary[]; changes: number }) {
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [error, setError] = useState("");
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<Endpoint | null>(null);
  // Bumped when what this section did changes the deliveries (a resume sends the held ones).
  const [changed, setChanged] = useState(0);

  const load = useCallback(async () => {
    const { data, error: err, response } = await api.GET("/api/v1/notifications/endpoints");
    if (data) setEndpoints(data.items);
    setError(data ? "" : describeError(err, response));
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const replace = (next: Endpoint) => setEndpoints((list) => (list ?? []).map((x) => (x.id === next.id ? { ...next, secret: undefined } : x)));

  return (
    <section aria-labelledby="notifications-title" className="automation-section">
      <div className="section-head">
        <h3 id="notifications-title">Notifications</h3>
        {canEdit && !adding && (
          <button
            onClick={() => {
              setAdding(true);
              setSecret(null);
            }}
          >
            New endpoint…
          </button>
        )}
      </div>
      <p className="muted">
        When a run completes, fails, is stopped or waits for approval, Atelier POSTs it, signed, to each endpoint that asks for that event, and tries again
        until the receiver answers 2xx.
      </p>
      {error && <p role="alert">{error}</p>}
      {adding && (
        <EndpointForm
          templates={templates}
          onCancel={() => setAdding(false)}
          onCreated={(e) => {
            setAdding(false);
            setSecret(e);
            void load();
          }}
        />
      )}
      {secret && <EndpointSecret key={secret.secret} endpoint={secret} onDone={() => setSecret(null)} />}
      <div className="table-scroll">
        <table aria-labelledby="notifications-title">
          <thead>
            <tr>
              <th>Name</th>
              <th>Sends to</th>
              <th>Events</th>
              <th>Template</th>
              <th>State</th>
              {canEdit && (
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {(endpoints ?? []).map((e) => (
              <EndpointRow
                key={e.id}
                endpoint={e}
                canEdit={canEdit}
                onChanged={(next) => {
                  replace(next);
                  if (e.paused && !next.paused) setChanged((n) => n + 1);
                }}
                onRotated={(next) => setSecret(next)}
                onDeleted={() => {
                  setEndpoints((list) => (list ?? []).filter((x) => x.id !== e.id));
                  if (secret?.id === e.id) setSecret(null);
                  setChanged((n) => n + 1);
                }}
              />
            ))}
          </tbody>
        </table>
        {endpoints === null && !error && <p className="muted">Loading…</p>}
      </div>
      <Deliveries endpoints={endpoints ?? []} canEdit={canEdit} changes={changes + changed} />
    </section>
  );
}

function EndpointRow({
  endpoint: e,
  canEdit,
  onChanged,
  onRotated,
  onDeleted,
}: {
  endpoint: Endpoint;
  canEdit: boolean;
  onChanged: (e: Endpoint) => void;
  onRotated: (e: Endpoint) => void;
  onDeleted: () => void;
}) {
  const launch = e.kind === "launch";
  const path = { params: { path: { id: e.id } } };
  const { confirming, setConfirming, busy, error, act } = useSecretRowActions<Endpoint>(
    {
      setPaused: (paused) => api.PATCH("/api/v1/notifications/endpoints/{id}", { ...path, body: { paused } }),
      rotate: () => api.POST("/api/v1/notifications/endpoints/{id}/rotate", path),
      remove: () => api.DELETE("/api/v1/notifications/endpoints/{id}", path),
    },
    { changed: onChanged, rotated: onRotated, deleted: onDeleted },
  );

  return (
    <tr data-endpoint={e.id} data-paused={e.paused ? "true" : "false"}>
      <td>
        {e.name}
        {launch && <span className="muted"> signs launch callbacks</span>}
      </td>
      <td>{launch ? <span className="muted">{endpointTarget(e)}</span> : <code className="endpoint-url">{endpointTarget(e)}</code>}</td>
      <td title={e.events.join(", ")}>{describeEvents(e.events)}</td>
      <td>{e.template ?? <span className="muted">every template</span>}</td>
      <td>
        <State paused={e.paused} />
      </td>
      {canEdit && (
        <td>
          {!confirming && (
            <span className="decide-row">
              <button
                disabled={busy}
                aria-label={`${e.paused ? "Resume" : "Pause"} ${e.name}`}
                title={e.paused ? "Send what it held, and what comes" : "Hold its deliveries: they wait, nothing is dropped"}
                onClick={() => void act(e.paused ? "resume" : "pause")}
              >
                {e.paused ? "Resume" : "Pause"}
              </button>
              <button disabled={busy} aria-label={`Rotate the secret of ${e.name}`} onClick={() => setConfirming("rotate")}>
                Rotate secret
              </button>
              <button
                disabled={busy || launch}
                title={launch ? "The endpoint that signs launch callbacks stays: pause it to hold them" : undefined}
                aria-label={`Delete ${e.name}`}
                onClick={() => setConfirming("delete")}
              >
                Delete
              </button>
            </span>
          )}
          {confirming === "rotate" && (
            <Confirm
              what={`Confirm rotating the secret of ${e.name}`}
              question={`Give “${e.name}” a new secret? Its next attempts are signed with it: the receiver must check with the new one.`}
              yes="Yes, rotate"
              onYes={() => void act("rotate")}
              onNo={() => setConfirming("")}
            />
          )}
          {confirming === "delete" && (
            <Confirm
              what={`Confirm deleting ${e.name}`}
              question={`Delete “${e.name}”? Its pending deliveries are given up; the record of the others stays.`}
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
