// The step commands the execution view sends, through the typed client. Each resolves with an
// error sentence, or "" when the server accepted it.
import { api, describeError } from "../api/client";

export type StepCommand =
  | { kind: "tweak"; instruction: string }
  | { kind: "regenerate" }
  | { kind: "revert"; version: number }
  | { kind: "retry" };

export async function sendStepCommand(executionId: string, step: string, cmd: StepCommand): Promise<string> {
  const params = { params: { path: { id: executionId, step } } };
  const r =
    cmd.kind === "tweak"
      ? await api.POST("/api/v1/executions/{id}/steps/{step}/tweak", { ...params, body: { instruction: cmd.instruction } })
      : cmd.kind === "regenerate"
        ? await api.POST("/api/v1/executions/{id}/steps/{step}/regenerate", { ...params, body: {} })
        : cmd.kind === "revert"
          ? await api.POST("/api/v1/executions/{id}/steps/{step}/revert", { ...params, body: { version: cmd.version } })
          : await api.POST("/api/v1/executions/{id}/steps/{step}/retry", params);
  return r.error || !r.data ? describeError(r.error, r.response) : "";
}

export function describeCommand(cmd: StepCommand): string {
  switch (cmd.kind) {
    case "tweak":
      return `Tweak with "${cmd.instruction}"`;
    case "regenerate":
      return "Regenerate";
    case "revert":
      return `Revert to version ${cmd.version}`;
    case "retry":
      return "Retry the failed items";
  }
}
