// The palette: every node type from the catalogue, grouped by kind and searchable. Drag one onto
// the canvas to place it there, or press it (Enter or a click) to add it in view.
import { useState } from "react";
import { paletteGroups, useCatalogue } from "./catalogue";

export const DRAG_MIME = "application/x-atelier-node-type";

export function Palette({ onAdd, disabled }: { onAdd: (type: string) => void; disabled: boolean }) {
  const { types } = useCatalogue();
  const [query, setQuery] = useState("");
  const groups = paletteGroups(types, query);
  return (
    <section className="palette" aria-label="Node types">
      <label htmlFor="palette-search">Search node types</label>
      <input id="palette-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="text, image, condition…" />
      {groups.length === 0 && <p className="muted">No node type matches “{query}”.</p>}
      {groups.map((g) => (
        <section key={g.label} aria-label={g.label}>
          <h4>{g.label}</h4>
          <ul>
            {g.types.map((t) => (
              <li key={t.name}>
                <button
                  type="button"
                  className="palette-item"
                  draggable={!disabled}
                  disabled={disabled}
                  title={`${t.summary} Drag onto the canvas, or press to add.`}
                  aria-label={`Add ${t.name}`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_MIME, t.name);
                    e.dataTransfer.effectAllowed = "move";
                  }}
                  onClick={() => onAdd(t.name)}
                >
                  <span className="palette-name">{t.name}</span>
                  <span className="palette-summary">{t.summary}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
