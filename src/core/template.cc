#include "atelier/core/template.h"

namespace atelier {

std::optional<InputType> InputTypeFromName(const std::string& name) {
  if (name == "string") return InputType::kString;
  if (name == "integer") return InputType::kInteger;
  if (name == "number") return InputType::kNumber;
  if (name == "boolean") return InputType::kBoolean;
  if (name == "list") return InputType::kList;
  if (name == "object") return InputType::kObject;
  return std::nullopt;
}

const char* InputTypeName(InputType t) {
  switch (t) {
    case InputType::kString:
      return "string";
    case InputType::kInteger:
      return "integer";
    case InputType::kNumber:
      return "number";
    case InputType::kBoolean:
      return "boolean";
    case InputType::kList:
      return "list";
    case InputType::kObject:
      return "object";
  }
  return "string";
}

Json TemplateToJson(const Template& t) {
  Json doc = Json::object();
  doc["name"] = t.name;
  doc["description"] = t.description;
  doc["category"] = t.category;

  Json inputs = Json::object();
  for (const InputSpec& in : t.inputs) {
    Json spec = Json::object();
    spec["type"] = InputTypeName(in.type);
    spec["required"] = in.required;
    if (in.default_value) spec["default"] = *in.default_value;
    if (!in.description.empty()) spec["description"] = in.description;
    inputs[in.name] = std::move(spec);
  }
  doc["inputs"] = std::move(inputs);

  Json nodes = Json::array();
  for (const Node& n : t.nodes) {
    Json node = Json::object();
    node["id"] = n.id;
    node["type"] = n.type;
    node["data"] = n.data;
    if (n.x && n.y) node["position"] = {{"x", *n.x}, {"y", *n.y}};
    nodes.push_back(std::move(node));
  }
  doc["nodes"] = std::move(nodes);

  Json edges = Json::array();
  for (const Edge& e : t.edges) {
    Json edge = Json::object();
    edge["id"] = e.id;
    edge["source"] = e.source;
    edge["target"] = e.target;
    if (!e.source_handle.empty()) edge["sourceHandle"] = e.source_handle;
    edges.push_back(std::move(edge));
  }
  doc["edges"] = std::move(edges);
  // Only when declared: templates without milestones keep their content hash.
  if (!t.milestones.empty()) {
    Json milestones = Json::array();
    for (const Milestone& m : t.milestones) {
      Json j = {{"id", m.id}, {"label", m.label}};
      if (m.manual) {
        j["manual"] = true;
      } else {
        j["when"] = m.when;
      }
      milestones.push_back(std::move(j));
    }
    doc["milestones"] = std::move(milestones);
  }
  return doc;
}

}  // namespace atelier
