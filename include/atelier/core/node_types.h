// The catalogue of node types. Each type has one descriptor (NodeTypeSpec): its data fields
// (type, required, default, bounds), its outputs, its traits (paid, generative, mappable, ...) and
// its hooks (extra validation, the estimate of its provider use, and for pure types the function
// that computes its output). Validation, the graph, the engine, estimates, the docs and the API all
// read the descriptor; none of them compares type names. Descriptors live one file a type in
// src/core/node_types/ and are registered, one line each, in src/core/node_types/node_types.inc.
// Executors of types that do I/O live in src/nodes/<type>/ (see docs/architecture.md).
// Static data, thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/status.h"
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

// "string", "integer", "number", "boolean", "list", "object", "any", "node", "retry": the name
// the API's node-type schema uses for a field type.
const char* FieldTypeId(FieldType t);

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

// What a node of some type is expected to ask of providers per run, before costs: the basis of
// estimates and of credit reservations (see engine/step_estimate.h).
struct ProviderUse {
  int64_t calls = 0;  // 0: no provider call
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t images = 0;
};

// Reports one problem with a node's data: `field` is relative to the data ("size"), `message`
// says what is wrong.
using NodeCheckReport = std::function<void(std::string_view field, const std::string& message)>;

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

  // Traits: what the engine, commands and estimates need to know, asked instead of names.
  bool paid = false;        // calls a provider: credits are reserved before each attempt
  bool generative = false;  // holds a model session: a tweak continues it, regenerate repeats it,
                            // and an approval's tweak goes to the nearest such step upstream
  bool rebuildable = false; // built from its inputs (a document, an attachment set, a computed
                            // value): regenerate rebuilds it from its inputs as they are now
  bool mappable = false;    // may be a map's per-item node
  bool edits_attachments = false;  // its output is a document whose image attachments can be
                                   // edited afterwards (attach)
  // The time limit of one attempt when data sets no timeout_ms, in ms; 0: none. The engine
  // cancels an attempt still running past it and fails it with deadline_exceeded (see
  // AttemptTimeoutMs).
  int64_t default_timeout_ms = 0;

  // Hooks; nullptr when the type has none.
  // Rules beyond the field specs, run on the data as written (unrendered); strings that hold a
  // {{reference}} are known only at run time and are not judged.
  void (*check)(const Json& data, const NodeCheckReport& report) = nullptr;
  // The provider use of one run with `data`, rendered against `scope` where it can be (see
  // PromptTokens). Types without it call no provider.
  ProviderUse (*estimate)(const Json& data, const Json& scope) = nullptr;
  // True when a run with `data` makes images, so its model alias defaults to "image".
  bool (*makes_images)(const Json& data) = nullptr;
  // A pure type: the output computed from the data with every field rendered (verbatim fields as
  // written, absent fields absent). No I/O; run inline by the generic executor of the nodes
  // module. InvalidArgument for data that makes no sense.
  Result<Json> (*evaluate)(const Json& rendered) = nullptr;

  bool waits_for_person() const { return kind == NodeKind::kApproval; }
  // Contains other work the engine schedules itself (map items, a sub-execution).
  bool composite() const { return kind == NodeKind::kMap || kind == NodeKind::kSubworkflow; }
  bool MakesImages(const Json& data) const { return makes_images && makes_images(data); }
  // The model alias a paid node of this type uses when data names none.
  std::string DefaultModel(const Json& data) const {
    return MakesImages(data) ? "image" : "default";
  }
};

// Fields every node type accepts: retry, timeout_ms, label, cache.
const std::vector<FieldSpec>& CommonFieldSpecs();
// All built-in types, in documentation order.
const std::vector<NodeTypeSpec>& BuiltinNodeTypes();
// nullptr for an unknown type.
const NodeTypeSpec* FindNodeType(std::string_view name);

// The data a pure type's evaluate hook takes: each of `spec`'s own fields present in `data`,
// rendered against `scope` (verbatim ones as written); common fields and other keys left out.
// InvalidArgument "FIELD: why" for the first field that does not render.
Result<Json> RenderNodeData(const NodeTypeSpec& spec, const Json& data, const Json& scope);

// The time limit of one attempt of a step of type `spec` (nullptr: unknown) with `data`, in ms:
// data's timeout_ms when it is an integer (validation bounds it to 1..86400000), else the type's
// default_timeout_ms; 0: none. The engine enforces it; nodes that bound their own work by time
// (code, http) read it here too, so both agree.
int64_t AttemptTimeoutMs(const NodeTypeSpec* spec, const Json& data);

// Node types allowed as map's per-item node (the `mappable` trait).
bool IsMappableNodeType(std::string_view name);

// Each reference to an upstream step's output counts this many prompt tokens when the output is
// not known yet.
inline constexpr int64_t kTokensPerStepReference = 250;
// Tokens of the string data[key]: its rendered length / 4, or when it does not render yet its
// length without references / 4 plus kTokensPerStepReference per step reference. 0 when absent.
int64_t PromptTokens(const Json& data, const char* key, const Json& scope);
// data[key] as an integer, rendered when it is a reference; `fallback` when absent or not one.
int64_t IntField(const Json& data, const char* key, int64_t fallback, const Json& scope);

}  // namespace atelier
