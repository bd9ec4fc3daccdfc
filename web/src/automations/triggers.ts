// Webhook triggers as the Automations screen shows and makes them: the create form's text turned
// into the API's body, the address a sender posts to, and a ready-to-run signed delivery
// (docs/webhooks.md, "Sending a delivery").
import type { InputSpec, Schemas } from "../api/client";
import { noErrors, type FormErrors } from "./errors";

export type Trigger = Schemas["Trigger"];
export type TriggerBody = Schemas["TriggerDefinition"];

// The API fields the trigger form shows.
export const TRIGGER_FIELDS = ["name", "template", "map", "tolerance_seconds"] as const;

// One row of the form's map: a template input and the JSON pointer into a delivery's body it
// takes its value from.
export interface MapRow {
  input: string;
  pointer: string;
}

export interface TriggerDraft {
  name: string;
  template: string; // the template's name
  rows: MapRow[];
}

export function emptyTriggerDraft(): TriggerDraft {
  return { name: "", template: "", rows: [] };
}

// The POST /api/v1/triggers body, or the messages that stop it being sent. Blank map rows are
// ignored; with no row the body's top-level fields are the inputs (no map is sent). A row's
// problem is keyed `map.INDEX`.
export function buildTriggerBody(draft: TriggerDraft): { body: TriggerBody | null; errors: FormErrors } {
  const errors = noErrors();
  const name = draft.name.trim();
  if (!name) errors.fields["name"] = "Give the trigger a name";
  else if (name.length > 100) errors.fields["name"] = "A name is at most 100 characters";
  if (!draft.template) errors.fields["template"] = "Pick the template to launch";
  const map: Record<string, string> = {};
  draft.rows.forEach((row, i) => {
    const input = row.input.trim();
    const pointer = row.pointer.trim();
    if (!input && !pointer) return;
    if (!input) errors.fields[`map.${i}`] = "Pick the input this pointer fills";
    else if (!pointer) errors.fields[`map.${i}`] = `Give the JSON pointer ${input} takes its value from, such as /data/${input}`;
    else if (!pointer.startsWith("/")) errors.fields[`map.${i}`] = `“${pointer}” is not a JSON pointer: it starts with /, as /data/${input}`;
    else if (input in map) errors.fields[`map.${i}`] = `${input} is mapped twice`;
    else map[input] = pointer;
  });
  const body: TriggerBody = { name, template: draft.template };
  if (Object.keys(map).length > 0) body.map = map;
  return { body: Object.keys(errors.fields).length > 0 ? null : body, errors };
}

// The full address deliveries go to: the page's origin and the trigger's path.
export function hookUrl(origin: string, path: string): string {
  return origin.replace(/\/+$/, "") + path;
}

function sampleValue(name: string, spec: InputSpec | undefined): unknown {
  switch (spec?.type) {
    case "integer":
      return 1;
    case "number":
      return 1.5;
    case "boolean":
      return true;
    case "list":
      return [`${name} 1`];
    case "object":
      return {};
    default:
      return `your ${name}`;
  }
}

// RFC 6901: "/data/name" -> ["data", "name"], "~1" is "/", "~0" is "~".
export function pointerTokens(pointer: string): string[] {
  if (!pointer.startsWith("/")) return [];
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// A body a delivery could send: each mapped input's value at its pointer, or (no map) the
// template's required inputs as top-level fields.
export function sampleBody(map: Record<string, string> | null | undefined, specs: Record<string, InputSpec>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const entries = map ? Object.entries(map) : [];
  if (entries.length === 0) {
    for (const [name, spec] of Object.entries(specs)) if (spec.required && spec.default === undefined) body[name] = sampleValue(name, spec);
    return body;
  }
  for (const [input, pointer] of entries) {
    const tokens = pointerTokens(pointer);
    const last = tokens.pop();
    if (last === undefined) continue;
    let at = body;
    for (const t of tokens) {
      const next = at[t];
      const child = isRecord(next) ? next : {};
      at[t] = child;
      at = child;
    }
    at[last] = sampleValue(input, specs[input]);
  }
  return body;
}

// The template's required inputs (no default) a map leaves out: with a map, a delivery's
// top-level fields are not inputs, so each of these would refuse every delivery (422).
export function unmappedRequired(rows: MapRow[], specs: Record<string, InputSpec>): string[] {
  const mapped = new Set(rows.filter((r) => r.input.trim() && r.pointer.trim()).map((r) => r.input.trim()));
  if (mapped.size === 0) return [];
  return Object.entries(specs)
    .filter(([name, spec]) => spec.required && spec.default === undefined && !mapped.has(name))
    .map(([name]) => name);
}

// A word for the shell, in single quotes.
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

// A delivery signed as docs/webhooks.md says: the timestamp, a dot and the raw body, HMAC-SHA256
// with the secret in lower-case hex; a delivery id the sender keeps the same on every retry.
export function signingExample(url: string, secret: string, body: Record<string, unknown>): string {
  return [
    `SECRET=${shellQuote(secret)}`,
    `ts=$(date +%s); body=${shellQuote(JSON.stringify(body))}`,
    `sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)`,
    `curl -X POST ${shellQuote(url)} -H "Content-Type: application/json" \\`,
    `     -H "X-Atelier-Timestamp: $ts" -H "X-Atelier-Signature: sha256=$sig" \\`,
    `     -H "X-Atelier-Delivery: delivery-$ts" -d "$body"`,
  ].join("\n");
}
