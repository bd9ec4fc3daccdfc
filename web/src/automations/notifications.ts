// Outbound notifications as the Automations screen shows and makes them (docs/notifications.md):
// the create form's text turned into the API's body, the API's refusal placed on the form's
// fields, and how an endpoint and a delivery read (where it goes, its last answer, when it goes
// out next), what keeps a delivery from being sent again, and when to read the list again.
import type { ApiError, Schemas } from "../api/client";
import { errorsFromApi, noErrors, type FormErrors } from "./errors";
import { fromNow } from "./schedules";

export type Endpoint = Schemas["Endpoint"];
export type EndpointBody = Schemas["EndpointDefinition"];
export type Delivery = Schemas["NotificationDelivery"];
export type NotificationEvent = Schemas["NotificationEvent"];
export type DeliveryStatus = Schemas["NotificationDeliveryStatus"];

// The events an endpoint may report, in the API's order, with a short name and when each is sent.
export const NOTIFICATION_EVENTS: readonly { event: NotificationEvent; label: string; when: string }[] = [
  { event: "execution_completed", label: "completed", when: "every step is done" },
  { event: "execution_failed", label: "failed", when: "a step failed for good" },
  { event: "execution_stopped", label: "stopped", when: "someone stopped it" },
  { event: "approval_requested", label: "approval requested", when: "a step waits for a person" },
];

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ["pending", "delivered", "failed"];

// The API fields the endpoint form shows.
export const ENDPOINT_FIELDS = ["name", "url", "events", "template", "paused"] as const;

// The name the API keeps for the endpoint that signs launch callbacks.
export const LAUNCH_ENDPOINT_NAME = "launch-callbacks";

export interface EndpointDraft {
  name: string;
  url: string;
  events: NotificationEvent[];
  template: string; // a template's name; empty: every template
  paused: boolean;
}

export function emptyEndpointDraft(): EndpointDraft {
  return { name: "", url: "", events: NOTIFICATION_EVENTS.map((e) => e.event), template: "", paused: false };
}

// The draft's events with `event` checked or not, kept in the API's order.
export function toggleEvent(events: readonly NotificationEvent[], event: NotificationEvent, on: boolean): NotificationEvent[] {
  return NOTIFICATION_EVENTS.map((e) => e.event).filter((e) => (e === event ? on : events.includes(e)));
}

function inOrder(events: readonly NotificationEvent[]): NotificationEvent[] {
  return NOTIFICATION_EVENTS.map((e) => e.event).filter((e) => events.includes(e));
}

// Why a URL cannot be sent, or "" when it can (the host's place on the allow-list is the
// server's to say).
export function urlProblem(text: string): string {
  if (!text) return "Give the URL the notifications are POSTed to, such as https://hooks.example.com/atelier";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `“${text}” is not a URL: it starts with http:// or https://`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `Only http and https URLs, not ${url.protocol.replace(/:$/, "")}`;
  if (!url.hostname) return "The URL names no host";
  if (text.length > 2000) return "A URL is at most 2000 characters";
  return "";
}

// The POST /api/v1/notifications/endpoints body of the form, or the messages that stop it being
// sent. `paused` is sent only when set, `template` only when one is picked.
export function buildEndpointBody(draft: EndpointDraft): { body: EndpointBody | null; errors: FormErrors } {
  const errors = noErrors();
  const name = draft.name.trim();
  if (!name) errors.fields["name"] = "Give the endpoint a name";
  else if (name.length > 100) errors.fields["name"] = "A name is at most 100 characters";
  else if (name === LAUNCH_ENDPOINT_NAME) errors.fields["name"] = `“${LAUNCH_ENDPOINT_NAME}” is kept for the endpoint that signs launch callbacks`;
  const url = draft.url.trim();
  const why = urlProblem(url);
  if (why) errors.fields["url"] = why;
  if (draft.events.length === 0) errors.fields["events"] = "Pick at least one event to send";
  const body: EndpointBody = { name, url, events: inOrder(draft.events) };
  if (draft.template) body.template = draft.template;
  if (draft.paused) body.paused = true;
  return { body: Object.keys(errors.fields).length > 0 ? null : body, errors };
}

