// Schedules as the Automations screen shows and makes them: a schedule's "when" in words, how
// far away a due time is, and the create form's text turned into the API's body
// (docs/schedules.md), with a message per field that cannot be sent.
import type { InputSpec, Schemas } from "../api/client";
import { parseInputs } from "../launchForm";
import { noErrors, type FormErrors } from "./errors";

export type Schedule = Schemas["Schedule"];
export type ScheduleBody = Schemas["ScheduleDefinition"];

export const MAX_EVERY_SECONDS = 31_622_400;

// The API fields the schedule form shows, so their messages go next to them.
export const SCHEDULE_FIELDS = ["name", "template", "cron", "time_zone", "every_seconds", "start_at", "catch_up"] as const;

// "1 h", "90 min", "2 d": an interval in the largest unit that divides it.
export function intervalText(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

// When a schedule fires: "cron 0 9 * * mon (Europe/Paris)" or "every 3600 s (1 h)".
export function describeWhen(s: Pick<Schedule, "cron" | "time_zone" | "every_seconds">): string {
  if (s.cron) return `cron ${s.cron} (${s.time_zone || "UTC"})`;
  if (s.every_seconds) {
    const friendly = intervalText(s.every_seconds);
    return friendly === `${s.every_seconds} s` ? `every ${s.every_seconds} s` : `every ${s.every_seconds} s (${friendly})`;
  }
  return "";
}

// How far `iso` is from `now` (ms): "in 59 min", "in 2 h 5 min", "in 3 d 4 h", "due now".
export function fromNow(iso: string | null | undefined, now: number): string {
  if (!iso) return "";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return "";
  const s = Math.round((t - now) / 1000);
  if (s <= 0) return "due now";
  if (s < 60) return `in ${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `in ${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `in ${h} h ${min % 60} min` : `in ${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `in ${d} d ${h % 24} h` : `in ${d} d`;
}

// The browser's time zone (IANA), the form's default for a cron expression.
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

// Every time zone the browser knows, for the time zone field's suggestions.
export function knownTimeZones(): string[] {
  try {
    const all = Intl.supportedValuesOf("timeZone");
    return all.includes("UTC") ? all : ["UTC", ...all];
  } catch {
    return ["UTC"];
  }
}

export type Timing = "cron" | "every";
export type CatchUp = "run_once" | "skip";

// What the form holds: text as typed.
export interface ScheduleDraft {
  name: string;
  template: string; // the template's name (what the API takes)
  timing: Timing;
  cron: string;
  timeZone: string; // empty: UTC
  every: string; // seconds
  startAt: string; // <input type="datetime-local"> text, local time; empty: now + the interval
  catchUp: CatchUp;
}

export function emptyDraft(timeZone = browserTimeZone()): ScheduleDraft {
  return { name: "", template: "", timing: "cron", cron: "", timeZone, every: "3600", startAt: "", catchUp: "run_once" };
}

// A datetime-local value ("2026-12-07T09:00", the browser's local time) as ISO-8601 UTC.
export function localToIso(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) return null;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

// The POST /api/v1/schedules body of the form, or the messages that stop it being sent. Empty
// input fields are left out (the template's defaults apply), as the launch form does.
export function buildScheduleBody(
  draft: ScheduleDraft,
  specs: Record<string, InputSpec>,
  texts: Record<string, string>,
  lists: Record<string, unknown[]> = {},
): { body: ScheduleBody | null; errors: FormErrors } {
  const errors = noErrors();
  const name = draft.name.trim();
  if (!name) errors.fields["name"] = "Give the schedule a name";
  else if (name.length > 100) errors.fields["name"] = "A name is at most 100 characters";
  if (!draft.template) errors.fields["template"] = "Pick the template to launch";
  const parsed = parseInputs(specs, texts, lists);
  errors.inputs = parsed.errors;
  const body: ScheduleBody = { name, template: draft.template, inputs: parsed.inputs, catch_up: draft.catchUp };
  if (draft.timing === "cron") {
    const cron = draft.cron.trim().replace(/\s+/g, " ");
    if (!cron) errors.fields["cron"] = "Write a cron expression, such as 0 9 * * mon (Mondays at 09:00)";
    body.cron = cron;
    const tz = draft.timeZone.trim();
    if (tz) body.time_zone = tz;
  } else {
    const text = draft.every.trim();
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > MAX_EVERY_SECONDS) {
      errors.fields["every_seconds"] = "The interval is a whole number of seconds from 1 to 31,622,400 (366 days)";
    } else body.every_seconds = n;
    if (draft.startAt.trim()) {
      const iso = localToIso(draft.startAt.trim());
      if (iso) body.start_at = iso;
      else errors.fields["start_at"] = "The first run is a date and a time";
    }
  }
  const bad = Object.keys(errors.fields).length > 0 || Object.keys(errors.inputs).length > 0;
  return { body: bad ? null : body, errors };
}
