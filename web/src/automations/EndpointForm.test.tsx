// The endpoint form in jsdom, with the API answered by fakes: what cannot be sent is named
// before sending, the server's refusal goes next to the field it names (a host off the
// allow-list next to the URL, an event next to the events), and a created endpoint is handed on
// with its secret shown once.
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const summaries = [
  { id: "tpl_insta", version: 1, name: "Instagram post", description: "", category: "social_media", builtin: true, content_hash: "x", created_at: "2026-12-04T10:00:00.000Z" },
];
const answers: unknown[] = [];
const sent: unknown[] = [];
vi.mock("../api/client", () => ({
  describeError: (e: { error?: { message?: string } } | undefined) => e?.error?.message ?? "failed",
  api: {
    POST: vi.fn(async (_path: string, init: { body: unknown }) => {
      sent.push(init.body);
      return answers.shift();
    }),
  },
}));

const { EndpointForm, EndpointSecret } = await import("./EndpointForm");

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

function messageOf(control: HTMLElement): string {
  return (control.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .map((id) => document.getElementById(id)?.textContent ?? "")
    .join(" ");
}

async function submit() {
  await act(async () => {
    fireEvent.click(screen.getByRole("button", { name: "Create endpoint" }));
  });
}

describe("EndpointForm", () => {
  it("names what cannot be sent before sending", async () => {
    render(<EndpointForm templates={summaries} onCreated={() => {}} onCancel={() => {}} />);
    for (const label of [/^completed/, /^failed/, /^stopped/, /^approval requested/]) fireEvent.click(screen.getByLabelText(label));
    fireEvent.change(screen.getByLabelText("URL"), { target: { value: "hooks.example.com/atelier" } });
    await submit();
    expect(sent).toEqual([]);
    expect(screen.getByText("Give the endpoint a name")).toBeTruthy();
    expect(messageOf(screen.getByLabelText("URL"))).toContain("is not a URL");
    expect(screen.getByText("Pick at least one event to send")).toBeTruthy();
  });

  it("shows the server's refusal next to the field it names", async () => {
    render(<EndpointForm templates={summaries} onCreated={() => {}} onCancel={() => {}} />);
    fireEvent.change(screen.getByLabelText("Endpoint name"), { target: { value: "crm" } });
    fireEvent.change(screen.getByLabelText("URL"), { target: { value: "http://127.0.0.1:1/hook" } });
    fireEvent.click(screen.getByLabelText(/^approval requested/));
    fireEvent.change(screen.getByLabelText("Only runs of (optional)"), { target: { value: "tpl_insta" } });
    answers.push(refusal(400, "field 'url': host '127.0.0.1:1' is not on the allow-list", { field: "url" }));
    await submit();
    expect(sent[0]).toEqual({
      name: "crm",
      url: "http://127.0.0.1:1/hook",
      events: ["execution_completed", "execution_failed", "execution_stopped"],
      template: "Instagram post",
    });
    const url = screen.getByLabelText("URL");
    expect(url.getAttribute("aria-invalid")).toBe("true");
    expect(messageOf(url)).toContain("host '127.0.0.1:1' is not on the allow-list");
    expect(screen.queryByRole("alert")).toBeNull();
    // Changing the URL clears its message; an event the server refuses goes next to the events.
    fireEvent.change(url, { target: { value: "http://127.0.0.1:9000/hook" } });
    expect(url.getAttribute("aria-invalid")).toBeNull();
    answers.push(refusal(400, "field 'events[0]': unknown event type 'x'", { field: "events[0]" }));
    await submit();
    expect(messageOf(screen.getByLabelText(/^completed/))).toContain("unknown event type 'x'");
  });

  it("hands on the created endpoint, whose secret is shown once with a copy button", async () => {
    const onCreated = vi.fn();
    render(<EndpointForm templates={summaries} onCreated={onCreated} onCancel={() => {}} />);
    fireEvent.change(screen.getByLabelText("Endpoint name"), { target: { value: "crm" } });
    fireEvent.change(screen.getByLabelText("URL"), { target: { value: "https://hooks.example.com/atelier" } });
    fireEvent.click(screen.getByLabelText("Paused"));
    const created = { id: "ntf_1", name: "crm", kind: "workspace", url: "https://hooks.example.com/atelier", secret: "whsec_abc", paused: true };
    answers.push({ data: created });
    await submit();
    expect(sent[0]).toMatchObject({ paused: true });
    expect(sent[0]).not.toHaveProperty("template");
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(created));
    cleanup();
    render(
      <EndpointSecret
        endpoint={{ ...created, kind: "workspace", events: ["execution_completed"], template: null, created_at: "", updated_at: "" }}
        onDone={() => {}}
      />,
    );
    expect(screen.getByRole("region", { name: "Secret of the endpoint crm" })).toBeTruthy();
    expect(screen.getByTestId("endpoint-secret").textContent).toBe("whsec_abc");
    expect(screen.getByRole("button", { name: "Copy the secret" })).toBeTruthy();
  });
});
