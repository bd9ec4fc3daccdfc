// Parsing and validation of templates and launch inputs. Every error is reported at once, each
// naming the node, edge or field it concerns. Pure functions, thread-safe, linear in the size of
// the template (see docs/architecture.md for the one super-linear corner: references to distant
// ancestors).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/json_limits.h"
#include "atelier/core/status.h"
#include "atelier/core/template.h"

namespace atelier {

struct ValidationError {
  // Where: "nodes[3] (id 'caption')", "nodes[3] (id 'caption').data.prompt", "edges[1] (id 'e2')",
  // "inputs.tone", "template", "launch inputs.product".
  std::string where;
  std::string message;
  std::string ToString() const { return where + ": " + message; }
};

// Parses JSON text; on a syntax error, the Status message names line and column. Text nested
// deeper than `max_depth` is refused before it is parsed, with InvalidArgument "JSON nested deeper
// than 128 levels (line 1, column 130)" (see json_limits.h for why).
Result<Json> ParseJsonText(std::string_view text, int max_depth = kMaxJsonDepth);

// Parses and validates a template document. Returns the Template when there is no error, else
// every error found (never an empty vector on failure). Checks: top-level shape and field types;
// inputs (types, defaults of the declared type); node ids (present, unique, [A-Za-z0-9_-]+);
// unknown node types; each node's data fields against its NodeTypeSpec (missing, ill-typed,
// out of range, not one of the allowed values, unknown field); edge ids unique; edges to unknown
// nodes; sourceHandle allowed by the source type; exactly one `start`, no edge into it; cycles
// (naming the nodes on each cycle); nodes unreachable from `start`; references to undeclared
// inputs, to steps that are not upstream, to outputs a step does not have.
Result<Template> ParseTemplate(const Json& doc, std::vector<ValidationError>* errors);

// Convenience: text -> Template, JSON syntax errors reported as one ValidationError.
Result<Template> ParseTemplateText(std::string_view text, std::vector<ValidationError>* errors);

// Checks launch inputs against the template's declared inputs and returns the complete input
// object (defaults filled in). Errors: missing required input, wrong type, undeclared input.
// Integers are accepted for number inputs; nothing else is coerced.
Result<Json> ResolveInputs(const Template& t, const Json& given, std::vector<ValidationError>* errors);

// Converts a command-line value ("--input NAME=VALUE") to the declared type of NAME: integers,
// numbers and booleans are parsed; lists and objects are parsed as JSON; strings are taken as is.
// InvalidArgument naming the input when it does not parse; an undeclared name is passed through
// as a string (ResolveInputs reports it).
Result<Json> CoerceCliInput(const Template& t, const std::string& name, const std::string& value);

}  // namespace atelier
