// end: marks the end of a path; its output is data.output, rendered.
#include "builders.h"
#include "output_value.h"

namespace atelier::node_types {

NodeTypeSpec EndNodeType() {
  NodeTypeSpec t{"end", NodeKind::kEnd,
                 "Marks the end of a path. Optional `output` gathers final values."};
  t.fields = {F("output", FieldType::kObject, false, nullptr,
                "object whose values (with references) become this step's output")};
  t.dynamic_outputs = true;
  t.evaluate = OutputObject;
  return t;
}

}  // namespace atelier::node_types
