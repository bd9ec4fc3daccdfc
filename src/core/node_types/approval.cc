// approval: waits for a person's decision; an engine construct (no executor).
#include "builders.h"

namespace atelier::node_types {

NodeTypeSpec ApprovalNodeType() {
  NodeTypeSpec t{"approval",
                 NodeKind::kApproval,
                 "Waits for a person's decision (approve or reject). Edges may leave by "
                 "sourceHandle \"approved\" or \"rejected\".",
                 {},
                 {"decision", "approved", "comment", "branch"}};
  t.fields.push_back(F("message", FieldType::kString, false, "Approve to continue.",
                       "what the reviewer is asked"));
  t.fields.push_back(F("show", FieldType::kAny, false, nullptr,
                       "values shown to the reviewer (references allowed)"));
  t.fields.push_back(F("tweak_step", FieldType::kString, false, "",
                       "the step a \"tweak\" decision refines (default: the nearest upstream "
                       "generative step)"));
  t.handles = {"approved", "rejected"};
  return t;
}

}  // namespace atelier::node_types
