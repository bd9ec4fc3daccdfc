// The template catalog as the Templates screen shows it: searched and grouped by category.
import type { TemplateSummary } from "../api/client";

export function matchesSearch(t: Pick<TemplateSummary, "name" | "description" | "category">, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = `${t.name} ${t.description} ${t.category.replaceAll("_", " ")}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

export interface CategoryGroup<T> {
  category: string;
  templates: T[];
}

// Categories in name order, templates by name inside each; no category is "other".
export function groupByCategory<T extends Pick<TemplateSummary, "name" | "category">>(items: T[]): CategoryGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const t of items) {
    const c = t.category || "other";
    const list = groups.get(c) ?? [];
    list.push(t);
    groups.set(c, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, templates]) => ({ category, templates: templates.sort((a, b) => a.name.localeCompare(b.name)) }));
}
