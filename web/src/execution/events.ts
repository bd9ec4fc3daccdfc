// The execution's event log as the page keeps it, and what an event says about a step before
// the refetched steps do. Pure, so it is unit-tested without a browser.
import type { StreamEvent, Step } from "../api/client";

// Appends the events not yet in `log` (by seq), keeping seq order. A reconnection with
// Last-Event-ID sends only newer events, but a replay that overlaps must not double any; the
// log is returned unchanged when nothing is new.
export function appendEvents(log: StreamEvent[], incoming: StreamEvent[]): StreamEvent[] {
  const last = log.length ? (log[log.length - 1]?.seq ?? 0) : 0;
  const fresh = incoming.filter((e) => e.seq > last);
  if (!fresh.length) return log;
  fresh.sort((a, b) => a.seq - b.seq);
  const out = log.slice();
  for (const e of fresh) if (e.seq > (out[out.length - 1]?.seq ?? 0)) out.push(e);
  return out;
}

// The seqs missing between the first and last event of the log (none when it has no gap).
export function gaps(log: StreamEvent[]): number[] {
  const missing: number[] = [];
  for (let i = 1; i < log.length; i++) {
    const a = log[i - 1]?.seq ?? 0;
    const b = log[i]?.seq ?? 0;
    for (let s = a + 1; s < b; s++) missing.push(s);
  }
  return missing;
}

// The status an event puts its step in, when it says so outright.
const STATUS_OF: Record<string, Step["status"]> = {
  step_started: "running",
  step_succeeded: "succeeded",
  step_failed: "failed",
  step_skipped: "skipped",
  step_cancelled: "cancelled",
  step_stale: "stale",
  step_reset: "pending",
  approval_requested: "waiting",
};

export function stepStatusOf(e: StreamEvent): Step["status"] | undefined {
  return e.step ? STATUS_OF[e.type] : undefined;
}

// The attempt an event's payload names (step_started, step_succeeded and step_failed carry the
// step's attempt count), when it is a whole number.
function attemptOf(e: StreamEvent): number | undefined {
  const a = e.payload["attempt"];
  return typeof a === "number" && Number.isInteger(a) && a >= 0 ? a : undefined;
}

// `steps` with the statuses `events` announce applied, and with each status the attempt count its
// event carries, so a step never shows its new status beside its old count (a step retried
// after failing shows succeeded with 2 attempts, not 1, before the refetch comes back). A step
// the list does not have yet is left for the next refetch. Returns `steps` itself when nothing
// changes.
export function applyEvents(steps: Step[], events: StreamEvent[]): Step[] {
  const want = new Map<string, { status: Step["status"]; attempts: number | undefined }>();
  for (const e of events) {
    const st = stepStatusOf(e);
    if (st && e.step) want.set(e.step, { status: st, attempts: attemptOf(e) ?? want.get(e.step)?.attempts });
  }
  if (!want.size) return steps;
  let changed = false;
  const out = steps.map((s) => {
    const w = want.get(s.id);
    if (!w) return s;
    const attempts = w.attempts ?? s.attempts;
    if (w.status === s.status && attempts === s.attempts) return s;
    changed = true;
    return { ...s, status: w.status, attempts };
  });
  return changed ? out : steps;
}

export interface LiveProgress {
  percent: number;
  stage: number;
  stages: number;
  finished: number;
  total: number;
}

function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

// The progress figures an event carries (the engine adds them to the event that moves them).
export function progressOf(e: StreamEvent): LiveProgress | undefined {
  const p = e.payload["progress"];
  if (typeof p !== "object" || p === null) return undefined;
  const r: Record<string, unknown> = { ...p };
  const [percent, stage, stages, finished, total] = [r["percent"], r["stage"], r["stages"], r["finished"], r["total"]];
  if (!isNum(percent) || !isNum(stage) || !isNum(stages) || !isNum(finished) || !isNum(total)) return undefined;
  return { percent, stage, stages, finished, total };
}

// A percent for a person: rounded down, so it says 100% only when everything has finished.
export function percentText(p: number): string {
  return `${p >= 100 ? 100 : Math.floor(p)}%`;
}
