// The timeline of an execution: for each top-level step, when it could start (its last
// dependency finished, or the execution started, or a command re-opened it), when it started and
// when it finished, and why it waited where the events or the step say so. Pure.
import type { ExecutionDetail, Schemas, Step, StreamEvent } from "../api/client";
import { upstreamOf } from "./graph";

export interface TimelineRow {
  id: string;
  label: string;
  status: Step["status"];
  // Milliseconds since the epoch; null when it has not happened.
  readyAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  // Why it waited between readyAt and startedAt, each once, in the order they happened.
  reasons: string[];
  // It waited for a person while "running" (an approval).
  person: boolean;
  // A map: how its items waited for the map's slots (its concurrency) while it ran.
  items?: { total: number; queued: number; longestWait: number };
}

const ms = (ts: string | null | undefined): number | null => {
  if (!ts) return null;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? null : t;
};

// Events after which a step may run again without its dependencies finishing anew.
const REOPENS = new Set(["step_stale", "step_reset", "step_tweaked", "step_regenerating", "step_reverted"]);

function errorCode(e: StreamEvent): string {
  const err: unknown = e.payload["error"];
  if (typeof err !== "object" || err === null || !("code" in err)) return "";
  return typeof err.code === "string" ? err.code : "";
}

function retryReason(code: string): string {
  if (code === "resource_exhausted") return "rate limit: retried after the provider asked to wait";
  if (code === "deadline_exceeded") return "timed out: retried after a backoff";
  return `retried after ${code || "an error"} (backoff)`;
}

export function buildTimeline(
  def: Schemas["TemplateDefinition"],
  exec: Pick<ExecutionDetail, "started_at" | "created_at">,
  steps: Step[],
  events: StreamEvent[],
): TimelineRow[] {
  const top = steps.filter((s) => !s.parent);
  const byId = new Map(top.map((s) => [s.id, s]));
  const itemsOf = new Map<string, Step[]>();
  for (const s of steps) if (s.parent) itemsOf.set(s.parent, [...(itemsOf.get(s.parent) ?? []), s]);
  const execStart = ms(exec.started_at) ?? ms(exec.created_at);
  // The execution's pauses, as [from, to) spans with their reason.
  const pauses: { from: number; to: number; reason: string }[] = [];
  let open: { from: number; reason: string } | null = null;
  for (const e of events) {
    const t = ms(e.ts);
    if (t === null || e.step) continue;
    if (e.type === "execution_paused") {
      const r = e.payload["reason"];
      open = { from: t, reason: r === "insufficient_credits" ? "credits: paused until credits are granted" : "paused by a person" };
    } else if (open && (e.type === "execution_resumed" || e.type === "execution_stopped" || e.type === "execution_reopened")) {
      pauses.push({ from: open.from, to: t, reason: open.reason });
      open = null;
    }
  }
  if (open) pauses.push({ from: open.from, to: Number.MAX_SAFE_INTEGER, reason: open.reason });

  return top.map((s) => {
    const startedAt = ms(s.started_at);
    const depSteps = upstreamOf(def, s.node_id).map((d) => byId.get(d));
    const depsDone = depSteps.every((d) => d && d.finished_at && !["pending", "ready", "running", "waiting", "stale"].includes(d.status));
    const deps = depSteps.map((d) => ms(d?.finished_at)).filter((t): t is number => t !== null);
    // Not started and a dependency still to finish: it is not waiting for a slot yet.
    let readyAt = startedAt === null && !depsDone ? null : deps.length ? Math.max(...deps) : execStart;
    const mine = events.filter((e) => e.step === s.id);
    for (const e of mine) {
      const t = ms(e.ts);
      if (t !== null && REOPENS.has(e.type) && readyAt !== null && t > readyAt) readyAt = t;
    }
    const finishedAt = s.status === "running" || s.status === "waiting" ? null : ms(s.finished_at);
    if (readyAt !== null && startedAt !== null && readyAt > startedAt) readyAt = startedAt;
    const reasons: string[] = [];
    const add = (r: string) => {
      if (!reasons.includes(r)) reasons.push(r);
    };
    const until = startedAt ?? Date.now();
    if (readyAt !== null) {
      for (const e of mine) {
        const t = ms(e.ts);
        if (t === null || t < readyAt || t > until) continue;
        if (e.type === "step_failed" && e.payload["will_retry"] === true) add(retryReason(errorCode(e)));
      }
      for (const p of pauses) if (p.from < until && p.to > readyAt) add(p.reason);
      if (!startedAt && s.retry_at) add(`retry due at ${new Date(s.retry_at).toLocaleTimeString()}`);
      const waited = until - readyAt;
      if (!reasons.length && waited >= 50 && (startedAt !== null || s.status === "ready" || s.status === "pending"))
        add("queue: waiting for a free slot");
    }
    const row: TimelineRow = {
      id: s.id,
      label: s.label,
      status: s.status,
      readyAt,
      startedAt,
      finishedAt,
      reasons,
      person: mine.some((e) => e.type === "approval_requested"),
    };
    const kids = itemsOf.get(s.id);
    if (kids && startedAt !== null) {
      let queued = 0;
      let longestWait = 0;
      for (const k of kids) {
        const t = ms(k.started_at);
        const wait = (t ?? Date.now()) - startedAt;
        if (wait >= 50) queued++;
        longestWait = Math.max(longestWait, wait);
      }
      row.items = { total: kids.length, queued, longestWait };
    }
    return row;
  });
}

// The span the timeline draws: the execution's start to the last thing that happened (or now).
export function timelineSpan(rows: TimelineRow[], now: number): { from: number; to: number } {
  let from = Number.MAX_SAFE_INTEGER;
  let to = 0;
  for (const r of rows) {
    for (const t of [r.readyAt, r.startedAt, r.finishedAt]) {
      if (t === null) continue;
      from = Math.min(from, t);
      to = Math.max(to, t);
    }
    if (r.startedAt !== null && r.finishedAt === null) to = Math.max(to, now);
  }
  if (from > to) return { from: now, to: now + 1 };
  return { from, to: Math.max(to, from + 1) };
}
