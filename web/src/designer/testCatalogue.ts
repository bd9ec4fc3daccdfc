// A part of GET /api/v1/node-types as the server answers it, for the designer's unit tests.
import type { NodeTypeList } from "./types";

export const catalogue: NodeTypeList = {
  "common_fields": [
    {
      "default": "",
      "description": "display name",
      "name": "label",
      "required": false,
      "type": "string",
      "verbatim": false
    },
    {
      "description": "{max_attempts, backoff_ms}; default 3 attempts, 1000 ms for nodes that call a provider (generate_text, generate_image, review and refine), 1 attempt otherwise",
      "name": "retry",
      "required": false,
      "type": "retry",
      "verbatim": false
    },
    {
      "description": "per-attempt time limit; default 300000 for generate_text, generate_image, review and refine, 120000 for http, 60000 for code, none otherwise",
      "max": 86400000.0,
      "min": 1.0,
      "name": "timeout_ms",
      "required": false,
      "type": "integer",
      "verbatim": false
    },
    {
      "default": true,
      "description": "reuse an identical earlier result",
      "name": "cache",
      "required": false,
      "type": "boolean",
      "verbatim": false
    }
  ],
  "items": [
    {
      "dynamic_outputs": true,
      "fields": [],
      "handle_required": false,
      "handles": [],
      "kind": "start",
      "name": "start",
      "outputs": [],
      "summary": "The entry point. Exactly one per template; its output is the launch inputs.",
      "traits": {
        "composite": false,
        "edits_attachments": false,
        "generative": false,
        "mappable": false,
        "paid": false,
        "pure": false,
        "rebuildable": false,
        "waits_for_person": false
      }
    },
    {
      "dynamic_outputs": true,
      "fields": [
        {
          "description": "object whose values (with references) become this step's output",
          "name": "output",
          "required": false,
          "type": "object",
          "verbatim": false
        }
      ],
      "handle_required": false,
      "handles": [],
      "kind": "end",
      "name": "end",
      "outputs": [],
      "summary": "Marks the end of a path. Optional `output` gathers final values.",
      "traits": {
        "composite": false,
        "edits_attachments": false,
        "generative": false,
        "mappable": false,
        "paid": false,
        "pure": true,
        "rebuildable": false,
        "waits_for_person": false
      }
    },
    {
      "dynamic_outputs": false,
      "fields": [
        {
          "description": "the user prompt",
          "name": "prompt",
          "required": true,
          "type": "string",
          "verbatim": false
        },
        {
          "default": "",
          "description": "system prompt",
          "name": "system",
          "required": false,
          "type": "string",
          "verbatim": false
        },
        {
          "default": "default",
          "description": "model alias or provider model name",
          "name": "model",
          "required": false,
          "type": "string",
          "verbatim": false
        },
        {
          "default": 0.7,
          "description": "sampling temperature",
          "max": 2.0,
          "min": 0.0,
          "name": "temperature",
          "required": false,
          "type": "number",
          "verbatim": false
        },
        {
          "default": 1024,
          "description": "upper bound on output tokens",
          "max": 1000000.0,
          "min": 1.0,
          "name": "max_tokens",
          "required": false,
          "type": "integer",
          "verbatim": false
        },
        {
          "description": "JSON Schema the answer must follow; the parsed answer is output `json`",
          "name": "schema",
          "required": false,
          "type": "object",
          "verbatim": true
        },
        {
          "default": 0,
          "description": "offline provider: simulated latency of each call, in ms",
          "max": 600000.0,
          "min": 0.0,
          "name": "latency_ms",
          "required": false,
          "type": "integer",
          "verbatim": false
        },
        {
          "default": 0,
          "description": "offline provider: the first N attempts fail with a retryable error",
          "max": 1000.0,
          "min": 0.0,
          "name": "fail_first",
          "required": false,
          "type": "integer",
          "verbatim": false
        }
      ],
      "handle_required": false,
      "handles": [],
      "kind": "task",
      "name": "generate_text",
      "outputs": [
        "text",
        "json",
        "model",
        "provider",
        "artifact_id"
      ],
      "summary": "Generates text with a language model.",
      "traits": {
        "composite": false,
        "edits_attachments": false,
        "generative": true,
        "mappable": true,
        "paid": true,
        "pure": false,
        "rebuildable": false,
        "waits_for_person": false
      }
    },
    {
      "dynamic_outputs": false,
      "fields": [
        {
          "description": "the value to test",
          "name": "value",
          "required": true,
          "type": "any",
          "verbatim": false
        },
        {
          "description": "comparison",
          "name": "operator",
          "one_of": [
            "eq",
            "ne",
            "gt",
            "gte",
            "lt",
            "lte",
            "contains",
            "not_contains",
            "empty",
            "not_empty",
            "truthy",
            "falsy"
          ],
          "required": true,
          "type": "string",
          "verbatim": false
        },
        {
          "description": "right-hand side; required except for empty, not_empty, truthy, falsy",
          "name": "operand",
          "required": false,
          "type": "any",
          "verbatim": false
        }
      ],
      "handle_required": true,
      "handles": [
        "true",
        "false"
      ],
      "kind": "task",
      "name": "condition",
      "outputs": [
        "result",
        "branch",
        "value"
      ],
      "summary": "Compares a value with an operand; outgoing edges leave by sourceHandle \"true\" or \"false\".",
      "traits": {
        "composite": false,
        "edits_attachments": false,
        "generative": false,
        "mappable": false,
        "paid": false,
        "pure": true,
        "rebuildable": false,
        "waits_for_person": false
      }
    },
    {
      "dynamic_outputs": false,
      "fields": [
        {
          "description": "a list, or a reference that yields one",
          "name": "items",
          "required": true,
          "type": "any",
          "verbatim": false
        },
        {
          "description": "{type, data} run per item; {{item}} and {{index}} refer to the item",
          "name": "node",
          "required": true,
          "type": "node",
          "verbatim": false
        },
        {
          "default": 4,
          "description": "items run at once",
          "max": 1024.0,
          "min": 1.0,
          "name": "concurrency",
          "required": false,
          "type": "integer",
          "verbatim": false
        },
        {
          "default": "fail",
          "description": "fail: the map fails; continue: the error is collected",
          "name": "on_item_error",
          "one_of": [
            "fail",
            "continue"
          ],
          "required": false,
          "type": "string",
          "verbatim": false
        }
      ],
      "handle_required": false,
      "handles": [],
      "kind": "map",
      "name": "map",
      "outputs": [
        "results",
        "errors",
        "count",
        "succeeded",
        "failed"
      ],
      "summary": "Runs `node` once for each item of `items`; results in item order.",
      "traits": {
        "composite": true,
        "edits_attachments": false,
        "generative": false,
        "mappable": false,
        "paid": false,
        "pure": false,
        "rebuildable": false,
        "waits_for_person": false
      }
    },
    {
      "dynamic_outputs": false,
      "fields": [
        {
          "default": "Approve to continue.",
          "description": "what the reviewer is asked",
          "name": "message",
          "required": false,
          "type": "string",
          "verbatim": false
        },
        {
          "description": "values shown to the reviewer (references allowed)",
          "name": "show",
          "required": false,
          "type": "any",
          "verbatim": false
        },
        {
          "default": "",
          "description": "the step a \"tweak\" decision refines (default: the nearest upstream generative step)",
          "name": "tweak_step",
          "required": false,
          "type": "string",
          "verbatim": false
        }
      ],
      "handle_required": false,
      "handles": [
        "approved",
        "rejected"
      ],
      "kind": "approval",
      "name": "approval",
      "outputs": [
        "decision",
        "approved",
        "comment",
        "branch"
      ],
      "summary": "Waits for a person's decision (approve or reject). Edges may leave by sourceHandle \"approved\" or \"rejected\".",
      "traits": {
        "composite": false,
        "edits_attachments": false,
        "generative": false,
        "mappable": false,
        "paid": false,
        "pure": false,
        "rebuildable": false,
        "waits_for_person": true
      }
    },
    {
      "dynamic_outputs": true,
      "fields": [
        {
          "description": "object whose values (with references) become this step's output",
          "name": "output",
          "required": true,
          "type": "object",
          "verbatim": false
        }
      ],
      "handle_required": false,
      "handles": [],
      "kind": "task",
      "name": "transform",
      "outputs": [],
      "summary": "Builds a JSON value from inputs and upstream outputs.",
      "traits": {
        "composite": false,
        "edits_attachments": false,
        "generative": false,
        "mappable": true,
        "paid": false,
        "pure": true,
        "rebuildable": true,
        "waits_for_person": false
      }
    }
  ]
};
