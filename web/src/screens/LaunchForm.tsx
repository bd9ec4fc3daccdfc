// The launch form of one template (/templates/ID/launch), generated from its typed inputs:
// required marks, defaults, lists (typed as JSON or filled from a CSV or JSON file, previewed
// before launch), the API's messages next to the field they concern, and one button. Launching
// goes to the execution; there is no second "Start". `?from=EXECUTION` fills it with that run's
// inputs (the execution view's "back").
import "./screens.css";
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { api, describeError, type InputSpec, type Schemas, type Template } from "../api/client";
import { fromInputs, parseInputs, type FieldErrors } from "../launchForm";
import { navigate } from "../nav";
import { EstimatePanel, type Estimate } from "../templates/EstimatePanel";
import { parseListFile, previewRows, type ListFile } from "../templates/listFile";

interface Props {
  templateId: string;
  from?: string | undefined;
  role: Schemas["Role"];
}

// The API's per-field messages (details.errors: [{field: "inputs.NAME", message}]).
function apiFieldErrors(details: Record<string, unknown> | undefined): FieldErrors {
  const out: FieldErrors = {};
  const list = details?.["errors"];
  if (!Array.isArray(list)) return out;
  for (const e of list) {
    if (typeof e !== "object" || e === null) continue;
    const m = new Map(Object.entries(e));
    const field = m.get("field");
    const message = m.get("message");
    if (typeof field === "string" && field.startsWith("inputs.") && typeof message === "string") {
      out[field.slice("inputs.".length)] = message;
    }
  }
  return out;
}

export function LaunchForm({ templateId, from, role }: Props) {
  const [template, setTemplate] = useState<Template | null>(null);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [files, setFiles] = useState<Record<string, ListFile>>({});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  // One key per filled-in form: a launch retried after a lost answer is not launched twice.
  const idempotency = useRef(crypto.randomUUID());
  const canLaunch = role !== "viewer";
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [estimating, setEstimating] = useState(false);
  const [estimateError, setEstimateError] = useState("");
  const asked = useRef(0);

  // The cost estimate follows the form: a moment after the last change, when the inputs read,
  // the server prices this launch (POST /api/v1/executions/estimate) and says whether the
  // balance covers it. Only the latest answer is shown.
  useEffect(() => {
    if (!template) return;
    const specs = template.definition.inputs ?? {};
    const parsed = parseInputs(specs, texts, Object.fromEntries(Object.entries(files).map(([k, f]) => [k, f.items])));
    if (Object.keys(parsed.errors).length > 0) {
      setEstimate(null);
      setEstimateError("");
      setEstimating(false);
      return;
    }
    const ask = ++asked.current;
    setEstimating(true);
    const timer = window.setTimeout(() => {
      void api
        .POST("/api/v1/executions/estimate", {
          body: { template_id: template.id, version: template.version, inputs: parsed.inputs },
        })
        .then(({ data, error: err, response }) => {
          if (ask !== asked.current) return;
          setEstimating(false);
          setEstimate(data ?? null);
          setEstimateError(data ? "" : `No estimate: ${describeError(err, response)}`);
        });
    }, 300);
    return () => window.clearTimeout(timer);
  }, [template, texts, files]);

  useEffect(() => {
    void (async () => {
      const t = await api.GET("/api/v1/templates/{id}", { params: { path: { id: templateId } } });
      if (!t.data) {
        setError(describeError(t.error, t.response));
        return;
      }
      const specs = t.data.definition.inputs ?? {};
      let inputs: Record<string, unknown> = {};
      if (from) {
        const e = await api.GET("/api/v1/executions/{id}", { params: { path: { id: from } } });
        if (e.data) inputs = e.data.inputs;
        else setError(`The inputs of ${from} could not be read: ${describeError(e.error, e.response)}`);
      }
      const filled = fromInputs(specs, inputs);
      setTexts(filled.texts);
      setFiles(Object.fromEntries(Object.entries(filled.lists).map(([k, items]) => [k, { name: `the inputs of ${from}`, items, columns: [], errors: [] }])));
      setTemplate(t.data);
    })();
  }, [templateId, from]);

  // A changed field is another launch (a new idempotency key), and its old message goes.
  function changed(name: string) {
    idempotency.current = crypto.randomUUID();
    setErrors(({ [name]: _gone, ...rest }) => rest);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!template) return;
    const specs = template.definition.inputs ?? {};
    const parsed = parseInputs(specs, texts, Object.fromEntries(Object.entries(files).map(([k, f]) => [k, f.items])));
    for (const [name, f] of Object.entries(files)) {
      if (f.errors.length > 0) parsed.errors[name] = `${f.errors.length} ${f.errors.length === 1 ? "row has a problem" : "rows have problems"} in ${f.name}: fix the file or clear it`;
    }
    setErrors(parsed.errors);
    setError("");
    if (Object.keys(parsed.errors).length > 0) return;
    setBusy(true);
    const { data, error: err, response } = await api.POST("/api/v1/executions", {
      params: { header: { "Idempotency-Key": idempotency.current } },
      body: { template_id: template.id, version: template.version, inputs: parsed.inputs },
    });
    setBusy(false);
    if (data) {
      navigate({ kind: "execution", id: data.id });
      return;
    }
    const fields = apiFieldErrors(err?.error.details);
    setErrors(fields);
    if (Object.keys(fields).length === 0) setError(describeError(err, response));
  }

  if (!template) {
    return (
      <section className="launch-page" aria-labelledby="launch-title">
        <h2 id="launch-title">Launch</h2>
        {error ? <p role="alert">{error}</p> : <p className="muted">Loading the template…</p>}
      </section>
    );
  }
  const specs = template.definition.inputs ?? {};
  return (
    <form className="launch-page" onSubmit={submit} aria-labelledby="launch-title" noValidate>
      <p>
        <a
          href="/templates"
          onClick={(ev) => {
            ev.preventDefault();
            navigate({ kind: "templates" });
          }}
        >
          ← Templates
        </a>
      </p>
      <h2 id="launch-title">Launch {template.name}</h2>
      {template.description && <p className="muted">{template.description}</p>}
      {from && <p className="muted">Filled with the inputs of {from}.</p>}
      {Object.keys(specs).length === 0 && <p className="muted">This template takes no inputs.</p>}
      {Object.entries(specs).map(([name, spec]) => (
        <Field
          key={name}
          name={name}
          spec={spec}
          text={texts[name] ?? ""}
          file={files[name]}
          error={errors[name]}
          onText={(v) => {
            changed(name);
            setTexts({ ...texts, [name]: v });
          }}
          onFile={(f) => {
            changed(name);
            setFiles((all) => {
              const next = { ...all };
              if (f) next[name] = f;
              else delete next[name];
              return next;
            });
          }}
        />
      ))}
      <EstimatePanel estimate={estimate} pending={estimating} error={estimateError} />
      {error && <p role="alert">{error}</p>}
      <div>
        <button
          type="submit"
          className="primary"
          disabled={busy || !canLaunch}
          title={canLaunch ? undefined : "Your key has the viewer role: launching needs editor"}
        >
          Launch
        </button>
        {busy && <span className="muted"> Launching…</span>}
      </div>
    </form>
  );
}

