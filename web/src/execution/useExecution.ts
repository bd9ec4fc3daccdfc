// One execution's live state: the execution, its steps and its event log, kept current by its
// event stream. Events are applied to what the page shows in the next animation frame (a burst
// of events is one render), and the steps are refetched at most once per frame and never twice
// at once; a refetch answer is overlaid with the events that arrived after it was asked for, so a
// slower answer never takes a colour back. Running steps' live progress (step_progress notices)
// is applied in the same frame, kept only while each step runs.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, describeError, type ExecutionDetail, type Schemas, type Step, type StepProgress, type StreamEvent } from "../api/client";
import { useEventStream, type StreamState } from "../live";
import { appendEvents, applyEvents, progressOf } from "./events";
import { frameScheduler, type FrameScheduler } from "./frame";
import { applyProgress, NO_LIVE, pruneLive, type LiveMap } from "./liveProgress";
import { isResult } from "./steer";

const EXEC_STATUS = new Set<string>(["queued", "running", "paused", "waiting", "completed", "failed", "stopped"]);

function isExecStatus(v: unknown): v is ExecutionDetail["status"] {
  return typeof v === "string" && EXEC_STATUS.has(v);
}

// The execution with what `events` say about its status and progress applied.
export function applyExecEvents(exec: ExecutionDetail, events: StreamEvent[]): ExecutionDetail {
  let out = exec;
  for (const e of events) {
    const to = e.payload["to"];
    if (!e.step && e.type.startsWith("execution_") && isExecStatus(to) && to !== out.status) out = { ...out, status: to };
    const p = progressOf(e);
    if (p) {
      out = {
        ...out,
        progress: { ...out.progress, ...p },
        stage: `stage ${p.stage} of ${p.stages}`,
      };
    }
  }
  return out;
}

export interface ExecutionState {
  exec: ExecutionDetail | null;
  steps: Step[];
  def: Schemas["TemplateDefinition"] | null;
  events: StreamEvent[];
  // The latest live progress of each running step, by step id.
  live: LiveMap;
  error: string;
  stream: StreamState;
  // Refetch now (after a command), and reopen the stream if the server had ended it.
  refresh: () => void;
}

export function useExecution(id: string): ExecutionState {
  const [exec, setExec] = useState<ExecutionDetail | null>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const [def, setDef] = useState<Schemas["TemplateDefinition"] | null>(null);
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [live, setLive] = useState<LiveMap>(NO_LIVE);
  const [error, setError] = useState("");
  // The stream resumes from here when it is reopened (after the server ended it).
  const [resume, setResume] = useState<{ after: number | null; generation: number }>({ after: null, generation: 0 });

  const received = useRef<StreamEvent[]>([]); // every event, in seq order
  const pending = useRef<StreamEvent[]>([]); // received, not yet applied
  const pendingLive = useRef<StepProgress[]>([]); // notices received, not yet applied
  const lastSeq = useRef(0);

  // Made in the effect (and cancelled by its cleanup), so a remount, such as React's StrictMode
  // check in development, gets working ones.
  const fetcher = useRef<FrameScheduler | null>(null);
  const flusher = useRef<FrameScheduler | null>(null);

  useEffect(() => {
    const path = { params: { path: { id } } };
    const f = frameScheduler(async () => {
      const asked = lastSeq.current;
      const [e, s] = await Promise.all([
        api.GET("/api/v1/executions/{id}", path),
        api.GET("/api/v1/executions/{id}/steps", path),
      ]);
      const later = received.current.filter((ev) => ev.seq > asked);
      if (e.data) {
        setExec(applyExecEvents(e.data, later));
        setError("");
      } else setError(describeError(e.error, e.response));
      if (s.data) setSteps(applyEvents(s.data.items, later));
    });
    const fl = frameScheduler(async () => {
      const notices = pendingLive.current;
      if (notices.length) {
        pendingLive.current = [];
        setLive((l) => applyProgress(l, notices, id));
      }
      const batch = pending.current;
      if (!batch.length) return;
      pending.current = [];
      setEvents((log) => appendEvents(log, batch));
      setSteps((st) => applyEvents(st, batch));
      setExec((ex) => (ex ? applyExecEvents(ex, batch) : ex));
    });
    fetcher.current = f;
    flusher.current = fl;
    f.request();
    if (pending.current.length) fl.request();
    return () => {
      f.cancel();
      fl.cancel();
      fetcher.current = null;
      flusher.current = null;
    };
  }, [id]);

  useEffect(() => {
    if (!exec || def) return;
    void api
      .GET("/api/v1/templates/{id}", {
        params: { path: { id: exec.template_id }, query: { version: exec.template_version } },
      })
      .then(({ data, error: err, response }) => {
        if (data) setDef(data.definition);
        else setError(describeError(err, response));
      });
  }, [exec, def]);

  const onEvent = useCallback((e: StreamEvent) => {
    if (e.seq <= lastSeq.current) return; // a replay after a reconnection: already have it
    lastSeq.current = e.seq;
    received.current.push(e);
    pending.current.push(e);
    flusher.current?.request();
    fetcher.current?.request();
  }, []);

  // A notice changes one step's progress: applied in the next frame, with no refetch.
  const onProgress = useCallback((p: StepProgress) => {
    pendingLive.current.push(p);
    flusher.current?.request();
  }, []);

  // A step that stopped running drops its notice: its result (or failure) replaces it.
  useEffect(() => setLive((l) => pruneLive(l, steps)), [steps]);

  const base = `/api/v1/executions/${encodeURIComponent(id)}/events/stream`;
  const url = resume.after === null ? base : `${base}?after=${resume.after}`;
  const stream = useEventStream(url, onEvent, resume.generation, onProgress);

  const reopen = useCallback(() => setResume((r) => ({ after: lastSeq.current, generation: r.generation + 1 })), []);

  // The server ends a finished execution's stream; when the execution runs again (a tweak, a
  // retry, another tab's command), the stream is opened again from the last event seen.
  const status = exec?.status;
  useEffect(() => {
    if (stream !== "ended" || !status || isResult(status)) return;
    const t = window.setTimeout(reopen, 500);
    return () => window.clearTimeout(t);
  }, [stream, status, reopen]);

  const refresh = useCallback(() => {
    fetcher.current?.request();
    if (stream === "ended") reopen();
  }, [stream, reopen]);

  return { exec, steps, def, events, live, error, stream, refresh };
}
