// The component schemas of the OpenAPI document: the exact shape of every JSON body the API sends
// and receives. Written as one JSON text so that it reads like the document it becomes; a test
// (tests/openapi_conformance_test.cc) checks real responses against it, so it cannot drift from
// what the handlers render. A value that may be absent renders as null (never left out) unless
// the property is left out of `required`.
#include "openapi.h"

namespace atelier::api {
namespace {

constexpr const char* kSchemas = R"json({
  "Error": {
    "type": "object", "additionalProperties": false, "required": ["error"],
    "properties": {"error": {
      "type": "object", "additionalProperties": false, "required": ["code", "message", "details"],
      "properties": {
        "code": {"type": "string", "description": "Stable snake_case: not_found, invalid_argument, conflict, ..."},
        "message": {"type": "string", "description": "A sentence for a person"},
        "details": {"type": "object", "description": "field (the offending field), errors (every problem), ..."}}}}
  },
  "Timestamp": {"type": "string", "description": "ISO-8601 UTC with milliseconds, 2026-11-21T06:03:27.120Z"},
  "NullableTimestamp": {"type": ["string", "null"], "description": "ISO-8601 UTC, or null when it has not happened"},
  "ExecutionStatus": {"type": "string", "enum": ["queued", "running", "paused", "waiting", "completed", "failed", "stopped"]},
  "StepStatus": {"type": "string", "enum": ["pending", "ready", "running", "succeeded", "failed", "skipped", "waiting", "cancelled", "stale"]},
  "Role": {"type": "string", "enum": ["viewer", "editor", "admin"]},
  "StatusOk": {
    "type": "object", "additionalProperties": false, "required": ["status"],
    "properties": {"status": {"type": "string", "enum": ["ok"]}}
  },
  "Ready": {
    "type": "object", "additionalProperties": false, "required": ["status", "schema_version"],
    "properties": {"status": {"type": "string", "enum": ["ready"]}, "schema_version": {"type": "integer"}}
  },
  "TemplateDefinition": {
    "type": "object", "required": ["name", "nodes"],
    "description": "A template document (docs/templates.md); the server checks it in full",
    "properties": {
      "name": {"type": "string"},
      "description": {"type": "string"},
      "category": {"type": "string"},
      "inputs": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/InputSpec"}},
      "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/TemplateNode"}},
      "edges": {"type": "array", "items": {"$ref": "#/components/schemas/TemplateEdge"}},
      "milestones": {"type": "array", "items": {"type": "object"}}
    }
  },
  "InputSpec": {
    "type": "object", "required": ["type"],
    "properties": {
      "type": {"type": "string", "enum": ["string", "integer", "number", "boolean", "list", "object"]},
      "required": {"type": "boolean"},
      "default": {},
      "description": {"type": "string"}
    }
  },
  "TemplateNode": {
    "type": "object", "required": ["id", "type"],
    "properties": {
      "id": {"type": "string"},
      "type": {"type": "string"},
      "data": {"type": "object"},
      "position": {"type": "object", "required": ["x", "y"], "properties": {"x": {"type": "number"}, "y": {"type": "number"}}}
    }
  },
  "TemplateEdge": {
    "type": "object", "required": ["source", "target"],
    "properties": {
      "id": {"type": "string"},
      "source": {"type": "string"},
      "target": {"type": "string"},
      "sourceHandle": {"type": ["string", "null"]}
    }
  },
  "TemplateSummary": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "version", "name", "category", "description", "content_hash", "builtin", "created_at"],
    "properties": {
      "id": {"type": "string"},
      "version": {"type": "integer", "minimum": 1},
      "name": {"type": "string"},
      "category": {"type": "string"},
      "description": {"type": "string"},
      "content_hash": {"type": "string"},
      "builtin": {"type": "boolean", "description": "Shipped in the binary: read-only, clone it to edit"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"}
    }
  },
  "Template": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "version", "name", "category", "description", "content_hash", "builtin", "created_at", "definition"],
    "properties": {
      "id": {"type": "string"},
      "version": {"type": "integer", "minimum": 1},
      "name": {"type": "string"},
      "category": {"type": "string"},
      "description": {"type": "string"},
      "content_hash": {"type": "string"},
      "builtin": {"type": "boolean"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"},
      "definition": {"$ref": "#/components/schemas/TemplateDefinition"}
    }
  },
  "TemplatePage": {
    "type": "object", "additionalProperties": false, "required": ["items", "next_cursor"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/TemplateSummary"}},
      "next_cursor": {"type": ["string", "null"], "description": "Pass as ?cursor= for the next page; null on the last"}
    }
  },
  "CategoryList": {
    "type": "object", "additionalProperties": false, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {
      "type": "object", "additionalProperties": false, "required": ["category", "count"],
      "properties": {"category": {"type": "string"}, "count": {"type": "integer", "minimum": 0}}}}}
  },
  "NodeField": {
    "type": "object", "additionalProperties": false,
    "required": ["name", "type", "required", "description", "verbatim"],
    "properties": {
      "name": {"type": "string"},
      "type": {"type": "string", "description": "string, integer, number, boolean, list, object, any, node, retry"},
      "required": {"type": "boolean"},
      "description": {"type": "string"},
      "verbatim": {"type": "boolean", "description": "Taken as written: never rendered, no {{references}}"},
      "default": {"description": "The value when the field is left out"},
      "one_of": {"type": "array", "items": {"type": "string"}},
      "min": {"type": "number"},
      "max": {"type": "number"}}
  },
  "NodeType": {
    "type": "object", "additionalProperties": false,
    "required": ["name", "kind", "summary", "fields", "outputs", "dynamic_outputs", "handles", "handle_required", "traits"],
    "properties": {
      "name": {"type": "string"},
      "kind": {"type": "string", "enum": ["start", "end", "task", "approval", "map", "subworkflow"]},
      "summary": {"type": "string"},
      "fields": {"type": "array", "items": {"$ref": "#/components/schemas/NodeField"}},
      "outputs": {"type": "array", "items": {"type": "string"}},
      "dynamic_outputs": {"type": "boolean", "description": "The outputs are the keys of data.output"},
      "handles": {"type": "array", "items": {"type": "string"}, "description": "Allowed sourceHandle values of outgoing edges"},
      "handle_required": {"type": "boolean"},
      "traits": {
        "type": "object", "additionalProperties": false,
        "required": ["paid", "generative", "rebuildable", "mappable", "edits_attachments", "waits_for_person", "composite", "pure"],
        "properties": {
          "paid": {"type": "boolean"}, "generative": {"type": "boolean"}, "rebuildable": {"type": "boolean"},
          "mappable": {"type": "boolean"}, "edits_attachments": {"type": "boolean"},
          "waits_for_person": {"type": "boolean"}, "composite": {"type": "boolean"}, "pure": {"type": "boolean"}}}}
  },
  "NodeTypeList": {
    "type": "object", "additionalProperties": false, "required": ["items", "common_fields"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/NodeType"}},
      "common_fields": {"type": "array", "items": {"$ref": "#/components/schemas/NodeField"}, "description": "Fields every node type accepts"}}
  },
  "TemplateProblem": {
    "type": "object", "additionalProperties": false, "required": ["where", "message"],
    "properties": {"where": {"type": "string", "description": "The node, edge or field: nodes[2].data.prompt"}, "message": {"type": "string"}}
  },
  "ValidationResult": {
    "type": "object", "additionalProperties": false, "required": ["valid", "errors"],
    "properties": {
      "valid": {"type": "boolean"},
      "errors": {"type": "array", "items": {"$ref": "#/components/schemas/TemplateProblem"}}
    }
  },
  "ParentRef": {
    "type": "object", "additionalProperties": false, "required": ["execution_id", "step"],
    "properties": {"execution_id": {"type": "string"}, "step": {"type": "string"}}
  },
  "ForkOrigin": {
    "type": "object", "additionalProperties": false, "required": ["execution_id", "step"],
    "description": "The execution and step a fork was started from",
    "properties": {"execution_id": {"type": "string"}, "step": {"type": "string"}}
  },
  "Execution": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "workspace_id", "template_id", "template_version", "status", "reason", "inputs", "error", "created_at", "started_at", "finished_at", "updated_at"],
    "properties": {
      "id": {"type": "string"},
      "workspace_id": {"type": "string"},
      "template_id": {"type": "string"},
      "template_version": {"type": "integer"},
      "status": {"$ref": "#/components/schemas/ExecutionStatus"},
      "reason": {"type": "string", "description": "Why it is paused, failed, stopped or waiting; empty when none"},
      "inputs": {"type": "object"},
      "error": {"type": ["object", "null"], "description": "{code, message, step} of the failure"},
      "created_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "started_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "finished_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "updated_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "parent": {"$ref": "#/components/schemas/ParentRef"},
      "forked_from": {"$ref": "#/components/schemas/ForkOrigin"}
    }
  },
  "ExecutionRow": {
    "type": "object", "additionalProperties": false,
    "description": "An execution as the runs list shows it: the record plus its template's name, progress and cost so far",
    "required": ["id", "workspace_id", "template_id", "template_version", "status", "reason", "inputs", "error", "created_at", "started_at", "finished_at", "updated_at", "template_name", "progress", "cost"],
    "properties": {
      "id": {"type": "string"},
      "workspace_id": {"type": "string"},
      "template_id": {"type": "string"},
      "template_version": {"type": "integer"},
      "status": {"$ref": "#/components/schemas/ExecutionStatus"},
      "reason": {"type": "string", "description": "Why it is paused, failed, stopped, waiting or still queued; empty when none"},
      "inputs": {"type": "object"},
      "error": {"type": ["object", "null"], "description": "{code, message, step} of the failure"},
      "created_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "started_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "finished_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "updated_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "parent": {"$ref": "#/components/schemas/ParentRef"},
      "forked_from": {"$ref": "#/components/schemas/ForkOrigin"},
      "template_name": {"type": "string", "description": "The name of the template version it runs"},
      "progress": {"$ref": "#/components/schemas/Progress"},
      "cost": {"type": "number", "description": "Credits its provider calls cost so far (the detail's totals.cost)"}
    }
  },
  "ExecutionPage": {
    "type": "object", "additionalProperties": false, "required": ["items", "next_cursor"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/ExecutionRow"}},
      "next_cursor": {"type": ["string", "null"]}
    }
  },
  "TemplateRef": {
    "type": "object", "additionalProperties": false, "required": ["id", "version", "name"],
    "properties": {"id": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"}}
  },
  "Progress": {
    "type": "object", "additionalProperties": false,
    "required": ["percent", "finished", "total", "stage", "stages", "running", "waiting"],
    "properties": {
      "percent": {"type": "number", "minimum": 0, "maximum": 100, "description": "100 only when nothing is left to run"},
      "finished": {"type": "integer", "minimum": 0},
      "total": {"type": "integer", "minimum": 0},
      "stage": {"type": "integer", "minimum": 0, "description": "1-based current stage; equals stages at the end"},
      "stages": {"type": "integer", "minimum": 0},
      "running": {"type": "array", "items": {"type": "string"}},
      "waiting": {"type": "array", "items": {"type": "string"}}
    }
  },
  "UsageTotals": {
    "type": "object", "additionalProperties": false,
    "required": ["input_tokens", "output_tokens", "images", "cost"],
    "properties": {
      "input_tokens": {"type": "integer"},
      "output_tokens": {"type": "integer"},
      "images": {"type": "integer"},
      "cost": {"type": "number"}
    }
  },
  "Milestone": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "label", "manual", "reached", "skipped", "reached_at", "by", "note"],
    "properties": {
      "id": {"type": "string"},
      "label": {"type": "string"},
      "manual": {"type": "boolean"},
      "reached": {"type": "boolean"},
      "skipped": {"type": "boolean"},
      "reached_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "by": {"type": ["string", "null"]},
      "note": {"type": ["string", "null"]}
    }
  },
  "Milestones": {
    "type": "object", "additionalProperties": false, "required": ["current", "next", "can_proceed", "list"],
    "properties": {
      "current": {"type": ["object", "null"], "additionalProperties": false, "required": ["id", "label"],
                  "properties": {"id": {"type": "string"}, "label": {"type": "string"}}},
      "next": {"type": ["object", "null"], "additionalProperties": false, "required": ["id", "label", "manual", "action"],
               "properties": {"id": {"type": "string"}, "label": {"type": "string"}, "manual": {"type": "boolean"}, "action": {"type": "string"}}},
      "can_proceed": {"type": "boolean"},
      "list": {"type": "array", "items": {"$ref": "#/components/schemas/Milestone"}}
    }
  },
  "ExecutionDetail": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "workspace_id", "template_id", "template_version", "status", "reason", "inputs", "error", "created_at", "started_at", "finished_at", "updated_at", "template", "progress", "stage", "totals"],
    "properties": {
      "id": {"type": "string"},
      "workspace_id": {"type": "string"},
      "template_id": {"type": "string"},
      "template_version": {"type": "integer"},
      "status": {"$ref": "#/components/schemas/ExecutionStatus"},
      "reason": {"type": "string"},
      "inputs": {"type": "object"},
      "error": {"type": ["object", "null"]},
      "created_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "started_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "finished_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "updated_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "parent": {"$ref": "#/components/schemas/ParentRef"},
      "forked_from": {"$ref": "#/components/schemas/ForkOrigin"},
      "template": {"$ref": "#/components/schemas/TemplateRef"},
      "progress": {"$ref": "#/components/schemas/Progress"},
      "stage": {"type": "string", "description": "\"stage N of M\""},
      "totals": {"$ref": "#/components/schemas/UsageTotals"},
      "milestones": {"$ref": "#/components/schemas/Milestones"}
    }
  },
  "Step": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "node_id", "status", "attempts", "version", "output", "error", "usage", "started_at", "finished_at", "duration_ms", "type", "label", "artifacts"],
    "properties": {
      "id": {"type": "string", "description": "The node id, or MAP[INDEX] for a map item"},
      "node_id": {"type": "string"},
      "status": {"$ref": "#/components/schemas/StepStatus"},
      "attempts": {"type": "integer", "minimum": 0},
      "version": {"type": "integer", "minimum": 1},
      "output": {"description": "The step's output (any JSON); null until it succeeds"},
      "error": {"type": ["object", "null"], "description": "{code, message} of the last failure"},
      "usage": {"type": ["object", "null"], "description": "input_tokens, output_tokens, images, cost"},
      "started_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "finished_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "duration_ms": {"type": ["integer", "null"]},
      "parent": {"type": "string", "description": "A map item's map step"},
      "item_index": {"type": "integer", "description": "A map item's position"},
      "retry_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "crashes": {"type": "integer"},
      "type": {"type": "string", "description": "The node type (a map item: its node's type)"},
      "stage": {"type": "integer", "description": "Top-level steps: the stage the step belongs to"},
      "label": {"type": "string", "description": "What a person calls the step"},
      "artifacts": {"type": "array", "items": {"type": "string"}, "description": "Artifact ids"}
    }
  },
  "StepList": {
    "type": "object", "additionalProperties": false, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Step"}}}
  },
  "StepVersion": {
    "type": "object", "additionalProperties": false,
    "required": ["step", "version", "output", "session", "meta", "created_at"],
    "properties": {
      "step": {"type": "string"},
      "version": {"type": "integer", "minimum": 1},
      "output": {},
      "session": {},
      "meta": {"type": "object", "description": "source: run, tweak, regenerate or revert, ..."},
      "created_at": {"$ref": "#/components/schemas/NullableTimestamp"}
    }
  },
  "StepVersionList": {
    "type": "object", "additionalProperties": false, "required": ["items", "current"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/StepVersion"}},
      "current": {"type": "integer", "minimum": 1}
    }
  },
  "Event": {
    "type": "object", "additionalProperties": false, "required": ["seq", "gid", "ts", "type", "payload", "step"],
    "properties": {
      "seq": {"type": "integer", "minimum": 1, "description": "1, 2, 3, ... per execution, no gaps"},
      "gid": {"type": "integer", "description": "Position in the workspace's stream"},
      "ts": {"$ref": "#/components/schemas/NullableTimestamp"},
      "type": {"type": "string", "description": "step_succeeded, execution_completed, ..."},
      "payload": {"type": "object"},
      "step": {"type": ["string", "null"]}
    }
  },
  "StreamEvent": {
    "type": "object", "additionalProperties": false, "required": ["seq", "gid", "ts", "type", "payload", "step", "execution_id"],
    "description": "The data line of a Server-Sent Event (its event: line is the type, its id: the seq or gid)",
    "properties": {
      "seq": {"type": "integer", "minimum": 1},
      "gid": {"type": "integer"},
      "ts": {"$ref": "#/components/schemas/NullableTimestamp"},
      "type": {"type": "string"},
      "payload": {"type": "object"},
      "step": {"type": ["string", "null"]},
      "execution_id": {"type": "string"}
    }
  },
  "StepProgress": {
    "type": "object", "additionalProperties": false, "required": ["execution_id", "step_id", "at"],
    "description": "The data line of a step_progress frame: the latest live progress of a running step (not durable, never in the event log; the step's step_succeeded replaces it)",
    "properties": {
      "execution_id": {"type": "string"},
      "step_id": {"type": "string", "description": "A map item's own id (sections[2]) for an item"},
      "item": {"type": "integer", "minimum": 0, "description": "The item index, for a map item"},
      "text": {"type": "string", "description": "The answer so far (its last 64 KiB when longer), for a text step"},
      "chars": {"type": "integer", "minimum": 0, "description": "Characters of the whole answer so far"},
      "value": {"type": "integer", "minimum": 0, "description": "Image steps: sampling steps done, of max"},
      "max": {"type": "integer", "minimum": 1},
      "at": {"$ref": "#/components/schemas/Timestamp"}
    }
  },
  "EventPage": {
    "type": "object", "additionalProperties": false, "required": ["items", "next_cursor"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
      "next_cursor": {"type": ["string", "null"], "description": "The seq to pass as ?after= for the next page"}
    }
  },
  "Document": {
    "type": "object", "additionalProperties": false,
    "required": ["step", "version", "title", "text", "images", "primary_index", "primary_image"],
    "properties": {
      "step": {"type": "string"},
      "version": {"type": "integer"},
      "title": {"type": "string"},
      "text": {"type": "string"},
      "images": {"type": "array", "items": {"type": "object"}},
      "primary_index": {"type": ["integer", "null"]},
      "primary_image": {"type": ["object", "null"]}
    }
  },
  "DocumentList": {
    "type": "object", "additionalProperties": false, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}}}
  },
  "Artifact": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "execution_id", "step", "step_version", "kind", "mime", "sha256", "size", "name", "meta", "created_at"],
    "properties": {
      "id": {"type": "string"},
      "execution_id": {"type": "string"},
      "step": {"type": "string"},
      "step_version": {"type": "integer"},
      "kind": {"type": "string", "enum": ["document", "image"]},
      "mime": {"type": "string"},
      "sha256": {"type": "string"},
      "size": {"type": "integer", "minimum": 0},
      "name": {"type": "string"},
      "meta": {"type": "object", "description": "width, height, ..."},
      "created_at": {"$ref": "#/components/schemas/NullableTimestamp"}
    }
  },
  "ArtifactList": {
    "type": "object", "additionalProperties": false, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Artifact"}}}
  },
  "ImageRef": {
    "type": "object", "additionalProperties": false, "required": ["artifact_id", "mime", "name"],
    "properties": {
      "artifact_id": {"type": "string", "description": "GET /api/v1/artifacts/{id}/content downloads it"},
      "mime": {"type": "string"},
      "name": {"type": "string"},
      "width": {"type": "integer"},
      "height": {"type": "integer"}
    }
  },
  "Approval": {
    "type": "object", "additionalProperties": false,
    "required": ["execution_id", "execution_status", "template", "step", "label", "requested_at", "message", "show", "content", "decisions"],
    "properties": {
      "execution_id": {"type": "string", "description": "Decide with POST /api/v1/executions/{execution_id}/steps/{step}/approve (reject, tweak)"},
      "execution_status": {"$ref": "#/components/schemas/ExecutionStatus"},
      "template": {"$ref": "#/components/schemas/TemplateRef"},
      "step": {"type": "string"},
      "label": {"type": "string", "description": "The approval node's label, else its id"},
      "requested_at": {"$ref": "#/components/schemas/Timestamp"},
      "message": {"type": "string", "description": "What the person is asked: the node's message as rendered"},
      "show": {"description": "The node's show values as rendered (any JSON), null when it has none"},
      "content": {
        "type": ["object", "null"], "additionalProperties": false,
        "description": "The output of the step the approval reviews (its tweak_step, else the nearest generative step upstream); null when it reviews none",
        "required": ["step", "label", "version", "text", "json", "images"],
        "properties": {
          "step": {"type": "string"},
          "label": {"type": "string"},
          "version": {"type": "integer", "minimum": 1},
          "text": {"type": ["string", "null"], "description": "The output's text when it is text; what an edit replaces"},
          "json": {"description": "The whole output (any JSON)"},
          "images": {"type": "array", "items": {"$ref": "#/components/schemas/ImageRef"}}
        }
      },
      "decisions": {"type": "array", "items": {"type": "string", "enum": ["approve", "reject", "tweak", "edit"]},
                    "description": "approve and reject always; tweak when it reviews a step; edit (approve with an edited text) when that step's content is text"}
    }
  },
  "ApprovalPage": {
    "type": "object", "additionalProperties": false, "required": ["items", "next_cursor"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Approval"}},
      "next_cursor": {"type": ["string", "null"], "description": "Pass as ?cursor= for the next page; null on the last"}
    }
  },
  "EstimateStep": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "type", "provider", "model", "calls", "input_tokens", "output_tokens", "images", "cost", "note"],
    "properties": {
      "id": {"type": "string", "description": "The node"},
      "type": {"type": "string"},
      "provider": {"type": "string"},
      "model": {"type": "string"},
      "calls": {"type": "integer", "minimum": 0},
      "input_tokens": {"type": "integer"},
      "output_tokens": {"type": "integer"},
      "images": {"type": "integer"},
      "cost": {"type": "number", "description": "Credits (an upper bound)"},
      "note": {"type": "string", "description": "\"12 items\", \"no price\", ..."}
    }
  },
  "Estimate": {
    "type": "object", "additionalProperties": false,
    "required": ["template", "steps", "total", "assumptions", "credits"],
    "properties": {
      "template": {"$ref": "#/components/schemas/TemplateRef"},
      "steps": {"type": "array", "items": {"$ref": "#/components/schemas/EstimateStep"}, "description": "The paid steps, as atelier estimate lists them"},
      "total": {
        "type": "object", "additionalProperties": false,
        "required": ["calls", "input_tokens", "output_tokens", "images", "cost"],
        "properties": {
          "calls": {"type": "integer"}, "input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"},
          "images": {"type": "integer"}, "cost": {"type": "number", "description": "Credits"}}
      },
      "assumptions": {"type": "array", "items": {"type": "string"}},
      "credits": {
        "type": "object", "additionalProperties": false,
        "required": ["unit", "needed", "balance", "covered", "charged"],
        "properties": {
          "unit": {"type": "string", "enum": ["micro-credits"]},
          "needed": {"type": "integer", "description": "The total as the steps' reservations would take it"},
          "balance": {"type": "integer", "description": "The workspace's balance now"},
          "covered": {"type": "boolean", "description": "balance >= needed"},
          "charged": {"type": "boolean", "description": "Whether this server charges credits at all (false under --no-credits)"}}
      }
    }
  },
  "Workspace": {
    "type": "object", "additionalProperties": false, "required": ["id", "name", "created_at", "key"],
    "properties": {
      "id": {"type": "string"},
      "name": {"type": "string"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"},
      "key": {"type": "object", "additionalProperties": false, "required": ["id", "role", "name"],
              "properties": {"id": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}, "name": {"type": "string"}}}
    }
  },
  "Balance": {
    "type": "object", "additionalProperties": false, "required": ["unit", "balance", "reserved", "granted", "spent"],
    "properties": {
      "unit": {"type": "string", "enum": ["micro-credits"]},
      "balance": {"type": "integer"},
      "reserved": {"type": "integer"},
      "granted": {"type": "integer"},
      "spent": {"type": "integer"}
    }
  },
  "LedgerEntry": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "kind", "amount", "key", "reservation_key", "execution_id", "step", "note", "created_at"],
    "properties": {
      "id": {"type": "integer"},
      "kind": {"type": "string"},
      "amount": {"type": "integer"},
      "key": {"type": "string"},
      "reservation_key": {"type": "string"},
      "execution_id": {"type": "string"},
      "step": {"type": "string"},
      "note": {"type": "string"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"}
    }
  },
  "LedgerPage": {
    "type": "object", "additionalProperties": false, "required": ["items", "next_cursor"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/LedgerEntry"}},
      "next_cursor": {"type": ["string", "null"]}
    }
  },
  "Grant": {
    "type": "object", "additionalProperties": false, "required": ["entry", "balance", "resumed"],
    "properties": {
      "entry": {"$ref": "#/components/schemas/LedgerEntry"},
      "balance": {"$ref": "#/components/schemas/Balance"},
      "resumed": {"type": "integer", "description": "Executions that were paused for want of credits and carry on"}
    }
  },
  "ApiKey": {
    "type": "object", "additionalProperties": false, "required": ["id", "role", "name", "prefix", "created_at", "revoked_at"],
    "properties": {
      "id": {"type": "string"},
      "role": {"$ref": "#/components/schemas/Role"},
      "name": {"type": "string"},
      "prefix": {"type": "string"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"},
      "revoked_at": {"$ref": "#/components/schemas/NullableTimestamp"}
    }
  },
  "NewApiKey": {
    "type": "object", "additionalProperties": false, "required": ["id", "role", "name", "prefix", "created_at", "revoked_at", "secret"],
    "properties": {
      "id": {"type": "string"},
      "role": {"$ref": "#/components/schemas/Role"},
      "name": {"type": "string"},
      "prefix": {"type": "string"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"},
      "revoked_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "secret": {"type": "string", "description": "Shown once; only its SHA-256 is stored"}
    }
  },
  "ApiKeyList": {
    "type": "object", "additionalProperties": false, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"}}}
  },
  "Session": {
    "type": "object", "additionalProperties": false, "required": ["workspace_id", "key", "expires_at"],
    "properties": {
      "workspace_id": {"type": "string"},
      "key": {"type": "object", "additionalProperties": false, "required": ["id", "role", "name"],
              "properties": {"id": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}, "name": {"type": "string"}}},
      "expires_at": {"$ref": "#/components/schemas/Timestamp"}
    }
  },
  "ScheduleDefinition": {
    "type": "object", "additionalProperties": false,
    "description": "POST needs name, template and one of cron or every_seconds; PATCH takes any subset (null clears version or start_at)",
    "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 100},
      "template": {"type": "string", "description": "The template's name"},
      "version": {"type": ["integer", "null"], "minimum": 1, "description": "Pin a version; absent or null: the current one at each firing"},
      "inputs": {"type": "object"},
      "cron": {"type": ["string", "null"], "description": "minute hour day-of-month month day-of-week (names, ranges, lists, steps), or @hourly, @daily, @weekly, @monthly, @yearly"},
      "time_zone": {"type": ["string", "null"], "description": "IANA name (Europe/Paris) for cron; default UTC"},
      "every_seconds": {"type": ["integer", "null"], "minimum": 1, "maximum": 31622400},
      "start_at": {"type": ["string", "integer", "null"], "description": "First due time of every_seconds: ISO-8601 or ms since the epoch; default now + every_seconds"},
      "catch_up": {"type": "string", "enum": ["run_once", "skip"], "description": "A due time missed by more than misfire_grace_seconds: run once, or skip"},
      "misfire_grace_seconds": {"type": "integer", "minimum": 1, "maximum": 604800},
      "paused": {"type": "boolean"}
    }
  },
  "Schedule": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "name", "template", "version", "inputs", "cron", "time_zone", "every_seconds", "start_at", "catch_up", "misfire_grace_seconds", "paused", "next_due_at", "next_fire_times", "last_due_at", "last_fired_at", "last_execution_id", "last_error", "fire_count", "skip_count", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "string"},
      "name": {"type": "string"},
      "template": {"type": "string"},
      "version": {"type": ["integer", "null"]},
      "inputs": {"type": "object"},
      "cron": {"type": ["string", "null"]},
      "time_zone": {"type": ["string", "null"]},
      "every_seconds": {"type": ["integer", "null"]},
      "start_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "catch_up": {"type": "string", "enum": ["run_once", "skip"]},
      "misfire_grace_seconds": {"type": "integer"},
      "paused": {"type": "boolean"},
      "next_due_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "next_fire_times": {"type": "array", "items": {"$ref": "#/components/schemas/Timestamp"}, "description": "The next five; empty while paused"},
      "last_due_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "last_fired_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "last_execution_id": {"type": ["string", "null"]},
      "last_error": {"type": ["string", "null"], "description": "Why the last firing launched nothing (template deleted, inputs no longer fit)"},
      "fire_count": {"type": "integer"},
      "skip_count": {"type": "integer", "description": "Due times skipped by catch_up: skip"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"},
      "updated_at": {"$ref": "#/components/schemas/Timestamp"}
    }
  },
  "ScheduleList": {
    "type": "object", "additionalProperties": false, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Schedule"}}}
  },
  "TriggerDefinition": {
    "type": "object", "additionalProperties": false,
    "description": "POST needs name and template; PATCH takes any subset (null clears version or map)",
    "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 100},
      "template": {"type": "string", "description": "The template's name"},
      "version": {"type": ["integer", "null"], "minimum": 1},
      "inputs": {"type": "object", "description": "Fixed inputs: what a delivery does not give"},
      "map": {"type": ["object", "null"], "additionalProperties": {"type": "string"}, "description": "Input name to a JSON pointer into the delivery's body (/product/title); null: the body's top-level fields are the inputs"},
      "tolerance_seconds": {"type": "integer", "minimum": 1, "maximum": 86400, "description": "How far X-Atelier-Timestamp may be from the server's clock; default 300"},
      "paused": {"type": "boolean"}
    }
  },
  "Trigger": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "name", "url", "template", "version", "inputs", "map", "tolerance_seconds", "paused", "delivery_count", "last_delivery_at", "last_delivery_id", "last_execution_id", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "string"},
      "name": {"type": "string"},
      "url": {"type": "string", "description": "The path deliveries are POSTed to: /api/v1/hooks/{id}"},
      "template": {"type": "string"},
      "version": {"type": ["integer", "null"]},
      "inputs": {"type": "object"},
      "map": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
      "tolerance_seconds": {"type": "integer"},
      "paused": {"type": "boolean"},
      "delivery_count": {"type": "integer", "description": "Deliveries that launched an execution (retries not counted)"},
      "last_delivery_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "last_delivery_id": {"type": ["string", "null"]},
      "last_execution_id": {"type": ["string", "null"]},
      "created_at": {"$ref": "#/components/schemas/Timestamp"},
      "updated_at": {"$ref": "#/components/schemas/Timestamp"},
      "secret": {"type": "string", "description": "The HMAC-SHA256 key; only in the answers to create and rotate"}
    }
  },
  "TriggerList": {
    "type": "object", "additionalProperties": false, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Trigger"}}}
  },
  "EndpointDefinition": {
    "type": "object", "additionalProperties": false,
    "description": "POST needs name and url; PATCH takes any subset (null template: every template). The launch callbacks endpoint takes only events and paused",
    "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 100},
      "url": {"type": "string", "description": "An http(s) URL whose host is on the allow-list (\"http\": {\"allow_hosts\"} in the providers file)"},
      "events": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/NotificationEvent"}, "description": "Default: all four"},
      "template": {"type": ["string", "null"], "description": "Only executions of the template with this name"},
      "paused": {"type": "boolean", "description": "While paused, deliveries wait (nothing is dropped)"}
    }
  },
  "NotificationEvent": {"type": "string", "enum": ["execution_completed", "execution_failed", "execution_stopped", "approval_requested"]},
  "NotificationDeliveryStatus": {"type": "string", "enum": ["pending", "delivered", "failed"]},
  "Endpoint": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "name", "kind", "url", "events", "template", "paused", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "string"},
      "name": {"type": "string"},
      "kind": {"type": "string", "enum": ["workspace", "launch"], "description": "launch: signs the callbacks launches ask for with notify (its url is null)"},
      "url": {"type": ["string", "null"], "description": "Without its query string"},
      "events": {"type": "array", "items": {"$ref": "#/components/schemas/NotificationEvent"}},
      "template": {"type": ["string", "null"]},
      "paused": {"type": "boolean"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"},
      "updated_at": {"$ref": "#/components/schemas/Timestamp"},
      "secret": {"type": "string", "description": "The HMAC-SHA256 key; only in the answers to create and rotate"}
    }
  },
  "EndpointList": {
    "type": "object", "additionalProperties": false, "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Endpoint"}}}
  },
  "NotificationDelivery": {
    "type": "object", "additionalProperties": false,
    "required": ["id", "endpoint_id", "execution_id", "event", "event_id", "url", "status", "attempts", "next_attempt_at", "last_attempt_at", "last_status_code", "last_error", "delivered_at", "held", "created_at"],
    "properties": {
      "id": {"type": "string", "description": "The same on every attempt and resend: X-Atelier-Delivery"},
      "endpoint_id": {"type": "string"},
      "execution_id": {"type": "string"},
      "event": {"$ref": "#/components/schemas/NotificationEvent"},
      "event_id": {"type": "integer", "description": "The event's position in the workspace's event stream"},
      "url": {"type": "string", "description": "Where it goes, without its query string"},
      "status": {"$ref": "#/components/schemas/NotificationDeliveryStatus"},
      "attempts": {"type": "integer"},
      "next_attempt_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "last_attempt_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "last_status_code": {"type": ["integer", "null"]},
      "last_error": {"type": ["string", "null"]},
      "delivered_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "held": {"type": "boolean", "description": "Pending and held by a paused endpoint: sent once it is resumed"},
      "created_at": {"$ref": "#/components/schemas/Timestamp"},
      "body": {"type": "object", "description": "The JSON sent (single delivery answers only)"}
    }
  },
  "RetentionPolicyDefinition": {
    "type": "object", "additionalProperties": false,
    "description": "A field left out is no such rule, as null. Both rules: an execution goes only when both let it (old AND not among the newest keep_last). Neither: keep everything",
    "properties": {
      "max_age_days": {"type": ["integer", "null"], "minimum": 1, "maximum": 36500, "description": "Finished executions that finished more than this many days ago go"},
      "keep_last": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000000, "description": "The newest this many finished executions of each template stay"}}
  },
  "RetentionFootprint": {
    "type": "object", "additionalProperties": false,
    "required": ["executions", "steps", "events", "artifacts", "blobs", "bytes"],
    "properties": {
      "executions": {"type": "integer", "description": "Sub-executions included"},
      "steps": {"type": "integer"},
      "events": {"type": "integer"},
      "artifacts": {"type": "integer"},
      "blobs": {"type": "integer", "description": "Stored files that nothing else names"},
      "bytes": {"type": "integer", "description": "Their size"}}
  },
  "RetentionSweep": {
    "type": ["object", "null"], "additionalProperties": false,
    "description": "The last sweep under a policy with rules, whatever it found; null before the first",
    "required": ["at", "deleted", "kept", "freed", "complete"],
    "properties": {
      "at": {"$ref": "#/components/schemas/Timestamp"},
      "deleted": {"type": "integer", "description": "Top-level executions deleted (with their sub-executions)"},
      "kept": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "Executions the policy selected but that had to stay, by reason: unfinished (a sub-execution still runs), notifying (a notification is pending), unread (the notifier has not read its events yet), not_found"},
      "freed": {"$ref": "#/components/schemas/RetentionFootprint"},
      "complete": {"type": "boolean", "description": "False when the sweep stopped before the end (its per-sweep bound, or a shutdown); the next one goes on"}}
  },
  "RetentionPolicy": {
    "type": "object", "additionalProperties": false,
    "required": ["max_age_days", "keep_last", "keeps_everything", "updated_at", "last_sweep", "totals"],
    "properties": {
      "max_age_days": {"type": ["integer", "null"]},
      "keep_last": {"type": ["integer", "null"]},
      "keeps_everything": {"type": "boolean"},
      "updated_at": {"$ref": "#/components/schemas/NullableTimestamp"},
      "last_sweep": {"$ref": "#/components/schemas/RetentionSweep"},
      "totals": {
        "type": "object", "additionalProperties": false, "required": ["executions", "bytes"],
        "properties": {"executions": {"type": "integer"}, "bytes": {"type": "integer"}}}}
  },
  "RetentionPreview": {
    "type": "object", "additionalProperties": false,
    "required": ["executions", "sub_executions", "steps", "events", "artifacts", "blobs", "bytes", "examples", "truncated"],
    "properties": {
      "executions": {"type": "integer", "description": "Sub-executions included"},
      "sub_executions": {"type": "integer"},
      "steps": {"type": "integer"},
      "events": {"type": "integer"},
      "artifacts": {"type": "integer"},
      "blobs": {"type": "integer"},
      "bytes": {"type": "integer"},
      "examples": {"type": "array", "description": "The oldest 20 that would go", "items": {
        "type": "object", "additionalProperties": false, "required": ["id", "template_id", "status", "finished_at"],
        "properties": {
          "id": {"type": "string"},
          "template_id": {"type": "string"},
          "status": {"$ref": "#/components/schemas/ExecutionStatus"},
          "finished_at": {"$ref": "#/components/schemas/NullableTimestamp"}}}},
      "truncated": {"type": "boolean", "description": "More would go than the preview measures (10,000 executions); the figures cover those"}}
  },
  "RetentionRun": {
    "type": "object", "additionalProperties": false,
    "required": ["deleted", "kept", "freed", "complete", "blobs_removed", "bytes_removed"],
    "properties": {
      "deleted": {"type": "integer"},
      "kept": {"type": "object", "additionalProperties": {"type": "integer"}},
      "freed": {"$ref": "#/components/schemas/RetentionFootprint"},
      "complete": {"type": "boolean"},
      "blobs_removed": {"type": "integer", "description": "Files removed from the blob store now (a blob stored again within the last hour waits for a later sweep)"},
      "bytes_removed": {"type": "integer"}}
  },
  "DeliveryPage": {
    "type": "object", "additionalProperties": false, "required": ["items", "next_cursor"],
    "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/NotificationDelivery"}},
      "next_cursor": {"type": ["string", "null"]}
    }
  },
  "DeliveryBody": {
    "description": "Any JSON: with no map, an object whose fields are the inputs; else read by the trigger's JSON pointers"
  },
  "WorkspaceExport": {
    "type": "object", "required": ["atelier_export"],
    "description": "docs/transfer.md: templates with every version, schedules and triggers (no secrets, no built-ins)",
    "properties": {
      "atelier_export": {"type": "integer", "enum": [1]},
      "exported_at": {"type": "string"},
      "workspace": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
      "templates": {"type": "array", "items": {
        "type": "object", "required": ["name", "versions"],
        "properties": {
          "name": {"type": "string"},
          "versions": {"type": "array", "items": {
            "type": "object", "required": ["version", "definition"],
            "properties": {"version": {"type": "integer"}, "definition": {"$ref": "#/components/schemas/TemplateDefinition"}, "created_at": {"type": "string"}}}}}}},
      "schedules": {"type": "array", "items": {"$ref": "#/components/schemas/ScheduleDefinition"}},
      "triggers": {"type": "array", "items": {"$ref": "#/components/schemas/TriggerDefinition"}}
    }
  },
  "ImportReport": {
    "type": "object", "additionalProperties": false, "required": ["templates", "schedules", "triggers"],
    "properties": {
      "templates": {"type": "array", "items": {
        "type": "object", "additionalProperties": false, "required": ["name", "id", "action", "versions"],
        "properties": {
          "name": {"type": "string"}, "id": {"type": "string"},
          "action": {"type": "string", "enum": ["created", "updated", "unchanged"]},
          "versions": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "Source version number to the version it is in this workspace"}}}},
      "schedules": {"type": "array", "items": {
        "type": "object", "additionalProperties": false, "required": ["name", "action"],
        "properties": {"name": {"type": "string"}, "action": {"type": "string", "enum": ["created", "skipped"]}, "id": {"type": "string"}, "reason": {"type": "string"}}}},
      "triggers": {"type": "array", "items": {
        "type": "object", "additionalProperties": false, "required": ["name", "action"],
        "properties": {"name": {"type": "string"}, "action": {"type": "string", "enum": ["created", "skipped"]}, "id": {"type": "string"}, "url": {"type": "string"}, "secret": {"type": "string", "description": "The new trigger's secret, shown only here"}, "reason": {"type": "string"}}}}
    }
  },
  "OpenApiDocument": {
    "type": "object", "required": ["openapi", "info", "paths"],
    "properties": {"openapi": {"type": "string"}, "info": {"type": "object"}, "paths": {"type": "object"}}
  }
})json";

}  // namespace

const Json& OpenApiSchemas() {
  static const Json schemas = Json::parse(kSchemas);
  return schemas;
}

}  // namespace atelier::api
