import { describe, expect, it } from "vitest";
import type { ApiError } from "../api/client";
import { errorsFromApi, hasErrors, noErrors } from "./errors";

const FIELDS = ["name", "template", "cron", "time_zone", "every_seconds"];
const apiError = (message: string, details: Record<string, unknown>): ApiError => ({ error: { code: "invalid_argument", message, details } });

describe("errorsFromApi", () => {
  it("puts a refusal next to the field it names, without repeating the field's name", () => {
    const e = errorsFromApi(apiError("field 'every_seconds': must be an integer from 1 to 31622400", { field: "every_seconds" }), "", FIELDS, []);
    expect(e).toEqual({ fields: { every_seconds: "must be an integer from 1 to 31622400" }, inputs: {}, other: [] });
    const cron = errorsFromApi(apiError("cron field 2 (hour) '99': 99 is out of range 0-23", { field: "cron" }), "", FIELDS, []);
    expect(cron.fields).toEqual({ cron: "cron field 2 (hour) '99': 99 is out of range 0-23" });
  });

  it("lists every input problem of a 422, each next to its input, and the unknown ones apart", () => {
    const e = errorsFromApi(
      apiError("inputs.product: missing required input 'product' (string)", {
        field: "inputs.product",
        errors: [
          { field: "inputs.product", message: "missing required input 'product' (string)" },
          { field: "inputs.hashtags", message: "must be an integer" },
          { field: "inputs.productx", message: "unknown input 'productx'; declared inputs: hashtags, product, tone" },
        ],
      }),
      "",
      FIELDS,
      ["product", "hashtags", "tone"],
    );
    expect(e.inputs).toEqual({ product: "missing required input 'product' (string)", hashtags: "must be an integer" });
    expect(e.other).toEqual(["inputs.productx: unknown input 'productx'; declared inputs: hashtags, product, tone"]);
    expect(e.fields).toEqual({});
  });

  it("keeps two problems of one input", () => {
    const e = errorsFromApi(apiError("x", { errors: [{ field: "inputs.a", message: "one" }, { field: "inputs.a", message: "two" }] }), "", [], ["a"]);
    expect(e.inputs).toEqual({ a: "one; two" });
  });

  it("a field the form does not show, or none, is shown above the button", () => {
    expect(errorsFromApi(apiError("a schedule named 'a' already exists", { field: "name" }), "", FIELDS, []).fields).toEqual({
      name: "a schedule named 'a' already exists",
    });
    expect(errorsFromApi(apiError("version 9 not found", { field: "version" }), "", FIELDS, []).other).toEqual(["version 9 not found"]);
    expect(errorsFromApi(apiError("x", { errors: [{ field: "catch_up", message: "must be run_once or skip" }] }), "", FIELDS, []).other).toEqual([
      "catch_up: must be run_once or skip",
    ]);
    expect(errorsFromApi(apiError("this requires the editor role; your key has viewer", {}), "", FIELDS, []).other).toEqual([
      "this requires the editor role; your key has viewer",
    ]);
    expect(errorsFromApi(undefined, "The server could not be reached", FIELDS, []).other).toEqual(["The server could not be reached"]);
  });

  it("knows when there is nothing to show", () => {
    expect(hasErrors(noErrors())).toBe(false);
    expect(hasErrors({ ...noErrors(), other: ["x"] })).toBe(true);
  });
});
