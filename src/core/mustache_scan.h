// Private to core: a scanner for Mustache tags that mirrors kainjow's parser (delimiters, triple
// mustaches, set-delimiter tags, section balance), so that validation, reference extraction and
// rendering agree on what a tag is. Also an iterative walk over the strings inside a JSON value
// (templates can nest data deeply; no recursion).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/core/template.h"

namespace atelier::internal {

enum class TagKind {
  kVariable,       // {{x}}
  kUnescaped,      // {{{x}}} or {{&x}}
  kSectionBegin,   // {{#x}}
  kInvertedBegin,  // {{^x}}
  kSectionEnd,     // {{/x}}
  kComment,        // {{! ...}}
  kPartial,        // {{> x}}
  kSetDelimiter,   // {{=<% %>=}}
};

struct Tag {
  TagKind kind = TagKind::kVariable;
  std::string_view name;  // trimmed, without its sigil; a view into the scanned string
  size_t begin = 0;       // offset of the opening delimiter
  size_t end = 0;         // one past the closing delimiter
  size_t name_begin = 0;  // offset of `name` in the scanned string
};

// Fills *tags (cleared first) with every tag of `s`, in order. InvalidArgument for an
// unterminated tag, an invalid set-delimiter tag, or unbalanced sections.
Status ScanTags(std::string_view s, std::vector<Tag>* tags);

// Variables, unescaped variables and section tags: the tags that name a value.
inline bool NamesValue(TagKind k) {
  return k == TagKind::kVariable || k == TagKind::kUnescaped || k == TagKind::kSectionBegin ||
         k == TagKind::kInvertedBegin || k == TagKind::kSectionEnd;
}
inline bool IsVariable(TagKind k) { return k == TagKind::kVariable || k == TagKind::kUnescaped; }

// "steps.a.text" -> {"steps","a","text"}; "." -> {"."}; "" -> {}.
std::vector<std::string> SplitName(std::string_view name);

// The first component of a dotted name ("steps" for "steps.a.text").
inline std::string_view NameRoot(std::string_view name) { return name.substr(0, name.find('.')); }

// True when `s` is exactly one variable tag ("{{inputs.count}}", nothing around it).
// `scratch` is reused storage.
bool IsSingleReference(std::string_view s, std::vector<Tag>* scratch);

// Calls f(const std::string& s, const P& path) for each string inside `root`, in document order,
// where path() builds the location relative to root (".key", "[2]", ".a[0].b"; "" for root itself).
// Iterative, so arbitrarily deep values cannot overflow the stack; path strings are only built
// when asked for.
template <class F>
void WalkStrings(const Json& root, F&& f) {
  if (root.is_string()) {
    f(root.get_ref<const std::string&>(), [] { return std::string(); });
    return;
  }
  if (!root.is_structured() || root.empty()) return;
  struct Frame {
    const Json* value;
    Json::const_iterator it;
  };
  std::vector<Frame> stack;
  stack.push_back({&root, root.cbegin()});
  const auto path = [&stack] {
    std::string p;
    for (const Frame& fr : stack) {
      if (fr.value->is_object()) {
        p += '.';
        p += fr.it.key();
      } else {
        p += '[';
        p += std::to_string(fr.it - fr.value->cbegin());
        p += ']';
      }
    }
    return p;
  };
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.it == top.value->cend()) {
      stack.pop_back();
      if (!stack.empty()) ++stack.back().it;
      continue;
    }
    const Json& child = *top.it;
    if (child.is_string()) {
      f(child.get_ref<const std::string&>(), path);
      ++top.it;
    } else if (child.is_structured() && !child.empty()) {
      stack.push_back({&child, child.cbegin()});  // `top` is not used after this
    } else {
      ++top.it;
    }
  }
}

// `text` without its tags, counted the simple way estimates count them: each "{{", no '}', "}}"
// taken out, leftmost first (what std::regex_replace with \{\{[^}]*\}\} gives, in one pass and
// no recursion: libstdc++'s regex recursed once per character inside a tag, and a prompt holding a
// 100 KB Mustache comment overflowed the stack of the thread estimating it).
std::string WithoutTags(std::string_view text);

}  // namespace atelier::internal
