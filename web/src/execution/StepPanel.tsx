// The panel of one step: what it is, its attempts, error (with its class), timings, the rendered
// prompt (from the current version's provider session, where the API keeps it), its current
// output, a map's items (virtualised), the actions a person may take on it and its versions.
import { useState } from "react";
import type { ExecutionDetail, Schemas, Step, StepProgress } from "../api/client";
import { duration, when } from "../format";
import { Confirm } from "./Confirm";
import { ForkDialog } from "./ForkDialog";
import { forkReason } from "./fork";
import { MapItems } from "./MapItems";
import { StepOutput } from "./StepOutput";
import { promptTurns } from "./output";
import { roleReason, stepActions, type Role, type Traits } from "./steer";
import type { StepCommand } from "./commands";
import { useVersions, Versions } from "./Versions";

interface Props {
  executionId: string;
  // The execution, once loaded (a fork starts from its inputs).
  exec?: ExecutionDetail | undefined;
  def: Schemas["TemplateDefinition"];
  steps: Step[];
  step: Step;
  // While the step runs: its latest live progress (the text so far, for a text step).
  live?: StepProgress | undefined;
  role: Role;
  traitsOf: (type: string) => Traits | undefined;
  isMap: boolean;
  onOpen: (stepId: string) => void;
  onClose: () => void;
  onCommand: () => void;
}

function errorParts(error: Step["error"]): { code: string; message: string } | null {
  if (!error) return null;
  const code = typeof error["code"] === "string" ? error["code"] : "error";
  const message = typeof error["message"] === "string" ? error["message"] : JSON.stringify(error);
  return { code, message };
}

function usageLine(u: Step["usage"]): string {
  if (!u) return "";
  const n = (k: string) => (typeof u[k] === "number" ? Number(u[k]) : 0);
  const parts = [`${n("input_tokens")} in + ${n("output_tokens")} out tokens`];
  if (n("images")) parts.push(`${n("images")} image${n("images") === 1 ? "" : "s"}`);
  parts.push(`cost ${n("cost")}`);
  const model = typeof u["model"] === "string" ? ` · ${u["model"]}` : "";
  return parts.join(" · ") + model;
}

