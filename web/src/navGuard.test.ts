import { afterEach, describe, expect, it } from "vitest";
import { guardLeaving, navigate } from "./nav";

describe("leaving a screen with unsaved work", () => {
  afterEach(() => window.history.replaceState(null, "", "/"));

  it("stays while the guard says so, and goes once it is removed", () => {
    window.history.replaceState(null, "", "/designer");
    let asked = 0;
    const remove = guardLeaving(() => {
      asked++;
      return false;
    });
    navigate({ kind: "runs" });
    expect(window.location.pathname).toBe("/designer");
    expect(asked).toBe(1);
    remove();
    navigate({ kind: "runs" });
    expect(window.location.pathname).toBe("/");
    expect(asked).toBe(1);
  });
});
