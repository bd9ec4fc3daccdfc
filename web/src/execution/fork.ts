// A fork from a step: which inputs the person changed (only those go to the server, which keeps
// the rest as the execution had them), and whether the step can be forked from at all.
import type { ExecutionDetail, InputSpec, Step } from "../api/client";
import { parseInputs, type FieldErrors } from "../launchForm";
import { isResult, roleReason, type Role } from "./steer";

// Why `step` of an execution in `status` cannot be forked from by `role` (undefined: it can).
export function forkReason(status: ExecutionDetail["status"], step: Step, role: Role): string | undefined {
  return (
    roleReason(role) ??
    (step.parent
      ? `This is an item of map ${step.parent}: fork from the map`
      : isResult(status)
        ? undefined
        : `Only a completed, failed or stopped execution can be forked; this one is ${status}`)
  );
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// The inputs whose fields now say something other than the execution had, typed as declared,
// with a message per field that cannot be read. A field emptied is not a change (the fork keeps
// the execution's value).
export function forkChanges(
  specs: Record<string, InputSpec>,
  had: Record<string, unknown>,
  texts: Record<string, string>,
): { changes: Record<string, unknown>; errors: FieldErrors } {
  const optional: Record<string, InputSpec> = {};
  for (const [name, spec] of Object.entries(specs)) optional[name] = { ...spec, required: false };
  const { inputs, errors } = parseInputs(optional, texts);
  const changes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inputs)) if (!same(value, had[name])) changes[name] = value;
  return { changes, errors };
}
