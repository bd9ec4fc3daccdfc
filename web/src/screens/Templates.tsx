// Templates: the catalog, and a launch form generated from the chosen template's typed inputs.
import { useEffect, useState, type FormEvent } from "react";
import { api, describeError, type Schemas, type Template, type TemplateSummary } from "../api/client";
import { initialText, parseInputs, type FieldErrors } from "../launchForm";

interface Props {
  role: Schemas["Role"];
  onLaunched: (executionId: string) => void;
}

export function Templates({ role, onLaunched }: Props) {
  const [items, setItems] = useState<TemplateSummary[]>([]);
  const [chosen, setChosen] = useState<Template | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    void (async () => {
      const { data, error: err, response } = await api.GET("/api/v1/templates", {
        params: { query: { limit: 1000 } },
      });
      if (data) setItems(data.items);
      else setError(describeError(err, response));
    })();
  }, []);

  async function choose(id: string) {
    const { data, error: err, response } = await api.GET("/api/v1/templates/{id}", {
      params: { path: { id } },
    });
    if (data) setChosen(data);
    else setError(describeError(err, response));
  }

  return (
    <section aria-labelledby="templates-title">
      <h2 id="templates-title">Templates</h2>
      {error && <p role="alert">{error}</p>}
      <ul className="cards">
        {items.map((t) => (
          <li key={t.id} className="card">
            <h3>{t.name}</h3>
            <p className="category">{t.category}</p>
            <p>{t.description}</p>
            <button onClick={() => void choose(t.id)}>Launch…</button>
          </li>
        ))}
      </ul>
      {chosen && (
        <LaunchForm template={chosen} role={role} onCancel={() => setChosen(null)} onLaunched={onLaunched} />
      )}
    </section>
  );
}

function LaunchForm({
  template,
  role,
  onCancel,
  onLaunched,
}: {
  template: Template;
  role: Schemas["Role"];
  onCancel: () => void;
  onLaunched: (id: string) => void;
}) {
  const specs = template.definition.inputs ?? {};
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, initialText(s)])),
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const canLaunch = role !== "viewer";

  async function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = parseInputs(specs, texts);
    setErrors(parsed.errors);
    if (Object.keys(parsed.errors).length > 0) return;
    setBusy(true);
    const { data, error: err, response } = await api.POST("/api/v1/executions", {
      body: { template_id: template.id, version: template.version, inputs: parsed.inputs },
    });
    setBusy(false);
    if (data) {
      onLaunched(data.id);
      return;
    }
    const field = err?.error.details["field"];
    if (typeof field === "string" && field.startsWith("inputs.")) {
      setErrors({ [field.slice("inputs.".length)]: err?.error.message ?? "" });
    }
    setError(describeError(err, response));
  }

  return (
    <form className="launch" onSubmit={submit} aria-labelledby="launch-title">
      <h3 id="launch-title">Launch {template.name}</h3>
      {Object.entries(specs).map(([name, spec]) => (
        <div key={name} className="field">
          <label htmlFor={`in-${name}`}>
            {name}
            {spec.required && spec.default === undefined && <span aria-label="required"> *</span>}
          </label>
          {spec.description && <small id={`in-${name}-help`}>{spec.description}</small>}
          <input
            id={`in-${name}`}
            value={texts[name] ?? ""}
            aria-describedby={spec.description ? `in-${name}-help` : undefined}
            aria-invalid={errors[name] ? true : undefined}
            onChange={(e) => setTexts({ ...texts, [name]: e.target.value })}
          />
          {errors[name] && <span className="field-error">{`${name} ${errors[name]}`}</span>}
        </div>
      ))}
      {error && <p role="alert">{error}</p>}
      <button
        type="submit"
        disabled={busy || !canLaunch}
        title={canLaunch ? undefined : "Your key has the viewer role: launching needs editor"}
      >
        Launch
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
