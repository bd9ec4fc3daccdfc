import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildTriggerBody, hookUrl, pointerTokens, sampleBody, shellQuote, signingExample, unmappedRequired } from "./triggers";

const specs = {
  product: { type: "string" as const, required: true },
  hashtags: { type: "integer" as const, default: 5 },
  tone: { type: "string" as const, default: "friendly" },
};

describe("buildTriggerBody", () => {
  it("name, template and the map rows filled in (blank rows ignored)", () => {
    const { body, errors } = buildTriggerBody({
      name: " cms ",
      template: "Instagram post",
      rows: [
        { input: "product", pointer: " /data/name " },
        { input: "", pointer: "" },
        { input: "hashtags", pointer: "/data/tags/count" },
      ],
    });
    expect(errors.fields).toEqual({});
    expect(body).toEqual({ name: "cms", template: "Instagram post", map: { product: "/data/name", hashtags: "/data/tags/count" } });
  });

  it("no row: no map, so a delivery's top-level fields are the inputs", () => {
    expect(buildTriggerBody({ name: "cms", template: "Instagram post", rows: [{ input: "", pointer: "" }] }).body).toEqual({
      name: "cms",
      template: "Instagram post",
    });
  });

  it("names each row that cannot be sent, and the missing name and template", () => {
    const { body, errors } = buildTriggerBody({
      name: "",
      template: "",
      rows: [
        { input: "product", pointer: "data/name" },
        { input: "", pointer: "/x" },
        { input: "tone", pointer: "" },
        { input: "hashtags", pointer: "/a" },
        { input: "hashtags", pointer: "/b" },
      ],
    });
    expect(body).toBeNull();
    expect(errors.fields["name"]).toBeTruthy();
    expect(errors.fields["template"]).toBeTruthy();
    expect(errors.fields["map.0"]).toMatch(/not a JSON pointer/);
    expect(errors.fields["map.1"]).toMatch(/Pick the input/);
    expect(errors.fields["map.2"]).toMatch(/JSON pointer tone takes/);
    expect(errors.fields["map.3"]).toBeUndefined();
    expect(errors.fields["map.4"]).toBe("hashtags is mapped twice");
  });

  it("warns of required inputs a map leaves out", () => {
    expect(unmappedRequired([{ input: "tone", pointer: "/t" }], specs)).toEqual(["product"]);
    expect(unmappedRequired([{ input: "product", pointer: "/p" }], specs)).toEqual([]);
    expect(unmappedRequired([], specs)).toEqual([]);
  });
});

describe("the delivery example", () => {
  it("the full URL from the page's origin", () => {
    expect(hookUrl("http://127.0.0.1:8080", "/api/v1/hooks/trg_1")).toBe("http://127.0.0.1:8080/api/v1/hooks/trg_1");
    expect(hookUrl("https://atelier.example/", "/api/v1/hooks/trg_1")).toBe("https://atelier.example/api/v1/hooks/trg_1");
  });

  it("a sample body: each mapped input at its pointer, or the required inputs at the top", () => {
    expect(sampleBody({ product: "/data/name", hashtags: "/data/n", tone: "/a~1b" }, specs)).toEqual({
      data: { name: "your product", n: 1 },
      "a/b": "your tone",
    });
    expect(sampleBody(null, specs)).toEqual({ product: "your product" });
    expect(pointerTokens("/m~0n/x")).toEqual(["m~n", "x"]);
  });

  it("quotes for the shell", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it("signs as the server checks: HMAC-SHA256 of TIMESTAMP.BODY under the secret", () => {
    const secret = "whsec_0123";
    const body = { data: { name: "O'Brien oat milk" } };
    const script = signingExample("http://127.0.0.1:1/api/v1/hooks/trg_1", secret, body);
    expect(script).toContain("X-Atelier-Signature: sha256=$sig");
    expect(script).toContain("X-Atelier-Delivery:");
    // Run the signing lines (not curl) in a real shell and compare with Node's HMAC.
    const signing = script.split("\n").slice(0, 3).join("\n").replace("ts=$(date +%s)", "ts=1700000000");
    let sig: string;
    try {
      sig = execFileSync("bash", ["-c", `${signing}\nprintf '%s' "$sig"`], { encoding: "utf8" });
    } catch {
      return; // no bash or openssl here: the browser test sends a real delivery
    }
    const expected = createHmac("sha256", secret).update(`1700000000.${JSON.stringify(body)}`).digest("hex");
    expect(sig).toBe(expected);
  });
});
