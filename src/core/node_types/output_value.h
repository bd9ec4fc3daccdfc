// The pure computation end and transform share: their output is data.output, rendered.
#pragma once

#include "atelier/core/node_types.h"

namespace atelier::node_types {

// `rendered`.output (an empty object when absent); InvalidArgument when it is not an object.
inline Result<Json> OutputObject(const Json& rendered) {
  auto it = rendered.find("output");
  if (it == rendered.end()) return Json::object();
  if (!it->is_object()) return Err(InvalidArgument("output: must be an object"));
  return *it;
}

}  // namespace atelier::node_types
