// Before a step action is sent: what it will re-run (the step and everything downstream of it in
// the graph) and what that may cost, from those steps' last usage: an estimate.
import { useState } from "react";
import type { Schemas, Step } from "../api/client";
import { describeCommand, sendStepCommand, type StepCommand } from "./commands";
import { estimateRerun, type Traits } from "./steer";

interface Props {
  executionId: string;
  def: Schemas["TemplateDefinition"];
  steps: Step[];
  step: Step;
  cmd: StepCommand;
  traitsOf: (type: string) => Traits | undefined;
  onCancel: () => void;
  onDone: () => void;
}

export function Confirm({ executionId, def, steps, step, cmd, traitsOf, onCancel, onDone }: Props) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const est = estimateRerun(def, steps, step, traitsOf);
  async function go() {
    setBusy(true);
    const err = await sendStepCommand(executionId, step.id, cmd);
    setBusy(false);
    if (err) setError(err);
    else onDone();
  }
  return (
    <div className="confirm" role="group" aria-label="Confirm the action">
      <p>
        <strong>{describeCommand(cmd)}</strong> on {step.label} will run again:
      </p>
      <ul className="reruns" aria-label="Steps that will run again">
        {est.reruns.map((r) => (
          <li key={r.id}>{r.label}</li>
        ))}
      </ul>
      <p className="estimate" data-testid="estimate">
        Estimated cost: {est.cost} credits, about {est.tokens} tokens
        {est.images ? ` and ${est.images} image${est.images === 1 ? "" : "s"}` : ""}, from what these steps
        cost last time; an estimate, not a quote
        {est.unknown ? ` (${est.unknown} step${est.unknown === 1 ? " has" : "s have"} no earlier usage to go by)` : ""}.
      </p>
      <button onClick={() => void go()} disabled={busy}>
        Confirm
      </button>{" "}
      <button onClick={onCancel}>Cancel</button>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
