import { describe, expect, it } from "vitest";
import type { ApiError } from "../api/client";
import {
  buildEndpointBody,
  deliveryTime,
  describeEvents,
  emptyEndpointDraft,
  endpointErrorsFromApi,
  endpointName,
  endpointTarget,
  lastAnswer,
  nextCheck,
  prettyBody,
  resendReason,
  toggleEvent,
  urlProblem,
} from "./notifications";

const apiError = (message: string, details: Record<string, unknown>): ApiError => ({ error: { code: "invalid_argument", message, details } });

describe("buildEndpointBody", () => {
  it("name, URL and events in the API's order; template and paused only when set", () => {
    const { body, errors } = buildEndpointBody({
      name: " crm ",
      url: " https://hooks.example.com/atelier?token=1 ",
      events: ["execution_failed", "execution_completed"],
      template: "",
      paused: false,
    });
    expect(errors.fields).toEqual({});
    expect(body).toEqual({ name: "crm", url: "https://hooks.example.com/atelier?token=1", events: ["execution_completed", "execution_failed"] });
    const paused = buildEndpointBody({ ...emptyEndpointDraft(), name: "crm", url: "http://127.0.0.1:9000/hook", template: "Instagram post", paused: true });
    expect(paused.body).toEqual({
      name: "crm",
      url: "http://127.0.0.1:9000/hook",
      events: ["execution_completed", "execution_failed", "execution_stopped", "approval_requested"],
      template: "Instagram post",
      paused: true,
    });
  });

  it("names what cannot be sent: no name, the reserved name, a URL that is not http(s), no event", () => {
    const empty = buildEndpointBody({ ...emptyEndpointDraft(), events: [] });
    expect(empty.body).toBeNull();
    expect(Object.keys(empty.errors.fields).sort()).toEqual(["events", "name", "url"]);
    expect(buildEndpointBody({ ...emptyEndpointDraft(), name: "launch-callbacks", url: "https://a.example" }).errors.fields["name"]).toMatch(/launch callbacks/);
    expect(buildEndpointBody({ ...emptyEndpointDraft(), name: "x".repeat(101), url: "https://a.example" }).errors.fields["name"]).toMatch(/at most 100/);
    expect(urlProblem("hooks.example.com/atelier")).toMatch(/is not a URL/);
    expect(urlProblem("ftp://hooks.example.com/x")).toBe("Only http and https URLs, not ftp");
    expect(urlProblem("https://hooks.example.com/x")).toBe("");
  });

  it("checks and unchecks events, keeping the API's order", () => {
    expect(toggleEvent(["approval_requested"], "execution_completed", true)).toEqual(["execution_completed", "approval_requested"]);
    expect(toggleEvent(["execution_completed", "approval_requested"], "approval_requested", false)).toEqual(["execution_completed"]);
  });
});

describe("endpointErrorsFromApi", () => {
  it("puts a refused URL next to the URL field, and a bad event next to the events", () => {
    const url = endpointErrorsFromApi(
      apiError(`field 'url': host '127.0.0.1:1' is not on the allow-list ("http": {"allow_hosts": [...]} in the providers file)`, { field: "url" }),
      "",
    );
    expect(url.fields).toEqual({ url: `host '127.0.0.1:1' is not on the allow-list ("http": {"allow_hosts": [...]} in the providers file)` });
    const event = endpointErrorsFromApi(apiError("field 'events[1]': unknown event type 'x'; use one of execution_completed", { field: "events[1]" }), "");
    expect(event.fields).toEqual({ events: "unknown event type 'x'; use one of execution_completed" });
    expect(endpointErrorsFromApi(apiError("an endpoint named 'crm' already exists", { field: "name" }), "").fields).toEqual({
      name: "an endpoint named 'crm' already exists",
    });
    expect(endpointErrorsFromApi(apiError("template 'Nope' not found", { field: "template" }), "").fields).toEqual({ template: "template 'Nope' not found" });
    expect(endpointErrorsFromApi(undefined, "The server could not be reached").other).toEqual(["The server could not be reached"]);
  });
});

