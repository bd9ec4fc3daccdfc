// The designer's vocabulary: the API's node-type catalogue and template document, and the shapes
// React Flow draws them in.
import type { Edge, Node } from "@xyflow/react";
import type { Schemas } from "../api/client";

export type NodeType = Schemas["NodeType"];
export type NodeField = Schemas["NodeField"];
export type NodeTypeList = Schemas["NodeTypeList"];
export type Definition = Schemas["TemplateDefinition"];
export type InputType = Schemas["InputSpec"]["type"];
export type Problem = Schemas["TemplateProblem"];

// What a designer node carries: the template node's type and `data` (its field values, kept as
// the template holds them), and the validation messages that name it.
export type DesignNodeData = {
  type: string;
  values: Record<string, unknown>;
  problems: string[];
};
export type DesignNode = Node<DesignNodeData, "design">;
export type DesignEdge = Edge;

// One declared input of the template, as the inputs editor holds it: the default as typed text,
// so a half-typed value is not lost; `key` keeps the row while its name is edited.
export interface InputRow {
  key: string;
  name: string;
  type: InputType;
  required: boolean;
  defaultText: string;
  description: string;
}

// Everything about the template that is not a node or an edge. `milestones` is kept as loaded
// (the designer does not edit it) so that saving does not drop it.
export interface Meta {
  name: string;
  description: string;
  category: string;
  inputs: InputRow[];
  milestones?: Record<string, unknown>[];
}

export const INPUT_TYPES: InputType[] = ["string", "integer", "number", "boolean", "list", "object"];
