// The node-type catalogue as the designer's components read it: by name, and grouped by kind for
// the palette. Loaded once per screen; given to the memoised node components through a context
// whose value never changes, so it re-renders none of them.
import { createContext, useContext } from "react";
import type { NodeField, NodeType, NodeTypeList } from "./types";

export interface Catalogue {
  types: NodeType[];
  byName: Map<string, NodeType>;
  common: NodeField[];
}

export function catalogueOf(list: NodeTypeList): Catalogue {
  return { types: list.items, byName: new Map(list.items.map((t) => [t.name, t])), common: list.common_fields };
}

const KIND_ORDER: NodeType["kind"][] = ["start", "task", "approval", "map", "subworkflow", "end"];
const KIND_LABEL: Record<NodeType["kind"], string> = {
  start: "Start",
  task: "Tasks",
  approval: "People",
  map: "Repeat",
  subworkflow: "Templates",
  end: "End",
};

// The palette's groups: node types whose name or summary contains `query`, by kind.
export function paletteGroups(types: NodeType[], query: string): { label: string; types: NodeType[] }[] {
  const q = query.trim().toLowerCase();
  const match = (t: NodeType) => !q || t.name.toLowerCase().includes(q) || t.summary.toLowerCase().includes(q);
  return KIND_ORDER.map((kind) => ({ label: KIND_LABEL[kind], types: types.filter((t) => t.kind === kind && match(t)) })).filter(
    (g) => g.types.length > 0,
  );
}

export const CatalogueContext = createContext<Catalogue>({ types: [], byName: new Map(), common: [] });

export function useCatalogue(): Catalogue {
  return useContext(CatalogueContext);
}
