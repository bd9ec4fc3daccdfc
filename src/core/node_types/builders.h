// Shorthands the node-type descriptors (src/core/node_types/*.cc) build their field specs with,
// and the declaration of every descriptor function listed in node_types.inc. Private to core.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "atelier/core/node_types.h"

namespace atelier::node_types {

inline FieldSpec F(std::string name, FieldType type, bool required, Json def, std::string desc) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  f.required = required;
  f.default_value = std::move(def);
  f.description = std::move(desc);
  return f;
}

inline FieldSpec Bounded(FieldSpec f, std::optional<double> min, std::optional<double> max) {
  f.min = min;
  f.max = max;
  return f;
}

inline FieldSpec OneOf(FieldSpec f, std::vector<std::string> values) {
  f.one_of = std::move(values);
  return f;
}

inline FieldSpec Verbatim(FieldSpec f) {
  f.verbatim = true;
  return f;
}

// Offline-provider test knobs shared by the generative types.
inline void AddProviderKnobs(std::vector<FieldSpec>& fields) {
  fields.push_back(Bounded(F("latency_ms", FieldType::kInteger, false, 0,
                             "offline provider: simulated latency of each call, in ms"),
                           0, 600000));
  fields.push_back(Bounded(F("fail_first", FieldType::kInteger, false, 0,
                             "offline provider: the first N attempts fail with a retryable error"),
                           0, 1000));
  fields.push_back(Bounded(F("stream_chunk_ms", FieldType::kInteger, false, 0,
                             "offline provider: pause before each piece of live progress, in ms"),
                           0, 10000));
}

// A type that calls a provider: credits are reserved before each attempt (paid), and an attempt
// has five minutes unless its timeout_ms says otherwise.
inline void CallsProvider(NodeTypeSpec& t) {
  t.paid = true;
  t.default_timeout_ms = 300000;
}

// True when `v` is a string holding a {{reference}}: known only at run time.
inline bool HasReference(const Json& v) {
  return v.is_string() && v.get_ref<const std::string&>().find("{{") != std::string::npos;
}

// One descriptor function per line of node_types.inc: NodeTypeSpec GenerateTextNodeType(); ...
#define ATELIER_NODE_TYPE(Name) NodeTypeSpec Name##NodeType();
#include "node_types.inc"
#undef ATELIER_NODE_TYPE

}  // namespace atelier::node_types
