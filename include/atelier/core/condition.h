// The comparison a condition node makes. Pure, thread-safe.
#pragma once

#include <string>

#include "atelier/core/status.h"
#include "atelier/core/template.h"

namespace atelier {

// Evaluates `value OP operand`. Numbers compare as numbers, also when one side is a numeric string
// (a rendered reference). InvalidArgument for an unknown operator or operands that cannot be
// compared (e.g. gt on a list).
Result<bool> EvaluateCondition(const Json& value, const std::string& op, const Json& operand);

}  // namespace atelier
