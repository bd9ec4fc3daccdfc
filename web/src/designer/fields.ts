// The side form's fields, generated from the node-type catalogue (GET /api/v1/node-types): the
// same field descriptors the server validates templates with, so the form offers what a save
// accepts. Each field gets a widget, and text typed into it becomes the value the template holds.
import type { NodeField, NodeType } from "./types";

export type Widget =
  | "line" // one line of plain text (the label)
  | "text" // templated text: references allowed
  | "code" // verbatim text (Lua source, a template name): taken as written
  | "number"
  | "boolean"
  | "enum"
  | "json" // a list, or an object taken as written (a JSON Schema)
  | "keyvalue" // an object whose values are templated (end/transform output, headers)
  | "any" // any value: text with references, or JSON
  | "node" // a map's per-item node: a type and its own fields
  | "retry";

export interface FormField {
  name: string;
  // The catalogue's type: string, integer, number, boolean, list, object, any, node, retry.
  type: string;
  widget: Widget;
  required: boolean;
  description: string;
  // What applies when the field is left empty, as text ("" when there is no default).
  defaultText: string;
  // "0 to 2", "whole number, 1 to 8": the bounds a number must keep.
  hint: string;
  options: string[];
  integer: boolean;
  min?: number;
  max?: number;
  // Offers the reference menu ({{inputs.X}}, {{steps.ID.FIELD}}).
  references: boolean;
  // One of the fields every node type has (label, retry, timeout_ms, cache).
  common: boolean;
  // A multi-line box (prompts, messages) rather than one line.
  multiline: boolean;
}

function widgetOf(f: NodeField): Widget {
  switch (f.type) {
    case "string":
      if (f.one_of && f.one_of.length > 0) return "enum";
      return f.verbatim ? "code" : "text";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "list":
      return "json";
    case "object":
      return f.verbatim ? "json" : "keyvalue";
    case "node":
      return "node";
    case "retry":
      return "retry";
    default:
      return "any";
  }
}

function boundsHint(f: NodeField): string {
  const whole = f.type === "integer" ? "whole number" : "";
  const range =
    f.min !== undefined && f.max !== undefined
      ? `${f.min} to ${f.max}`
      : f.min !== undefined
        ? `at least ${f.min}`
        : f.max !== undefined
          ? `at most ${f.max}`
          : "";
  return [whole, range].filter(Boolean).join(", ");
}

export function formField(f: NodeField, common: boolean): FormField {
  const widget = f.name === "label" && common ? "line" : widgetOf(f);
  const defaultText = f.default === undefined ? "" : typeof f.default === "string" ? f.default : JSON.stringify(f.default);
  const field: FormField = {
    name: f.name,
    type: f.type,
    widget,
    required: f.required,
    description: f.description,
    defaultText,
    hint: boundsHint(f),
    options: f.one_of ?? [],
    integer: f.type === "integer",
    references: !f.verbatim && (widget === "text" || widget === "number" || widget === "any" || widget === "keyvalue"),
    common,
    // A required text, or one whose default is empty, is prose (a prompt); a text with a short
    // default (a model alias, a size) is one line.
    multiline: widget === "code" || (widget === "text" && (f.required || defaultText === "" || defaultText.includes(" "))),
  };
  if (f.min !== undefined) field.min = f.min;
  if (f.max !== undefined) field.max = f.max;
  return field;
}

// The form of a node type: its own fields first (required ones first, in catalogue order), then
// the common ones.
export function formFields(type: NodeType, common: NodeField[]): FormField[] {
  const own = type.fields.map((f) => formField(f, false));
  const ordered = [...own.filter((f) => f.required), ...own.filter((f) => !f.required)];
  return [...ordered, ...common.map((f) => formField(f, true))];
}

// The text a field shows for a value the template holds.
export function textOf(field: FormField, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (field.widget === "number" || field.widget === "boolean") return String(value);
  return JSON.stringify(value, null, 2);
}

export interface Parsed {
  // The value to store; absent: leave the field out (its default applies).
  value?: unknown;
  // A sentence about the text; with `value` the text is still stored, for the server to judge.
  error?: string;
  // The text is not stored at all (JSON that does not parse).
  keep?: boolean;
}

const SINGLE_REF = /^\{\{[^{}]+\}\}$/;

// The value of text typed into a field. A number or boolean field also takes exactly one reference
// ({{inputs.length}}), as the server does; other text there is stored and flagged.
export function parseText(field: FormField, text: string, asJson = false): Parsed {
  if (text.trim() === "") return {};
  switch (field.widget) {
    case "number": {
      const t = text.trim();
      if (SINGLE_REF.test(t)) return { value: t };
      const n = Number(t);
      if (!Number.isFinite(n)) return { value: text, error: "must be a number or one reference such as {{inputs.NAME}}" };
      if (field.integer && !Number.isInteger(n)) return { value: n, error: "must be a whole number" };
      if ((field.min !== undefined && n < field.min) || (field.max !== undefined && n > field.max))
        return { value: n, error: `must be ${field.hint.replace("whole number, ", "")}` };
      return { value: n };
    }
    case "boolean":
      if (text === "true" || text === "false") return { value: text === "true" };
      return SINGLE_REF.test(text.trim()) ? { value: text.trim() } : { value: text, error: "must be true or false" };
    case "json":
    case "keyvalue":
    case "node":
    case "retry":
      return parseJson(field, text);
    case "any":
      return asJson ? parseJson(field, text) : { value: text };
    default:
      return { value: text };
  }
}

function parseJson(field: FormField, text: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { keep: true, error: `is not JSON yet: ${e instanceof Error ? e.message : String(e)}` };
  }
  const list = Array.isArray(v);
  const object = typeof v === "object" && v !== null && !list;
  if (field.type === "list" && !list) return { keep: true, error: "must be a list, such as [\"a\", \"b\"]" };
  if (field.type !== "list" && field.type !== "any" && !object) return { keep: true, error: "must be an object, such as {\"key\": \"value\"}" };
  return { value: v };
}

// Whether an `any` field's value is shown as JSON (anything but text).
export function isJsonValue(value: unknown): boolean {
  return value !== undefined && value !== null && typeof value !== "string";
}

// The types a map may run per item.
export function mappableTypes(types: NodeType[]): NodeType[] {
  return types.filter((t) => t.traits.mappable);
}
