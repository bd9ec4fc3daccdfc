// Input specs: the validator's check of a template's "inputs" object (names, types, defaults),
// and the public functions that apply a template's input specs to the values of a launch
// (ResolveInputs) or of a command-line argument (CoerceCliInput).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/validation.h"
#include "validator.h"

namespace atelier {
namespace internal {
namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  const auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

bool MatchesInputType(InputType t, const Json& v) {
  switch (t) {
    case InputType::kString:
      return v.is_string();
    case InputType::kInteger:
      return v.is_number_integer();
    case InputType::kNumber:
      return v.is_number();
    case InputType::kBoolean:
      return v.is_boolean();
    case InputType::kList:
      return v.is_array();
    case InputType::kObject:
      return v.is_object();
  }
  return false;
}

// "a string", "an integer": the expected side of a type message.
std::string InputTypeWithArticle(InputType t) {
  switch (t) {
    case InputType::kInteger:
      return "an integer";
    case InputType::kObject:
      return "an object";
    case InputType::kList:
      return "a list";
    default:
      return std::string("a ") + InputTypeName(t);
  }
}

}  // namespace

void Validator::ParseInputs(const Json& inputs) {
  if (!inputs.is_object()) {
    Add("template.inputs",
        "inputs must be an object mapping input names to specs, got " + Describe(inputs));
    return;
  }
  t_.inputs.reserve(inputs.size());
  for (const auto& [name, spec] : inputs.items()) {
    InputSpec in;
    in.name = name;
    const std::string where = "inputs." + name;
    if (!IsIdentifier(name)) {
      Add(where, "invalid input name " + Quoted(name) +
                     ": a name starts with a letter or '_' and has only letters, digits and '_'");
    }
    if (!spec.is_object()) {
      Add(where,
          "an input spec must be an object such as {\"type\": \"string\"}, got " + Describe(spec));
      t_.inputs.push_back(std::move(in));
      continue;
    }
    bool type_ok = false;
    auto it = spec.find("type");
    if (it == spec.end()) {
      Add(where, "missing required key 'type' (string, integer, number, boolean, list or object)");
    } else if (!it->is_string() || !InputTypeFromName(it->get<std::string>())) {
      Add(where, "type must be one of string, integer, number, boolean, list, object; got " +
                     Describe(*it));
    } else {
      in.type = *InputTypeFromName(it->get<std::string>());
      type_ok = true;
    }
    it = spec.find("required");
    if (it != spec.end()) {
      if (!it->is_boolean()) {
        Add(where, "required must be true or false, got " + Describe(*it));
      } else {
        in.required = it->get<bool>();
      }
    }
    it = spec.find("default");
    if (it != spec.end()) {
      if (type_ok && !MatchesInputType(in.type, *it)) {
        Add(where, "default must be " + InputTypeWithArticle(in.type) +
                       " (the input's type), got " + Describe(*it));
      }
      in.default_value = *it;
    }
    it = spec.find("description");
    if (it != spec.end()) {
      if (!it->is_string()) {
        Add(where, "description must be a string, got " + Describe(*it));
      } else {
        in.description = it->get<std::string>();
      }
    }
    for (const auto& [key, value] : spec.items()) {
      if (key != "type" && key != "required" && key != "default" && key != "description") {
        Add(where,
            "unknown key " + Quoted(key) + "; allowed keys: type, required, default, description");
      }
    }
    t_.inputs.push_back(std::move(in));
  }
}

bool Validator::InputDeclared(std::string_view name) const {
  // t_.inputs follows the Json object's (sorted) key order.
  auto it = std::lower_bound(t_.inputs.begin(), t_.inputs.end(), name,
                             [](const InputSpec& in, std::string_view n) { return in.name < n; });
  return it != t_.inputs.end() && it->name == name;
}

std::string Validator::DeclaredInputs() const {
  if (t_.inputs.empty()) return "this template declares no inputs";
  std::vector<std::string> names;
  for (const InputSpec& in : t_.inputs) names.push_back(in.name);
  return "declared inputs: " + Join(names);
}

}  // namespace internal

namespace {

using internal::Describe;
using internal::InputTypeWithArticle;
using internal::Join;
using internal::MatchesInputType;
using internal::Quoted;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    const char x = (a[k] >= 'A' && a[k] <= 'Z') ? static_cast<char>(a[k] - 'A' + 'a') : a[k];
    if (x != b[k]) return false;
  }
  return true;
}

