// The decision on a step waiting for a person: what it asks and the content to judge (from its
// approval_requested event), then approve, reject, or tweak with an instruction.
import { useState } from "react";
import Markdown from "react-markdown";
import { api, describeError, type Step, type StreamEvent } from "../api/client";
import { Images } from "./StepOutput";
import { outputImages } from "./output";
import { roleReason, type Role } from "./steer";

interface Props {
  executionId: string;
  step: Step;
  role: Role;
  // The event that asked for this decision, when the page has it.
  request: StreamEvent | undefined;
  onDone: () => void;
}

function Shown({ name, value }: { name: string; value: unknown }) {
  const images = outputImages({ images: Array.isArray(value) ? value : [value] });
  return (
    <div className="shown">
      <small>{name}</small>
      {typeof value === "string" ? (
        <div className="markdown">
          <Markdown>{value}</Markdown>
        </div>
      ) : images.length ? (
        <Images images={images} />
      ) : (
        <pre className="json">{JSON.stringify(value, null, 2)}</pre>
      )}
    </div>
  );
}

export function Decision({ executionId, step, role, request, onDone }: Props) {
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
      {typeof request?.payload["message"] === "string" && <p className="ask">{request.payload["message"]}</p>}
      {typeof request?.payload["show"] === "object" && request.payload["show"] !== null && (
        <details className="shown-all">
          <summary>What to judge</summary>
          {Object.entries(request.payload["show"]).map(([k, v]) => (
            <Shown key={k} name={k} value={v} />
          ))}
        </details>
      )}
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
