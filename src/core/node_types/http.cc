// http: calls an allow-listed URL (executor: src/nodes/http/).
#include "builders.h"

namespace atelier::node_types {

NodeTypeSpec HttpNodeType() {
  NodeTypeSpec t{"http",
                 NodeKind::kTask,
                 "Calls an external URL with a templated body; the host must be on the "
                 "configuration's allow-list.",
                 {},
                 {"status", "body", "json"}};
  t.fields.push_back(F("url", FieldType::kString, true, nullptr, "http:// or https:// URL"));
  t.fields.push_back(
      OneOf(F("method", FieldType::kString, false, "POST", "GET or POST"), {"GET", "POST"}));
  t.fields.push_back(F("headers", FieldType::kObject, false, nullptr,
                       "header name -> value (references allowed)"));
  t.fields.push_back(F("body", FieldType::kAny, false, nullptr,
                       "request body: an object or list is sent as JSON, a string as is"));
  t.default_timeout_ms = 120000;  // all redirect hops together
  return t;
}

}  // namespace atelier::node_types
