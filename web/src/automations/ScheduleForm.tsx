// The "New schedule" form: a name, a template of the workspace, its inputs (the launch form's
// fields), and when: a cron expression in a time zone (the browser's by default) or an interval
// in seconds with an optional first run. The API's refusal is shown next to the field it names
// and every input problem next to its input.
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { api, describeError, type TemplateSummary } from "../api/client";
import { fromInputs } from "../launchForm";
import { Field } from "../screens/LaunchForm";
import type { ListFile } from "../templates/listFile";
import { errorsFromApi, noErrors, type FormErrors } from "./errors";
import { described, focusFirstProblem, OtherProblems, Problem, TemplateSelect } from "./formParts";
import { buildScheduleBody, emptyDraft, intervalText, knownTimeZones, SCHEDULE_FIELDS, type Schedule, type ScheduleDraft } from "./schedules";
import { useTemplate } from "./useTemplate";

export function ScheduleForm({
  templates,
  onCreated,
  onCancel,
}: {
  templates: TemplateSummary[];
  onCreated: (s: Schedule) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<ScheduleDraft>(() => emptyDraft());
  const [templateId, setTemplateId] = useState("");
  const { template, error: templateError } = useTemplate(templateId);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [files, setFiles] = useState<Record<string, ListFile>>({});
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(() => knownTimeZones(), []);
  const specs = useMemo(() => template?.definition.inputs ?? {}, [template]);

  // A newly picked template's fields start at its defaults.
  useEffect(() => {
    setTexts(fromInputs(specs, {}).texts);
    setFiles({});
  }, [specs]);

  function set(change: Partial<ScheduleDraft>, ...fields: string[]) {
    setDraft((d) => ({ ...d, ...change }));
    setErrors((e) => {
      const rest = { ...e.fields };
      for (const f of fields) delete rest[f];
      return { ...e, fields: rest, other: [] };
    });
  }

  function changedInput(name: string) {
    setErrors(({ inputs: { [name]: _gone, ...rest }, ...e }) => ({ ...e, inputs: rest, other: [] }));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const lists = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, f.items]));
    const built = buildScheduleBody(draft, specs, texts, lists);
    for (const [name, f] of Object.entries(files)) {
      if (f.errors.length > 0) built.errors.inputs[name] = `${f.errors.length} ${f.errors.length === 1 ? "row has a problem" : "rows have problems"} in ${f.name}: fix the file or clear it`;
    }
    setErrors(built.errors);
    if (!built.body || Object.keys(built.errors.inputs).length > 0) {
      focusFirstProblem(form);
      return;
    }
    setBusy(true);
    const { data, error: err, response } = await api.POST("/api/v1/schedules", { body: built.body });
    setBusy(false);
    if (data) {
      onCreated(data);
      return;
    }
    setErrors(errorsFromApi(err, describeError(err, response), SCHEDULE_FIELDS, Object.keys(specs)));
    focusFirstProblem(form);
  }

  const f = errors.fields;
  const every = Number(draft.every);
  return (
    <form ref={form} className="automation-form" aria-label="New schedule" onSubmit={(e) => void submit(e)} noValidate>
      <h4>New schedule</h4>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Schedule name</label>
          <input {...described(`${id}-name`, f["name"])} value={draft.name} placeholder="monday post" onChange={(e) => set({ name: e.target.value }, "name")} />
          <Problem id={`${id}-name`} text={f["name"]} />
        </div>
        <TemplateSelect
          id={`${id}-template`}
          templates={templates}
          value={templateId}
          error={f["template"]}
          onChange={(t) => {
            setTemplateId(t?.id ?? "");
            set({ template: t?.name ?? "" }, "template");
            setErrors((e) => ({ ...e, inputs: {} }));
          }}
        />
      </div>
      <fieldset>
        <legend>Inputs</legend>
        {!templateId && <p className="muted">Pick a template to fill in its inputs; each launch uses them.</p>}
        {templateError && <p role="alert">{templateError}</p>}
        {templateId && !template && !templateError && <p className="muted">Reading the template…</p>}
        {template && Object.keys(specs).length === 0 && <p className="muted">This template takes no inputs.</p>}
        {Object.entries(specs).map(([name, spec]) => (
          <Field
            key={`${template?.id ?? ""}/${name}`}
            name={name}
            spec={spec}
            text={texts[name] ?? ""}
            file={files[name]}
            error={errors.inputs[name]}
            onText={(v) => {
              changedInput(name);
              setTexts((all) => ({ ...all, [name]: v }));
            }}
            onFile={(file) => {
              changedInput(name);
              setFiles((all) => {
                const next = { ...all };
                if (file) next[name] = file;
                else delete next[name];
                return next;
              });
            }}
          />
        ))}
      </fieldset>
      <fieldset>
        <legend>When</legend>
        <div className="choice-row">
          <label>
            <input type="radio" name={`${id}-timing`} checked={draft.timing === "cron"} onChange={() => set({ timing: "cron" }, "every_seconds", "start_at")} /> On a cron
            expression
          </label>
          <label>
            <input type="radio" name={`${id}-timing`} checked={draft.timing === "every"} onChange={() => set({ timing: "every" }, "cron", "time_zone")} /> Every N
            seconds
          </label>
        </div>
        {draft.timing === "cron" ? (
          <div className="form-grid">
            <div className="field">
              <label htmlFor={`${id}-cron`}>Cron expression</label>
              <input
                {...described(`${id}-cron`, f["cron"], true)}
                className="mono"
                value={draft.cron}
                placeholder="0 9 * * mon"
                onChange={(e) => set({ cron: e.target.value }, "cron")}
              />
              <small id={`${id}-cron-help`} className="muted">
                minute hour day-of-month month day-of-week: <code>0 9 * * mon</code> Mondays at 09:00, <code>*/15 * * * *</code> every 15 minutes, or{" "}
                <code>@hourly</code>, <code>@daily</code>, <code>@weekly</code>
              </small>
              <Problem id={`${id}-cron`} text={f["cron"]} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-tz`}>Time zone</label>
              <input
                {...described(`${id}-tz`, f["time_zone"], true)}
                list={`${id}-zones`}
                value={draft.timeZone}
                onChange={(e) => set({ timeZone: e.target.value }, "time_zone")}
              />
              <datalist id={`${id}-zones`}>
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
              <small id={`${id}-tz-help`} className="muted">
                The cron expression's times are in this zone (yours by default; empty: UTC).
              </small>
              <Problem id={`${id}-tz`} text={f["time_zone"]} />
            </div>
          </div>
        ) : (
          <div className="form-grid">
            <div className="field">
              <label htmlFor={`${id}-every`}>Interval in seconds</label>
              <input
                {...described(`${id}-every`, f["every_seconds"], true)}
                inputMode="numeric"
                value={draft.every}
                onChange={(e) => set({ every: e.target.value }, "every_seconds")}
              />
              <small id={`${id}-every-help`} className="muted">
                {Number.isInteger(every) && every > 0 ? `A launch every ${intervalText(every)}.` : "1 to 31,622,400 seconds between launches."}
              </small>
              <Problem id={`${id}-every`} text={f["every_seconds"]} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-start`}>First run (optional)</label>
              <input
                {...described(`${id}-start`, f["start_at"], true)}
                type="datetime-local"
                value={draft.startAt}
                onChange={(e) => set({ startAt: e.target.value }, "start_at")}
              />
              <small id={`${id}-start-help`} className="muted">
                Your local time; empty: one interval from now.
              </small>
              <Problem id={`${id}-start`} text={f["start_at"]} />
            </div>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-catch`}>A launch missed while the server was down</label>
          <select
            {...described(`${id}-catch`, f["catch_up"])}
            value={draft.catchUp}
            onChange={(e) => set({ catchUp: e.target.value === "skip" ? "skip" : "run_once" }, "catch_up")}
          >
            <option value="run_once">runs once when it is back</option>
            <option value="skip">is skipped</option>
          </select>
          <Problem id={`${id}-catch`} text={f["catch_up"]} />
        </div>
      </fieldset>
      <OtherProblems errors={errors.other} />
      <div className="decide-row">
        <button type="submit" className="primary" disabled={busy}>
          Create schedule
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {busy && <span className="muted">Creating…</span>}
      </div>
    </form>
  );
}
