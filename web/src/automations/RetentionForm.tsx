// The retention policy form: two optional rules (an age in days, the newest K runs of each
// template), checked here with the server's ranges; Preview measures what the proposed policy
// would delete now (nothing is deleted) with the oldest of those runs linked; Save stores it
// (admin keys only: for other keys it is disabled, with the reason). The API's refusal is shown
// next to the rule it names.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { api, describeError, type Schemas } from "../api/client";
import { when } from "../format";
import { noErrors, type FormErrors } from "./errors";
import { described, focusFirstProblem, OtherProblems, Problem } from "./formParts";
import {
  adminReason,
  buildRetentionBody,
  count,
  describePolicy,
  draftOf,
  examplesCaption,
  MAX_AGE_DAYS,
  MAX_KEEP_LAST,
  previewFigures,
  previewSummary,
  retentionErrorsFromApi,
  sameRules,
  type PolicyDraft,
  type RetentionPolicy,
  type RetentionPreview,
} from "./retention";
import { RunLink } from "./rowParts";

type Role = Schemas["Role"];
type Rules = Pick<RetentionPolicy, "max_age_days" | "keep_last">;

export function RetentionForm({
  policy,
  role,
  names,
  sweeps,
  onSaved,
}: {
  policy: RetentionPolicy;
  role: Role;
  // Template names by id, for the preview's runs.
  names: ReadonlyMap<string, string>;
  // Bumped after a sweep: a preview shown before it is out of date.
  sweeps: number;
  onSaved: (p: RetentionPolicy) => void;
}) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<PolicyDraft>(() => draftOf(policy));
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState<"" | "preview" | "save">("");
  const [preview, setPreview] = useState<{ answer: RetentionPreview; rules: Rules } | null>(null);
  const reason = adminReason(role);

  useEffect(() => setPreview(null), [sweeps]);

  function set(change: Partial<PolicyDraft>, field: string) {
    setDraft((d) => ({ ...d, ...change }));
    setPreview(null);
    setErrors((e) => {
      const rest = { ...e.fields };
      delete rest[field];
      return { ...e, fields: rest, other: [] };
    });
  }

  // The form's body, or null (its messages shown, the first problem focused).
  function checked() {
    const built = buildRetentionBody(draft);
    setErrors(built.errors);
    if (!built.body) focusFirstProblem(form);
    return built.body;
  }

  async function measure() {
    const body = checked();
    if (!body) return;
    setBusy("preview");
    const { data, error: err, response } = await api.POST("/api/v1/retention/preview", { body });
    setBusy("");
    if (data) {
      setPreview({ answer: data, rules: body });
      return;
    }
    setErrors(retentionErrorsFromApi(err, describeError(err, response)));
    focusFirstProblem(form);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    if (reason) return;
    const body = checked();
    if (!body) return;
    setBusy("save");
    const { data, error: err, response } = await api.PUT("/api/v1/retention", { body });
    setBusy("");
    if (data) {
      onSaved(data);
      return;
    }
    setErrors(retentionErrorsFromApi(err, describeError(err, response)));
    focusFirstProblem(form);
  }

  const f = errors.fields;
  const proposed = buildRetentionBody(draft).body;
  const unsaved = proposed !== null && !sameRules(proposed, policy);
  return (
    <form ref={form} className="automation-form" aria-label="Retention policy" onSubmit={(e) => void save(e)} noValidate>
      <h4>Policy</h4>
      <p className="muted">Tick a rule to use it. With both, a run goes only when both let it: older than the age and not among the newest of its template.</p>
      <div className="field">
        <div className="retention-rule">
          <input
            type="checkbox"
            id={`${id}-age-on`}
            checked={draft.ageOn}
            aria-label="Delete finished runs older than N days"
            onChange={(e) => set({ ageOn: e.target.checked }, "max_age_days")}
          />
          <label htmlFor={`${id}-age-on`}>
            Delete finished runs older than
          </label>
          <input
            {...described(`${id}-age`, f["max_age_days"], true)}
            aria-label="N: age in days"
            className="retention-number"
            inputMode="numeric"
            value={draft.age}
            onChange={(e) => set({ age: e.target.value, ageOn: true }, "max_age_days")}
          />
          <label htmlFor={`${id}-age-on`}>
            days
          </label>
        </div>
        <small id={`${id}-age-help`} className="muted">
          1 to {count(MAX_AGE_DAYS)} days after the run finished.
        </small>
        <Problem id={`${id}-age`} text={f["max_age_days"]} />
      </div>
      <div className="field">
        <div className="retention-rule">
          <input
            type="checkbox"
            id={`${id}-keep-on`}
            checked={draft.keepOn}
            aria-label="Keep the newest K finished runs of each template"
            onChange={(e) => set({ keepOn: e.target.checked }, "keep_last")}
          />
          <label htmlFor={`${id}-keep-on`}>
            Keep the newest
          </label>
          <input
            {...described(`${id}-keep`, f["keep_last"], true)}
            aria-label="K: runs to keep of each template"
            className="retention-number"
            inputMode="numeric"
            value={draft.keep}
            onChange={(e) => set({ keep: e.target.value, keepOn: true }, "keep_last")}
          />
          <label htmlFor={`${id}-keep-on`}>
            finished runs of each template
          </label>
        </div>
        <small id={`${id}-keep-help`} className="muted">
          1 to {count(MAX_KEEP_LAST)}; the older finished runs of a template go.
        </small>
        <Problem id={`${id}-keep`} text={f["keep_last"]} />
      </div>
      <p className="muted" data-testid="proposed-policy">
        {proposed ? `${describePolicy(proposed)}.` : "Fix the rules above to see what they do."}
        {unsaved && ` Not saved yet: the saved policy (${describePolicy(policy).toLowerCase()}) is the one sweeps apply.`}
      </p>
      <OtherProblems errors={errors.other} />
      <div className="decide-row">
        <button type="button" disabled={busy !== ""} onClick={() => void measure()}>
          Preview
        </button>
        <button type="submit" className="primary" disabled={busy !== "" || reason !== undefined} title={reason}>
          Save policy
        </button>
        {busy && <span className="muted">{busy === "preview" ? "Measuring…" : "Saving…"}</span>}
      </div>
      {preview && <PreviewBox preview={preview.answer} rules={preview.rules} names={names} />}
    </form>
  );
}

