// Live progress of running steps (step_progress notices): the latest notice of each step, shown
// on its node and in its panel only while the step runs. Pure, so it is unit-tested without a
// browser; useExecution keeps the map and applies a frame's notices at once.
import type { Step, StepProgress } from "../api/client";

export type LiveMap = ReadonlyMap<string, StepProgress>;

export const NO_LIVE: LiveMap = new Map();

// `live` with `notices` (in arrival order) applied: each step keeps its latest notice; notices
// of another execution are ignored. The same map when nothing changes.
export function applyProgress(live: LiveMap, notices: StepProgress[], executionId: string): LiveMap {
  let out: Map<string, StepProgress> | null = null;
  for (const n of notices) {
    if (n.execution_id !== executionId) continue;
    out ??= new Map(live);
    out.set(n.step_id, n);
  }
  return out ?? live;
}

// `live` without the notices of steps that no longer run (their result replaces them). The same
// map when nothing is dropped.
export function pruneLive(live: LiveMap, steps: Step[]): LiveMap {
  if (live.size === 0) return live;
  const running = new Set(steps.filter((s) => s.status === "running").map((s) => s.id));
  let out: Map<string, StepProgress> | null = null;
  for (const id of live.keys()) {
    if (running.has(id)) continue;
    out ??= new Map(live);
    out.delete(id);
  }
  return out ?? live;
}

// What a node shows of a running step's notice: sampling steps for images, characters written
// for text; undefined when the step is not running or has reported nothing.
export type NodeLive = { chars?: number; value?: number; max?: number };
export function nodeLive(step: Step | undefined, live: LiveMap): NodeLive | undefined {
  if (!step || step.status !== "running") return undefined;
  const n = live.get(step.id);
  if (!n) return undefined;
  if (n.max !== undefined && n.max > 0) return { value: n.value ?? 0, max: n.max };
  if (n.chars !== undefined) return { chars: n.chars };
  return undefined;
}
