// subworkflow: runs another template as one step; an engine construct (no executor). Validation
// checks an inline definition recursively (the composite kind tells it to).
#include "builders.h"

namespace atelier::node_types {

NodeTypeSpec SubworkflowNodeType() {
  NodeTypeSpec t{"subworkflow",
                 NodeKind::kSubworkflow,
                 "Runs another template as one step (a sub-execution with its own steps, "
                 "events and approvals); its end output becomes this step's output.",
                 {},
                 {"execution_id", "status", "output", "usage"}};
  t.fields.push_back(Verbatim(F("template", FieldType::kString, false, nullptr,
                                "name of a template stored in the workspace (its latest "
                                "version)")));
  // The inner template's references are its own.
  t.fields.push_back(Verbatim(F("definition", FieldType::kObject, false, nullptr,
                                "the template to run, written inline (validated with this one)")));
  t.fields.push_back(F("inputs", FieldType::kObject, false, Json::object(),
                       "launch inputs of the sub-execution (references allowed)"));
  return t;
}

}  // namespace atelier::node_types
