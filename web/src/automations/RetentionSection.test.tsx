// The retention section in jsdom, with the API answered by fakes: the saved policy, the last sweep
// and the totals; rules checked before sending; a preview of the proposed rules (both sent, the
// runs that would go linked); the server's refusal next to the rule it names; Save; Sweep now
// asks first with what the saved policy lets go, then says what it did; a key that is not admin
// sees Save and Sweep now disabled with the reason, and may still preview.
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const stored = {
  max_age_days: null,
  keep_last: 1,
  keeps_everything: false,
  updated_at: "2026-12-05T09:00:00.000Z",
  last_sweep: {
    at: "2026-12-05T09:05:00.000Z",
    deleted: 3,
    kept: { notifying: 1 },
    freed: { executions: 3, steps: 9, events: 21, artifacts: 3, blobs: 3, bytes: 3072 },
    complete: true,
  },
  totals: { executions: 7, bytes: 10240 },
};
const previewAnswer = {
  executions: 2,
  sub_executions: 0,
  steps: 6,
  events: 14,
  artifacts: 2,
  blobs: 2,
  bytes: 5962,
  examples: [
    { id: "ex_old", template_id: "tpl_poster", status: "completed", finished_at: "2026-12-01T09:00:00.000Z" },
    { id: "ex_gone", template_id: "tpl_deleted", status: "failed", finished_at: "2026-12-02T09:00:00.000Z" },
  ],
  truncated: false,
};
const calls: { method: string; path: string; body?: unknown }[] = [];
const answers: Record<string, unknown[]> = {};
function answer(key: string, fallback: unknown) {
  return answers[key]?.shift() ?? fallback;
}
vi.mock("../api/client", () => ({
  describeError: (e: { error?: { message?: string } } | undefined) => e?.error?.message ?? "failed",
  api: {
    GET: vi.fn(async (path: string) => {
      calls.push({ method: "GET", path });
      return answer(`GET ${path}`, { data: stored });
    }),
    PUT: vi.fn(async (path: string, init: { body: unknown }) => {
      calls.push({ method: "PUT", path, body: init.body });
      return answer(`PUT ${path}`, { data: { ...stored, ...(init.body as object), updated_at: "2026-12-05T10:00:00.000Z" } });
    }),
    POST: vi.fn(async (path: string, init?: { body: unknown }) => {
      calls.push({ method: "POST", path, body: init?.body });
      if (path === "/api/v1/retention/run")
        return answer(`POST ${path}`, {
          data: { deleted: 2, kept: {}, freed: { executions: 2, steps: 6, events: 14, artifacts: 2, blobs: 2, bytes: 5962 }, complete: true, blobs_removed: 0, bytes_removed: 0 },
        });
      return answer(`POST ${path}`, { data: previewAnswer });
    }),
  },
}));

const { RetentionSection } = await import("./RetentionSection");

const names = new Map([["tpl_poster", "Poster"]]);

const refusal = (message: string, details: Record<string, unknown>) => ({
  data: undefined,
  error: { error: { code: "invalid_argument", message, details } },
  response: new Response(null, { status: 400 }),
});

beforeEach(() => {
  calls.length = 0;
  for (const k of Object.keys(answers)) delete answers[k];
});
afterEach(cleanup);

async function shown(role: "viewer" | "editor" | "admin") {
  await act(async () => {
    render(<RetentionSection role={role} names={names} />);
  });
}

async function click(name: string | RegExp) {
  await act(async () => {
    fireEvent.click(screen.getByRole("button", { name }));
  });
}

