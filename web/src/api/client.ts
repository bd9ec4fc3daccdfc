// The typed API client: every path, parameter and body comes from schema.d.ts, generated from
// the server's OpenAPI document, so a call the server would not understand does not compile.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Execution = Schemas["Execution"];
export type ExecutionDetail = Schemas["ExecutionDetail"];
export type Step = Schemas["Step"];
export type Template = Schemas["Template"];
export type TemplateSummary = Schemas["TemplateSummary"];
export type InputSpec = Schemas["InputSpec"];
export type ApiError = Schemas["Error"];
export type StreamEvent = Schemas["StreamEvent"];
export type StepProgress = Schemas["StepProgress"];

// The browser is signed in by an HttpOnly session cookie (POST /api/v1/session): the API key is
// sent once and never kept, so no script can read it. Every request carries the CSRF header the
// server requires of state-changing requests made with the cookie.
const csrf: Middleware = {
  onRequest({ request }) {
    request.headers.set("X-Atelier-CSRF", "1");
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(csrf);

// A sentence for a person from an error the API answered (or a network failure).
export function describeError(error: ApiError | undefined, response?: Response): string {
  if (error?.error?.message) return error.error.message;
  if (response) return `The server answered ${response.status} ${response.statusText}`.trim();
  return "The server could not be reached";
}
