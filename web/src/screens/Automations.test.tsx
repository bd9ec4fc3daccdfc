// The Automations screen in jsdom, with the API answered by fakes: the lists (when, next due,
// last run linked, last error), what a viewer is not offered, pausing, and deleting only after a
// confirmation; the notification endpoints (the launch one's target) and their deliveries, a
// delivery's body, and resending (not while pending, not for a viewer).
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const schedule = {
  id: "sch_1",
  name: "monday post",
  template: "Instagram post",
  inputs: { product: "oat milk" },
  cron: "0 9 * * mon",
  time_zone: "Europe/Paris",
  every_seconds: null,
  start_at: null,
  catch_up: "run_once",
  misfire_grace_seconds: 60,
  paused: false,
  next_due_at: "2099-12-07T08:00:00.000Z",
  next_fire_times: ["2099-12-07T08:00:00.000Z", "2099-12-14T08:00:00.000Z"],
  last_due_at: null,
  last_fired_at: "2026-11-30T08:00:00.000Z",
  last_execution_id: "ex_42",
  last_error: "inputs no longer fit version 2",
  fire_count: 3,
  skip_count: 0,
  created_at: "2026-11-01T08:00:00.000Z",
  updated_at: "2026-11-01T08:00:00.000Z",
  version: null,
};
const trigger = {
  id: "trg_1",
  name: "cms",
  template: "Instagram post",
  inputs: {},
  map: { product: "/data/name" },
  url: "/api/v1/hooks/trg_1",
  delivery_count: 7,
  last_delivery_at: null,
  last_delivery_id: null,
  last_execution_id: null,
  paused: false,
  tolerance_seconds: 300,
  created_at: "2026-11-01T08:00:00.000Z",
  updated_at: "2026-11-01T08:00:00.000Z",
  version: null,
};
const launchEndpoint = {
  id: "ntf_launch",
  name: "launch-callbacks",
  kind: "launch",
  url: null,
  events: ["execution_completed", "execution_failed", "execution_stopped", "approval_requested"],
  template: null,
  paused: false,
  created_at: "2026-11-01T08:00:00.000Z",
  updated_at: "2026-11-01T08:00:00.000Z",
};
const crm = { ...launchEndpoint, id: "ntf_crm", name: "crm", kind: "workspace", url: "https://hooks.example.com/atelier", events: ["execution_completed"], template: "Instagram post" };
const delivered = {
  id: "dlv_1",
  endpoint_id: "ntf_crm",
  execution_id: "ex_7",
  event: "execution_completed",
  event_id: 12,
  url: "https://hooks.example.com/atelier",
  status: "delivered",
  attempts: 1,
  next_attempt_at: null,
  last_attempt_at: "2026-12-05T09:00:00.000Z",
  last_status_code: 200,
  last_error: null,
  delivered_at: "2026-12-05T09:00:00.000Z",
  created_at: "2026-12-05T09:00:00.000Z",
};
const pendingDelivery = {
  ...delivered,
  id: "dlv_2",
  execution_id: "ex_8",
  event: "execution_failed",
  status: "pending",
  attempts: 2,
  next_attempt_at: "2099-12-05T09:00:30.000Z",
  last_status_code: 500,
  last_error: "the receiver answered HTTP 500: busy",
  delivered_at: null,
};
const posted: string[] = [];
const deleted: string[] = [];
vi.mock("../api/client", () => ({
  describeError: () => "failed",
  api: {
    GET: vi.fn(async (path: string) => {
      if (path === "/api/v1/schedules") return { data: { items: [schedule] } };
      if (path === "/api/v1/triggers") return { data: { items: [trigger] } };
      if (path === "/api/v1/notifications/endpoints") return { data: { items: [launchEndpoint, crm] } };
      if (path === "/api/v1/notifications/deliveries") return { data: { items: [pendingDelivery, delivered], next_cursor: null } };
      if (path === "/api/v1/notifications/deliveries/{id}") return { data: { ...delivered, body: { id: "dlv_1", type: "execution_completed" } } };
      if (path === "/api/v1/retention")
        return { data: { max_age_days: null, keep_last: null, keeps_everything: true, updated_at: null, last_sweep: null, totals: { executions: 0, bytes: 0 } } };
      return { data: { items: [], next_cursor: null } };
    }),
    POST: vi.fn(async (path: string) => {
      posted.push(path);
      if (path === "/api/v1/notifications/deliveries/{id}/resend") return { data: { ...delivered, status: "pending", next_attempt_at: "2099-12-05T09:00:00.000Z" } };
      return { data: { ...schedule, paused: true, next_due_at: null, next_fire_times: [] } };
    }),
    DELETE: vi.fn(async (path: string) => {
      deleted.push(path);
      return { response: new Response(null, { status: 204 }) };
    }),
  },
}));
vi.mock("../live", () => ({ useEventStream: () => "live" }));

const { default: Automations } = await import("./Automations");

beforeEach(() => {
  posted.length = 0;
  deleted.length = 0;
});
afterEach(cleanup);

async function shown(role: "viewer" | "editor") {
  await act(async () => {
    render(<Automations role={role} />);
  });
  return screen.getByRole("table", { name: "Schedules" });
}

