// The built-in node executors: start, end, transform, condition (inline, no I/O) and
// generate_text, generate_image (call a provider, write artifacts to the BlobStore). approval and
// map are engine constructs and have no executor. Executors are stateless and thread-safe.
#pragma once

#include "atelier/engine/node_executor.h"

namespace atelier {

void RegisterBuiltinNodes(NodeRegistry* registry);

// Evaluates a condition node's comparison; exposed for tests. InvalidArgument for an unknown
// operator or operands that cannot be compared (e.g. gt on a list).
Result<bool> EvaluateCondition(const Json& value, const std::string& op, const Json& operand);

}  // namespace atelier
