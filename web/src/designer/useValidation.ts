// Live validation: a moment after the template stops changing, POST /api/v1/templates/validate
// checks it with the server's own rules and the problems are handed back, placed on what they
// name. Moving nodes does not ask again (positions are never wrong), and an answer that arrives
// after a newer question is dropped.
import { useEffect, useRef, useState } from "react";
import { api, describeError } from "../api/client";
import { fromFlow } from "./model";
import { mapProblems, type MappedProblems } from "./problems";
import type { Definition, DesignEdge, DesignNode, Meta } from "./types";

export const VALIDATE_DELAY_MS = 400;

export type ValidationState = { checking: boolean; error: string };

function withoutPositions(def: Definition): string {
  return JSON.stringify({ ...def, nodes: def.nodes.map(({ position: _, ...n }) => n) });
}

export function useValidation(
  meta: Meta,
  nodes: DesignNode[],
  edges: DesignEdge[],
  onResult: (problems: MappedProblems) => void,
): ValidationState {
  const [state, setState] = useState<ValidationState>({ checking: true, error: "" });
  const last = useRef("");
  const asked = useRef(0);
  const report = useRef(onResult);
  report.current = onResult;

  useEffect(() => {
    const timer = window.setTimeout(() => {
      const def = fromFlow(meta, nodes, edges);
      const key = withoutPositions(def);
      if (key === last.current) return;
      last.current = key;
      const mine = ++asked.current;
      setState((s) => (s.checking ? s : { ...s, checking: true }));
      void api.POST("/api/v1/templates/validate", { body: def }).then(({ data, error, response }) => {
        if (mine !== asked.current) return;
        if (data) {
          setState({ checking: false, error: "" });
          report.current(mapProblems(data.errors, def));
        } else {
          last.current = "";
          setState({ checking: false, error: `Could not check the template: ${describeError(error, response)}` });
        }
      });
    }, VALIDATE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [meta, nodes, edges]);

  return state;
}
