import { describe, expect, it } from "vitest";
import { catalogueOf, paletteGroups } from "./catalogue";
import { catalogue } from "./testCatalogue";

describe("palette", () => {
  const { types } = catalogueOf(catalogue);

  it("groups every node type by kind, start first and end last", () => {
    const groups = paletteGroups(types, "");
    expect(groups.map((g) => g.label)).toEqual(["Start", "Tasks", "People", "Repeat", "End"]);
    expect(groups.flatMap((g) => g.types).length).toBe(types.length);
    expect(groups[1]?.types.map((t) => t.name)).toEqual(["generate_text", "condition", "transform"]);
  });

  it("finds types by name or summary", () => {
    expect(paletteGroups(types, "TEXT").flatMap((g) => g.types.map((t) => t.name))).toEqual(["generate_text"]);
    expect(paletteGroups(types, "person's decision").flatMap((g) => g.types.map((t) => t.name))).toEqual(["approval"]);
    expect(paletteGroups(types, "nothing like this")).toEqual([]);
  });
});
