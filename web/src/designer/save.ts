// What the designer tells a person when saving fails: the API's answer as a sentence about the
// template, not about the HTTP route it took.
import type { ApiError } from "../api/client";
import { describeError } from "../api/client";

export function saveErrorSentence(error: ApiError | undefined, status: number | undefined, name: string): string {
  const code = error?.error.code;
  const details = error?.error.details ?? {};
  if (status === 409 && details["builtin"] === true) {
    return details["field"] === "name"
      ? `'${name}' is the name of a built-in template. Give this template another name, then save it as a new template.`
      : "Built-in templates cannot be changed. Give this template another name and save it as a new template.";
  }
  if (status === 409 && details["field"] === "name") {
    return `A template named '${name}' exists already. Choose another name, or open that template in the designer to save a new version of it.`;
  }
  if (status === 403) {
    return `${describeError(error)}. Saving templates needs a key with the editor role.`.replace("..", ".");
  }
  if (status === 404) return "This template no longer exists (it was deleted); save it as a new template.";
  if (status === 400 && code === "invalid_argument" && Array.isArray(details["errors"])) {
    const n = details["errors"].length;
    return `The template was not saved: it has ${n} ${n === 1 ? "problem" : "problems"}, shown on the nodes and in the list of problems.`;
  }
  if (status === 413) return "The template is larger than the server accepts.";
  return describeError(error);
}
