// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ExecutionDetail } from "../api/client";

const post = vi.fn();
vi.mock("../api/client", () => ({
  api: { POST: (...a: unknown[]) => post(...a) },
  describeError: (e: { error?: { message?: string } } | undefined) => e?.error?.message ?? "failed",
}));
const navigate = vi.fn();
vi.mock("../nav", () => ({ navigate: (v: unknown) => navigate(v) }));

const { Controls } = await import("./Controls");

const exec = (status: ExecutionDetail["status"]): ExecutionDetail => ({
  id: "ex_1", status, template_id: "tpl_1", template_version: 3, inputs: { topic: "tea" },
  template: { id: "tpl_1", name: "T", version: 3 }, progress: { percent: 100, stage: 2, stages: 2, finished: 2, total: 2, running: [], waiting: [] },
  stage: "stage 2 of 2", totals: { cost: 0, images: 0, input_tokens: 0, output_tokens: 0 }, reason: "", error: null,
  created_at: null, started_at: null, finished_at: null, updated_at: null, workspace_id: "default",
});

afterEach(() => {
  cleanup();
  post.mockReset();
  navigate.mockReset();
});

describe("Controls", () => {
  it("offers Back, Again and Close after a result; Again launches the same version with the same inputs", async () => {
    post.mockResolvedValue({ data: { id: "ex_2" } });
    render(<Controls exec={exec("completed")} role="editor" onDone={() => {}} />);
    fireEvent.click(screen.getByRole("button", { name: "Again" }));
    await waitFor(() => expect(navigate).toHaveBeenCalledWith({ kind: "execution", id: "ex_2" }));
    expect(post).toHaveBeenCalledWith("/api/v1/executions", { body: { template_id: "tpl_1", version: 3, inputs: { topic: "tea" } } });
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    expect(navigate).toHaveBeenLastCalledWith({ kind: "launch", templateId: "tpl_1", from: "ex_1" });
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(navigate).toHaveBeenLastCalledWith({ kind: "runs" });
  });

  it("has no result choices while running, and shows the API's refusal", async () => {
    post.mockResolvedValue({ error: { error: { code: "conflict", message: "execution cannot go from completed to paused" } } });
    render(<Controls exec={exec("running")} role="editor" onDone={() => {}} />);
    expect(screen.queryByRole("button", { name: "Again" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    expect((await screen.findByRole("alert")).textContent).toBe("execution cannot go from completed to paused");
  });

  it("disables everything a viewer may not do, with the reason", () => {
    render(<Controls exec={exec("failed")} role="viewer" onDone={() => {}} />);
    for (const name of ["Pause", "Resume", "Stop", "Retry", "Again"]) {
      const b = screen.getByRole("button", { name });
      expect(b).toHaveProperty("disabled", true);
      expect(b.getAttribute("title")).toMatch(/viewer role/);
    }
    expect(screen.getByRole("button", { name: "Close" })).toHaveProperty("disabled", false);
  });
});
