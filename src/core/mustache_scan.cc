#include "mustache_scan.h"

#include <string>

#include "atelier/core/render.h"

namespace atelier::internal {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Trims [b, e) of s in place.
void Trim(std::string_view s, size_t* b, size_t* e) {
  while (*b < *e && IsSpace(s[*b])) ++*b;
  while (*e > *b && IsSpace(s[*e - 1])) --*e;
}

// A short excerpt of s from `at`, for error messages.
std::string Excerpt(std::string_view s, size_t at) {
  constexpr size_t kMax = 40;
  std::string out(s.substr(at, kMax));
  if (s.size() - at > kMax) out += "...";
  return out;
}

bool ValidDelimiter(std::string_view d) {
  if (d.empty()) return false;
  for (char c : d)
    if (c == '=' || IsSpace(c)) return false;
  return true;
}

// Same rules as kainjow's parse_set_delimiter_tag: "=BEGIN END=".
bool ParseSetDelimiter(std::string_view contents, std::string* begin, std::string* end) {
  if (contents.size() < 5 || contents.back() != '=') return false;
  size_t b = 1, e = contents.size() - 1;
  Trim(contents, &b, &e);
  std::string_view inner = contents.substr(b, e - b);
  const size_t space = inner.find(' ');
  if (space == std::string_view::npos) return false;
  const size_t nonspace = inner.find_first_not_of(' ', space + 1);
  if (nonspace == std::string_view::npos) return false;
  std::string_view new_begin = inner.substr(0, space);
  std::string_view new_end = inner.substr(nonspace);
  if (!ValidDelimiter(new_begin) || !ValidDelimiter(new_end)) return false;
  *begin = std::string(new_begin);
  *end = std::string(new_end);
  return true;
}

}  // namespace

Status ScanTags(std::string_view s, std::vector<Tag>* tags) {
  tags->clear();
  std::string open = "{{", close = "}}";
  bool braces = true;
  std::vector<size_t> open_sections;  // indices into *tags
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = s.find(open, pos);
    if (start == std::string_view::npos) break;
    size_t contents = start + open.size();
    const bool triple = braces && contents < s.size() && s[contents] == '{';
    std::string_view closing = triple ? std::string_view("}}}") : std::string_view(close);
    if (triple) ++contents;
    const size_t stop = s.find(closing, contents);
    if (stop == std::string_view::npos) {
      return InvalidArgument("unterminated tag '" + Excerpt(s, start) + "' (no closing " +
                             std::string(closing) + ")");
    }
    size_t b = contents, e = stop;
    Trim(s, &b, &e);
    Tag tag;
    tag.begin = start;
    tag.end = stop + closing.size();
    if (!triple && b < e && s[b] == '=') {
      if (!ParseSetDelimiter(s.substr(b, e - b), &open, &close)) {
        return InvalidArgument("invalid set-delimiter tag '" +
                               std::string(s.substr(start, tag.end - start)) + "'");
      }
      braces = open == "{{" && close == "}}";
      tag.kind = TagKind::kSetDelimiter;
      tag.name_begin = b;
    } else if (triple) {
      tag.kind = TagKind::kUnescaped;
      tag.name_begin = b;
      tag.name = s.substr(b, e - b);
    } else {
      tag.kind = TagKind::kVariable;
      if (b < e) {
        switch (s[b]) {
          case '#':
            tag.kind = TagKind::kSectionBegin;
            break;
          case '^':
            tag.kind = TagKind::kInvertedBegin;
            break;
          case '/':
            tag.kind = TagKind::kSectionEnd;
            break;
          case '>':
            tag.kind = TagKind::kPartial;
            break;
          case '&':
            tag.kind = TagKind::kUnescaped;
            break;
          case '!':
            tag.kind = TagKind::kComment;
            break;
          default:
            break;
        }
      }
      if (tag.kind != TagKind::kVariable) {
        ++b;
        Trim(s, &b, &e);
      }
      tag.name_begin = b;
      tag.name = s.substr(b, e - b);
    }
    if (tag.kind == TagKind::kSectionBegin || tag.kind == TagKind::kInvertedBegin) {
      open_sections.push_back(tags->size());
      if (open_sections.size() > kMaxSectionDepth) {
        return InvalidArgument("sections nested deeper than " + std::to_string(kMaxSectionDepth) +
                               " levels at '" + Excerpt(s, start) + "'");
      }
    } else if (tag.kind == TagKind::kSectionEnd) {
      if (open_sections.empty()) {
        return InvalidArgument("section end '" + std::string(s.substr(start, tag.end - start)) +
                               "' has no matching section start");
      }
      const Tag& opened = (*tags)[open_sections.back()];
      if (opened.name != tag.name) {
        return InvalidArgument(
            "section '" + std::string(s.substr(opened.begin, opened.end - opened.begin)) +
            "' is closed by '" + std::string(s.substr(start, tag.end - start)) + "'");
      }
      open_sections.pop_back();
    }
    tags->push_back(tag);
    pos = tag.end;
  }
  if (!open_sections.empty()) {
    const Tag& opened = (*tags)[open_sections.back()];
    return InvalidArgument("section '" +
                           std::string(s.substr(opened.begin, opened.end - opened.begin)) +
                           "' is never closed (add {{/" + std::string(opened.name) + "}})");
  }
  return Status::Ok();
}

std::vector<std::string> SplitName(std::string_view name) {
  std::vector<std::string> parts;
  if (name.empty()) return parts;
  if (name == ".") {
    parts.emplace_back(".");
    return parts;
  }
  size_t from = 0;
  while (true) {
    const size_t dot = name.find('.', from);
    if (dot == std::string_view::npos) {
      parts.emplace_back(name.substr(from));
      break;
    }
    parts.emplace_back(name.substr(from, dot - from));
    from = dot + 1;
  }
  return parts;
}

bool IsSingleReference(std::string_view s, std::vector<Tag>* scratch) {
  if (s.size() < 4 || s[0] != '{' || s[1] != '{') return false;
  if (!ScanTags(s, scratch).ok()) return false;
  return scratch->size() == 1 && IsVariable((*scratch)[0].kind) && (*scratch)[0].begin == 0 &&
         (*scratch)[0].end == s.size();
}

std::string WithoutTags(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    if (open == std::string_view::npos) break;
    const size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) break;  // no tag can close after here
    if (close + 1 < text.size() && text[close + 1] == '}') {
      out.append(text.substr(i, open - i));  // the tag itself is dropped
      i = close + 2;
    } else {
      // A lone '}': no tag opened before it closes at it, so the search goes on after it.
      out.append(text.substr(i, close + 1 - i));
      i = close + 1;
    }
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace atelier::internal
