// What a person may do to an execution and to one of its steps, and what a step action will
// re-run and may cost. Pure: the rules come from the execution's status, the key's role and the
// node types' traits (GET /api/v1/node-types), never from type names.
import type { ExecutionDetail, Schemas, Step } from "../api/client";
import { downstreamOf } from "./graph";

export type Traits = Schemas["NodeType"]["traits"];
export type Role = Schemas["Role"];

// Why the role may not act, or undefined when it may.
export function roleReason(role: Role): string | undefined {
  return role === "viewer" ? "Your key has the viewer role: this needs the editor role" : undefined;
}

export type ExecAction = "pause" | "resume" | "stop" | "retry";

// Each execution action with the reason it is unavailable (undefined when it is available).
export function execActions(status: ExecutionDetail["status"], role: Role): Record<ExecAction, string | undefined> {
  const byRole = roleReason(role);
  const needs = (ok: boolean, why: string) => byRole ?? (ok ? undefined : why);
  return {
    pause: needs(status === "running", `Only a running execution can be paused; this one is ${status}`),
    resume: needs(status === "paused", `Only a paused execution can be resumed; this one is ${status}`),
    stop: needs(
      status === "queued" || status === "running" || status === "paused" || status === "waiting",
      `A ${status} execution cannot be stopped`,
    ),
    retry: needs(
      status === "failed" || status === "stopped",
      `Only a failed or stopped execution can be retried; this one is ${status}`,
    ),
  };
}

export function isResult(status: ExecutionDetail["status"]): boolean {
  return status === "completed" || status === "failed" || status === "stopped";
}

export type StepAction = "tweak" | "regenerate" | "retry";

// The step actions offered on `step`, each with the reason it is unavailable.
export function stepActions(
  step: Step,
  traits: Traits | undefined,
  isMap: boolean,
  steps: Step[],
  role: Role,
): Partial<Record<StepAction, string | undefined>> {
  const byRole = roleReason(role);
  const out: Partial<Record<StepAction, string | undefined>> = {};
  const finished = step.status === "succeeded";
  if (traits?.generative)
    out.tweak = byRole ?? (finished ? undefined : `A ${step.status} step cannot be tweaked; it must have succeeded`);
  if (traits?.generative || traits?.rebuildable) {
    const failedItem = Boolean(step.parent) && step.status === "failed";
    out.regenerate =
      byRole ?? (finished || failedItem ? undefined : `A ${step.status} step cannot be regenerated yet`);
  }
  if (isMap) {
    const bad = steps.filter((s) => s.parent === step.id && (s.status === "failed" || s.status === "cancelled"));
    const settled = step.status === "succeeded" || step.status === "failed";
    out.retry =
      byRole ??
      (!settled
        ? `The map is ${step.status}; its items can be retried once it has finished running them`
        : bad.length === 0
          ? "The map has no failed or cancelled items"
          : undefined);
  } else if (step.parent && (step.status === "failed" || step.status === "cancelled")) {
    out.retry = byRole;
  }
  return out;
}

export interface Estimate {
  // Step ids that will run again, in template order (the step itself first).
  reruns: { id: string; label: string }[];
  cost: number;
  tokens: number;
  images: number;
  // Paid steps (or of unknown type) with no usage to go by.
  unknown: number;
}

function num(u: Record<string, unknown> | null, k: string): number {
  const v = u?.[k];
  return typeof v === "number" ? v : 0;
}

// What acting on `step` re-runs (the step, for a map item its map, and everything downstream of
// it in the graph) and what those steps cost the last time they ran: an estimate.
export function estimateRerun(
  def: Schemas["TemplateDefinition"],
  steps: Step[],
  step: Step,
  traitsOf: (type: string) => Traits | undefined,
): Estimate {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const node = step.parent ?? step.id;
  const ids = [step.id, ...(step.parent ? [step.parent] : []), ...downstreamOf(def, node)];
  const est: Estimate = { reruns: [], cost: 0, tokens: 0, images: 0, unknown: 0 };
  for (const id of ids) {
    const s = byId.get(id);
    est.reruns.push({ id, label: s?.label ?? id });
    // A map re-collects its items without running them again: no cost of its own.
    if (s && id === step.parent) continue;
    if (!s?.usage) {
      // A paid step with no usage yet (it never finished) may cost something we cannot tell.
      const type = s?.type ?? def.nodes.find((n) => n.id === id)?.type ?? "";
      if (traitsOf(type)?.paid !== false) est.unknown++;
      continue;
    }
    est.cost += num(s.usage, "cost");
    est.tokens += num(s.usage, "input_tokens") + num(s.usage, "output_tokens");
    est.images += num(s.usage, "images");
  }
  return est;
}
