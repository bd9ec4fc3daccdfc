// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Step } from "../api/client";
import type { Traits } from "./steer";

const get = vi.fn();
const post = vi.fn();
vi.mock("../api/client", () => ({
  api: { GET: (...a: unknown[]) => get(...a), POST: (...a: unknown[]) => post(...a) },
  describeError: (e: { error?: { message?: string } } | undefined) => e?.error?.message ?? "failed",
}));

const { StepPanel } = await import("./StepPanel");
const { TextDiff } = await import("./Versions");

const traits = (t: Partial<Traits>): Traits => ({
  composite: false, edits_attachments: false, generative: false, mappable: false, paid: false, pure: false,
  rebuildable: false, waits_for_person: false, ...t,
});
const TRAITS: Record<string, Traits> = { generate_text: traits({ generative: true, paid: true }), end: traits({ pure: true }) };

const def = {
  name: "t",
  nodes: [
    { id: "start", type: "start" },
    { id: "draft", type: "generate_text" },
    { id: "done", type: "end" },
  ],
  edges: [
    { source: "start", target: "draft" },
    { source: "draft", target: "done" },
  ],
};
const draft: Step = {
  id: "draft", node_id: "draft", status: "succeeded", attempts: 2, version: 2, type: "generate_text", label: "Draft",
  output: { text: "# Hello\n\nA *warm* line.", model: "default" }, error: { code: "unavailable", message: "the provider was down" },
  usage: { input_tokens: 10, output_tokens: 20, images: 0, cost: 3 }, started_at: "2026-12-04T10:00:00.000Z",
  finished_at: "2026-12-04T10:00:01.500Z", duration_ms: 1500, artifacts: [],
};
const done: Step = { ...draft, id: "done", node_id: "done", type: "end", label: "Done", output: { ok: true }, error: null, usage: null };
const versions = {
  current: 2,
  items: [
    { version: 1, step: "draft", created_at: null, meta: { source: "run" }, output: { text: "A cold line." }, session: { messages: [{ role: "user", content: "Write one line" }] } },
    { version: 2, step: "draft", created_at: null, meta: { source: "tweak", instruction: "warmer" }, output: { text: "A warm line." }, session: { messages: [{ role: "user", content: "Write one line" }, { role: "user", content: "warmer" }] } },
  ],
};

afterEach(() => {
  cleanup();
  get.mockReset();
  post.mockReset();
});

function panel(step: Step, role: "editor" | "viewer" = "editor", onClose = () => {}) {
  return render(
    <StepPanel executionId="ex_1" def={def} steps={[draft, done]} step={step} role={role} traitsOf={(t) => TRAITS[t]} isMap={false}
      onOpen={() => {}} onClose={onClose} onCommand={() => {}} />,
  );
}

describe("StepPanel", () => {
  it("shows attempts, the error's class, the rendered prompt, the output as Markdown and the versions", async () => {
    get.mockResolvedValue({ data: versions });
    panel(draft);
    expect(screen.getByRole("note").textContent).toBe("unavailable the provider was down");
    expect(screen.getByText("1500 ms")).toBeTruthy();
    const prompt = screen.getByRole("region", { name: "Rendered prompt" });
    expect((await within(prompt).findAllByText("Write one line")).length).toBe(1);
    expect(within(prompt).getByText("warmer")).toBeTruthy();
    const out = screen.getByRole("region", { name: "Output" });
    expect(within(out).getByRole("heading", { name: "Hello" })).toBeTruthy();
    expect(within(out).getByText("warm").tagName).toBe("EM");
    const history = await screen.findByRole("list", { name: "Version history" });
    expect(within(history).getAllByRole("listitem").map((v) => v.getAttribute("aria-label"))).toEqual(["Version 1", "Version 2"]);
    expect(within(history).getByRole("button", { name: "Revert to v1" })).toBeTruthy();
  });

  it("shows a running text step's text as it streams", async () => {
    get.mockResolvedValue({ data: { current: 1, items: [] } });
    const running: Step = { ...draft, status: "running", output: null, error: null, finished_at: null, duration_ms: null };
    render(
      <StepPanel executionId="ex_1" def={def} steps={[running, done]} step={running} role="editor" traitsOf={(t) => TRAITS[t]}
        isMap={false} live={{ execution_id: "ex_1", step_id: "draft", text: "Once upon a ti", chars: 14, at: "2026-12-05T02:00:00.000Z" }}
        onOpen={() => {}} onClose={() => {}} onCommand={() => {}} />,
    );
    const live = screen.getByRole("region", { name: "Live output" });
    expect(within(live).getByTestId("live-text").textContent).toBe("Once upon a ti");
    expect(within(live).getByText("14 chars so far")).toBeTruthy();
  });

  it("confirms a tweak with what re-runs and an estimate, then sends it", async () => {
    get.mockResolvedValue({ data: versions });
    post.mockResolvedValue({ data: {} });
    panel(draft);
    fireEvent.change(screen.getByLabelText("Tweak instruction"), { target: { value: "shorter" } });
    fireEvent.click(screen.getByRole("button", { name: "Tweak…" }));
    const reruns = screen.getByRole("list", { name: "Steps that will run again" });
    expect(within(reruns).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["Draft", "Done"]);
    expect(screen.getByTestId("estimate").textContent).toMatch(/3 credits, about 30 tokens.*estimate/);
    fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
    await vi.waitFor(() => expect(post).toHaveBeenCalled());
    expect(post.mock.calls[0]?.[0]).toBe("/api/v1/executions/{id}/steps/{step}/tweak");
    expect(post.mock.calls[0]?.[1]).toMatchObject({ body: { instruction: "shorter" } });
  });

  it("offers nothing to steer on a step whose type is neither generative nor rebuildable, and says there is no prompt", async () => {
    get.mockResolvedValue({ data: { current: 1, items: [] } });
    panel(done);
    expect(screen.queryByRole("group", { name: "Step actions" })).toBeNull();
    expect(await screen.findByText(/keeps no prompt/)).toBeTruthy();
    expect(screen.getByText(/"ok": true/)).toBeTruthy();
  });

  it("closes with Escape", () => {
    get.mockResolvedValue({ data: versions });
    const onClose = vi.fn();
    panel(draft, "editor", onClose);
    fireEvent.keyDown(screen.getByLabelText("Tweak instruction"), { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });

  it("disables steering for a viewer, with the reason", () => {
    get.mockResolvedValue({ data: versions });
    panel(draft, "viewer");
    for (const b of [screen.getByRole("button", { name: "Tweak…" }), screen.getByRole("button", { name: "Regenerate…" })]) {
      expect(b).toHaveProperty("disabled", true);
      expect(b.getAttribute("title")).toMatch(/viewer role/);
    }
  });
});

describe("TextDiff", () => {
  it("marks what changed since the version before", () => {
    const { container } = render(<TextDiff text="A warm line." before="A cold line." />);
    expect(container.querySelector("ins")?.textContent).toBe("warm");
    expect(container.querySelector("del")?.textContent).toBe("cold");
  });
});
