// transform: builds a JSON value from inputs and upstream outputs (data.output, rendered).
#include "builders.h"
#include "output_value.h"

namespace atelier::node_types {

NodeTypeSpec TransformNodeType() {
  NodeTypeSpec t{"transform", NodeKind::kTask,
                 "Builds a JSON value from inputs and upstream outputs."};
  t.fields = {F("output", FieldType::kObject, true, nullptr,
                "object whose values (with references) become this step's output")};
  t.dynamic_outputs = true;
  t.rebuildable = true;
  t.mappable = true;
  t.evaluate = OutputObject;
  return t;
}

}  // namespace atelier::node_types
