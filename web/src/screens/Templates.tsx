// Templates: the catalog as cards grouped by category, with a search box and a category filter.
// Each card launches (the launch form, its own page), clones, lists its versions, and opens the
// designer.
import "./screens.css";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api, describeError, type Schemas, type TemplateSummary } from "../api/client";
import { when } from "../format";
import { navigate } from "../nav";
import { groupByCategory, matchesSearch } from "../templates/catalog";

interface Props {
  role: Schemas["Role"];
}

export function Templates({ role }: Props) {
  const [items, setItems] = useState<TemplateSummary[]>([]);
  const [query, setQuery] = useState("");
  const [category, setCategory] = useState("");
  const [error, setError] = useState("");
  const [loaded, setLoaded] = useState(false);

  async function load() {
    const { data, error: err, response } = await api.GET("/api/v1/templates", { params: { query: { limit: 1000 } } });
    setLoaded(true);
    if (data) setItems(data.items);
    else setError(describeError(err, response));
  }

  useEffect(() => {
    void load();
  }, []);

  const categories = useMemo(() => [...new Set(items.map((t) => t.category || "other"))].sort(), [items]);
  const groups = useMemo(
    () => groupByCategory(items.filter((t) => matchesSearch(t, query) && (!category || (t.category || "other") === category))),
    [items, query, category],
  );

  return (
    <section aria-labelledby="templates-title">
      <h2 id="templates-title">Templates</h2>
      <div className="toolbar" role="search" aria-label="Find templates">
        <label>
          Search
          <input aria-label="Search" type="search" value={query} placeholder="name or description" onChange={(e) => setQuery(e.target.value)} />
        </label>
        <label>
          Category
          <select aria-label="Category" value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <p role="alert">{error}</p>}
      {loaded && groups.length === 0 && !error && <p className="muted">No template matches.</p>}
      <div className="category-groups">
      {groups.map((g) => (
        <section key={g.category} className="category-group" aria-label={`Category ${g.category.replaceAll("_", " ")}`}>
          <h3>{g.category.replaceAll("_", " ")}</h3>
          <ul className="cards">
            {g.templates.map((t) => (
              <TemplateCard key={t.id} template={t} role={role} onCloned={() => void load()} />
            ))}
          </ul>
        </section>
      ))}
      </div>
    </section>
  );
}

function TemplateCard({ template: t, role, onCloned }: { template: TemplateSummary; role: Schemas["Role"]; onCloned: () => void }) {
  const [cloning, setCloning] = useState(false);
  const [versions, setVersions] = useState<TemplateSummary[] | null>(null);
  const [error, setError] = useState("");
  const editor = role !== "viewer";
  const why = editor ? undefined : "Your key has the viewer role: this needs editor";

  async function toggleVersions() {
    if (versions) {
      setVersions(null);
      return;
    }
    const { data, error: err, response } = await api.GET("/api/v1/templates/{id}/versions", { params: { path: { id: t.id } } });
    if (data) setVersions(data.items);
    else setError(describeError(err, response));
  }

  return (
    <li className="card" data-template={t.id}>
      <h3>{t.name}</h3>
      <p className="category">
        {t.category.replaceAll("_", " ")} · version {t.version}
        {t.builtin && <span className="badge">built-in</span>}
      </p>
      <p>{t.description}</p>
      <div className="card-actions">
        <button onClick={() => navigate({ kind: "launch", templateId: t.id })}>Launch…</button>
        <button disabled={!editor} title={why} onClick={() => setCloning(!cloning)} aria-expanded={cloning}>
          Clone
        </button>
        <button onClick={() => void toggleVersions()} aria-expanded={versions !== null}>
          Versions
        </button>
        <button
          disabled={!editor}
          title={why ?? (t.builtin ? "Built-in templates are read-only: the designer saves a copy" : undefined)}
          onClick={() => navigate({ kind: "designer", templateId: t.id })}
        >
          Edit in designer
        </button>
      </div>
      {cloning && (
        <CloneForm
          template={t}
          onDone={() => {
            setCloning(false);
            onCloned();
          }}
        />
      )}
      {versions && (
        <ol className="versions" aria-label={`Versions of ${t.name}`}>
          {versions.map((v) => (
            <li key={v.version}>
              version {v.version} · {when(v.created_at)} <span className="mono">{v.content_hash.slice(0, 10)}</span>
            </li>
          ))}
        </ol>
      )}
      {error && <p role="alert">{error}</p>}
    </li>
  );
}

function CloneForm({ template, onDone }: { template: TemplateSummary; onDone: () => void }) {
  const [name, setName] = useState(`${template.name} (copy)`);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const id = `clone-${template.id}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const { data, error: err, response } = await api.POST("/api/v1/templates/{id}/clone", {
      params: { path: { id: template.id } },
      body: { name: name.trim() },
    });
    setBusy(false);
    if (data) onDone();
    else setError(describeError(err, response));
  }

  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={id}>
        Name of the copy
        <input id={id} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={error ? true : undefined} />
      </label>
      <button type="submit" disabled={busy || !name.trim()}>
        Make the copy
      </button>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
    </form>
  );
}