// What the proposed policy would delete now; nothing is deleted.
function PreviewBox({ preview: p, rules, names }: { preview: RetentionPreview; rules: Rules; names: ReadonlyMap<string, string> }) {
  return (
    <div className="retention-preview" role="region" aria-label="Preview">
      <strong data-testid="preview-summary">{previewSummary(p, rules)}</strong>
      <span className="muted">A preview deletes nothing.</span>
      {p.executions > 0 && (
        <>
          <dl className="retention-figures" aria-label="What would go">
            {previewFigures(p).map((x) => (
              <div key={x.label}>
                <dt>{x.label}</dt>
                <dd data-testid={`preview-${x.label.toLowerCase().replace(/ /g, "-")}`}>{x.value}</dd>
              </div>
            ))}
          </dl>
          {p.truncated && <span className="muted">More would go than a preview measures (10,000 runs): the figures cover those.</span>}
          <div className="table-scroll">
            <table aria-label="Runs that would go">
              <caption className="muted">{examplesCaption(p)}</caption>
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Template</th>
                  <th>Status</th>
                  <th>Finished</th>
                </tr>
              </thead>
              <tbody>
                {p.examples.map((x) => (
                  <tr key={x.id} data-example={x.id}>
                    <td>
                      <RunLink id={x.id} />
                    </td>
                    <td>{names.get(x.template_id) ?? <span className="mono">{x.template_id}</span>}</td>
                    <td>
                      <span className={`status status-${x.status}`}>{x.status}</span>
                    </td>
                    <td>{x.finished_at ? <time dateTime={x.finished_at}>{when(x.finished_at)}</time> : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