describe("Automations", () => {
  it("lists a schedule's when, next due time, last run (linked) and last error, and a trigger's full URL", async () => {
    const table = await shown("editor");
    const row = within(table).getByText("monday post").closest("tr");
    if (!row) throw new Error("no row for the schedule");
    const cells = within(row);
    expect(cells.getByText("cron 0 9 * * mon (Europe/Paris)")).toBeTruthy();
    expect(cells.getByRole("link", { name: "ex_42" }).getAttribute("href")).toBe("/executions/ex_42");
    expect(cells.getByText("inputs no longer fit version 2").className).toContain("field-error");
    const due = row.querySelector("[data-testid=next-due] > time");
    expect(due?.textContent).toBe(new Date("2099-12-07T08:00:00.000Z").toLocaleString());
    expect(cells.getByRole("list", { name: "Next fire times of monday post" }).children).toHaveLength(2);
    const triggers = screen.getByRole("table", { name: "Webhook triggers" });
    expect(within(triggers).getByTestId("trigger-url").textContent).toBe(`${window.location.origin}/api/v1/hooks/trg_1`);
    expect(within(triggers).getByTestId("delivery-count").textContent).toBe("7");
  });

  it("a viewer sees the lists without create, pause or delete buttons", async () => {
    await shown("viewer");
    expect(screen.getByText("monday post")).toBeTruthy();
    expect(screen.getByText("cms")).toBeTruthy();
    for (const name of [/New schedule/, /New trigger/, /New endpoint/, /^Pause/, /^Delete/, /^Rotate/]) expect(screen.queryByRole("button", { name })).toBeNull();
    expect(within(screen.getByRole("table", { name: "Notifications" })).getByText("crm")).toBeTruthy();
    const resend = screen.getByRole("button", { name: "Resend dlv_1" });
    expect(resend.hasAttribute("disabled")).toBe(true);
    expect(resend.getAttribute("title")).toBe("Your key has the viewer role: resending needs editor");
  });

  it("lists the endpoints and their deliveries: target, events, run linked, last answer", async () => {
    await shown("editor");
    const endpoints = screen.getByRole("table", { name: "Notifications" });
    const launch = within(endpoints).getByText("launch-callbacks").closest("tr");
    if (!launch) throw new Error("no row for the launch endpoint");
    expect(within(launch).getByText("each launch's notify.url")).toBeTruthy();
    expect(within(launch).getByText("all four")).toBeTruthy();
    expect(within(launch).getByRole("button", { name: "Delete launch-callbacks" }).hasAttribute("disabled")).toBe(true);
    const row = within(endpoints).getByText("crm").closest("tr");
    if (!row) throw new Error("no row for crm");
    expect(within(row).getByText("https://hooks.example.com/atelier")).toBeTruthy();
    expect(within(row).getByText("completed")).toBeTruthy();
    expect(within(row).getByText("Instagram post")).toBeTruthy();
    const deliveries = screen.getByRole("table", { name: "Deliveries" });
    const one = deliveries.querySelector("tr[data-delivery=dlv_1]");
    if (!(one instanceof HTMLElement)) throw new Error("no row for dlv_1");
    expect(within(one).getByRole("link", { name: "ex_7" }).getAttribute("href")).toBe("/executions/ex_7");
    expect(within(one).getByTestId("last-answer").textContent).toBe("HTTP 200");
    expect(within(one).getByText("crm")).toBeTruthy();
    const two = deliveries.querySelector("tr[data-delivery=dlv_2]");
    if (!(two instanceof HTMLElement)) throw new Error("no row for dlv_2");
    expect(within(two).getByTestId("last-answer").textContent).toBe("the receiver answered HTTP 500: busy");
    expect(two.textContent).toContain("next attempt in");
  });

  it("shows a delivery's body, and resends a delivered one but not a pending one", async () => {
    await shown("editor");
    const pending = screen.getByRole("button", { name: "Resend dlv_2" });
    expect(pending.hasAttribute("disabled")).toBe(true);
    expect(pending.getAttribute("title")).toMatch(/pending/);
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Show the body of dlv_1" }));
    });
    expect(JSON.parse(screen.getByTestId("delivery-body").textContent ?? "")).toEqual({ id: "dlv_1", type: "execution_completed" });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Resend dlv_1" }));
    });
    expect(posted).toEqual(["/api/v1/notifications/deliveries/{id}/resend"]);
    expect(document.querySelector("tr[data-delivery=dlv_1]")?.getAttribute("data-status")).toBe("pending");
    expect(screen.getByRole("button", { name: "Resend dlv_1" }).hasAttribute("disabled")).toBe(true);
  });

  it("pauses a schedule, and deletes it only after a confirmation", async () => {
    await shown("editor");
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Pause monday post" }));
    });
    expect(posted).toEqual(["/api/v1/schedules/{id}/pause"]);
    expect(screen.getByRole("button", { name: "Resume monday post" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Delete monday post" }));
    const confirm = screen.getByRole("group", { name: "Confirm deleting monday post" });
    fireEvent.click(within(confirm).getByRole("button", { name: "Keep it" }));
    expect(deleted).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Delete monday post" }));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Yes, delete" }));
    });
    expect(deleted).toEqual(["/api/v1/schedules/{id}"]);
    expect(screen.queryByText("monday post")).toBeNull();
  });
});