function messageOf(control: HTMLElement): string {
  return (control.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .map((id) => document.getElementById(id)?.textContent ?? "")
    .join(" ");
}

describe("RetentionSection", () => {
  it("shows the saved policy in one sentence, the last sweep and what sweeps deleted so far", async () => {
    await shown("admin");
    expect(screen.getByTestId("retention-policy").textContent).toBe("Keeps the newest finished run of each template and deletes the older ones");
    expect(screen.getByTestId("last-sweep").textContent).toBe(
      "Deleted 3 runs, freeing 3.0 KB. 1 run stays for now (1 because a notification is pending): a later sweep deletes it.",
    );
    expect(screen.getByTestId("retention-totals").textContent).toBe("7 runs, 10.0 KB");
    // The form starts at the saved rules.
    const keep = screen.getByRole("checkbox", { name: "Keep the newest K finished runs of each template" });
    expect((keep as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole("checkbox", { name: "Delete finished runs older than N days" }) as HTMLInputElement).checked).toBe(false);
  });

  it("checks the rules before sending, previews the proposed ones and links the runs that would go", async () => {
    await shown("admin");
    const days = screen.getByLabelText("N: age in days");
    fireEvent.change(days, { target: { value: "0" } });
    await click("Preview");
    expect(calls.filter((c) => c.method === "POST")).toEqual([]);
    expect(days.getAttribute("aria-invalid")).toBe("true");
    expect(messageOf(days)).toContain("At least 1 day: untick the rule to have none");
    // Typing a number ticks its rule; unticking clears its message.
    expect((screen.getByRole("checkbox", { name: "Delete finished runs older than N days" }) as HTMLInputElement).checked).toBe(true);
    fireEvent.change(days, { target: { value: "30" } });
    expect(screen.getByTestId("proposed-policy").textContent).toContain("Deletes finished runs older than 30 days, but keeps the newest one of each template.");
    expect(screen.getByTestId("proposed-policy").textContent).toContain("Not saved yet");
    await click("Preview");
    expect(calls.at(-1)).toEqual({ method: "POST", path: "/api/v1/retention/preview", body: { max_age_days: 30, keep_last: 1 } });
    const box = screen.getByRole("region", { name: "Preview" });
    expect(within(box).getByTestId("preview-summary").textContent).toBe("Would delete 2 runs now, freeing 5.8 KB.");
    expect(within(box).getByTestId("preview-events").textContent).toBe("14");
    const runs = within(box).getByRole("table", { name: "Runs that would go" });
    expect(within(runs).getByRole("link", { name: "ex_old" }).getAttribute("href")).toBe("/executions/ex_old");
    expect(within(runs).getByText("Poster")).toBeTruthy();
    expect(within(runs).getByText("tpl_deleted")).toBeTruthy();
    // Changing a rule takes the preview away (it measured other rules).
    fireEvent.click(screen.getByRole("checkbox", { name: "Keep the newest K finished runs of each template" }));
    expect(screen.queryByRole("region", { name: "Preview" })).toBeNull();
    await click("Preview");
    expect(calls.at(-1)?.body).toEqual({ max_age_days: 30, keep_last: null });
  });

  it("shows the server's refusal next to the rule it names, and saves", async () => {
    await shown("admin");
    answers["PUT /api/v1/retention"] = [refusal("field 'keep_last': must be an integer from 1 to 1000000, or null for no such rule; got 5000000", { field: "keep_last" })];
    await click("Save policy");
    const keep = screen.getByLabelText("K: runs to keep of each template");
    expect(keep.getAttribute("aria-invalid")).toBe("true");
    expect(messageOf(keep)).toContain("must be an integer from 1 to 1000000, or null for no such rule; got 5000000");
    expect(screen.queryByRole("alert")).toBeNull();
    fireEvent.change(keep, { target: { value: "20" } });
    expect(keep.getAttribute("aria-invalid")).toBeNull();
    await click("Save policy");
    expect(calls.at(-1)).toEqual({ method: "PUT", path: "/api/v1/retention", body: { max_age_days: null, keep_last: 20 } });
    expect(screen.getByTestId("retention-policy").textContent).toBe("Keeps the newest 20 finished runs of each template and deletes the older ones");
    expect(screen.getByRole("status").textContent).toContain("Saved: keeps the newest 20");
  });

  it("sweeps now only after a confirmation that says what the saved policy lets go, then says what it did", async () => {
    await shown("admin");
    await click("Sweep now");
    expect(calls.at(-1)).toEqual({ method: "POST", path: "/api/v1/retention/preview", body: {} });
    const confirm = screen.getByRole("group", { name: "Confirm sweeping now" });
    expect(confirm.textContent).toContain("Delete 2 runs now, freeing 5.8 KB? They cannot be brought back.");
    await act(async () => {
      fireEvent.click(within(confirm).getByRole("button", { name: "Not now" }));
    });
    expect(calls.some((c) => c.path === "/api/v1/retention/run")).toBe(false);
    await click("Sweep now");
    await act(async () => {
      fireEvent.click(within(screen.getByRole("group", { name: "Confirm sweeping now" })).getByRole("button", { name: "Yes, delete them" }));
    });
    expect(calls.filter((c) => c.path === "/api/v1/retention/run")).toHaveLength(1);
    expect(screen.getByTestId("sweep-report").textContent).toBe(
      "Deleted 2 runs, freeing 5.8 KB. Removed from storage now: 0 B; files stored within the last hour are removed by a later sweep.",
    );
    // The policy is read again (its last sweep and totals).
    expect(calls.filter((c) => c.method === "GET")).toHaveLength(2);
  });

  it("a key that is not admin sees Save and Sweep now disabled with the reason, and may preview", async () => {
    await shown("editor");
    for (const name of ["Save policy", "Sweep now"]) {
      const b = screen.getByRole("button", { name });
      expect(b.hasAttribute("disabled")).toBe(true);
      expect(b.getAttribute("title")).toBe("Saving the policy and sweeping need the admin role; your key has editor");
    }
    expect(screen.getByText(/Your key has the editor role: you see the policy and can preview one/)).toBeTruthy();
    await click("Preview");
    expect(calls.at(-1)?.path).toBe("/api/v1/retention/preview");
    expect(calls.some((c) => c.method === "PUT")).toBe(false);
  });

  it("Sweep now is disabled while the saved policy keeps everything", async () => {
    answers["GET /api/v1/retention"] = [{ data: { ...stored, keep_last: null, keeps_everything: true, last_sweep: null, totals: { executions: 0, bytes: 0 } } }];
    await shown("admin");
    expect(screen.getByTestId("retention-policy").textContent).toBe("Keeps everything");
    expect(screen.getByTestId("last-sweep").textContent).toBe("None has deleted anything yet");
    expect(screen.getByTestId("retention-totals").textContent).toBe("Nothing yet");
    const sweep = screen.getByRole("button", { name: "Sweep now" });
    expect(sweep.hasAttribute("disabled")).toBe(true);
    expect(sweep.getAttribute("title")).toBe("The saved policy keeps everything: there is nothing to sweep");
  });
});
