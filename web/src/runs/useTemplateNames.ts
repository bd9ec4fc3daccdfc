// The workspace's templates, read once (one list call, whatever the number of runs), for the
// names the Runs list shows and the template filter offers.
import { useEffect, useMemo, useState } from "react";
import { api, type TemplateSummary } from "../api/client";

export function useTemplateNames(): { names: ReadonlyMap<string, string>; templates: TemplateSummary[] } {
  const [templates, setTemplates] = useState<TemplateSummary[]>([]);
  useEffect(() => {
    let live = true;
    void (async () => {
      const all: TemplateSummary[] = [];
      let cursor: string | null = null;
      do {
        const query: { limit: number; cursor?: string } = cursor ? { limit: 500, cursor } : { limit: 500 };
        const { data } = await api.GET("/api/v1/templates", { params: { query } });
        if (!data) break;
        all.push(...data.items);
        cursor = data.next_cursor;
      } while (cursor && live);
      if (live) setTemplates(all);
    })();
    return () => {
      live = false;
    };
  }, []);
  const names = useMemo(() => new Map(templates.map((t) => [t.id, t.name])), [templates]);
  return { names, templates };
}
