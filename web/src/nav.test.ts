import { describe, expect, it } from "vitest";
import { pathOf, viewFromLocation, type View } from "./nav";

describe("paths", () => {
  const views: View[] = [
    { kind: "runs" },
    { kind: "execution", id: "ex_1" },
    { kind: "templates" },
    { kind: "launch", templateId: "blog article" },
    { kind: "launch", templateId: "blog", from: "ex_9" },
    { kind: "designer" },
    { kind: "designer", templateId: "blog" },
    { kind: "approvals" },
    { kind: "automations" },
    { kind: "gallery" },
    { kind: "credits" },
    { kind: "keys" },
  ];
  it("every view survives a reload", () => {
    for (const v of views) {
      const [path, search] = pathOf(v).split("?");
      expect(viewFromLocation(path ?? "", search ? `?${search}` : "")).toEqual(v);
    }
  });
  it("an unknown path shows the runs", () => {
    expect(viewFromLocation("/nowhere")).toEqual({ kind: "runs" });
  });
});
