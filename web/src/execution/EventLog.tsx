// The execution's events, oldest first and newest at the bottom, following the stream while the
// reader is at the bottom. A long log (a map of thousands of items) is virtualised; a short one is
// rendered whole.
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useLayoutEffect, useRef } from "react";
import type { StreamEvent } from "../api/client";
import type { StreamState } from "../live";

const ROW = 24;
const WHOLE = 400;

const Row = memo(function Row({ e }: { e: StreamEvent }) {
  const t = e.ts ? new Date(e.ts) : null;
  return (
    <>
      <span className="ev-seq">{e.seq}</span>
      <time dateTime={e.ts ?? undefined}>{t ? t.toLocaleTimeString(undefined, { hour12: false }) + "." + String(t.getMilliseconds()).padStart(3, "0") : ""}</time>
      <span className="ev-type">{e.type}</span>
      <span className="ev-step">{e.step ?? ""}</span>
    </>
  );
});

export function EventLog({ events, stream }: { events: StreamEvent[]; stream: StreamState }) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const big = events.length > WHOLE;
  const v = useVirtualizer({ count: big ? events.length : 0, getScrollElement: () => box.current, estimateSize: () => ROW, overscan: 10 });

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [events]);

  return (
    <section aria-label="Event log" className="event-log">
      <p className="muted">
        {events.length} events{stream === "reconnecting" ? " · Reconnecting…" : stream === "live" ? " · live" : ""}
      </p>
      <div
        ref={box}
        className="event-rows"
        role="log"
        aria-label="Events"
        tabIndex={0}
        onScroll={(ev) => {
          const el = ev.currentTarget;
          atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
        }}
      >
        {big ? (
          <div style={{ height: v.getTotalSize(), position: "relative" }}>
            {v.getVirtualItems().map((r) => {
              const e = events[r.index];
              return e ? (
                <div key={e.seq} className="ev" data-seq={e.seq} style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${r.start}px)` }}>
                  <Row e={e} />
                </div>
              ) : null;
            })}
          </div>
        ) : (
          events.map((e) => (
            <div key={e.seq} className="ev" data-seq={e.seq}>
              <Row e={e} />
            </div>
          ))
        )}
      </div>
    </section>
  );
}
