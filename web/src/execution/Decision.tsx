// The decision on a step waiting for a person: approve, reject, or tweak with an instruction.
import { useState } from "react";
import { api, describeError, type Step } from "../api/client";
import { roleReason, type Role } from "./steer";

export function Decision({ executionId, step, role, onDone }: { executionId: string; step: Step; role: Role; onDone: () => void }) {
  const [instruction, setInstruction] = useState("");
  const [error, setError] = useState("");
  const why = roleReason(role);
  const params = { params: { path: { id: executionId, step: step.id } } };

  async function decide(kind: "approve" | "reject" | "tweak") {
    setError("");
    const r =
      kind === "approve"
        ? await api.POST("/api/v1/executions/{id}/steps/{step}/approve", { ...params, body: {} })
        : kind === "reject"
          ? await api.POST("/api/v1/executions/{id}/steps/{step}/reject", { ...params, body: {} })
          : await api.POST("/api/v1/executions/{id}/steps/{step}/tweak", { ...params, body: { instruction } });
    if (r.error || !r.data) setError(describeError(r.error, r.response));
    else onDone();
  }

  return (
    <div className="decision" role="group" aria-label={`Decision on ${step.label}`}>
      <strong>{step.label}</strong> is waiting for a decision.
      <button disabled={why !== undefined} title={why} onClick={() => void decide("approve")}>
        Approve
      </button>
      <button disabled={why !== undefined} title={why} onClick={() => void decide("reject")}>
        Reject
      </button>
      <label htmlFor={`tweak-${step.id}`}>Instruction</label>
      <input id={`tweak-${step.id}`} value={instruction} disabled={why !== undefined} title={why} onChange={(e) => setInstruction(e.target.value)} />
      <button
        disabled={why !== undefined || !instruction.trim()}
        title={why ?? (instruction.trim() ? undefined : "Write an instruction first")}
        onClick={() => void decide("tweak")}
      >
        Tweak
      </button>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
