// @vitest-environment jsdom
// The hook against a fake server and a fake EventSource: a burst of events is applied in one
// frame and refetches the steps at most once per frame; StrictMode's remount leaves it working.
import { act, cleanup, render } from "@testing-library/react";
import { StrictMode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const calls: string[] = [];
// While set, the steps answer waits for it: a refetch in flight.
let hold: Promise<void> | null = null;
const steps = [
  { id: "a", node_id: "a", status: "pending", attempts: 0, version: 1, output: null, error: null, usage: null, started_at: null, finished_at: null, duration_ms: null, type: "generate_text", label: "A", artifacts: [] },
];
const exec = {
  id: "ex_1", status: "running", template_id: "tpl_1", template_version: 1, inputs: {}, template: { id: "tpl_1", name: "T", version: 1 },
  progress: { percent: 0, stage: 1, stages: 1, finished: 0, total: 1, running: [], waiting: [] }, stage: "stage 1 of 1",
  totals: { cost: 0, images: 0, input_tokens: 0, output_tokens: 0 }, reason: "", error: null, created_at: null, started_at: null,
  finished_at: null, updated_at: null, workspace_id: "default",
};
vi.mock("../api/client", () => ({
  api: {
    GET: async (path: string) => {
      calls.push(path);
      if (path === "/api/v1/executions/{id}/steps") {
        const answer = { data: { items: steps.map((st) => ({ ...st })) } };
        if (hold) await hold;
        return answer;
      }
      if (path === "/api/v1/executions/{id}") return { data: exec };
      return { data: { definition: { name: "T", nodes: [{ id: "a", type: "generate_text" }] } } };
    },
  },
  describeError: () => "failed",
}));

type Listener = (m: MessageEvent<string>) => void;
class FakeSource {
  static all: FakeSource[] = [];
  static CLOSED = 2;
  readyState = 1;
  listeners = new Map<string, Listener>();
  onmessage: Listener | null = null;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeSource.all.push(this);
  }
  addEventListener(type: string, l: Listener) {
    this.listeners.set(type, l);
  }
  close() {
    this.readyState = 2;
  }
  emitProgress(step: string, text: string) {
    const data = JSON.stringify({ execution_id: "ex_1", step_id: step, text, chars: text.length, at: "2026-12-05T02:00:00.000Z" });
    this.listeners.get("step_progress")?.(new MessageEvent("step_progress", { data }));
  }
  emit(seq: number, type: string, step: string | null) {
    const data = JSON.stringify({ seq, gid: seq, execution_id: "ex_1", ts: null, type, step, payload: {} });
    this.listeners.get(type)?.(new MessageEvent(type, { data, lastEventId: String(seq) }));
  }
}

const frames: (() => void)[] = [];
async function frame() {
  await act(async () => {
    for (const cb of frames.splice(0)) cb();
    await new Promise((r) => setTimeout(r, 0));
  });
}

const { useExecution } = await import("./useExecution");
let state: ReturnType<typeof useExecution> | null = null;
function Probe() {
  state = useExecution("ex_1");
  return null;
}

beforeEach(() => {
  calls.length = 0;
  FakeSource.all = [];
  vi.stubGlobal("EventSource", FakeSource);
  vi.stubGlobal("requestAnimationFrame", (cb: () => void) => frames.push(cb));
  vi.stubGlobal("cancelAnimationFrame", () => {});
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("useExecution", () => {
  it("applies a burst of events in one frame and refetches the steps at most once per frame", async () => {
    render(
      <StrictMode>
        <Probe />
      </StrictMode>,
    );
    await frame();
    await frame();
    const stepFetches = () => calls.filter((c) => c === "/api/v1/executions/{id}/steps").length;
    expect(stepFetches()).toBe(1);
    const source = FakeSource.all.find((s) => s.readyState === 1);
    if (!source) throw new Error("no open stream");
    steps[0]!.status = "running"; // committed, then sent
    act(() => {
      source.emit(1, "step_started", "a");
      for (let i = 2; i <= 100; i++) source.emit(i, "milestone_reached", null);
      source.emit(100, "milestone_reached", null); // a replay: dropped
    });
    expect(state?.events).toHaveLength(0); // nothing before the frame
    await frame();
    expect(state?.events.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(state?.steps[0]?.status).toBe("running");
    // A refetch whose answer ("running", as the server stood at event 101) is in flight while
    // the step's success (event 102) arrives: the answer is overlaid with that later event, so
    // the colour never goes back.
    let release: () => void = () => {};
    hold = new Promise((r) => (release = r));
    act(() => source.emit(101, "milestone_reached", null));
    await frame();
    expect(stepFetches()).toBe(3);
    steps[0]!.status = "succeeded";
    act(() => source.emit(102, "step_succeeded", "a"));
    await frame();
    expect(state?.steps[0]?.status).toBe("succeeded");
    await act(async () => {
      release();
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(state?.steps[0]?.status).toBe("succeeded");
    // The request made while one was in flight is served on a later frame.
    await frame();
    expect(stepFetches()).toBe(4);
    hold = null;
  });

  it("applies live progress in the next frame, with no refetch, until the step stops running", async () => {
    steps[0]!.status = "running";
    render(<Probe />);
    await frame();
    await frame();
    const fetches = calls.length;
    const source = FakeSource.all.find((s) => s.readyState === 1);
    if (!source) throw new Error("no open stream");
    act(() => {
      source.emitProgress("a", "Hel");
      source.emitProgress("a", "Hello");
    });
    expect(state?.live.size).toBe(0); // nothing before the frame
    await frame();
    expect(state?.live.get("a")?.text).toBe("Hello");
    expect(state?.events).toHaveLength(0); // a notice is not an event
    expect(calls.length).toBe(fetches);
    steps[0]!.status = "succeeded";
    act(() => source.emit(1, "step_succeeded", "a"));
    await frame();
    await frame();
    expect(state?.steps[0]?.status).toBe("succeeded");
    expect(state?.live.size).toBe(0);
  });
});
