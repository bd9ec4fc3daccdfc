// The schedule form in jsdom, with the API answered by fakes: the server's refusal goes next to
// the field it names, every input problem of a 422 next to its input, and a created schedule is
// handed on.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const template = {
  id: "tpl_insta",
  version: 1,
  name: "Instagram post",
  description: "",
  category: "social_media",
  builtin: true,
  content_hash: "x",
  created_at: "2026-12-04T10:00:00.000Z",
  definition: {
    name: "Instagram post",
    nodes: [],
    inputs: { product: { type: "string", required: true }, hashtags: { type: "integer", default: 5 } },
  },
};
const summaries = [{ ...template, definition: undefined }];
const answers: unknown[] = [];
const sent: unknown[] = [];
vi.mock("../api/client", () => ({
  describeError: (e: { error?: { message?: string } } | undefined) => e?.error?.message ?? "failed",
  api: {
    GET: vi.fn(async () => ({ data: template })),
    POST: vi.fn(async (_path: string, init: { body: unknown }) => {
      sent.push(init.body);
      return answers.shift();
    }),
  },
}));

const { ScheduleForm } = await import("./ScheduleForm");

const refusal = (status: number, message: string, details: Record<string, unknown>) => ({
  data: undefined,
  error: { error: { code: "invalid_argument", message, details } },
  response: new Response(null, { status }),
});

beforeEach(() => {
  answers.length = 0;
  sent.length = 0;
});
afterEach(cleanup);

async function filled(onCreated = vi.fn()) {
  render(<ScheduleForm templates={summaries} onCreated={onCreated} onCancel={() => {}} />);
  fireEvent.change(screen.getByLabelText("Schedule name"), { target: { value: "monday post" } });
  fireEvent.change(screen.getByLabelText("Template"), { target: { value: "tpl_insta" } });
  // The inputs appear with the template, and take their defaults a moment later: wait for those,
  // or a value typed in between is reset.
  await screen.findByLabelText(/^product/);
  await waitFor(() => expect((screen.getByLabelText(/^hashtags/) as HTMLInputElement).value).toBe("5"));
  fireEvent.change(screen.getByLabelText(/^product/), { target: { value: "oat milk" } });
  fireEvent.change(screen.getByLabelText("Cron expression"), { target: { value: "0 99 * * mon" } });
  fireEvent.change(screen.getByLabelText("Time zone"), { target: { value: "Europe/Paris" } });
  return onCreated;
}

describe("ScheduleForm", () => {
  it("shows the server's refusal next to the field it names", async () => {
    await filled();
    answers.push(refusal(400, "cron field 2 (hour) '99': 99 is out of range 0-23", { field: "cron" }));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Create schedule" }));
    });
    // The submit awaits the template's inputs first: on a busy machine it may post a bit later.
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      name: "monday post",
      template: "Instagram post",
      inputs: { product: "oat milk", hashtags: 5 },
      catch_up: "run_once",
      cron: "0 99 * * mon",
      time_zone: "Europe/Paris",
    });
    const cron = screen.getByLabelText("Cron expression");
    await waitFor(() => expect(cron.getAttribute("aria-invalid")).toBe("true"));
    const described = (cron.getAttribute("aria-describedby") ?? "").split(" ");
    const message = described.map((id) => document.getElementById(id)?.textContent).join(" ");
    expect(message).toContain("99 is out of range 0-23");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows every input problem of a 422 next to its input, and the others above the button", async () => {
    await filled();
    answers.push(
      refusal(422, "inputs.product: too long", {
        field: "inputs.product",
        errors: [
          { field: "inputs.product", message: "too long" },
          { field: "inputs.hashtags", message: "must be at most 30" },
          { field: "version", message: "version 2 is not the current one" },
        ],
      }),
    );
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Create schedule" }));
    });
    await waitFor(() => expect(screen.getByText("too long")).toBeTruthy());
    expect(screen.getByText("hashtags must be at most 30")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("version 2 is not the current one");
  });

  it("checks the form before sending, and hands on the created schedule", async () => {
    const onCreated = await filled();
    fireEvent.click(screen.getByLabelText("Every N seconds"));
    fireEvent.change(screen.getByLabelText("Interval in seconds"), { target: { value: "0" } });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Create schedule" }));
    });
    expect(sent).toEqual([]);
    expect(screen.getByText(/whole number of seconds/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Interval in seconds"), { target: { value: "3600" } });
    expect(screen.getByText("A launch every 1 h.")).toBeTruthy();
    answers.push({ data: { id: "sch_1", name: "monday post" } });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Create schedule" }));
    });
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ every_seconds: 3600 });
    expect(sent[0]).not.toHaveProperty("cron");
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith({ id: "sch_1", name: "monday post" }));
  });
});
