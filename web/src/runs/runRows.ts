// The Runs list's rows and how the workspace's event stream moves them. Events carry progress
// figures where progress changed and say what happened to the status, so most events update a
// row in place; the few whose outcome the event alone does not tell (a retry, a recovery, a
// failure's reason) ask for that one row to be read again.
import type { ExecutionDetail, Schemas, StreamEvent } from "../api/client";

export type ExecutionRow = Schemas["ExecutionRow"];

export type RunStatus = Schemas["ExecutionStatus"];

export interface RunProgress {
  percent: number;
  stage: number;
  stages: number;
}

export interface RunRow {
  id: string;
  templateId: string;
  // null only until a new run's template is known; never shown as the id.
  templateName: string | null;
  status: RunStatus;
  reason: string;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  progress: RunProgress | null;
  // Credits spent so far; null when not known yet.
  cost: number | null;
  // The last workspace event applied (its gid), so a replayed event is not applied twice.
  gid: number;
}

// What the bar shows: a completed run is at 100%, also when it had no step to count (the API
// answers 0% and stage 0 of 0 for a template of only start and end).
function shown(status: RunStatus, p: Schemas["Progress"]): RunProgress {
  return status === "completed" ? { percent: 100, stage: p.stages, stages: p.stages } : { percent: p.percent, stage: p.stage, stages: p.stages };
}

// A row of the list as the API answers it: the template's name, progress and cost come with it.
export function fromExecution(e: ExecutionRow): RunRow {
  return {
    id: e.id,
    templateId: e.template_id,
    templateName: e.template_name,
    status: e.status,
    reason: e.reason,
    createdAt: e.created_at,
    startedAt: e.started_at,
    finishedAt: e.finished_at,
    progress: shown(e.status, e.progress),
    cost: e.cost,
    gid: 0,
  };
}

export function fromDetail(d: ExecutionDetail, gid = 0): RunRow {
  return {
    id: d.id,
    templateId: d.template_id,
    templateName: d.template.name,
    status: d.status,
    reason: d.reason,
    createdAt: d.created_at,
    startedAt: d.started_at,
    finishedAt: d.finished_at,
    progress: shown(d.status, d.progress),
    cost: d.totals.cost,
    gid,
  };
}

