// One field of a node's side form, drawn by its widget (fields.ts): text with a reference menu,
// numbers with bounds, booleans and enums as choices, lists and objects, a map's per-item node.
// Each keeps the text being typed, so half-typed numbers or JSON are not lost, and stores the
// value it stands for in the node as soon as it is one.
import { memo, useId, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { useCatalogue } from "./catalogue";
import { formFields, isJsonValue, parseText, textOf, type FormField } from "./fields";
import { insertAt, type RefGroup } from "./references";

export interface FieldProps {
  field: FormField;
  value: unknown;
  onChange: (value: unknown) => void;
  // The reference menu of this node, and the one inside a map's per-item node.
  refs: RefGroup[];
  itemRefs: RefGroup[];
  // The server's messages about this field.
  problems: string[];
  // Set on every control; false for a viewer.
  disabled: boolean;
}

// The label, help line and messages around a control.
function Frame({
  field,
  id,
  problems,
  error,
  children,
  extra,
}: {
  field: FormField;
  id: string;
  problems: string[];
  error: string;
  children: ReactNode;
  extra?: ReactNode;
}) {
  const help = [field.description, field.hint, field.defaultText && `default ${field.defaultText}`].filter(Boolean).join(" · ");
  return (
    <div className={`dfield${problems.length > 0 || error ? " dfield-error" : ""}`} data-field={field.name}>
      <div className="dfield-head">
        <label htmlFor={id}>{field.name}</label>
        {field.required && (
          <abbr title="required" className="required" aria-hidden="true">
            *
          </abbr>
        )}
        {extra && <span className="dfield-extra">{extra}</span>}
      </div>
      {children}
      {help && (
        <small id={`${id}-help`} className="dfield-help">
          {help}
        </small>
      )}
      {error && <span className="field-error">{`${field.name} ${error}`}</span>}
      {problems.map((p, i) => (
        <span key={i} className="field-error">
          {p}
        </span>
      ))}
    </div>
  );
}

// The reference menu: choosing an entry inserts it (a native select, so it is keyboard reachable).
export function RefMenu({
  groups,
  label,
  onPick,
  disabled,
}: {
  groups: RefGroup[];
  label: string;
  onPick: (ref: string) => void;
  disabled: boolean;
}) {
  if (groups.length === 0) return null;
  return (
    <select
      className="refmenu"
      aria-label={label}
      value=""
      disabled={disabled}
      onChange={(e) => {
        if (e.target.value) onPick(e.target.value);
      }}
    >
      <option value="">Insert reference…</option>
      <RefOptions groups={groups} />
    </select>
  );
}

// The menu's entries: hundreds in a large template, so they are drawn again only when the menu
// itself changes (the groups are kept the same object while their content is: useStableGroups).
const RefOptions = memo(function RefOptions({ groups }: { groups: RefGroup[] }) {
  return (
    <>
      {groups.map((g) => (
        <optgroup key={g.label} label={g.label}>
          {g.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
});

// Local text for a value, re-read when the value changes from outside (a rename rewrites
// references), and committed to the node whenever it parses.
function useFieldText(field: FormField, value: unknown, onChange: (v: unknown) => void, asJson = false) {
  const [text, setText] = useState(() => textOf(field, value));
  const [error, setError] = useState("");
  const committed = useRef<unknown>(value);
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if (committed.current !== value) {
      committed.current = value;
      setText(textOf(field, value));
      setError("");
    }
  }
  const change = (t: string, json = asJson) => {
    setText(t);
    const parsed = parseText(field, t, json);
    setError(parsed.error ?? "");
    if (parsed.keep) return;
    committed.current = parsed.value;
    onChange(parsed.value);
  };
  return { text, error, change };
}

function TextField({ field, value, onChange, refs, problems, disabled }: FieldProps) {
  const id = useId();
  const box = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const [asJson, setAsJson] = useState(() => field.widget === "any" && isJsonValue(value));
  const { text, error, change } = useFieldText(field, value, onChange, asJson);
  const whole = field.widget === "number";
  // Where the caret was when the box was left: a reference goes there (at the end when the box
  // was never entered).
  const entered = useRef(false);
  const pick = (ref: string) => {
    const el = box.current;
    if (whole || !el) return change(ref);
    const [from, to] = entered.current ? [el.selectionStart ?? text.length, el.selectionEnd ?? text.length] : [text.length, text.length];
    const next = insertAt(text, ref, from, to);
    change(next.text);
    caret.current = next.caret;
  };
  // After an insertion the caret goes back into the box, behind the reference, as soon as the box
  // shows the new text (a layout effect: before anything else can take the focus).
  const caret = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = box.current;
    if (caret.current === null || !el) return;
    el.focus();
    el.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  });
  const common = {
    id,
    value: text,
    disabled,
    "aria-required": field.required || undefined,
    "aria-invalid": problems.length > 0 || error ? true : undefined,
    "aria-describedby": `${id}-help`,
    placeholder: field.defaultText,
    spellCheck: field.widget === "text",
    onFocus: () => (entered.current = true),
  };
  const extra = (
    <>
      {field.widget === "any" && (
        <label className="dfield-toggle">
          <input
            type="checkbox"
            checked={asJson}
            disabled={disabled}
            onChange={(e) => {
              setAsJson(e.target.checked);
              change(text, e.target.checked);
            }}
          />
          JSON
        </label>
      )}
      {field.references && !(field.widget === "any" && asJson) && (
        <RefMenu groups={refs} label={`Insert a reference into ${field.name}`} onPick={pick} disabled={disabled} />
      )}
    </>
  );
  const multiline = field.multiline || field.widget === "any" || field.widget === "json";
  return (
    <Frame field={field} id={id} problems={problems} error={error} extra={extra}>
      {multiline ? (
        <textarea
          ref={box}
          {...common}
          className={field.widget === "code" || field.widget === "json" || asJson ? "mono" : undefined}
          rows={field.widget === "code" || field.widget === "json" ? 6 : 3}
          onChange={(e) => change(e.target.value)}
        />
      ) : (
        <input
          ref={box}
          {...common}
          inputMode={whole ? "decimal" : undefined}
          onChange={(e) => change(e.target.value)}
        />
      )}
    </Frame>
  );
}

function ChoiceField({ field, value, onChange, problems, disabled }: FieldProps) {
  const id = useId();
  const options = field.widget === "boolean" ? ["true", "false"] : field.options;
  const current = value === undefined ? "" : String(value);
  const unset = field.defaultText ? `default (${field.defaultText})` : field.required ? "choose…" : "none";
  return (
    <Frame field={field} id={id} problems={problems} error="">
      <select
        id={id}
        value={current}
        disabled={disabled}
        aria-required={field.required || undefined}
        aria-invalid={problems.length > 0 ? true : undefined}
        aria-describedby={`${id}-help`}
        onChange={(e) => {
          const v = e.target.value;
          onChange(v === "" ? undefined : field.widget === "boolean" ? v === "true" : v);
        }}
      >
        <option value="">{unset}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
        {current && !options.includes(current) && <option value={current}>{current}</option>}
      </select>
    </Frame>
  );
}

interface Row {
  key: number;
  name: string;
  text: string;
}

function rowsOf(value: unknown): Row[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  return Object.entries(value).map(([name, v], i) => ({ key: i, name, text: typeof v === "string" ? v : JSON.stringify(v) }));
}

function objectOf(rows: Row[]): Record<string, unknown> | undefined {
  const named = rows.filter((r) => r.name.trim() !== "");
  if (named.length === 0) return undefined;
  return Object.fromEntries(named.map((r) => [r.name.trim(), r.text]));
}

// An object whose values are text with references (an end's output, HTTP headers): one row per
// key. An object holding other values (numbers, nested objects) is edited as JSON.
function KeyValueField(props: FieldProps) {
  const { field, value, onChange, refs, problems, disabled } = props;
  const id = useId();
  const plain = typeof value !== "object" || value === null || Object.values(value).every((v) => typeof v === "string");
  const [asJson, setAsJson] = useState(!plain);
  const [rows, setRows] = useState<Row[]>(() => rowsOf(value));
  const committed = useRef<unknown>(value);
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    if (committed.current !== value) {
      committed.current = value;
      setRows(rowsOf(value));
    }
  }
  const commit = (next: Row[]) => {
    setRows(next);
    const obj = objectOf(next);
    committed.current = obj;
    onChange(obj);
  };
  if (asJson) {
    return (
      <div className="dfield-json">
        <TextField {...props} field={{ ...field, widget: "json" }} />
        <button type="button" className="link" disabled={disabled || !plain} onClick={() => setAsJson(false)}>
          Edit as rows
        </button>
      </div>
    );
  }
  const nextKey = rows.reduce((m, r) => Math.max(m, r.key), -1) + 1;
  return (
    <Frame
      field={field}
      id={`${id}-0`}
      problems={problems}
      error=""
      extra={
        <button type="button" className="link" disabled={disabled} onClick={() => setAsJson(true)}>
          Edit as JSON
        </button>
      }
    >
      <div className="kv" role="group" aria-label={`${field.name} entries`}>
        {rows.map((r, i) => (
          <div className="kv-row" key={r.key}>
            <input
              id={`${id}-${i}`}
              aria-label={`${field.name} key ${i + 1}`}
              value={r.name}
              disabled={disabled}
              placeholder="key"
              onChange={(e) => commit(rows.map((x) => (x.key === r.key ? { ...x, name: e.target.value } : x)))}
            />
            <input
              aria-label={`${field.name} value ${i + 1}`}
              value={r.text}
              disabled={disabled}
              placeholder="value or {{reference}}"
              onChange={(e) => commit(rows.map((x) => (x.key === r.key ? { ...x, text: e.target.value } : x)))}
            />
            <RefMenu
              groups={refs}
              label={`Insert a reference into ${field.name} value ${i + 1}`}
              disabled={disabled}
              onPick={(ref) => commit(rows.map((x) => (x.key === r.key ? { ...x, text: x.text + ref } : x)))}
            />
            <button
              type="button"
              aria-label={`Remove ${field.name} entry ${r.name || i + 1}`}
              disabled={disabled}
              onClick={() => commit(rows.filter((x) => x.key !== r.key))}
            >
              ×
            </button>
          </div>
        ))}
        <button type="button" disabled={disabled} onClick={() => commit([...rows, { key: nextKey, name: "", text: "" }])}>
          Add {field.name} entry
        </button>
      </div>
    </Frame>
  );
}

function RetryField({ field, value, onChange, problems, disabled }: FieldProps) {
  const id = useId();
  const obj = typeof value === "object" && value !== null ? value : {};
  const get = (k: string) => {
    const v: unknown = Reflect.get(obj, k);
    return v === undefined ? "" : String(v);
  };
  const [attempts, setAttempts] = useState(get("max_attempts"));
  const [backoff, setBackoff] = useState(get("backoff_ms"));
  const commit = (a: string, b: string) => {
    setAttempts(a);
    setBackoff(b);
    if (a.trim() === "" && b.trim() === "") return onChange(undefined);
    const num = (t: string) => (t.trim() !== "" && Number.isFinite(Number(t)) ? Number(t) : t);
    const next: Record<string, unknown> = {};
    if (a.trim() !== "") next["max_attempts"] = num(a);
    if (b.trim() !== "") next["backoff_ms"] = num(b);
    onChange(next);
  };
  return (
    <Frame field={field} id={`${id}-a`} problems={problems} error="">
      <div className="retry" role="group" aria-label="retry">
        <input
          id={`${id}-a`}
          inputMode="numeric"
          placeholder="max_attempts (1 to 100)"
          aria-label="retry max_attempts"
          value={attempts}
          disabled={disabled}
          onChange={(e) => commit(e.target.value, backoff)}
        />
        <input
          inputMode="numeric"
          placeholder="backoff_ms (0 to 3600000)"
          aria-label="retry backoff_ms"
          value={backoff}
          disabled={disabled}
          onChange={(e) => commit(attempts, e.target.value)}
        />
      </div>
    </Frame>
  );
}

// A map's per-item node: a type that can run per item, and that type's own form, where
// {{item}} and {{index}} are offered too.
function NodeField({ field, value, onChange, itemRefs, problems, disabled }: FieldProps) {
  const id = useId();
  const catalogue = useCatalogue();
  const obj = typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
  const typeName: unknown = Reflect.get(obj, "type");
  const rawData: unknown = Reflect.get(obj, "data");
  const data: Record<string, unknown> =
    typeof rawData === "object" && rawData !== null && !Array.isArray(rawData) ? { ...rawData } : {};
  const type = typeof typeName === "string" ? catalogue.byName.get(typeName) : undefined;
  const mappable = catalogue.types.filter((t) => t.traits.mappable);
  return (
    <Frame field={field} id={id} problems={problems} error="">
      <select
        id={id}
        value={typeof typeName === "string" ? typeName : ""}
        disabled={disabled}
        aria-required
        onChange={(e) => onChange(e.target.value ? { type: e.target.value, data: {} } : undefined)}
      >
        <option value="">choose the type run per item…</option>
        {mappable.map((t) => (
          <option key={t.name} value={t.name}>
            {t.name}
          </option>
        ))}
      </select>
      {type && (
        <fieldset className="subnode">
          <legend>per-item {type.name}</legend>
          {formFields(type, catalogue.common)
            .filter((f) => !f.common || f.name !== "label")
            .map((f) => (
              <FieldInput
                key={f.name}
                field={f}
                value={data[f.name]}
                refs={itemRefs}
                itemRefs={itemRefs}
                problems={[]}
                disabled={disabled}
                onChange={(v) => {
                  const next = { ...data };
                  if (v === undefined) delete next[f.name];
                  else next[f.name] = v;
                  onChange({ type: type.name, data: next });
                }}
              />
            ))}
        </fieldset>
      )}
    </Frame>
  );
}

export function FieldInput(props: FieldProps) {
  switch (props.field.widget) {
    case "boolean":
    case "enum":
      return <ChoiceField {...props} />;
    case "keyvalue":
      return <KeyValueField {...props} />;
    case "retry":
      return <RetryField {...props} />;
    case "node":
      return <NodeField {...props} />;
    default:
      return <TextField {...props} />;
  }
}
