// The launch form's values: text typed into fields, turned into the typed inputs the template
// declares (docs/templates.md), with a message per field that cannot be.
import type { InputSpec } from "./api/client";

export type FieldErrors = Record<string, string>;

export interface Parsed {
  inputs: Record<string, unknown>;
  errors: FieldErrors;
}

// What a field shows before the person types: the default, as text.
export function initialText(spec: InputSpec): string {
  if (spec.default === undefined || spec.default === null) return "";
  if (typeof spec.default === "string") return spec.default;
  return JSON.stringify(spec.default);
}

function parseOne(spec: InputSpec, text: string): { value?: unknown; error?: string } {
  switch (spec.type) {
    case "string":
      return { value: text };
    case "integer": {
      if (!/^-?\d+$/.test(text.trim())) return { error: "must be a whole number" };
      return { value: Number.parseInt(text.trim(), 10) };
    }
    case "number": {
      const n = Number(text.trim());
      if (text.trim() === "" || !Number.isFinite(n)) return { error: "must be a number" };
      return { value: n };
    }
    case "boolean":
      if (text === "true" || text === "false") return { value: text === "true" };
      return { error: "must be true or false" };
    case "list":
    case "object": {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { error: `must be JSON (${spec.type === "list" ? "a [list]" : "an {object}"})` };
      }
      const ok = spec.type === "list" ? Array.isArray(value) : isPlainObject(value);
      return ok ? { value } : { error: spec.type === "list" ? "must be a list" : "must be an object" };
    }
  }
}

function isPlainObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Empty fields are left out, so the server applies the template's defaults. `lists` holds the
// list inputs filled from a file (they take the place of the field's text).
export function parseInputs(
  specs: Record<string, InputSpec>,
  texts: Record<string, string>,
  lists: Record<string, unknown[]> = {},
): Parsed {
  const inputs: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const [name, spec] of Object.entries(specs)) {
    const list = lists[name];
    if (list && spec.type === "list") {
      inputs[name] = list;
      continue;
    }
    const text = texts[name] ?? "";
    if (text === "") {
      if (spec.required && spec.default === undefined) errors[name] = "is required";
      continue;
    }
    const { value, error } = parseOne(spec, text);
    if (error) errors[name] = error;
    else inputs[name] = value;
  }
  return { inputs, errors };
}

// The fields' text for an execution's inputs (the form filled "back" from a run); inputs the
// template no longer declares are dropped, lists over `bigList` items go to `lists`.
export function fromInputs(
  specs: Record<string, InputSpec>,
  inputs: Record<string, unknown>,
  bigList = 20,
): { texts: Record<string, string>; lists: Record<string, unknown[]> } {
  const texts: Record<string, string> = {};
  const lists: Record<string, unknown[]> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = inputs[name];
    if (v === undefined) texts[name] = initialText(spec);
    else if (Array.isArray(v) && spec.type === "list" && v.length > bigList) lists[name] = v;
    else texts[name] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { texts, lists };
}