describe("how endpoints and deliveries read", () => {
  it("where an endpoint sends, its events, and a deleted endpoint", () => {
    expect(endpointTarget({ kind: "launch", url: null })).toBe("each launch's notify.url");
    expect(endpointTarget({ kind: "workspace", url: "https://a.example/x" })).toBe("https://a.example/x");
    expect(describeEvents(["approval_requested", "execution_completed", "execution_failed", "execution_stopped"])).toBe("all four");
    expect(describeEvents(["execution_completed", "approval_requested"])).toBe("completed, approval requested");
    expect(endpointName("ntf_1", [{ id: "ntf_1", name: "crm" }])).toBe("crm");
    expect(endpointName("ntf_2", [{ id: "ntf_1", name: "crm" }])).toBe("deleted (ntf_2)");
  });

  it("the last answer: its status, or what went wrong", () => {
    expect(lastAnswer({ attempts: 1, last_status_code: 204, last_error: null })).toBe("HTTP 204");
    expect(lastAnswer({ attempts: 2, last_status_code: 500, last_error: "the receiver answered HTTP 500: oops" })).toBe("the receiver answered HTTP 500: oops");
    expect(lastAnswer({ attempts: 1, last_status_code: null, last_error: "Couldn't connect to server" })).toBe("Couldn't connect to server");
    expect(lastAnswer({ attempts: 0, last_status_code: null, last_error: null })).toBe("not sent yet");
  });

  it("when it went or goes out", () => {
    const now = Date.parse("2026-12-05T09:00:00Z");
    const base = { attempts: 1, next_attempt_at: null, delivered_at: null, last_attempt_at: "2026-12-05T08:59:00Z" };
    expect(deliveryTime({ ...base, status: "delivered", delivered_at: "2026-12-05T08:59:01Z" }, false, now)).toEqual({ text: "delivered", at: "2026-12-05T08:59:01Z" });
    expect(deliveryTime({ ...base, status: "pending", next_attempt_at: "2026-12-05T09:00:30Z" }, false, now)).toEqual({
      text: "next attempt in 30 s",
      at: "2026-12-05T09:00:30Z",
    });
    expect(deliveryTime({ ...base, status: "pending", next_attempt_at: "2026-12-05T08:59:59Z" }, false, now).text).toBe("next attempt: now");
    expect(deliveryTime({ ...base, status: "pending", next_attempt_at: "2026-12-05T09:00:30Z" }, true, now)).toEqual({ text: "held while the endpoint is paused", at: null });
    expect(deliveryTime({ ...base, status: "failed", attempts: 10 }, false, now)).toEqual({ text: "gave up after 10 attempts; last", at: "2026-12-05T08:59:00Z" });
    expect(deliveryTime({ ...base, status: "failed", attempts: 0, last_attempt_at: null }, false, now)).toEqual({ text: "gave up", at: null });
  });

  it("resending: not for a viewer, not while pending", () => {
    expect(resendReason({ status: "delivered" }, true)).toBeUndefined();
    expect(resendReason({ status: "failed" }, true)).toBeUndefined();
    expect(resendReason({ status: "pending" }, true)).toMatch(/pending/);
    expect(resendReason({ status: "delivered" }, false)).toBe("Your key has the viewer role: resending needs editor");
  });

  it("the body as a person reads it", () => {
    expect(prettyBody({ id: "dlv_1", execution: { id: "ex_1" } })).toBe('{\n  "id": "dlv_1",\n  "execution": {\n    "id": "ex_1"\n  }\n}');
    expect(prettyBody(undefined)).toBe("");
  });
});

describe("nextCheck", () => {
  const now = Date.parse("2026-12-05T09:00:00Z");
  const pending = (at: string | null, endpoint = "ntf_1") => ({ status: "pending" as const, endpoint_id: endpoint, next_attempt_at: at });

  it("nothing on its way: no timer", () => {
    expect(nextCheck([{ status: "delivered", endpoint_id: "ntf_1", next_attempt_at: null }], new Set(), now)).toBeNull();
    expect(nextCheck([pending("2026-12-05T09:00:01Z")], new Set(["ntf_1"]), now)).toBeNull();
  });

  it("a few seconds while one goes out within a minute, else just after the earliest attempt", () => {
    expect(nextCheck([pending("2026-12-05T09:00:12Z")], new Set(), now)).toBe(3000);
    expect(nextCheck([pending(null)], new Set(), now)).toBe(3000);
    expect(nextCheck([pending("2026-12-05T09:05:00Z"), pending("2026-12-05T09:02:00Z")], new Set(), now)).toBe(121_000);
    expect(nextCheck([pending("2027-12-05T09:00:00Z")], new Set(), now)).toBeNull();
  });
});