// The API's refusal as form messages: a problem with one of the events ("events[1]") goes next
// to the events.
export function endpointErrorsFromApi(error: ApiError | undefined, fallback: string): FormErrors {
  const field = error?.error?.details?.["field"];
  const item = typeof field === "string" ? /^(\w+)\[\d+\]$/.exec(field) : null;
  if (!error || !item?.[1]) return errorsFromApi(error, fallback, ENDPOINT_FIELDS, []);
  const prefix = `field '${field}': `;
  const message = error.error.message.startsWith(prefix) ? error.error.message.slice(prefix.length) : error.error.message;
  return errorsFromApi({ error: { ...error.error, message, details: { ...error.error.details, field: item[1] } } }, fallback, ENDPOINT_FIELDS, []);
}

// Where an endpoint's notifications go.
export function endpointTarget(e: Pick<Endpoint, "kind" | "url">): string {
  return e.kind === "launch" ? "each launch's notify.url" : (e.url ?? "");
}

export function eventLabel(event: NotificationEvent): string {
  return NOTIFICATION_EVENTS.find((e) => e.event === event)?.label ?? event;
}

// "all four" or the chosen events' short names.
export function describeEvents(events: readonly NotificationEvent[]): string {
  if (NOTIFICATION_EVENTS.every((e) => events.includes(e.event))) return "all four";
  return events.map(eventLabel).join(", ");
}

// A delivery's endpoint by name; a deleted one by its id.
export function endpointName(id: string, endpoints: readonly Pick<Endpoint, "id" | "name">[]): string {
  return endpoints.find((e) => e.id === id)?.name ?? `deleted (${id})`;
}

// The receiver's last answer: "HTTP 200", or what went wrong (the API's message names the
// status and the start of the answer's body, or why no answer came).
export function lastAnswer(d: Pick<Delivery, "attempts" | "last_status_code" | "last_error">): string {
  if (d.last_error) return d.last_error;
  if (d.last_status_code !== null) return `HTTP ${d.last_status_code}`;
  return d.attempts === 0 ? "not sent yet" : "";
}

// When a delivery went or goes out: the text and the time it names (null: none).
export function deliveryTime(
  d: Pick<Delivery, "status" | "attempts" | "next_attempt_at" | "delivered_at" | "last_attempt_at">,
  endpointPaused: boolean,
  now: number,
): { text: string; at: string | null } {
  if (d.status === "delivered") return { text: "delivered", at: d.delivered_at };
  if (d.status === "failed") return { text: d.attempts > 0 ? `gave up after ${d.attempts} ${d.attempts === 1 ? "attempt" : "attempts"}; last` : "gave up", at: d.attempts > 0 ? d.last_attempt_at : null };
  if (endpointPaused) return { text: "held while the endpoint is paused", at: null };
  const soon = fromNow(d.next_attempt_at, now);
  return { text: soon === "due now" ? "next attempt: now" : `next attempt ${soon}`.trim(), at: d.next_attempt_at };
}

// Why a delivery cannot be sent again now, or undefined when it can.
export function resendReason(d: Pick<Delivery, "status">, canEdit: boolean): string | undefined {
  if (!canEdit) return "Your key has the viewer role: resending needs editor";
  if (d.status === "pending") return "It is pending: it goes out by itself when due";
  return undefined;
}

// The longest a browser timer waits (2^31 - 1 ms).
const MAX_TIMER = 2 ** 31 - 1;

// When to read the deliveries again, in ms from `now` (null: nothing to wait for): a few seconds
// while one is being sent or is due within a minute, else just after the earliest next attempt.
// Deliveries of a paused endpoint are held: nothing happens to them until it is resumed.
export function nextCheck(deliveries: readonly Pick<Delivery, "status" | "endpoint_id" | "next_attempt_at">[], pausedEndpoints: ReadonlySet<string>, now: number): number | null {
  let best: number | null = null;
  for (const d of deliveries) {
    if (d.status !== "pending" || pausedEndpoints.has(d.endpoint_id)) continue;
    const due = d.next_attempt_at ? Date.parse(d.next_attempt_at) : now;
    const left = Number.isNaN(due) ? 0 : due - now;
    const delay = left <= 60_000 ? 3000 : left + 1000;
    if (best === null || delay < best) best = delay;
  }
  return best !== null && best <= MAX_TIMER ? best : null;
}

// The JSON a delivery sends, as a person reads it.
export function prettyBody(body: unknown): string {
  return JSON.stringify(body, null, 2) ?? "";
}
