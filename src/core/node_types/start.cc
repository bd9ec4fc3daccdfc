// start: the entry point; the engine gives it the launch inputs as output (its executor lives in
// the nodes module because it reads the execution's scope, not its data).
#include "builders.h"

namespace atelier::node_types {

NodeTypeSpec StartNodeType() {
  NodeTypeSpec t{"start", NodeKind::kStart,
                 "The entry point. Exactly one per template; its output is the launch inputs."};
  t.dynamic_outputs = true;
  return t;
}

}  // namespace atelier::node_types
