import { describe, expect, it } from "vitest";
import { frameScheduler } from "./frame";

function frames() {
  const queue: (() => void)[] = [];
  return {
    raf: (cb: () => void) => queue.push(cb),
    caf: () => {},
    async tick() {
      const now = queue.splice(0);
      for (const cb of now) cb();
      await new Promise((r) => setTimeout(r, 0));
    },
    pending: () => queue.length,
  };
}

describe("frameScheduler", () => {
  it("runs once per frame however many requests arrive", async () => {
    const f = frames();
    let runs = 0;
    const s = frameScheduler(async () => void runs++, f.raf, f.caf);
    for (let i = 0; i < 100; i++) s.request();
    expect(f.pending()).toBe(1);
    await f.tick();
    expect(runs).toBe(1);
    await f.tick();
    expect(runs).toBe(1);
  });

  it("never runs twice at once: a request during a run is served on a later frame", async () => {
    const f = frames();
    let release: () => void = () => {};
    let runs = 0;
    const s = frameScheduler(
      () => {
        runs++;
        return new Promise<void>((r) => (release = r));
      },
      f.raf,
      f.caf,
    );
    s.request();
    await f.tick();
    s.request();
    s.request();
    expect(f.pending()).toBe(0);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(f.pending()).toBe(1);
    await f.tick();
    expect(runs).toBe(2);
  });

  it("does nothing once cancelled, even if the frame fires", async () => {
    const f = frames();
    let runs = 0;
    const s = frameScheduler(async () => void runs++, f.raf, f.caf);
    s.request();
    s.cancel();
    await f.tick();
    s.request();
    await f.tick();
    expect(runs).toBe(0);
  });
});
