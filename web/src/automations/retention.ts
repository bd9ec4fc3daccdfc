// Retention as the Automations screen shows and sets it (docs/retention.md): the policy in one
// sentence, the form's two rules turned into the API's body (with a message per rule that cannot
// be sent), and what a preview, a sweep and the sweeps so far deleted, in words.
import type { ApiError, Schemas } from "../api/client";
import { fileSize } from "../format";
import { errorsFromApi, noErrors, type FormErrors } from "./errors";

export type RetentionPolicy = Schemas["RetentionPolicy"];
export type RetentionBody = Schemas["RetentionPolicyDefinition"];
export type RetentionPreview = Schemas["RetentionPreview"];
export type RetentionRun = Schemas["RetentionRun"];
export type Footprint = Schemas["RetentionFootprint"];
export type Sweep = NonNullable<Schemas["RetentionSweep"]>;
type Role = Schemas["Role"];

// The server's ranges (PUT /api/v1/retention answers 400 outside them).
export const MAX_AGE_DAYS = 36_500;
export const MAX_KEEP_LAST = 1_000_000;

// The API fields the policy form shows, so their messages go next to them.
export const RETENTION_FIELDS = ["max_age_days", "keep_last"] as const;

// The rules as the form holds them: each on or off, with its number as typed.
export interface PolicyDraft {
  ageOn: boolean;
  age: string;
  keepOn: boolean;
  keep: string;
}

type Rules = Pick<RetentionPolicy, "max_age_days" | "keep_last">;

// The form for a policy: its rules checked with their numbers; a rule that is off offers a month,
// or twenty runs, once ticked.
export function draftOf(p: Rules | null): PolicyDraft {
  const age = p?.max_age_days ?? null;
  const keep = p?.keep_last ?? null;
  return { ageOn: age !== null, age: String(age ?? 30), keepOn: keep !== null, keep: String(keep ?? 20) };
}

// 1234567 as "1,234,567" (whatever the browser's language, as the rest of the sentences).
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

function plural(n: number, one: string, many: string): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

// Why a rule's number cannot be sent, or "" when it can (or the rule is off).
function ruleProblem(on: boolean, text: string, max: number, one: string, many: string): string {
  if (!on) return "";
  const t = text.trim();
  const range = `from 1 to ${count(max)}`;
  if (!t) return `Give a number of ${many}, ${range}, or untick the rule`;
  if (!/^\d+$/.test(t)) return `“${t}” is not a whole number of ${many} (${range})`;
  const n = Number(t);
  if (n < 1) return `At least 1 ${one}: untick the rule to have none`;
  if (n > max) return `At most ${plural(max, one, many)}`;
  return "";
}

// The PUT /api/v1/retention (and preview) body of the form, or the messages that stop it being
// sent. Both rules are always sent, null when off: a preview of `{}` would measure the saved policy
// instead of the proposed one.
export function buildRetentionBody(d: PolicyDraft): { body: { max_age_days: number | null; keep_last: number | null } | null; errors: FormErrors } {
  const errors = noErrors();
  const age = ruleProblem(d.ageOn, d.age, MAX_AGE_DAYS, "day", "days");
  const keep = ruleProblem(d.keepOn, d.keep, MAX_KEEP_LAST, "run", "runs");
  if (age) errors.fields["max_age_days"] = age;
  if (keep) errors.fields["keep_last"] = keep;
  if (age || keep) return { body: null, errors };
  return { body: { max_age_days: d.ageOn ? Number(d.age.trim()) : null, keep_last: d.keepOn ? Number(d.keep.trim()) : null }, errors };
}

// The API's refusal as form messages, next to the rule it names.
export function retentionErrorsFromApi(error: ApiError | undefined, fallback: string): FormErrors {
  return errorsFromApi(error, fallback, RETENTION_FIELDS, []);
}

// Whether two policies have the same rules.
export function sameRules(a: Rules, b: Rules): boolean {
  return a.max_age_days === b.max_age_days && a.keep_last === b.keep_last;
}

// A policy in one sentence: "Keeps everything", "Deletes finished runs older than 30 days, but
// keeps the newest 20 of each template", ...
export function describePolicy(p: Rules): string {
  const age = p.max_age_days;
  const keep = p.keep_last;
  const older = age !== null ? `finished runs older than ${plural(age, "day", "days")}` : "";
  if (age !== null && keep !== null) return `Deletes ${older}, but keeps the newest ${keep === 1 ? "one" : count(keep)} of each template`;
  if (age !== null) return `Deletes ${older}`;
  if (keep !== null)
    return keep === 1
      ? "Keeps the newest finished run of each template and deletes the older ones"
      : `Keeps the newest ${count(keep)} finished runs of each template and deletes the older ones`;
  return "Keeps everything";
}

// Top-level runs and sub-runs out of figures that count both (as `executions` does).
function split(executions: number, topLevel: number): string {
  const sub = executions - topLevel;
  return sub > 0 ? `${plural(topLevel, "run", "runs")} (and ${plural(sub, "sub-run", "sub-runs")})` : plural(topLevel, "run", "runs");
}

