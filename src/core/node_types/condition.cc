// condition: compares a value with an operand; edges leave by "true" or "false". Pure: the
// generic executor renders the data and calls Evaluate.
#include "atelier/core/condition.h"

#include <algorithm>
#include <cstdlib>

#include "builders.h"

namespace atelier {
namespace {

bool Truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return !s.empty() && s != "false" && s != "0";
  }
  return !v.empty();
}

std::optional<double> AsNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end && *end == '\0') return d;
  }
  return std::nullopt;
}

bool LooseEqual(const Json& a, const Json& b) {
  if (a == b) return true;
  auto na = AsNumber(a), nb = AsNumber(b);
  if (na && nb) return *na == *nb;
  if (a.is_string() && b.is_boolean())
    return a.get<std::string>() == (b.get<bool>() ? "true" : "false");
  if (b.is_string() && a.is_boolean()) return LooseEqual(b, a);
  return false;
}

}  // namespace

Result<bool> EvaluateCondition(const Json& value, const std::string& op, const Json& operand) {
  if (op == "eq") return LooseEqual(value, operand);
  if (op == "ne") return !LooseEqual(value, operand);
  if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
    auto a = AsNumber(value), b = AsNumber(operand);
    if (a && b) {
      if (op == "gt") return *a > *b;
      if (op == "gte") return *a >= *b;
      if (op == "lt") return *a < *b;
      return *a <= *b;
    }
    if (value.is_string() && operand.is_string()) {
      int c = value.get<std::string>().compare(operand.get<std::string>());
      if (op == "gt") return c > 0;
      if (op == "gte") return c >= 0;
      if (op == "lt") return c < 0;
      return c <= 0;
    }
    return Err(InvalidArgument("operator " + op + " needs two numbers or two strings, got " +
                               value.dump() + " and " + operand.dump()));
  }
  if (op == "contains" || op == "not_contains") {
    bool found = false;
    if (value.is_string()) {
      std::string needle = operand.is_string() ? operand.get<std::string>() : operand.dump();
      found = value.get<std::string>().find(needle) != std::string::npos;
    } else if (value.is_array()) {
      for (const auto& v : value) found |= LooseEqual(v, operand);
    } else if (value.is_object()) {
      found = operand.is_string() && value.contains(operand.get<std::string>());
    } else {
      return Err(InvalidArgument("operator " + op + " needs a string, list or object, got " +
                                 value.dump()));
    }
    return op == "contains" ? found : !found;
  }
  if (op == "empty" || op == "not_empty") {
    bool empty = value.is_null() ||
                 ((value.is_string() || value.is_array() || value.is_object()) && value.empty());
    return op == "empty" ? empty : !empty;
  }
  if (op == "truthy") return Truthy(value);
  if (op == "falsy") return !Truthy(value);
  return Err(InvalidArgument("unknown operator '" + op + "'"));
}

namespace node_types {
namespace {

const std::vector<std::string>& Operators() {
  static const std::vector<std::string> kOperators = {
      "eq",       "ne",           "gt",    "gte",       "lt",     "lte",
      "contains", "not_contains", "empty", "not_empty", "truthy", "falsy"};
  return kOperators;
}

bool NeedsOperand(std::string_view op) {
  return !(op == "empty" || op == "not_empty" || op == "truthy" || op == "falsy");
}

void Check(const Json& data, const NodeCheckReport& report) {
  auto op = data.find("operator");
  if (op == data.end() || !op->is_string() || data.contains("operand")) return;
  const auto& s = op->get_ref<const std::string&>();
  const auto& ops = Operators();
  const bool known = std::find(ops.begin(), ops.end(), s) != ops.end();
  if (known && NeedsOperand(s))
    report("operand", "missing field 'operand': operator '" + s +
                          "' compares the value with an operand (only empty, not_empty, truthy "
                          "and falsy need none)");
}

// The operator as text: a string as is, absent or null as "", anything else as its JSON.
std::string Text(const Json& rendered, const char* key) {
  auto it = rendered.find(key);
  if (it == rendered.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

Result<Json> Evaluate(const Json& rendered) {
  const Json value = rendered.value("value", Json());
  auto result =
      EvaluateCondition(value, Text(rendered, "operator"), rendered.value("operand", Json()));
  if (!result) return Err(result.error());
  return Json{{"result", *result}, {"branch", *result ? "true" : "false"}, {"value", value}};
}

}  // namespace

NodeTypeSpec ConditionNodeType() {
  NodeTypeSpec t{"condition",
                 NodeKind::kTask,
                 "Compares a value with an operand; outgoing edges leave by sourceHandle "
                 "\"true\" or \"false\".",
                 {},
                 {"result", "branch", "value"}};
  t.fields.push_back(F("value", FieldType::kAny, true, nullptr, "the value to test"));
  t.fields.push_back(
      OneOf(F("operator", FieldType::kString, true, nullptr, "comparison"), Operators()));
  t.fields.push_back(F("operand", FieldType::kAny, false, nullptr,
                       "right-hand side; required except for empty, not_empty, truthy, falsy"));
  t.handles = {"true", "false"};
  t.handle_required = true;
  t.check = Check;
  t.evaluate = Evaluate;
  return t;
}

}  // namespace node_types
}  // namespace atelier