// One typed input of a template (also the inputs of the Automations screen's schedule form).
export function Field({
  name,
  spec,
  text,
  file,
  error,
  onText,
  onFile,
}: {
  name: string;
  spec: InputSpec;
  text: string;
  file: ListFile | undefined;
  error: string | undefined;
  onText: (v: string) => void;
  onFile: (f: ListFile | null) => void;
}) {
  const id = `in-${name}`;
  const help = spec.description ? `${id}-help` : undefined;
  const errId = error ? `${id}-error` : undefined;
  const described = [help, errId].filter(Boolean).join(" ") || undefined;
  const required = spec.required && spec.default === undefined;
  const common = {
    id,
    "aria-describedby": described,
    "aria-invalid": error ? true : undefined,
    "aria-required": required ? true : undefined,
  };
  const [reading, setReading] = useState("");

  async function pick(e: ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0];
    e.target.value = "";
    if (!f) return;
    setReading(`Reading ${f.name}…`);
    try {
      const parsed = parseListFile(f.name, await readText(f));
      setReading("");
      onFile(parsed);
    } catch {
      setReading(`${f.name} could not be read; choose it again.`);
    }
  }

  return (
    <div className="field" data-field={name}>
      <label htmlFor={id}>
        {name}
        {required && (
          <span aria-hidden="true" title="required">
            {" "}
            *
          </span>
        )}
        {!required && spec.default !== undefined && <span className="muted"> (default {JSON.stringify(spec.default)})</span>}
      </label>
      {spec.description && <small id={help}>{spec.description}</small>}
      {spec.type === "boolean" ? (
        <select {...common} value={text} onChange={(e) => onText(e.target.value)}>
          <option value="">{spec.default === undefined ? "(not set)" : `default (${JSON.stringify(spec.default)})`}</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      ) : spec.type === "list" || spec.type === "object" ? (
        file ? (
          <FilePreview id={id} file={file} onClear={() => onFile(null)} />
        ) : (
          <textarea
            {...common}
            value={text}
            placeholder={spec.type === "list" ? '["first", "second"]' : '{"key": "value"}'}
            onChange={(e) => onText(e.target.value)}
          />
        )
      ) : (
        <input
          {...common}
          inputMode={spec.type === "integer" ? "numeric" : spec.type === "number" ? "decimal" : undefined}
          value={text}
          onChange={(e) => onText(e.target.value)}
        />
      )}
      {spec.type === "list" && !file && (
        <label className="muted">
          Fill {name} from a CSV or JSON file{" "}
          <input type="file" accept=".csv,.json,text/csv,application/json" aria-label={`Fill ${name} from a CSV or JSON file`} onChange={(e) => void pick(e)} />
        </label>
      )}
      {reading && <span className="muted">{reading}</span>}
      {error && (
        <span className="field-error" id={errId}>
          {/^(is|must) /.test(error) ? `${name} ${error}` : error}
        </span>
      )}
    </div>
  );
}

function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === "string" ? reader.result : "");
    reader.onerror = () => reject(reader.error ?? new Error(`${file.name} could not be read`));
    reader.readAsText(file);
  });
}

function FilePreview({ id, file, onClear }: { id: string; file: ListFile; onClear: () => void }) {
  const rows = previewRows(file);
  const columns = file.columns.length > 0 ? file.columns : ["item"];
  return (
    <div className="file-preview" id={id} role="group" aria-label={`Preview of ${file.name}`}>
      <p>
        <strong data-testid="list-count">
          {file.items.length} {file.items.length === 1 ? "item" : "items"}
        </strong>{" "}
        from {file.name}
        {file.items.length > rows.length && <span className="muted"> (first {rows.length} shown)</span>}{" "}
        <button type="button" onClick={onClear}>
          Clear
        </button>
      </p>
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>#</th>
              {columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                {r.map((v, j) => (
                  <td key={j}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {file.errors.length > 0 && (
        <ul className="field-error" aria-label={`Problems in ${file.name}`}>
          {file.errors.slice(0, 20).map((e, i) => (
            <li key={i}>{e.row > 0 ? `Row ${e.row}: ${e.message}` : e.message}</li>
          ))}
          {file.errors.length > 20 && <li>… and {file.errors.length - 20} more</li>}
        </ul>
      )}
    </div>
  );
}
