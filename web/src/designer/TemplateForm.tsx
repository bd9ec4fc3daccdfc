// The template's own settings: name, description, category, and its typed inputs (name, type,
// required, default, description), with the server's messages next to each.
import { parseDefault } from "./model";
import { INPUT_TYPES, type InputRow, type Meta } from "./types";

interface Props {
  meta: Meta;
  onChange: (meta: Meta) => void;
  // The server's messages per top-level field (name, ...) and per input name.
  templateProblems: Map<string, string[]>;
  inputProblems: Map<string, string[]>;
  disabled: boolean;
}

function Messages({ list }: { list: string[] | undefined }) {
  return (
    <>
      {(list ?? []).map((m, i) => (
        <span key={i} className="field-error">
          {m}
        </span>
      ))}
    </>
  );
}

export function TemplateForm({ meta, onChange, templateProblems, inputProblems, disabled }: Props) {
  const set = (patch: Partial<Meta>) => onChange({ ...meta, ...patch });
  const setRow = (key: string, patch: Partial<InputRow>) =>
    set({ inputs: meta.inputs.map((r) => (r.key === key ? { ...r, ...patch } : r)) });
  const nextKey = () => {
    const used = new Set(meta.inputs.map((r) => r.key));
    for (let i = meta.inputs.length; ; i++) if (!used.has(`in${i}`)) return `in${i}`;
  };
  const nextName = () => {
    const used = new Set(meta.inputs.map((r) => r.name));
    for (let i = 1; ; i++) if (!used.has(`input_${i}`)) return `input_${i}`;
  };

  return (
    <form className="templateform" aria-label="Template settings" onSubmit={(e) => e.preventDefault()}>
      <h3>Template</h3>
      <div className="dfield">
        <div className="dfield-head">
          <label htmlFor="tpl-name">Template name</label>
          <abbr title="required" className="required" aria-hidden="true">
            *
          </abbr>
        </div>
        <input
          id="tpl-name"
          value={meta.name}
          disabled={disabled}
          aria-required
          aria-invalid={templateProblems.has("name") ? true : undefined}
          onChange={(e) => set({ name: e.target.value })}
        />
        <Messages list={templateProblems.get("name")} />
      </div>
      <div className="dfield">
        <label htmlFor="tpl-category">Category</label>
        <input id="tpl-category" value={meta.category} disabled={disabled} placeholder="social_media" onChange={(e) => set({ category: e.target.value })} />
        <Messages list={templateProblems.get("category")} />
      </div>
      <div className="dfield">
        <label htmlFor="tpl-description">Description</label>
        <textarea
          id="tpl-description"
          rows={2}
          value={meta.description}
          disabled={disabled}
          onChange={(e) => set({ description: e.target.value })}
        />
        <Messages list={templateProblems.get("description")} />
      </div>
      <fieldset className="inputs">
        <legend>Inputs</legend>
        {meta.inputs.length === 0 && <p className="muted">No inputs: a launch asks for nothing.</p>}
        {meta.inputs.map((r, i) => {
          const local = parseDefault(r.type, r.defaultText).error;
          // The document holds inputs by name, so a second row with a name would replace the first.
          const twice = meta.inputs.findIndex((x) => x.name === r.name) < i;
          return (
            <div className="input-row" key={r.key} role="group" aria-label={`Input ${r.name || i + 1}`}>
              <label>
                name
                <input value={r.name} disabled={disabled} onChange={(e) => setRow(r.key, { name: e.target.value })} />
              </label>
              <label>
                type
                <select
                  value={r.type}
                  disabled={disabled}
                  onChange={(e) => {
                    const type = INPUT_TYPES.find((t) => t === e.target.value);
                    if (type) setRow(r.key, { type });
                  }}
                >
                  {INPUT_TYPES.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              </label>
              <label className="check">
                <input
                  type="checkbox"
                  checked={r.required}
                  disabled={disabled}
                  onChange={(e) => setRow(r.key, { required: e.target.checked })}
                />
                required
              </label>
              <label>
                default
                <input
                  value={r.defaultText}
                  disabled={disabled}
                  placeholder={r.type === "list" ? '["a", "b"]' : r.type === "object" ? '{"k": "v"}' : "none"}
                  onChange={(e) => setRow(r.key, { defaultText: e.target.value })}
                />
              </label>
              <label className="wide">
                description
                <input value={r.description} disabled={disabled} onChange={(e) => setRow(r.key, { description: e.target.value })} />
              </label>
              <button
                type="button"
                aria-label={`Remove input ${r.name || i + 1}`}
                disabled={disabled}
                onClick={() => set({ inputs: meta.inputs.filter((x) => x.key !== r.key) })}
              >
                Remove
              </button>
              {local && <span className="field-error">{`${r.name} default ${local}`}</span>}
              {twice && <span className="field-error">{`another input is named ${r.name}; only one of them is kept`}</span>}
              <Messages list={inputProblems.get(r.name)} />
            </div>
          );
        })}
        <button
          type="button"
          disabled={disabled}
          onClick={() =>
            set({
              inputs: [
                ...meta.inputs,
                { key: nextKey(), name: nextName(), type: "string", required: false, defaultText: "", description: "" },
              ],
            })
          }
        >
          Add input
        </button>
      </fieldset>
    </form>
  );
}
