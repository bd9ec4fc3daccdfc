// Live updates over the server's Server-Sent Events, with the session cookie (EventSource sends
// it; the key is never in the URL). EventSource reconnects by itself and resumes with
// Last-Event-ID, so no event is missed or doubled; the state says when it is reconnecting.
import { useEffect, useRef, useState } from "react";
import type { StepProgress, StreamEvent } from "./api/client";

// Every event type the engine writes: EventSource delivers a named event only to a listener for
// that name.
export const EVENT_TYPES = [
  "execution_created", "execution_started", "execution_waiting", "execution_paused",
  "execution_resumed", "execution_completed", "execution_failed", "execution_stopped",
  "execution_interrupted", "execution_recovered", "execution_reopened", "execution_retried",
  "step_started", "step_succeeded", "step_failed", "step_retrying", "step_skipped",
  "step_cancelled", "step_recovered", "step_released", "step_reset", "step_stale",
  "step_regenerating", "step_tweaked", "step_reverted", "step_attachments_changed",
  "approval_requested", "approval_decided", "milestone_reached", "milestone_marked",
] as const;

// "ended": the server ended the stream for good (a finished execution's stream answers 204 to a
// reconnection), so EventSource will not reconnect by itself.
export type StreamState = "connecting" | "live" | "reconnecting" | "ended";

function isStreamEvent(e: unknown): e is StreamEvent {
  if (typeof e !== "object" || e === null) return false;
  const r: Record<string, unknown> = { ...e };
  return (
    typeof r["type"] === "string" &&
    typeof r["execution_id"] === "string" &&
    typeof r["seq"] === "number" &&
    typeof r["gid"] === "number"
  );
}

export function parseEvent(data: string): StreamEvent | null {
  try {
    const e: unknown = JSON.parse(data);
    return isStreamEvent(e) ? e : null;
  } catch {
    return null; // a malformed line is skipped
  }
}

// A step_progress notice: a running step's latest live progress. Not an event of the log (it
// has no id and no seq); the step's own events replace it.
function isProgress(p: unknown): p is StepProgress {
  if (typeof p !== "object" || p === null) return false;
  const r: Record<string, unknown> = { ...p };
  if (typeof r["execution_id"] !== "string" || typeof r["step_id"] !== "string" || typeof r["at"] !== "string") return false;
  for (const k of ["chars", "value", "max", "item"]) if (k in r && typeof r[k] !== "number") return false;
  return !("text" in r) || typeof r["text"] === "string";
}

export function parseProgress(data: string): StepProgress | null {
  try {
    const p: unknown = JSON.parse(data);
    return isProgress(p) ? p : null;
  } catch {
    return null; // a malformed line is skipped
  }
}

// A new `generation` opens the stream again (after it "ended") even when `url` is unchanged.
// `onProgress`, when given, receives the stream's step_progress notices.
export function useEventStream(
  url: string | null,
  onEvent: (e: StreamEvent) => void,
  generation = 0,
  onProgress?: (p: StepProgress) => void,
): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const progressHandler = useRef(onProgress);
  progressHandler.current = onProgress;

  useEffect(() => {
    if (!url) return;
    const source = new EventSource(url);
    const listener = (m: MessageEvent<string>) => {
      const e = parseEvent(m.data);
      if (e) handler.current(e);
    };
    for (const t of EVENT_TYPES) source.addEventListener(t, listener);
    source.addEventListener("step_progress", (m: MessageEvent<string>) => {
      const p = parseProgress(m.data);
      if (p) progressHandler.current?.(p);
    });
    source.onmessage = listener;
    source.onopen = () => setState("live");
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "ended" : "reconnecting");
    return () => source.close();
  }, [url, generation]);
  return state;
}
