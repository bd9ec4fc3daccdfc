import { describe, expect, it } from "vitest";
import type { InputSpec, Step } from "../api/client";
import { forkChanges, forkReason } from "./fork";

const step = (over: Partial<Step> = {}) => ({ id: "polish", status: "succeeded", ...over }) as Step;

describe("forkReason", () => {
  it("lets an editor fork a finished execution from a top-level step", () => {
    for (const status of ["completed", "failed", "stopped"] as const)
      expect(forkReason(status, step(), "editor")).toBeUndefined();
  });
  it("says why not for a running execution, a map item and a viewer", () => {
    expect(forkReason("waiting", step(), "editor")).toMatch(/this one is waiting/);
    expect(forkReason("completed", step({ id: "each[1]", parent: "each" }), "editor")).toMatch(/fork from the map/);
    expect(forkReason("completed", step(), "viewer")).toMatch(/viewer role/);
  });
});

describe("forkChanges", () => {
  const specs: Record<string, InputSpec> = {
    topic: { type: "string", required: true },
    count: { type: "integer", default: 3 },
    tags: { type: "list" },
  };
  const had = { topic: "tea", count: 3, tags: ["a"] };

  it("sends only the inputs that differ, typed as declared", () => {
    const r = forkChanges(specs, had, { topic: "tea", count: "5", tags: '["a"]' });
    expect(r.errors).toEqual({});
    expect(r.changes).toEqual({ count: 5 });
  });
  it("treats an emptied field as no change and names a field it cannot read", () => {
    const r = forkChanges(specs, had, { topic: "", count: "many", tags: "[" });
    expect(r.changes).toEqual({});
    expect(r.errors["count"]).toMatch(/whole number/);
    expect(r.errors["tags"]).toMatch(/JSON/);
    expect(r.errors["topic"]).toBeUndefined();
  });
});