// What a preview says first: what would go now and the space it frees.
export function previewSummary(p: Pick<RetentionPreview, "executions" | "sub_executions" | "bytes" | "truncated">, rules: Rules): string {
  if (rules.max_age_days === null && rules.keep_last === null) return "Nothing would be deleted: this policy keeps everything.";
  if (p.executions === 0) return "Nothing would be deleted now: every finished run is within this policy.";
  const top = p.executions - p.sub_executions;
  return `Would delete ${p.truncated ? "at least " : ""}${split(p.executions, top)} now, freeing ${fileSize(p.bytes)}.`;
}

// What "Sweep now" asks first, from a preview of the saved policy.
export function sweepQuestion(p: Pick<RetentionPreview, "executions" | "sub_executions" | "bytes" | "truncated">): string {
  if (p.executions === 0) return "The saved policy lets nothing go now. Sweep anyway?";
  const top = p.executions - p.sub_executions;
  return `Delete ${p.truncated ? "at least " : ""}${split(p.executions, top)} now, freeing ${fileSize(p.bytes)}? They cannot be brought back.`;
}

// A preview's figures, each as "label: value".
export function previewFigures(p: RetentionPreview): { label: string; value: string }[] {
  return [
    { label: "Runs", value: count(p.executions - p.sub_executions) },
    { label: "Sub-runs", value: count(p.sub_executions) },
    { label: "Steps", value: count(p.steps) },
    { label: "Events", value: count(p.events) },
    { label: "Files", value: count(p.artifacts) },
    { label: "Space freed", value: `${fileSize(p.bytes)} (${plural(p.blobs, "stored file", "stored files")})` },
  ];
}

// What the examples list says of itself: "The oldest 20 of 412", or "The 2".
export function examplesCaption(p: Pick<RetentionPreview, "executions" | "sub_executions" | "examples" | "truncated">): string {
  const top = p.executions - p.sub_executions;
  const shown = p.examples.length;
  if (shown < top || p.truncated) return `The oldest ${count(shown)} of ${p.truncated ? "more than " : ""}${count(top)} that would go`;
  return shown === 1 ? "The run that would go" : `The ${count(shown)} runs that would go, oldest first`;
}

// Why the policy selected a run that still stays (a sweep's `kept`).
const KEPT_REASONS: Record<string, string> = {
  unfinished: "a sub-run has not finished",
  notifying: "a notification is pending",
  unread: "the notifier has not read its events yet",
  not_found: "it was already gone",
};

export function keptReason(reason: string): string {
  return KEPT_REASONS[reason] ?? reason;
}

// "2 runs stay for now: 1 because a notification is pending, 1 because ...; a later sweep
// deletes them", or "" when none stayed.
export function describeKept(kept: Record<string, number>): string {
  const parts = Object.entries(kept).filter(([, n]) => n > 0);
  const total = parts.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return "";
  const why = parts.map(([reason, n]) => `${count(n)} because ${keptReason(reason)}`).join(", ");
  return `${plural(total, "run stays", "runs stay")} for now (${why}): a later sweep deletes ${total === 1 ? "it" : "them"}.`;
}

// What a sweep did, in words: "Deleted 2 runs, freeing 5.8 KB." with what stayed and whether it
// stopped before the end.
export function describeSweep(s: Pick<Sweep, "deleted" | "kept" | "freed" | "complete">): string {
  const kept = describeKept(s.kept);
  const head =
    s.deleted === 0
      ? kept
        ? "Deleted nothing."
        : "Nothing to delete: every finished run is within the saved policy."
      : `Deleted ${split(s.freed.executions, s.deleted)}, freeing ${fileSize(s.freed.bytes)}.`;
  const rest = [kept, s.complete ? "" : "It stopped before the end (a sweep deletes at most 5,000 runs): the next one goes on."];
  return [head, ...rest].filter(Boolean).join(" ");
}

// What "Sweep now" answered, with the stored files it removed at once: a file stored in the last
// hour may still be being written by a step, so it waits for a later sweep.
export function describeRun(r: RetentionRun): string {
  const removed =
    r.freed.blobs === 0
      ? ""
      : r.bytes_removed >= r.freed.bytes
        ? `${plural(r.blobs_removed, "stored file", "stored files")} (${fileSize(r.bytes_removed)}) removed from storage.`
        : `Removed from storage now: ${fileSize(r.bytes_removed)}; files stored within the last hour are removed by a later sweep.`;
  return [describeSweep(r), removed].filter(Boolean).join(" ");
}

// What every sweep deleted so far (sub-runs included).
export function describeTotals(t: RetentionPolicy["totals"]): string {
  if (t.executions === 0) return "Nothing yet";
  return `${plural(t.executions, "run", "runs")}, ${fileSize(t.bytes)}`;
}

// Why a key cannot save the policy or sweep now, or undefined when it can.
export function adminReason(role: Role): string | undefined {
  return role === "admin" ? undefined : `Saving the policy and sweeping need the admin role; your key has ${role}`;
}
