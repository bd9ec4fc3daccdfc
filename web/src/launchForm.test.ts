import { describe, expect, it } from "vitest";
import { fromInputs, initialText, parseInputs } from "./launchForm";

describe("parseInputs", () => {
  const specs = {
    topic: { type: "string" as const, required: true },
    words: { type: "integer" as const, default: 800 },
    ratio: { type: "number" as const },
    draft: { type: "boolean" as const },
    tags: { type: "list" as const },
  };

  it("types every field as the template declares", () => {
    const p = parseInputs(specs, { topic: "socks", words: "120", ratio: "0.5", draft: "true", tags: '["a"]' });
    expect(p.errors).toEqual({});
    expect(p.inputs).toEqual({ topic: "socks", words: 120, ratio: 0.5, draft: true, tags: ["a"] });
  });

  it("names each field that cannot be read, and leaves empty optional ones to the server", () => {
    const p = parseInputs(specs, { topic: "", words: "12.5", tags: "{}" });
    expect(p.errors).toEqual({ topic: "is required", words: "must be a whole number", tags: "must be a list" });
    expect(p.inputs).toEqual({});
  });

  it("shows defaults as text", () => {
    expect(initialText({ type: "integer", default: 800 })).toBe("800");
    expect(initialText({ type: "string" })).toBe("");
  });

  it("takes a list filled from a file in place of the field's text", () => {
    const p = parseInputs(specs, { topic: "socks", tags: "not json" }, { tags: ["a", "b"] });
    expect(p.errors).toEqual({});
    expect(p.inputs).toEqual({ topic: "socks", tags: ["a", "b"] });
  });
});

describe("fromInputs", () => {
  it("fills the fields with a run's inputs, and a long list as a file would", () => {
    const specs = { topic: { type: "string" as const }, words: { type: "integer" as const, default: 5 }, tags: { type: "list" as const } };
    const many = Array.from({ length: 30 }, (_, i) => `t${i}`);
    expect(fromInputs(specs, { topic: "socks", gone: 1 })).toEqual({ texts: { topic: "socks", words: "5", tags: "" }, lists: {} });
    expect(fromInputs(specs, { words: 7, tags: many })).toEqual({ texts: { topic: "", words: "7" }, lists: { tags: many } });
  });
});
