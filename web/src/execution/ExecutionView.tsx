// One execution: its graph coloured by step status, progress, stage, tokens and cost; the
// execution's actions and, once it has a result, what next; decisions on waiting steps; a panel
// for the step a person opens (from the graph or the list); the timeline and the event log. Live
// from the execution's event stream (useExecution): no polling.
import "./execution.css";
import { useCallback, useMemo, useState } from "react";
import type { Schemas, StreamEvent } from "../api/client";
import { Controls } from "./Controls";
import { Decision } from "./Decision";
import { EventLog } from "./EventLog";
import { ExecutionGraph } from "./ExecutionGraph";
import { StepPanel } from "./StepPanel";
import { Timeline } from "./Timeline";
import { percentText } from "./events";
import { isResult } from "./steer";
import { useNodeTypes } from "./nodeTypes";
import { ViewLink } from "../ViewLink";
import { useExecution } from "./useExecution";

interface Props {
  id: string;
  role: Schemas["Role"];
}

type Tab = "graph" | "timeline" | "events";
const TABS: { id: Tab; label: string }[] = [
  { id: "graph", label: "Graph" },
  { id: "timeline", label: "Timeline" },
  { id: "events", label: "Events" },
];

export function ExecutionView({ id, role }: Props) {
  const { exec, steps, def, events, live, error, stream, refresh } = useExecution(id);
  const types = useNodeTypes();
  const [tab, setTab] = useState<Tab>("graph");
  const [open, setOpen] = useState<string | null>(null);
  const onOpen = useCallback((stepId: string) => setOpen(stepId), []);
  const traitsOf = useCallback((type: string) => types.get(type)?.traits, [types]);
  const top = useMemo(() => steps.filter((s) => !s.parent), [steps]);
  const listed = top;
  const waiting = top.filter((s) => s.status === "waiting" && traitsOf(s.type)?.waits_for_person !== false);
  const selected = open ? steps.find((s) => s.id === open) : undefined;
  // The latest request for a decision on each step (its message and the content to judge).
  const requests = useMemo(() => {
    const m = new Map<string, StreamEvent>();
    for (const e of events) if (e.type === "approval_requested" && e.step) m.set(e.step, e);
    return m;
  }, [events]);
  const isMap = (type: string) => types.get(type)?.kind === "map";
  // The server ends a finished execution's stream: that is not a dropped connection.
  const shownStream = stream === "reconnecting" && exec && isResult(exec.status) ? "ended" : stream;

  return (
    <section aria-labelledby="exec-title" className="execution">
      <h2 id="exec-title">
        {exec?.template.name ?? "Execution"} <small>{id}</small>
      </h2>
      {shownStream === "reconnecting" && (
        <p className="reconnecting" role="status">
          Reconnecting…
        </p>
      )}
      {error && <p role="alert">{error}</p>}
      {exec && (
        <p className="summary">
          <span className={`status status-${exec.status}`} data-testid="execution-status">
            {exec.status}
          </span>{" "}
          <progress max={100} value={exec.progress.percent} aria-label="progress" />{" "}
          <span data-testid="percent">{percentText(exec.progress.percent)}</span> · <span data-testid="stage">{exec.stage}</span> ·{" "}
          {exec.progress.finished} of {exec.progress.total} steps · {exec.totals.input_tokens + exec.totals.output_tokens} tokens · cost{" "}
          {exec.totals.cost}
          {exec.reason && exec.status !== "failed" && <span className="muted"> · {exec.reason}</span>}
        </p>
      )}
      {exec?.forked_from && (
        <p className="forked-from">
          Forked from{" "}
          <ViewLink to={{ kind: "execution", id: exec.forked_from.execution_id }}>
            {exec.forked_from.execution_id}
          </ViewLink>{" "}
          at step <code>{exec.forked_from.step}</code>
        </p>
      )}
      {exec?.status === "failed" && exec.error && <ExecError error={exec.error} onOpen={onOpen} />}
      {exec && <Controls exec={exec} role={role} onDone={refresh} />}
      {waiting.map((s) => (
        <Decision key={s.id} executionId={id} step={s} role={role} request={requests.get(s.id)} onDone={refresh} />
      ))}

      <div role="tablist" aria-label="Execution views" className="tabs">
        {TABS.map((t) => (
          <button
            key={t.id}
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => {
              const i = TABS.findIndex((x) => x.id === tab);
              const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
              if (!d) return;
              const next = TABS[(i + d + TABS.length) % TABS.length];
              if (next) {
                setTab(next.id);
                document.getElementById(`tab-${next.id}`)?.focus();
              }
            }}
          >
            {t.label}
          </button>
        ))}
      </div>

      <div className={`execution-body${selected ? " with-panel" : ""}`}>
        <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="execution-main">
          {tab === "graph" && (
            <>
              {def && <ExecutionGraph def={def} steps={steps} live={live} onOpen={onOpen} />}
              <ul className="steps" aria-label="Steps">
                {listed.map((s) => (
                  <li key={s.id} data-step={s.id} data-status={s.status}>
                    <button className="link" onClick={() => setOpen(s.id)} aria-pressed={open === s.id}>
                      {s.label}
                    </button>{" "}
                    <span className={`status status-${s.status}`}>{s.status}</span>
                    {s.error && typeof s.error["code"] === "string" && <small className="field-error"> {s.error["code"]}</small>}
                  </li>
                ))}
              </ul>
            </>
          )}
          {tab === "timeline" && def && exec && <Timeline def={def} exec={exec} steps={steps} events={events} />}
          {tab === "events" && <EventLog events={events} stream={shownStream} />}
        </div>
        {selected && def && (
          <StepPanel
            key={selected.id}
            executionId={id}
            exec={exec ?? undefined}
            def={def}
            steps={steps}
            step={selected}
            live={selected.status === "running" ? live.get(selected.id) : undefined}
            role={role}
            traitsOf={traitsOf}
            isMap={isMap(selected.type)}
            onOpen={onOpen}
            onClose={() => setOpen(null)}
            onCommand={refresh}
          />
        )}
      </div>
    </section>
  );
}

// Why the execution failed: the error's class, its message and the step, which opens.
function ExecError({ error, onOpen }: { error: Record<string, unknown>; onOpen: (id: string) => void }) {
  const code = typeof error["code"] === "string" ? error["code"] : "error";
  const message = typeof error["message"] === "string" ? error["message"] : "";
  const step = typeof error["step"] === "string" ? error["step"] : "";
  return (
    <p className="step-error" data-testid="execution-error">
      Failed{step ? " at " : ""}
      {step && (
        <button className="link" onClick={() => onOpen(step)}>
          {step}
        </button>
      )}
      : <code>{code}</code> {message}
    </p>
  );
}
