// What the Automations forms share: a control tied to its help and its message, the problems
// that name no field, and the template picker.
import { useMemo, type RefObject } from "react";
import type { TemplateSummary } from "../api/client";

// The props that tie a control to its help and its message.
export function described(id: string, error: string | undefined, help = false) {
  const ids = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? true : undefined, "aria-describedby": ids || undefined };
}

export function Problem({ id, text }: { id: string; text: string | undefined }) {
  return text ? (
    <span className="field-error" id={`${id}-error`}>
      {text}
    </span>
  ) : null;
}

export function OtherProblems({ errors }: { errors: string[] }) {
  if (errors.length === 0) return null;
  return (
    <div role="alert">
      {errors.length === 1 ? (
        <p>{errors[0]}</p>
      ) : (
        <ul>
          {errors.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

// The template select the forms use: the value is the template's id (to read its inputs).
// `none`: what the empty choice says (a template to pick, or "every template" where it is
// optional).
export function TemplateSelect({
  id,
  templates,
  value,
  error,
  onChange,
  label = "Template",
  none = "Pick a template",
}: {
  id: string;
  templates: TemplateSummary[];
  value: string;
  error: string | undefined;
  onChange: (t: TemplateSummary | null) => void;
  label?: string;
  none?: string;
}) {
  const sorted = useMemo(() => [...templates].sort((a, b) => a.name.localeCompare(b.name)), [templates]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select {...described(id, error)} value={value} onChange={(e) => onChange(sorted.find((t) => t.id === e.target.value) ?? null)}>
        <option value="">{none}</option>
        {sorted.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
      <Problem id={id} text={error} />
    </div>
  );
}

// After a refused submit, the first control with a problem takes the focus, once the messages
// are drawn: after an answer from the server, React may draw them a frame or two later, so a
// few frames are tried.
export function focusFirstProblem(form: RefObject<HTMLFormElement | null>, frames = 10) {
  window.requestAnimationFrame(() => {
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (first) first.focus();
    else if (frames > 1) focusFirstProblem(form, frames - 1);
  });
}
