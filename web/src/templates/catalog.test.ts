import { describe, expect, it } from "vitest";
import { groupByCategory, matchesSearch } from "./catalog";

const t = (name: string, category: string, description = "") => ({ name, category, description });

describe("the template catalog", () => {
  it("groups by category in name order, with no category as other", () => {
    const groups = groupByCategory([t("b", "social_media"), t("a", "blog"), t("c", ""), t("a2", "social_media")]);
    expect(groups.map((g) => [g.category, g.templates.map((x) => x.name)])).toEqual([
      ["blog", ["a"]],
      ["other", ["c"]],
      ["social_media", ["a2", "b"]],
    ]);
  });

  it("searches every word in name, description and category", () => {
    expect(matchesSearch(t("Instagram post", "social_media", "caption and image"), "insta image")).toBe(true);
    expect(matchesSearch(t("Instagram post", "social_media"), "social media")).toBe(true);
    expect(matchesSearch(t("Blog article", "blog"), "insta")).toBe(false);
  });
});
