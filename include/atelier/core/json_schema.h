// A small JSON Schema validator for checking a model's structured answer before it is accepted.
// Pure functions; thread-safe.
//
// Supported keywords: type (object, array, string, integer, number, boolean, null, or a list of
// them), properties, required, additionalProperties (false, or a schema for the extra members),
// items (one schema for every item), enum, minimum, maximum, minLength, maxLength (in Unicode
// code points), minItems, maxItems. Other keywords are ignored. An integer is a number with no
// fractional part (1.0 counts).
#pragma once

#include "atelier/core/status.h"
#include "atelier/core/template.h"

namespace atelier {

// Ok when `value` follows `schema`; otherwise InvalidArgument naming the first offending path,
// such as "$.score: must be <= 100, got 140" or "$: missing required property 'feedback'".
Status CheckAgainstSchema(const Json& value, const Json& schema);

}  // namespace atelier
