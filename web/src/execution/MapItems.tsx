// A map's current items in a virtualised list (a map may have thousands): only the rows in view
// are in the page. A row opens the item's panel.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import type { Step } from "../api/client";

const ROW = 30;

export function MapItems({ steps, mapId, onOpen }: { steps: Step[]; mapId: string; onOpen: (id: string) => void }) {
  const items = useMemo(() => steps.filter((s) => s.parent === mapId), [steps, mapId]);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 8 });
  return (
    <section aria-label="Map items">
      <h4>
        Items ({items.filter((s) => s.status === "succeeded").length} of {items.length} succeeded)
      </h4>
      <div ref={scroller} className="map-items" role="list" aria-label={`Items of ${mapId}`}>
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {v.getVirtualItems().map((row) => {
            const s = items[row.index];
            if (!s) return null;
            return (
              <div
                key={s.id}
                role="listitem"
                className="map-item"
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${row.start}px)` }}
              >
                <button className="link" onClick={() => onOpen(s.id)}>
                  {s.label}
                </button>{" "}
                <span className={`status status-${s.status}`}>{s.status}</span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
