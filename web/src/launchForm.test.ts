import { describe, expect, it } from "vitest";
import { initialText, parseInputs } from "./launchForm";

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
});
