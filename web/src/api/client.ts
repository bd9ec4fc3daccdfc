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

// The API key lives in this module's memory only: never in localStorage, a URL or a log.
let apiKey = "";

const auth: Middleware = {
  onRequest({ request }) {
    if (apiKey) request.headers.set("Authorization", `Bearer ${apiKey}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth);

export function setApiKey(key: string): void {
  apiKey = key;
}

// A sentence for a person from an error the API answered (or a network failure).
export function describeError(error: ApiError | undefined, response?: Response): string {
  if (error?.error?.message) return error.error.message;
  if (response) return `The server answered ${response.status} ${response.statusText}`.trim();
  return "The server could not be reached";
}
