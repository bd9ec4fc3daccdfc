// One template's definition (its typed inputs), read when the Automations forms pick it.
import { useEffect, useState } from "react";
import { api, describeError, type Template } from "../api/client";

export function useTemplate(id: string): { template: Template | null; error: string } {
  const [template, setTemplate] = useState<Template | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setTemplate(null);
    setError("");
    if (!id) return;
    let live = true;
    void api.GET("/api/v1/templates/{id}", { params: { path: { id } } }).then(({ data, error: err, response }) => {
      if (!live) return;
      if (data) setTemplate(data);
      else setError(`The template's inputs could not be read: ${describeError(err, response)}`);
    });
    return () => {
      live = false;
    };
  }, [id]);
  return { template, error };
}
