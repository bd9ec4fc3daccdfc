import { describe, expect, it } from "vitest";
import { saveErrorSentence } from "./save";

const err = (code: string, message: string, details: Record<string, unknown> = {}) => ({ error: { code, message, details } });

describe("saveErrorSentence", () => {
  it("explains a name taken by another template or a built-in", () => {
    expect(
      saveErrorSentence(err("conflict", "a template named 'Mine' already exists", { field: "name", template_id: "tpl_1" }), 409, "Mine"),
    ).toBe("A template named 'Mine' exists already. Choose another name, or open that template in the designer to save a new version of it.");
    expect(saveErrorSentence(err("conflict", "x", { builtin: true, field: "name" }), 409, "Blog article")).toMatch(
      /^'Blog article' is the name of a built-in template/,
    );
    expect(saveErrorSentence(err("conflict", "x", { builtin: true }), 409, "Blog article")).toMatch(/^Built-in templates cannot be changed/);
  });

  it("counts the problems of a refused template and passes other messages on", () => {
    expect(saveErrorSentence(err("invalid_argument", "the template has 2 errors", { errors: [{}, {}] }), 400, "x")).toBe(
      "The template was not saved: it has 2 problems, shown on the nodes and in the list of problems.",
    );
    expect(saveErrorSentence(err("permission_denied", "this key has the viewer role"), 403, "x")).toBe(
      "this key has the viewer role. Saving templates needs a key with the editor role.",
    );
    expect(saveErrorSentence(undefined, undefined, "x")).toBe("The server could not be reached");
  });
});
