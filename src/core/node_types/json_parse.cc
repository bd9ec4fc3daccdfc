// json_parse: reads the JSON value inside a model's text answer ("Here are the ideas: ```json
// [...] ```"), optionally picks one part of it by a dotted path, and gives it as output `json`,
// so later steps can refer to {{steps.ID.json.title}} or map over {{steps.ID.json}}. Pure.
#include <cctype>

#include "atelier/core/validation.h"
#include "builders.h"

namespace atelier::node_types {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The body of the first Markdown code fence (``` or ```json), or nothing.
std::optional<std::string_view> Fenced(std::string_view s) {
  size_t open = s.find("```");
  if (open == std::string_view::npos) return std::nullopt;
  size_t body = s.find('\n', open);
  if (body == std::string_view::npos) return std::nullopt;
  size_t close = s.find("```", body + 1);
  if (close == std::string_view::npos) return std::nullopt;
  return s.substr(body + 1, close - body - 1);
}

// The first balanced {...} or [...] span, skipping brackets inside JSON strings, or nothing.
std::optional<std::string_view> Bracketed(std::string_view s) {
  size_t start = s.find_first_of("{[");
  if (start == std::string_view::npos) return std::nullopt;
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = start; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return s.substr(start, i - start + 1);
    }
  }
  return std::nullopt;
}

// The JSON value `text` holds: all of it, else a fenced block, else its first bracketed span.
std::optional<Json> FindJson(std::string_view text) {
  for (auto candidate :
       {std::optional<std::string_view>(Trim(text)), Fenced(text), Bracketed(text)}) {
    if (!candidate) continue;
    if (auto v = ParseJsonText(Trim(*candidate)); v) return std::move(*v);
  }
  return std::nullopt;
}

// `v` at the dotted `path` ("items.0.title"; "" is `v` itself), or nothing.
std::optional<Json> At(const Json& v, std::string_view path) {
  const Json* cur = &v;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (cur->is_object()) {
      auto it = cur->find(key);
      if (it == cur->end()) return std::nullopt;
      cur = &*it;
    } else if (cur->is_array() && !key.empty() &&
               key.find_first_not_of("0123456789") == std::string::npos && key.size() < 10) {
      size_t i = std::stoul(key);
      if (i >= cur->size()) return std::nullopt;
      cur = &(*cur)[i];
    } else {
      return std::nullopt;
    }
  }
  return *cur;
}

Result<Json> Evaluate(const Json& rendered) {
  const Json text = rendered.value("text", Json());
  // A whole-value reference to a JSON output ({{steps.x.json}}) is a value already.
  std::optional<Json> value =
      text.is_string() ? FindJson(text.get_ref<const std::string&>()) : std::optional<Json>(text);
  const std::string path = rendered.value("path", std::string());
  std::optional<Json> found = value ? At(*value, path) : std::nullopt;
  if (found) return Json{{"json", std::move(*found)}, {"found", true}};
  if (auto d = rendered.find("default"); d != rendered.end())
    return Json{{"json", *d}, {"found", false}};
  if (!value)
    return Err(
        InvalidArgument("text: holds no JSON value (looked at the whole text, a ``` "
                        "fence and the first {...} or [...])"));
  return Err(InvalidArgument("path: '" + path + "' is not in the parsed value"));
}

}  // namespace

NodeTypeSpec JsonParseNodeType() {
  NodeTypeSpec t{"json_parse",
                 NodeKind::kTask,
                 "Reads the JSON value in a text (a model's answer with prose or a code fence "
                 "around it), optionally one part of it by path.",
                 {},
                 {"json", "found"}};
  t.fields.push_back(F("text", FieldType::kAny, true, nullptr,
                       "the text holding a JSON value, e.g. {{steps.ideas.text}}"));
  t.fields.push_back(F("path", FieldType::kString, false, "",
                       "dotted path into the value (items.0.title); empty: the whole value"));
  t.fields.push_back(F("default", FieldType::kAny, false, nullptr,
                       "output json when there is no JSON or nothing at path; without it, that "
                       "fails the step"));
  t.rebuildable = true;
  t.mappable = true;
  t.evaluate = Evaluate;
  return t;
}

}  // namespace atelier::node_types
