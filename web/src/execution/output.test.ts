import { describe, expect, it } from "vitest";
import { outputImages, outputText, promptTurns } from "./output";

describe("step outputs", () => {
  it("finds the images of an image step, or its one image", () => {
    const img = { artifact_id: "art_1", name: "a.png", width: 10, height: 20, sha256: "x" };
    expect(outputImages({ images: [img, { name: "no id" }] })).toEqual([{ artifactId: "art_1", name: "a.png", width: 10, height: 20 }]);
    expect(outputImages({ image: img })).toHaveLength(1);
    expect(outputImages({ text: "hi" })).toEqual([]);
    expect(outputImages("plain")).toEqual([]);
  });

  it("finds the text", () => {
    expect(outputText({ text: "# Title" })).toBe("# Title");
    expect(outputText({ score: 3 })).toBeNull();
  });

  it("reads the rendered prompt from a version's session (messages or turns)", () => {
    expect(promptTurns({ messages: [{ role: "user", content: "Write" }, { role: "assistant", content: "Done" }] })).toEqual([
      { role: "user", content: "Write" },
      { role: "assistant", content: "Done" },
    ]);
    expect(promptTurns({ turns: [{ role: "user", content: "Draw" }, { role: 3 }] })).toEqual([{ role: "user", content: "Draw" }]);
    expect(promptTurns(null)).toEqual([]);
  });
});
