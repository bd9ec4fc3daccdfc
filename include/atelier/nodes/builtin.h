// The built-in node executors: start (inline), generate_text, generate_image (call a provider,
// write artifacts to the BlobStore), and the generic executor of every pure node type of the
// catalogue (end, transform, condition, ...: see nodes/pure_node.h). approval, map and
// subworkflow are engine constructs and have no executor. Executors are stateless and
// thread-safe.
#pragma once

#include "atelier/engine/node_executor.h"

namespace atelier {

void RegisterBuiltinNodes(NodeRegistry* registry);

}  // namespace atelier
