// The execution's own actions: pause, resume, stop and retry, each enabled by the execution's
// status and the key's role (the reason on hover when not); and once it has a result, seed 001's
// three choices: Back (to the launch form with these inputs), Again (the same template version
// with the same inputs) and Close (to Runs). A refusal (403, 409) is shown with the API's message.
import { useState } from "react";
import { api, describeError, type ExecutionDetail } from "../api/client";
import { navigate } from "../nav";
import { execActions, isResult, roleReason, type ExecAction, type Role } from "./steer";

const LABELS: Record<ExecAction, string> = { pause: "Pause", resume: "Resume", stop: "Stop", retry: "Retry" };

export function Controls({ exec, role, onDone }: { exec: ExecutionDetail; role: Role; onDone: () => void }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const why = execActions(exec.status, role);
  const path = { params: { path: { id: exec.id } } };

  async function act(a: ExecAction) {
    setError("");
    setBusy(true);
    const r =
      a === "pause"
        ? await api.POST("/api/v1/executions/{id}/pause", path)
        : a === "resume"
          ? await api.POST("/api/v1/executions/{id}/resume", path)
          : a === "stop"
            ? await api.POST("/api/v1/executions/{id}/stop", path)
            : await api.POST("/api/v1/executions/{id}/retry", path);
    setBusy(false);
    if (r.error || !r.data) setError(describeError(r.error, r.response));
    onDone();
  }

  async function again() {
    setError("");
    setBusy(true);
    const r = await api.POST("/api/v1/executions", {
      body: { template_id: exec.template_id, version: exec.template_version, inputs: exec.inputs },
    });
    setBusy(false);
    if (r.data) navigate({ kind: "execution", id: r.data.id });
    else setError(describeError(r.error, r.response));
  }

  const byRole = roleReason(role);
  return (
    <div className="controls">
      <div role="group" aria-label="Execution actions">
        {(Object.keys(LABELS) as ExecAction[]).map((a) => (
          <button key={a} disabled={busy || why[a] !== undefined} title={why[a]} onClick={() => void act(a)}>
            {LABELS[a]}
          </button>
        ))}
      </div>
      {isResult(exec.status) && (
        <div role="group" aria-label="What next" className="result-choices">
          <button
            title="Back to the launch form, filled with this execution's inputs"
            onClick={() => navigate({ kind: "launch", templateId: exec.template_id, from: exec.id })}
          >
            Back
          </button>
          <button
            disabled={busy || byRole !== undefined}
            title={byRole ?? "Launch the same template version with the same inputs"}
            onClick={() => void again()}
          >
            Again
          </button>
          <button title="Back to Runs" onClick={() => navigate({ kind: "runs" })}>
            Close
          </button>
        </div>
      )}
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
