// The workflow template model: what a template file (ARCHITECTURE §5) parses into.
//
// A Template is an immutable value once validated; share it across threads by const reference or
// shared_ptr<const Template>.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace atelier {

using Json = nlohmann::json;

enum class InputType { kString, kInteger, kNumber, kBoolean, kList, kObject };

// "string", "integer", ... ; nullopt for an unknown name.
std::optional<InputType> InputTypeFromName(const std::string& name);
const char* InputTypeName(InputType t);

struct InputSpec {
  std::string name;
  InputType type = InputType::kString;
  bool required = false;
  std::optional<Json> default_value;  // already checked against `type`
  std::string description;
};

struct Node {
  std::string id;
  std::string type;
  Json data = Json::object();  // node-type specific fields, defaults NOT filled in
  std::optional<double> x, y;  // React Flow position, kept for round trips
};

struct Edge {
  std::string id;
  std::string source;
  std::string target;
  std::string source_handle;  // empty when absent
};

// A business state of an execution (docs/templates.md, "Milestones"): automatic ones are reached
// when every step in `when` has finished (succeeded, or skipped with at least one succeeded);
// manual ones (`when` empty) are marked by a person with a note.
struct Milestone {
  std::string id;
  std::string label;              // the id when the file gives none
  std::vector<std::string> when;  // node ids; empty exactly when `manual`
  bool manual = false;
};

struct Template {
  std::string name;
  std::string description;
  std::string category;
  std::vector<InputSpec> inputs;  // in file order
  std::vector<Node> nodes;        // in file order
  std::vector<Edge> edges;        // in file order
  std::vector<Milestone> milestones;  // in file order, which is their business order
};

// Serialises back to the JSON format (used to snapshot a template version in the store).
Json TemplateToJson(const Template& t);

}  // namespace atelier
