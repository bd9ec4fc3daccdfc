// Deterministic structured output for the offline provider: a JSON value that follows a JSON
// Schema, filled from the words of the conversation. Pure function; thread-safe.
//
// Supported: "type" object (properties, required; every property is filled; a required name
// without a schema gets a string), array (items, minItems, maxItems, uniqueItems; two items by
// default), string (enum, minLength, maxLength, format date-time/date/time/email/uri/uuid),
// integer and number (minimum, maximum, exclusive bounds in both draft-4 and later forms,
// multipleOf; 0..100 by default), boolean, null; "enum", "const", and "anyOf"/"oneOf" (the first
// option). A list of types takes the first. Annotations (title, description, default, examples,
// $schema, $id, $defs, additionalProperties, ...) are ignored.
//
// Values are derived from a hash of the content under review (the last user message), so the
// same content gives the same value. Numbers named like a score ("score", "rating", "grade",
// "quality") land in the upper part of their range, plus a step for each "(Revision N)" the
// content carries, so a review loop over offline drafts converges. Strings named like feedback
// are a reviewer's sentence about the content's keywords; names and titles are title case;
// tags and keywords are single words; other strings are stock prose about the keywords.
#pragma once

#include "atelier/engine/provider.h"

namespace atelier::offline {

// InvalidArgument naming the value's path ("$.items[]") for what cannot be honoured: $ref,
// allOf, not, if/then/else, pattern, patternProperties, prefixItems, contains, unknown types or
// formats, contradictory bounds, an empty enum or anyOf, nesting deeper than 32.
Result<Json> SynthesizeJson(const TextRequest& req);

}  // namespace atelier::offline
