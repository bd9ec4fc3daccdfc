// The messages of the Automations forms: the API's refusal (details.field, details.errors) or the
// form's own checks, split between the form's fields, the template's inputs and the rest.
import type { ApiError } from "../api/client";
import type { FieldErrors } from "../launchForm";

export interface FormErrors {
  // Keyed by the API's field name (name, template, cron, time_zone, every_seconds, map, ...).
  fields: Record<string, string>;
  // Keyed by the template's input name.
  inputs: FieldErrors;
  // What names no field of the form: shown above the button.
  other: string[];
}

export function noErrors(): FormErrors {
  return { fields: {}, inputs: {}, other: [] };
}

export function hasErrors(e: FormErrors): boolean {
  return Object.keys(e.fields).length > 0 || Object.keys(e.inputs).length > 0 || e.other.length > 0;
}

// "field 'name': must be 1 to 100 characters" next to the name field reads "must be 1 to 100
// characters".
function withoutFieldPrefix(field: string, message: string): string {
  const prefixes = [`field '${field}': `, `${field}: `];
  for (const p of prefixes) if (message.startsWith(p)) return message.slice(p.length);
  return message;
}

function add(out: Record<string, string>, key: string, message: string) {
  out[key] = out[key] ? `${out[key]}; ${message}` : message;
}

// Places one problem the API named by `field`.
function place(out: FormErrors, field: string, message: string, known: ReadonlySet<string>, inputs: ReadonlySet<string>) {
  if (field.startsWith("inputs.") && inputs.has(field.slice("inputs.".length))) {
    add(out.inputs, field.slice("inputs.".length), message);
  } else if (known.has(field)) {
    add(out.fields, field, withoutFieldPrefix(field, message));
  } else {
    out.other.push(field && !message.includes(field) ? `${field}: ${message}` : message);
  }
}

// The API's error as form messages. `known`: the API fields the form shows; `inputs`: the
// template's input names it shows. Every problem of details.errors is kept (a 422 lists each
// input that does not fit); with none, details.field places the message; with neither, the
// message (or `fallback`, when the server gave none) goes to `other`.
export function errorsFromApi(
  error: ApiError | undefined,
  fallback: string,
  known: readonly string[],
  inputs: readonly string[],
): FormErrors {
  const out = noErrors();
  const knownSet = new Set(known);
  const inputSet = new Set(inputs);
  const details = error?.error?.details ?? {};
  const message = error?.error?.message || fallback;
  const list = details["errors"];
  if (Array.isArray(list) && list.length > 0) {
    for (const item of list) {
      if (typeof item !== "object" || item === null) continue;
      const m = new Map(Object.entries(item));
      const f = m.get("field");
      const text = m.get("message");
      if (typeof text !== "string") continue;
      place(out, typeof f === "string" ? f : "", text, knownSet, inputSet);
    }
    if (hasErrors(out)) return out;
  }
  const field = details["field"];
  if (typeof field === "string" && field) place(out, field, message, knownSet, inputSet);
  else out.other.push(message);
  return out;
}
