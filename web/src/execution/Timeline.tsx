// The timeline tab: one bar per step, split into waiting (from when it could start to when it
// started) and running (to when it finished), with why it waited, so a person sees why a job is
// slow.
import { useMemo } from "react";
import type { ExecutionDetail, Schemas, Step, StreamEvent } from "../api/client";
import { buildTimeline, timelineSpan } from "./timeline";

function fmt(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

interface Props {
  def: Schemas["TemplateDefinition"];
  exec: ExecutionDetail;
  steps: Step[];
  events: StreamEvent[];
}

export function Timeline({ def, exec, steps, events }: Props) {
  const rows = useMemo(() => buildTimeline(def, exec, steps, events), [def, exec, steps, events]);
  const now = Date.now();
  const span = timelineSpan(rows, now);
  const pct = (t: number) => ((t - span.from) / (span.to - span.from)) * 100;
  return (
    <section aria-label="Timeline" className="timeline">
      <p className="muted">
        {fmt(span.to - span.from)} from the first step becoming ready to the last thing that happened. Striped: waiting to
        start; solid: running{rows.some((r) => r.person) ? "; yellow: waiting for a person" : ""}.
      </p>
      <ol className="timeline-rows">
        {rows.map((r) => {
          const end = r.finishedAt ?? (r.startedAt !== null ? now : null);
          const wait = r.readyAt !== null && r.startedAt !== null ? r.startedAt - r.readyAt : r.readyAt !== null ? now - r.readyAt : 0;
          const run = r.startedAt !== null && end !== null ? end - r.startedAt : 0;
          const desc = [
            r.readyAt !== null ? `waited ${fmt(Math.max(wait, 0))}` : "not ready yet",
            r.startedAt !== null ? `${r.person ? "waited for a person" : "ran"} ${fmt(run)}` : "",
          ]
            .filter(Boolean)
            .join(", ");
          return (
            <li key={r.id} className="timeline-row" data-step={r.id}>
              <div className="timeline-label">
                <strong>{r.label}</strong> <span className={`status status-${r.status}`}>{r.status}</span>
                <div className="muted">
                  {desc}
                  {r.reasons.length > 0 && <span className="timeline-reason"> · {r.reasons.join("; ")}</span>}
                  {r.items && r.items.queued > 0 && (
                    <span className="timeline-reason">
                      {" "}
                      · {r.items.queued} of {r.items.total} items waited for a free slot of the map (up to {fmt(r.items.longestWait)})
                    </span>
                  )}
                </div>
              </div>
              <div className="timeline-track" aria-hidden="true">
                {r.readyAt !== null && (
                  <span
                    className="bar bar-wait"
                    style={{ left: `${pct(r.readyAt)}%`, width: `${Math.max(pct(r.startedAt ?? now) - pct(r.readyAt), 0.3)}%` }}
                  />
                )}
                {r.startedAt !== null && end !== null && (
                  <span
                    className={`bar ${r.person ? "bar-person" : "bar-run"}`}
                    style={{ left: `${pct(r.startedAt)}%`, width: `${Math.max(pct(end) - pct(r.startedAt), 0.3)}%` }}
                  />
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
