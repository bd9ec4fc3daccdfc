// Prompt templating: {{inputs.NAME}}, {{steps.ID.FIELD}} (and, inside a map's per-item node,
// {{item}}, {{item.FIELD}}, {{index}}) rendered with Mustache (kainjow), without HTML escaping.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Bounds on one render, so that a small template over a large input cannot make the process
// render gigabytes or loop for hours: a section repeats its body once per list item, so sections
// nested four deep over a 100-item list repeat it 10^8 times. One render is one RenderString
// call, or one RenderValue call with all the strings inside the value together. Both are checked
// before the text is produced (a section's body is charged for all its items when the section
// starts), so exceeding one costs no more than the limit; it fails the render with
// InvalidArgument naming the limit, its value and where in the value it was exceeded.
//
// Output: the bytes a render produces: literal text, inserted values, values a single reference
// passes through (their JSON size) and strings without tags. 8 MiB is far above any prompt or
// document a step sends on (providers take well under 1 MiB of prompt) and small enough that a
// few concurrent steps at the limit cost the process tens of MiB, not gigabytes.
inline constexpr uint64_t kMaxRenderBytes = uint64_t{8} << 20;
// Work: tag lookups plus section iterations. Bounds the time of a render that outputs little or
// nothing ({{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}} over 1,000 items is 10^9 iterations of nothing).
// 250,000 covers a template over 10,000 list items with 20 tags each; it costs about 20 ms
// (transform, condition and end render on the engine's own thread, so this is also how long one
// such step can hold up the others) and stays well under a second in sanitizer builds.
inline constexpr uint64_t kMaxRenderWork = 250'000;

// Sections: at most this many open inside one another (an unterminated or unbalanced section,
// or one past this depth, makes the string invalid: validation refuses it and a render fails).
// Mustache's renderer recurses once per level and keeps a copy of each section's text, so
// 20,000 nested sections (640 KB of template) took 9 GB and overflowed the stack. Twenty is
// far past what a prompt needs (the shipped templates nest one deep) and bounds that copying to
// twenty times the text.
inline constexpr size_t kMaxSectionDepth = 20;

struct RenderLimits {
  uint64_t max_bytes = kMaxRenderBytes;
  uint64_t max_work = kMaxRenderWork;
};

// Renders one string against `scope` ({"inputs": {...}, "steps": {...}, "item": ..., "index": n}).
// A string that is exactly one reference ("{{steps.k.list}}") renders to the referenced JSON value
// itself (so lists and objects pass through); otherwise the result is a string, where referenced
// objects and lists appear as compact JSON. A reference that resolves to nothing is an
// InvalidArgument naming it (the step did not produce that field). So is a render past `limits`.
Result<Json> RenderString(const std::string& s, const Json& scope, const RenderLimits& limits = {});

// Renders every string inside `value` (recursively), keeping its shape. `limits` bound all the
// strings together; the error names where it was exceeded ("at .title", "at .list[2]").
Result<Json> RenderValue(const Json& value, const Json& scope, const RenderLimits& limits = {});

// About the length of v.dump(): exact for strings without characters to escape, an estimate for
// numbers. Stops counting once past `cap` (returning some value above it), so asking about a huge
// value costs no more than `cap` bytes of walking. No recursion.
uint64_t JsonSizeUpTo(const Json& v, uint64_t cap);

// Looks up a dotted path in a JSON value; numeric parts index arrays. nullptr when absent.
const Json* LookupPath(const Json& root, const std::vector<std::string>& path);

}  // namespace atelier
