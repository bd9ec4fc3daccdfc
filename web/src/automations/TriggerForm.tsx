// The "New trigger" form (a name, a template, optional map rows: an input and the JSON pointer
// into a delivery's body it takes its value from), and the box that shows a trigger's secret
// once, after it is made or rotated, with its URL and a ready-to-run signed delivery.
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { api, describeError, type TemplateSummary } from "../api/client";
import { CopyButton } from "./CopyButton";
import { errorsFromApi, noErrors, type FormErrors } from "./errors";
import { described, focusFirstProblem, OtherProblems, Problem, TemplateSelect } from "./formParts";
import { buildTriggerBody, emptyTriggerDraft, hookUrl, sampleBody, signingExample, TRIGGER_FIELDS, unmappedRequired, type MapRow, type Trigger, type TriggerDraft } from "./triggers";
import { useTemplate } from "./useTemplate";

export function TriggerForm({
  templates,
  onCreated,
  onCancel,
}: {
  templates: TemplateSummary[];
  onCreated: (t: Trigger) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<TriggerDraft>(emptyTriggerDraft);
  const [templateId, setTemplateId] = useState("");
  const { template, error: templateError } = useTemplate(templateId);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const specs = useMemo(() => template?.definition.inputs ?? {}, [template]);
  const inputs = Object.keys(specs);
  const left = unmappedRequired(draft.rows, specs);

  function set(change: Partial<TriggerDraft>, ...fields: string[]) {
    setDraft((d) => ({ ...d, ...change }));
    setErrors((e) => {
      const rest = { ...e.fields };
      for (const f of fields) delete rest[f];
      return { ...e, fields: rest, other: [] };
    });
  }

  function setRow(i: number, row: MapRow) {
    set({ rows: draft.rows.map((r, j) => (j === i ? row : r)) }, `map.${i}`, "map");
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const built = buildTriggerBody(draft);
    setErrors(built.errors);
    if (!built.body) {
      focusFirstProblem(form);
      return;
    }
    setBusy(true);
    const { data, error: err, response } = await api.POST("/api/v1/triggers", { body: built.body });
    setBusy(false);
    if (data) onCreated(data);
    else {
      setErrors(errorsFromApi(err, describeError(err, response), TRIGGER_FIELDS, []));
      focusFirstProblem(form);
    }
  }

  const f = errors.fields;
  // A row's message concerns both its controls.
  const rowProblem = (i: number) =>
    f[`map.${i}`] ? { "aria-invalid": true, "aria-describedby": `${id}-row-${i}-error` } : {};
  return (
    <form ref={form} className="automation-form" aria-label="New trigger" onSubmit={(e) => void submit(e)} noValidate>
      <h4>New trigger</h4>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Trigger name</label>
          <input {...described(`${id}-name`, f["name"])} value={draft.name} placeholder="cms" onChange={(e) => set({ name: e.target.value }, "name")} />
          <Problem id={`${id}-name`} text={f["name"]} />
        </div>
        <TemplateSelect
          id={`${id}-template`}
          templates={templates}
          value={templateId}
          error={f["template"]}
          onChange={(t) => {
            setTemplateId(t?.id ?? "");
            set({ template: t?.name ?? "" }, "template", "map");
          }}
        />
      </div>
      {templateError && <p role="alert">{templateError}</p>}
      <fieldset aria-describedby={`${id}-map-help${f["map"] ? ` ${id}-map-error` : ""}`}>
        <legend>Map (optional)</legend>
        <small id={`${id}-map-help`} className="muted">
          Without a map, the fields of the JSON a sender posts are the template's inputs. With one, each input takes the value at a JSON pointer into it
          (<code>/data/name</code>).
        </small>
        {draft.rows.map((row, i) => (
          <div className="map-row" key={i}>
            <div className="field">
              <label htmlFor={`${id}-in-${i}`}>Input of row {i + 1}</label>
              <select id={`${id}-in-${i}`} {...rowProblem(i)} value={row.input} onChange={(e) => setRow(i, { ...row, input: e.target.value })}>
                <option value="">Pick an input</option>
                {row.input && !inputs.includes(row.input) && <option value={row.input}>{row.input}</option>}
                {inputs.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-ptr-${i}`}>JSON pointer of row {i + 1}</label>
              <input
                id={`${id}-ptr-${i}`}
                {...rowProblem(i)}
                className="mono"
                value={row.pointer}
                placeholder={`/data/${row.input || "name"}`}
                onChange={(e) => setRow(i, { ...row, pointer: e.target.value })}
              />
            </div>
            <button type="button" onClick={() => set({ rows: draft.rows.filter((_, j) => j !== i) }, `map.${i}`, "map")}>
              Remove row {i + 1}
            </button>
            <Problem id={`${id}-row-${i}`} text={f[`map.${i}`]} />
          </div>
        ))}
        <div>
          <button type="button" onClick={() => set({ rows: [...draft.rows, { input: "", pointer: "" }] })}>
            Add a mapping
          </button>
        </div>
        {left.length > 0 && (
          <p className="muted">
            Not mapped and required: {left.join(", ")}. With a map, deliveries are refused until every required input has a pointer.
          </p>
        )}
        <Problem id={`${id}-map`} text={f["map"]} />
      </fieldset>
      <OtherProblems errors={errors.other} />
      <div className="decide-row">
        <button type="submit" className="primary" disabled={busy}>
          Create trigger
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {busy && <span className="muted">Creating…</span>}
      </div>
    </form>
  );
}

// The secret of a trigger just made or rotated: the API answers it only then.
export function TriggerSecret({ trigger, templateId, onDone }: { trigger: Trigger; templateId: string; onDone: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const { template } = useTemplate(templateId);
  useEffect(() => box.current?.focus(), []);
  const secret = trigger.secret ?? "";
  const url = hookUrl(window.location.origin, trigger.url);
  const example = signingExample(url, secret, sampleBody(trigger.map, template?.definition.inputs ?? {}));
  return (
    <div className="secret-once" role="region" aria-label={`Secret of the trigger ${trigger.name}`} tabIndex={-1} ref={box}>
      <strong>
        The secret of “{trigger.name}”. You will not see it again: copy it now and give it to the system that sends the deliveries. If it is lost, rotate
        it (deliveries signed with the old one are then refused).
      </strong>
      <code data-testid="trigger-secret">{secret}</code>
      <div className="decide-row">
        <CopyButton text={secret} label="Copy the secret" />
      </div>
      <span>
        Deliveries are POSTed, signed with it, to <code data-testid="trigger-new-url">{url}</code>
      </span>
      <span>A signed test delivery (bash, openssl and curl), ready to run:</span>
      <pre className="signing-example" data-testid="signing-example">
        {example}
      </pre>
      <div className="decide-row">
        <CopyButton text={example} label="Copy the example" />
        <button onClick={onDone}>I have saved it</button>
      </div>
    </div>
  );
}
