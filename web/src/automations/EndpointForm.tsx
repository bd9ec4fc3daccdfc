// The "New endpoint" form (a name, the URL notifications are POSTed to, the events to send, an
// optional template, paused), and the box that shows an endpoint's signing secret once, after it
// is made or rotated.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { api, describeError, type TemplateSummary } from "../api/client";
import { CopyButton } from "./CopyButton";
import { noErrors, type FormErrors } from "./errors";
import { described, focusFirstProblem, OtherProblems, Problem, TemplateSelect } from "./formParts";
import { buildEndpointBody, emptyEndpointDraft, endpointErrorsFromApi, NOTIFICATION_EVENTS, toggleEvent, type Endpoint, type EndpointDraft } from "./notifications";

export function EndpointForm({
  templates,
  onCreated,
  onCancel,
}: {
  templates: TemplateSummary[];
  onCreated: (e: Endpoint) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<EndpointDraft>(emptyEndpointDraft);
  const [templateId, setTemplateId] = useState("");
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);

  function set(change: Partial<EndpointDraft>, ...fields: string[]) {
    setDraft((d) => ({ ...d, ...change }));
    setErrors((e) => {
      const rest = { ...e.fields };
      for (const f of fields) delete rest[f];
      return { ...e, fields: rest, other: [] };
    });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const built = buildEndpointBody(draft);
    setErrors(built.errors);
    if (!built.body) {
      focusFirstProblem(form);
      return;
    }
    setBusy(true);
    const { data, error: err, response } = await api.POST("/api/v1/notifications/endpoints", { body: built.body });
    setBusy(false);
    if (data) onCreated(data);
    else {
      setErrors(endpointErrorsFromApi(err, describeError(err, response)));
      focusFirstProblem(form);
    }
  }

  const f = errors.fields;
  return (
    <form ref={form} className="automation-form" aria-label="New endpoint" onSubmit={(e) => void submit(e)} noValidate>
      <h4>New endpoint</h4>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Endpoint name</label>
          <input {...described(`${id}-name`, f["name"])} value={draft.name} placeholder="crm" onChange={(e) => set({ name: e.target.value }, "name")} />
          <Problem id={`${id}-name`} text={f["name"]} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-url`}>URL</label>
          <input
            {...described(`${id}-url`, f["url"], true)}
            type="url"
            className="mono"
            value={draft.url}
            placeholder="https://hooks.example.com/atelier"
            onChange={(e) => set({ url: e.target.value }, "url")}
          />
          <small id={`${id}-url-help`} className="muted">
            Each notification is POSTed here, signed. Its host must be on the operator's allow-list (<code>"http": {"{"}"allow_hosts"{"}"}</code> in the
            providers file).
          </small>
          <Problem id={`${id}-url`} text={f["url"]} />
        </div>
      </div>
      <fieldset aria-describedby={f["events"] ? `${id}-events-error` : undefined}>
        <legend>Events</legend>
        <div className="choice-row">
          {NOTIFICATION_EVENTS.map((e) => (
            <label key={e.event} title={e.event}>
              <input
                type="checkbox"
                checked={draft.events.includes(e.event)}
                aria-invalid={f["events"] ? true : undefined}
                aria-describedby={f["events"] ? `${id}-events-error` : undefined}
                onChange={(ev) => set({ events: toggleEvent(draft.events, e.event, ev.target.checked) }, "events")}
              />{" "}
              {e.label} <span className="muted">({e.when})</span>
            </label>
          ))}
        </div>
        <Problem id={`${id}-events`} text={f["events"]} />
      </fieldset>
      <div className="form-grid">
        <TemplateSelect
          id={`${id}-template`}
          label="Only runs of (optional)"
          none="Every template"
          templates={templates}
          value={templateId}
          error={f["template"]}
          onChange={(t) => {
            setTemplateId(t?.id ?? "");
            set({ template: t?.name ?? "" }, "template");
          }}
        />
        <div className="field">
          <label>
            <input {...described(`${id}-paused`, f["paused"], true)} type="checkbox" checked={draft.paused} onChange={(e) => set({ paused: e.target.checked }, "paused")} />{" "}
            Paused
          </label>
          <small id={`${id}-paused-help`} className="muted">
            Deliveries wait until it is resumed; nothing is dropped.
          </small>
          <Problem id={`${id}-paused`} text={f["paused"]} />
        </div>
      </div>
      <OtherProblems errors={errors.other} />
      <div className="decide-row">
        <button type="submit" className="primary" disabled={busy}>
          Create endpoint
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {busy && <span className="muted">Creating…</span>}
      </div>
    </form>
  );
}

// The secret of an endpoint just made or rotated: the API answers it only then.
export function EndpointSecret({ endpoint, onDone }: { endpoint: Endpoint; onDone: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  const secret = endpoint.secret ?? "";
  return (
    <div className="secret-once" role="region" aria-label={`Secret of the endpoint ${endpoint.name}`} tabIndex={-1} ref={box}>
      <strong>
        The signing secret of “{endpoint.name}”. You will not see it again: copy it now and give it to the receiver. If it is lost, rotate it.
      </strong>
      <code data-testid="endpoint-secret">{secret}</code>
      <div className="decide-row">
        <CopyButton text={secret} label="Copy the secret" />
      </div>
      <span>
        {endpoint.kind === "launch" ? "Every launch callback" : "Every notification"} is signed with it from the next attempt on: the receiver checks that{" "}
        <code>X-Atelier-Signature</code> is <code>sha256=</code> and the hex HMAC-SHA256 of <code>TIMESTAMP.BODY</code> (
        <code>X-Atelier-Timestamp</code>, a dot and the raw body) under this secret.
      </span>
      <div className="decide-row">
        <button onClick={onDone}>I have saved it</button>
      </div>
    </div>
  );
}
