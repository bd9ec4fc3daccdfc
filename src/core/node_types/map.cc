// map: fans its `node` out over `items`; an engine construct (no executor).
#include "builders.h"

namespace atelier::node_types {

NodeTypeSpec MapNodeType() {
  NodeTypeSpec t{"map",
                 NodeKind::kMap,
                 "Runs `node` once for each item of `items`; results in item order.",
                 {},
                 {"results", "errors", "count", "succeeded", "failed"}};
  t.fields.push_back(
      F("items", FieldType::kAny, true, nullptr, "a list, or a reference that yields one"));
  t.fields.push_back(F("node", FieldType::kNodeSpec, true, nullptr,
                       "{type, data} run per item; {{item}} and {{index}} refer to the item"));
  t.fields.push_back(
      Bounded(F("concurrency", FieldType::kInteger, false, 4, "items run at once"), 1, 1024));
  t.fields.push_back(OneOf(F("on_item_error", FieldType::kString, false, "fail",
                             "fail: the map fails; continue: the error is collected"),
                           {"fail", "continue"}));
  return t;
}

}  // namespace atelier::node_types
