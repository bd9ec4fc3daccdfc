// Prompt templating: {{inputs.NAME}}, {{steps.ID.FIELD}} (and, inside a map's per-item node,
// {{item}}, {{item.FIELD}}, {{index}}) rendered with Mustache (kainjow), without HTML escaping.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/core/template.h"

namespace atelier {

// One {{...}} tag's name split on dots: "steps.caption.text" -> {"steps","caption","text"}.
// Section tags ({{#x}}, {{^x}}, {{/x}}) and unescaped tags ({{&x}}, {{{x}}}) yield their names too;
// comments ({{! ...}}) and partials are ignored.
struct Reference {
  std::vector<std::string> path;
  std::string text;  // the tag as written, for error messages
};

// Every reference in a string, in order. InvalidArgument for an unterminated tag.
Result<std::vector<Reference>> ExtractReferences(std::string_view s);

// Walks every string inside `value` (recursively through arrays and objects) and calls f for each.
template <class F>
void ForEachString(const Json& value, F&& f) {
  if (value.is_string()) {
    f(value.get_ref<const std::string&>());
  } else if (value.is_array() || value.is_object()) {
    for (const auto& v : value) ForEachString(v, f);
  }
}

// Renders one string against `scope` ({"inputs": {...}, "steps": {...}, "item": ..., "index": n}).
// A string that is exactly one reference ("{{steps.k.list}}") renders to the referenced JSON value
// itself (so lists and objects pass through); otherwise the result is a string, where referenced
// objects and lists appear as compact JSON. A reference that resolves to nothing is an
// InvalidArgument naming it (the step did not produce that field).
Result<Json> RenderString(const std::string& s, const Json& scope);

// Renders every string inside `value` (recursively), keeping its shape.
Result<Json> RenderValue(const Json& value, const Json& scope);

// Looks up a dotted path in a JSON value; numeric parts index arrays. nullptr when absent.
const Json* LookupPath(const Json& root, const std::vector<std::string>& path);

}  // namespace atelier
