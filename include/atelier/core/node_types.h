// The catalogue of built-in node types as the template format sees them: each type's data fields
// (type, required, default, bounds) and its outputs. Validation, docs and the engine read it; the
// behaviour of each type lives in the nodes module and the engine. Static data, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/template.h"

namespace atelier {

enum class FieldType {
  kString,     // may contain {{references}}
  kInteger,
  kNumber,
  kBoolean,
  kList,
  kObject,
  kAny,        // any JSON value; strings inside may contain references
  kNodeSpec,   // {"type": ..., "data": {...}}: map's per-item node
  kRetry,      // {"max_attempts": int >= 1, "backoff_ms": int >= 0}
};

struct FieldSpec {
  std::string name;
  FieldType type;
  bool required = false;
  Json default_value;               // null when none
  std::vector<std::string> one_of;  // allowed values for an enumerated string
  std::optional<double> min, max;   // bounds for numbers and integers
  std::string description;
  bool verbatim = false;  // taken as written: never rendered, not checked for {{references}}
};

// How the engine treats a node type.
enum class NodeKind {
  kStart,     // the single entry point; output = the execution's inputs
  kEnd,       // optional; output = rendered data.output (may be absent)
  kTask,      // ordinary work: run by a NodeExecutor (inline when cheap, else on the pool)
  kApproval,  // waits for a human decision
  kMap,       // fans out data.node over data.items
  kSubworkflow,  // runs another template as a sub-execution; its end output is the step's output
};

struct NodeTypeSpec {
  std::string name;
  NodeKind kind;
  std::string summary;
  std::vector<FieldSpec> fields;     // node-specific fields
  std::vector<std::string> outputs;  // fixed output fields; empty with dynamic_outputs
  bool dynamic_outputs = false;      // outputs are the keys of data.output (transform, end)
  // Allowed sourceHandle values on outgoing edges; empty = handles not allowed.
  std::vector<std::string> handles;
  bool handle_required = false;      // every outgoing edge must carry one (condition)
  bool paid = false;                 // calls a provider (generate_text, generate_image)
};

// Fields every node type accepts: retry, timeout_ms, label, cache.
const std::vector<FieldSpec>& CommonFieldSpecs();
// All built-in types, in documentation order.
const std::vector<NodeTypeSpec>& BuiltinNodeTypes();
// nullptr for an unknown type.
const NodeTypeSpec* FindNodeType(std::string_view name);

// Node types allowed as map's per-item node.
bool IsMappableNodeType(std::string_view name);

}  // namespace atelier