function field(o: unknown, key: string): unknown {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return undefined;
  return Object.entries(o).find(([k]) => k === key)?.[1];
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

// The progress figures an event carries, if it carries them.
export function eventProgress(payload: unknown): RunProgress | null {
  const p = field(payload, "progress");
  const percent = num(field(p, "percent"));
  const stage = num(field(p, "stage"));
  const stages = num(field(p, "stages"));
  if (percent === null || stage === null || stages === null) return null;
  return { percent, stage, stages };
}

// What one step's event adds to the cost (a finished attempt's usage).
export function eventCost(payload: unknown): number {
  return num(field(field(payload, "usage"), "cost")) ?? 0;
}

// Events whose effect on the row only the server can tell: the row is read again.
const refetching = new Set([
  "execution_paused", // why: the reason (by a person, for credits)
  "execution_failed", // the reason
  "execution_interrupted",
  "execution_recovered",
  "execution_reopened",
  "execution_retried",
  "approval_decided",
]);

const terminal = new Set<RunStatus>(["completed", "failed", "stopped"]);

export interface Applied {
  row: RunRow;
  refetch: boolean;
}

// The row after `e` (an event of this row's execution).
export function applyEvent(row: RunRow, e: StreamEvent): Applied {
  if (e.gid <= row.gid) return { row, refetch: false };
  const next: RunRow = { ...row, gid: e.gid };
  const progress = eventProgress(e.payload);
  if (progress) next.progress = progress;
  if (e.type === "step_succeeded") {
    const c = eventCost(e.payload);
    if (c !== 0 || next.cost !== null) next.cost = (next.cost ?? 0) + c;
  }
  if (e.type.startsWith("step_") && next.status === "queued") {
    next.status = "running";
    next.startedAt = next.startedAt ?? e.ts;
  }
  switch (e.type) {
    case "execution_started":
    case "execution_resumed":
      next.status = "running";
      next.reason = "";
      next.startedAt = next.startedAt ?? e.ts;
      break;
    case "execution_waiting":
      next.status = "waiting";
      break;
    case "execution_completed":
      next.status = "completed";
      next.reason = "";
      next.finishedAt = e.ts;
      next.progress = { percent: 100, stage: (progress ?? next.progress)?.stages ?? 0, stages: (progress ?? next.progress)?.stages ?? 0 };
      break;
    case "execution_stopped":
      next.status = "stopped";
      next.finishedAt = e.ts;
      break;
  }
  return { row: next, refetch: refetching.has(e.type) && !(terminal.has(row.status) && e.type === "approval_decided") };
}

// A new row from an `execution_created` event (its payload names the template), or null when the
// payload does not say enough.
export function rowFromCreated(e: StreamEvent): RunRow | null {
  if (e.type !== "execution_created") return null;
  const templateId = field(e.payload, "template_id");
  const templateName = field(e.payload, "template_name");
  if (typeof templateId !== "string") return null;
  return {
    id: e.execution_id,
    templateId,
    templateName: typeof templateName === "string" ? templateName : null,
    status: "queued",
    reason: "",
    createdAt: e.ts,
    startedAt: null,
    finishedAt: null,
    progress: null,
    cost: null,
    gid: e.gid,
  };
}

// The list after a fresh read of its first page. `changed` holds the runs the stream changed
// while the read was in flight (true: the event created the row): the read may predate those
// events, so such a row keeps its state from the stream, and a run created then that the page
// does not hold stays on top instead of vanishing until the next read.
export function mergeRead(list: RunRow[], page: RunRow[], changed: ReadonlyMap<string, boolean>): RunRow[] {
  if (changed.size === 0) return page;
  const current = new Map(list.map((r) => [r.id, r]));
  const inPage = new Set(page.map((r) => r.id));
  const created = list.filter((r) => changed.get(r.id) === true && !inPage.has(r.id));
  return [...created, ...page.map((r) => (changed.has(r.id) ? current.get(r.id) ?? r : r))];
}

export interface RunFilters {
  status: RunStatus | "";
  templateId: string;
  // "1h", "24h", "7d", "30d" or "" (any time)
  range: string;
}

export const RANGES: ReadonlyArray<{ value: string; label: string; ms: number }> = [
  { value: "", label: "Any time", ms: 0 },
  { value: "1h", label: "Last hour", ms: 3600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86400_000 },
  { value: "30d", label: "Last 30 days", ms: 30 * 86400_000 },
];

// The list query for `f`, with times relative to `now`.
export function filterQuery(f: RunFilters, now: number) {
  const ms = RANGES.find((r) => r.value === f.range)?.ms ?? 0;
  return {
    ...(f.status ? { status: f.status } : {}),
    ...(f.templateId ? { template_id: f.templateId } : {}),
    ...(ms ? { created_after: new Date(now - ms).toISOString() } : {}),
  };
}

// Whether a row just created belongs in a list filtered by `f`.
export function matchesNew(row: RunRow, f: RunFilters): boolean {
  return (!f.status || f.status === row.status) && (!f.templateId || f.templateId === row.templateId);
}

// What a person reads for a row's stage: "stage 2 of 4"; "" when not known.
export function stageText(p: RunProgress | null): string {
  return p && p.stages > 0 ? `stage ${p.stage} of ${p.stages}` : "";
}

// Why a run is not moving, in words: a queued job's wait, a pause's cause.
export function waitingReason(row: Pick<RunRow, "status" | "reason">): string {
  const known: Record<string, string> = {
    insufficient_credits: "waiting for credits: the balance does not cover the next step",
    rate_limited: "waiting for the provider's rate limit",
    queue: "waiting for a free worker",
  };
  if (row.reason) return known[row.reason] ?? row.reason.replaceAll("_", " ");
  if (row.status === "queued") return "waiting for a free worker";
  if (row.status === "waiting") return "waiting for a person's decision";
  return "";
}
