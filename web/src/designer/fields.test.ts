import { describe, expect, it } from "vitest";
import { formFields, parseText, textOf, type FormField } from "./fields";
import { catalogue } from "./testCatalogue";

const type = (name: string) => {
  const t = catalogue.items.find((x) => x.name === name);
  if (!t) throw new Error(name);
  return t;
};
const field = (fields: FormField[], name: string) => {
  const f = fields.find((x) => x.name === name);
  if (!f) throw new Error(name);
  return f;
};

describe("form fields from the node-type schema", () => {
  const text = formFields(type("generate_text"), catalogue.common_fields);

  it("puts required fields first and the common fields last", () => {
    expect(text.map((f) => f.name)).toEqual([
      "prompt", "system", "model", "temperature", "max_tokens", "schema", "latency_ms", "fail_first",
      "label", "retry", "timeout_ms", "cache",
    ]);
    expect(text.filter((f) => f.common).map((f) => f.name)).toEqual(["label", "retry", "timeout_ms", "cache"]);
  });

  it("picks a widget per field type, with required marks, defaults and bounds", () => {
    expect(field(text, "prompt")).toMatchObject({ widget: "text", required: true, multiline: true, references: true });
    expect(field(text, "model")).toMatchObject({ widget: "text", multiline: false, defaultText: "default" });
    expect(field(text, "temperature")).toMatchObject({ widget: "number", min: 0, max: 2, defaultText: "0.7", hint: "0 to 2" });
    expect(field(text, "max_tokens")).toMatchObject({ integer: true, hint: "whole number, 1 to 1000000" });
    expect(field(text, "schema")).toMatchObject({ widget: "json", references: false });
    expect(field(text, "label")).toMatchObject({ widget: "line", references: false });
    expect(field(text, "retry").widget).toBe("retry");
    expect(field(text, "cache")).toMatchObject({ widget: "boolean", defaultText: "true" });
    const cond = formFields(type("condition"), []);
    expect(field(cond, "operator")).toMatchObject({ widget: "enum", required: true });
    expect(field(cond, "operator").options).toContain("not_empty");
    expect(field(cond, "value").widget).toBe("any");
    expect(field(formFields(type("end"), []), "output").widget).toBe("keyvalue");
    const map = formFields(type("map"), []);
    expect(field(map, "node").widget).toBe("node");
    expect(field(map, "on_item_error")).toMatchObject({ widget: "enum", options: ["fail", "continue"], defaultText: "fail" });
  });

  it("turns typed text into the template's value and back", () => {
    const temp = field(text, "temperature");
    expect(parseText(temp, "0.5")).toEqual({ value: 0.5 });
    expect(parseText(temp, "3")).toEqual({ value: 3, error: "must be 0 to 2" });
    expect(parseText(temp, "{{inputs.t}}")).toEqual({ value: "{{inputs.t}}" });
    expect(parseText(temp, "warm").error).toMatch(/must be a number/);
    expect(parseText(temp, "")).toEqual({});
    expect(parseText(field(text, "max_tokens"), "1.5").error).toBe("must be a whole number");
    expect(parseText(field(text, "cache"), "false")).toEqual({ value: false });
    expect(parseText(field(text, "schema"), '{"type": "object"}')).toEqual({ value: { type: "object" } });
    expect(parseText(field(text, "schema"), "[1]")).toMatchObject({ keep: true });
    expect(parseText(field(text, "schema"), "{")).toMatchObject({ keep: true });
    const value = field(formFields(type("condition"), []), "value");
    expect(parseText(value, "7", true)).toEqual({ value: 7 });
    expect(parseText(value, "7")).toEqual({ value: "7" });
    expect(textOf(temp, 0.7)).toBe("0.7");
    expect(textOf(field(text, "schema"), { a: 1 })).toBe('{\n  "a": 1\n}');
    expect(textOf(field(text, "prompt"), undefined)).toBe("");
  });
});
