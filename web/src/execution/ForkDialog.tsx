// "Fork from here": a new execution that runs this step and what follows it again and keeps the
// rest of this one (no provider call, no charge for what is kept), with the inputs the person
// changes. It opens the new execution.
import { useState } from "react";
import { api, describeError, type ExecutionDetail, type Schemas, type Step } from "../api/client";
import { fromInputs } from "../launchForm";
import { navigate } from "../nav";
import { estimateRerun, type Traits } from "./steer";
import { forkChanges } from "./fork";

interface Props {
  exec: ExecutionDetail;
  def: Schemas["TemplateDefinition"];
  steps: Step[];
  step: Step;
  traitsOf: (type: string) => Traits | undefined;
  onCancel: () => void;
}

export function ForkDialog({ exec, def, steps, step, traitsOf, onCancel }: Props) {
  const specs = def.inputs ?? {};
  const [texts, setTexts] = useState(() => fromInputs(specs, exec.inputs, Number.MAX_SAFE_INTEGER).texts);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const { changes, errors } = forkChanges(specs, exec.inputs, texts);
  const reruns = estimateRerun(def, steps, step, traitsOf).reruns;

  async function go() {
    setBusy(true);
    const body = Object.keys(changes).length ? { step: step.id, inputs: changes } : { step: step.id };
    const r = await api.POST("/api/v1/executions/{id}/fork", { params: { path: { id: exec.id } }, body });
    setBusy(false);
    if (r.error || !r.data) setError(describeError(r.error, r.response));
    else navigate({ kind: "execution", id: r.data.id });
  }

  return (
    <div className="confirm" role="group" aria-label="Fork from this step">
      <p>
        <strong>Fork from {step.label}</strong>: a new execution runs these steps again and keeps the others from this
        one, without calling a model or charging for them:
      </p>
      <ul className="reruns" aria-label="Steps the fork runs again">
        {reruns.map((r) => (
          <li key={r.id}>{r.label}</li>
        ))}
      </ul>
      {Object.keys(specs).length > 0 && (
        <fieldset className="fork-inputs">
          <legend>Inputs (change any; a step before this one that reads a changed input refuses the fork)</legend>
          {Object.entries(specs).map(([name, spec]) => (
            <p key={name}>
              <label htmlFor={`fork-${name}`} title={spec.description}>
                {name}
              </label>
              <input
                id={`fork-${name}`}
                value={texts[name] ?? ""}
                aria-invalid={errors[name] ? true : undefined}
                onChange={(e) => setTexts({ ...texts, [name]: e.target.value })}
              />
              {errors[name] && <small className="field-error"> {errors[name]}</small>}
            </p>
          ))}
        </fieldset>
      )}
      <button onClick={() => void go()} disabled={busy || Object.keys(errors).length > 0}>
        Fork
      </button>{" "}
      <button onClick={onCancel}>Cancel</button>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
