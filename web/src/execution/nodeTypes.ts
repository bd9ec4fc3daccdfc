// The node types' traits (GET /api/v1/node-types), fetched once per page: which steps are
// generative (tweak, regenerate) or rebuildable (regenerate) comes from here, not from type names.
import { useEffect, useState } from "react";
import { api, type Schemas } from "../api/client";

let cached: Promise<Map<string, Schemas["NodeType"]>> | null = null;

function load(): Promise<Map<string, Schemas["NodeType"]>> {
  cached ??= api.GET("/api/v1/node-types").then(({ data }) => {
    if (!data) {
      cached = null; // try again next time
      return new Map();
    }
    return new Map(data.items.map((t) => [t.name, t]));
  });
  return cached;
}

export function useNodeTypes(): Map<string, Schemas["NodeType"]> {
  const [types, setTypes] = useState<Map<string, Schemas["NodeType"]>>(new Map());
  useEffect(() => {
    let live = true;
    void load().then((m) => live && setTypes(m));
    return () => {
      live = false;
    };
  }, []);
  return types;
}
