// Parsing and validation of a template's top-level "milestones" list (docs/templates.md). Internal
// to core: called by the template validator once the nodes are parsed.
#pragma once

#include <vector>

#include "atelier/core/template.h"
#include "atelier/core/validation.h"

namespace atelier {

// Fills t->milestones from `value` (the "milestones" key), adding one error per problem, each
// naming its field: "milestones[2].when[0]: no step 'x'". Checks: a list of objects with only
// id, label, when, manual; ids unique and [A-Za-z0-9_-]{1,64}; label a string; exactly one of a
// non-empty `when` (names of nodes other than the start node, each once) and `"manual": true`.
void ParseMilestones(const Json& value, Template* t, std::vector<ValidationError>* errors);

}  // namespace atelier
