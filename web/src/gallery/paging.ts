// Paging the artifacts list, which is ordered oldest first and continues from a time
// (`created_after`). The next page starts a millisecond before the last item seen, so artifacts
// made in the same millisecond as it are not skipped; the overlap is removed by id.
import type { Schemas } from "../api/client";

export type Artifact = Schemas["Artifact"];

export function nextAfter(page: Artifact[]): string | null {
  const last = page[page.length - 1]?.created_at;
  if (!last) return null;
  const t = new Date(last).getTime();
  return Number.isNaN(t) ? last : new Date(t - 1).toISOString();
}

// `list` followed by the items of `page` it does not hold yet.
export function mergeArtifacts(list: Artifact[], page: Artifact[]): Artifact[] {
  const known = new Set(list.map((a) => a.id));
  const added = page.filter((a) => !known.has(a.id));
  return added.length ? [...list, ...added] : list;
}

export function newestFirst(list: Artifact[]): Artifact[] {
  return [...list].sort((a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? "") || b.id.localeCompare(a.id));
}
