// code: a sandboxed Lua 5.4 function (executor: src/nodes/code/).
#include "builders.h"

namespace atelier::node_types {

NodeTypeSpec CodeNodeType() {
  NodeTypeSpec t{"code",
                 NodeKind::kTask,
                 "Runs a Lua 5.4 function in a sandbox (no io, os, require, load or debug) with "
                 "instruction and memory limits.",
                 {},
                 {"result", "logs"}};
  // Lua's own {{ }} (nested tables) is not a reference.
  t.fields.push_back(Verbatim(F("source", FieldType::kString, true, nullptr,
                                "Lua source; it sees the table `input` and returns the result")));
  t.fields.push_back(F("input", FieldType::kAny, false, nullptr,
                       "value handed to the script as `input` (references allowed)"));
  t.fields.push_back(Bounded(F("max_instructions", FieldType::kInteger, false, 10000000,
                               "instruction budget; exceeding it fails the step"),
                             1000, 1000000000));
  t.fields.push_back(Bounded(F("max_memory_kb", FieldType::kInteger, false, 16384,
                               "memory budget in KiB; exceeding it fails the step"),
                             64, 1048576));
  t.default_timeout_ms = 60000;
  t.rebuildable = true;
  t.mappable = true;
  return t;
}

}  // namespace atelier::node_types