std::optional<int64_t> ParseInteger(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

Result<Json> ResolveInputs(const Template& t, const Json& given,
                           std::vector<ValidationError>* errors) {
  std::vector<ValidationError> local;
  std::vector<ValidationError>& errs = errors != nullptr ? *errors : local;
  const size_t before = errs.size();
  Json resolved = Json::object();
  if (!given.is_null() && !given.is_object()) {
    errs.push_back({"launch inputs",
                    "launch inputs must be a JSON object mapping input names to "
                    "values, got " +
                        Describe(given)});
  }
  const bool have = given.is_object();
  for (const InputSpec& in : t.inputs) {
    const std::string where = "launch inputs." + in.name;
    const Json* value = nullptr;
    if (have) {
      auto it = given.find(in.name);
      if (it != given.end()) value = &*it;
    }
    if (value == nullptr) {
      if (in.default_value) {
        resolved[in.name] = *in.default_value;
      } else if (in.required) {
        errs.push_back({where, "missing required input " + Quoted(in.name) + " (" +
                                   InputTypeName(in.type) + ")"});
      }
      continue;
    }
    if (!MatchesInputType(in.type, *value)) {
      errs.push_back({where, "input " + Quoted(in.name) + " must be " +
                                 InputTypeWithArticle(in.type) + ", got " + Describe(*value)});
      continue;
    }
    resolved[in.name] = *value;
  }
  if (have) {
    std::vector<std::string> declared;
    for (const InputSpec& in : t.inputs) declared.push_back(in.name);
    for (const auto& item : given.items()) {
      // A named reference, not a structured binding: clang 14 cannot capture bindings in lambdas.
      const std::string& key = item.key();
      const bool known = std::any_of(t.inputs.begin(), t.inputs.end(),
                                     [&](const InputSpec& in) { return in.name == key; });
      if (!known) {
        errs.push_back({"launch inputs." + key,
                        "unknown input " + Quoted(key) + "; " +
                            (declared.empty() ? std::string("this template declares no inputs")
                                              : "declared inputs: " + Join(declared))});
      }
    }
  }
  const size_t n = errs.size() - before;
  if (n > 0) {
    return Err(InvalidArgument("launch inputs have " + std::to_string(n) +
                               (n == 1 ? " error" : " errors")));
  }
  return resolved;
}

Result<Json> CoerceCliInput(const Template& t, const std::string& name, const std::string& value) {
  auto spec = std::find_if(t.inputs.begin(), t.inputs.end(),
                           [&](const InputSpec& in) { return in.name == name; });
  if (spec == t.inputs.end()) return Json(value);
  const auto fail = [&](const std::string& expected) {
    std::string shown = value.size() > 60 ? value.substr(0, 60) + "..." : value;
    return Err(InvalidArgument("input " + Quoted(name) + " expects " + expected + ", got " +
                               Quoted(shown)));
  };
  switch (spec->type) {
    case InputType::kString:
      return Json(value);
    case InputType::kInteger:
      if (auto v = ParseInteger(value)) return Json(*v);
      return fail("an integer (such as 42)");
    case InputType::kNumber:
      if (auto v = ParseInteger(value)) return Json(*v);
      if (auto v = ParseDouble(value)) return Json(*v);
      return fail("a number (such as 2.5)");
    case InputType::kBoolean:
      if (EqualsIgnoreCase(value, "true") || EqualsIgnoreCase(value, "yes") || value == "1") {
        return Json(true);
      }
      if (EqualsIgnoreCase(value, "false") || EqualsIgnoreCase(value, "no") || value == "0") {
        return Json(false);
      }
      return fail("a boolean (true/false, yes/no or 1/0)");
    case InputType::kList:
    case InputType::kObject: {
      const bool list = spec->type == InputType::kList;
      const char* expected = list ? "a list as JSON (such as [\"a\", \"b\"])"
                                  : "an object as JSON (such as {\"key\": \"value\"})";
      Result<Json> parsed = ParseJsonText(value);
      if (!parsed) {
        return Err(InvalidArgument("input " + Quoted(name) + " expects " + expected + ": " +
                                   parsed.error().message()));
      }
      if (list ? !parsed->is_array() : !parsed->is_object()) return fail(expected);
      return parsed;
    }
  }
  return Json(value);
}

}  // namespace atelier