export function StepPanel(p: Props) {
  const { step } = p;
  const [cmd, setCmd] = useState<StepCommand | null>(null);
  const [forking, setForking] = useState(false);
  // Why the step cannot be forked from (undefined: it can; null: the execution is not loaded).
  const forkWhy = p.exec ? forkReason(p.exec.status, step, p.role) : null;
  const [instruction, setInstruction] = useState("");
  const versions = useVersions(p.executionId, step.id, `${step.version}/${step.status}`);
  const traits = p.traitsOf(step.type);
  const actions = stepActions(step, traits, p.isMap, p.steps, p.role);
  const err = errorParts(step.error);
  const current = versions.list?.items.find((v) => v.version === versions.list?.current);
  const prompt = promptTurns(current?.session);
  const hasVersions = (versions.list?.items.length ?? 0) > 0;
  const revertWhy = roleReason(p.role) ?? (step.status === "running" ? "The step is running" : undefined);

  const done = () => {
    setCmd(null);
    setInstruction("");
    p.onCommand();
  };

  return (
    <aside
      className="step-panel"
      aria-labelledby="step-panel-title"
      onKeyDown={(e) => {
        // Escape closes the panel (a lightbox or a field handles its own first).
        if (e.key === "Escape" && !e.defaultPrevented && !(e.target instanceof HTMLDialogElement)) p.onClose();
      }}
    >
      <div className="panel-head">
        <h3 id="step-panel-title">
          {step.label} <small>{step.id}</small>
        </h3>
        <button onClick={p.onClose} aria-label="Close the step panel">
          ×
        </button>
      </div>
      {step.parent && (
        <p>
          Item {step.item_index !== undefined ? `#${step.item_index + 1} ` : ""}of map{" "}
          <button className="link" onClick={() => step.parent && p.onOpen(step.parent)}>
            {step.parent}
          </button>
        </p>
      )}
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status status-${step.status}`} data-testid="step-status">
            {step.status}
          </span>
        </dd>
        <dt>Type</dt>
        <dd>{step.type}</dd>
        <dt>Version</dt>
        <dd>{step.version}</dd>
        <dt>Attempts</dt>
        <dd>{step.attempts}{step.crashes ? ` (${step.crashes} interrupted by a crash)` : ""}</dd>
        <dt>Started</dt>
        <dd>{when(step.started_at) || "not yet"}</dd>
        <dt>Finished</dt>
        <dd>{when(step.finished_at) || "not yet"}</dd>
        <dt>Duration</dt>
        <dd>{step.duration_ms !== null ? `${step.duration_ms} ms` : duration(step.started_at, step.finished_at) || "–"}</dd>
        {step.retry_at && (
          <>
            <dt>Retry at</dt>
            <dd>{when(step.retry_at)}</dd>
          </>
        )}
        {step.usage && (
          <>
            <dt>Usage</dt>
            <dd>{usageLine(step.usage)}</dd>
          </>
        )}
      </dl>
      {err && (
        <p className="step-error" role="note">
          <code>{err.code}</code> {err.message}
        </p>
      )}

      {Object.keys(actions).length > 0 && (
        <div className="step-actions" role="group" aria-label="Step actions">
          {"tweak" in actions && (
            <>
              <label htmlFor={`instr-${step.id}`}>Tweak instruction</label>
              <input
                id={`instr-${step.id}`}
                value={instruction}
                disabled={actions.tweak !== undefined}
                title={actions.tweak}
                onChange={(e) => setInstruction(e.target.value)}
              />
              <button
                disabled={actions.tweak !== undefined || !instruction.trim()}
                title={actions.tweak ?? (instruction.trim() ? undefined : "Write an instruction first")}
                onClick={() => setCmd({ kind: "tweak", instruction: instruction.trim() })}
              >
                Tweak…
              </button>
            </>
          )}
          {"regenerate" in actions && (
            <button disabled={actions.regenerate !== undefined} title={actions.regenerate} onClick={() => setCmd({ kind: "regenerate" })}>
              Regenerate…
            </button>
          )}
          {"retry" in actions && (
            <button disabled={actions.retry !== undefined} title={actions.retry} onClick={() => setCmd({ kind: "retry" })}>
              {p.isMap ? "Retry failed items…" : "Retry item…"}
            </button>
          )}
        </div>
      )}
      {forkWhy !== null && (
        <div className="step-actions" role="group" aria-label="Fork">
          <button
            disabled={forkWhy !== undefined}
            title={forkWhy ?? "A new execution from this step, keeping what comes before it"}
            onClick={() => setForking(true)}
          >
            Fork from here…
          </button>
        </div>
      )}
      {forking && p.exec && (
        <ForkDialog
          exec={p.exec}
          def={p.def}
          steps={p.steps}
          step={step}
          traitsOf={p.traitsOf}
          onCancel={() => setForking(false)}
        />
      )}
      {cmd && (
        <Confirm
          executionId={p.executionId}
          def={p.def}
          steps={p.steps}
          step={step}
          cmd={cmd}
          traitsOf={p.traitsOf}
          onCancel={() => setCmd(null)}
          onDone={done}
        />
      )}

      <section aria-label="Rendered prompt">
        <h4>Rendered prompt</h4>
        {prompt.length > 0 ? (
          <ol className="prompt">
            {prompt.map((t, i) => (
              <li key={i}>
                <small>{t.role}</small>
                <pre>{t.content}</pre>
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">
            {versions.list ? "The API keeps no prompt for this step (it calls no model, or has not run)." : "Loading…"}
          </p>
        )}
      </section>

      {p.live?.text !== undefined && (
        <section aria-label="Live output">
          <h4>
            Writing… <small>{p.live.chars ?? p.live.text.length} chars so far</small>
          </h4>
          <pre className="live-text" data-testid="live-text">
            {p.live.text}
          </pre>
        </section>
      )}

      <section aria-label="Output">
        <h4>Output (current version)</h4>
        <StepOutput output={step.output} />
      </section>

      {p.isMap && <MapItems steps={p.steps} mapId={step.id} onOpen={p.onOpen} />}

      {hasVersions && (
        <section aria-label="Versions">
          <h4>Versions</h4>
          <Versions
            list={versions.list}
            error={versions.error}
            canRevert={revertWhy}
            onRevert={(version) => setCmd({ kind: "revert", version })}
          />
        </section>
      )}
      {versions.error && !hasVersions && <p role="alert">{versions.error}</p>}
    </aside>
  );
}
