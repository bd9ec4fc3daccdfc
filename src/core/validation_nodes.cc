// Node checks: each node's keys, id, type and position, and its data against the node type's
// field specs (types, bounds, allowed values, required and unknown fields, per-type rules such as
// the type's check hook, map targets and retry policies), including inline
// subworkflows, which are validated recursively with their errors located inside the node.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validator.h"

namespace atelier {
namespace internal {
namespace {

std::string FormatNumber(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  return Json(d).dump();
}

bool IsNodeId(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A field type as messages name it: the API's name, spelled out where that is terse.
const char* FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kAny:
      return "any value";
    case FieldType::kNodeSpec:
      return "object {\"type\": ..., \"data\": {...}}";
    case FieldType::kRetry:
      return "object {\"max_attempts\": ..., \"backoff_ms\": ...}";
    default:
      return FieldTypeId(t);
  }
}

std::string MappableTypes() {
  std::vector<std::string> names;
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    if (t.mappable) names.push_back(t.name);
  return Join(names);
}

std::string KnownTypes() {
  std::vector<std::string> names;
  for (const NodeTypeSpec& t : BuiltinNodeTypes()) names.push_back(t.name);
  return Join(names);
}

const std::vector<FieldSpec>& RetryFields() {
  static const std::vector<FieldSpec> kFields = [] {
    std::vector<FieldSpec> f(2);
    f[0].name = "max_attempts";
    f[0].type = FieldType::kInteger;
    f[0].required = true;
    f[0].min = 1;
    f[0].max = 100;
    f[0].description = "attempts in all, including the first";
    f[1].name = "backoff_ms";
    f[1].type = FieldType::kInteger;
    f[1].required = true;
    f[1].min = 0;
    f[1].max = 3600000;
    f[1].description = "wait before the next attempt, in ms";
    return f;
  }();
  return kFields;
}

// Parses "1024x768"; false when malformed or a side is outside 16..2048.
// How deep inline subworkflow definitions may nest.
constexpr int kMaxSubworkflowDepth = 8;

}  // namespace

void Validator::ParseNodes(const Json& nodes) {
  const int n = static_cast<int>(nodes.size());
  // Fixed size from here on: index_ holds views of the id strings.
  t_.nodes.resize(n);
  node_has_id_.assign(n, false);
  specs_.assign(n, nullptr);
  index_.Reset(n);
  for (int i = 0; i < n; ++i) ParseNode(i, nodes[i]);
}

void Validator::ParseNode(int i, const Json& jn) {
  Node& node = t_.nodes[i];
  if (!jn.is_object()) {
    Add(NodeWhere(i), "a node must be an object, got " + Describe(jn));
    ids_ok_ = false;
    return;
  }
  // One pass over the keys (a std::map underneath): finding each key separately was a large
  // part of the validation time on big templates.
  const Json* id = nullptr;
  const Json* type = nullptr;
  const Json* data = nullptr;
  const Json* position = nullptr;
  std::vector<const std::string*> unknown;
  for (auto it = jn.cbegin(); it != jn.cend(); ++it) {
    const std::string_view key = it.key();
    if (key == "id") {
      id = &*it;
    } else if (key == "type") {
      type = &*it;
    } else if (key == "data") {
      data = &*it;
    } else if (key == "position") {
      position = &*it;
    } else if (key != "width" && key != "height" && key != "selected" && key != "dragging" &&
               key != "positionAbsolute" && key != "measured") {
      unknown.push_back(&it.key());
    }
  }

  if (id == nullptr) {
    Add(NodeWhere(i), "missing required key 'id'");
    ids_ok_ = false;
  } else if (!id->is_string()) {
    Add(NodeWhere(i), "id must be a string, got " + Describe(*id));
    ids_ok_ = false;
  } else {
    node.id = id->get_ref<const std::string&>();
    node_has_id_[i] = true;
    if (!IsNodeId(node.id)) {
      Add(NodeWhere(i), "invalid id " + Quoted(node.id) +
                            ": ids are non-empty and use only letters, digits, '_' and '-'");
      ids_ok_ = false;
    }
    const int first = index_.Insert(node.id, i);
    if (first >= 0) {
      Add(NodeWhere(i),
          "duplicate node id " + Quoted(node.id) + " (first used by " + NodeWhere(first) + ")");
      ids_ok_ = false;
    }
  }

  if (type == nullptr) {
    Add(NodeWhere(i), "missing required key 'type' (one of " + KnownTypes() + ")");
  } else if (!type->is_string()) {
    Add(NodeWhere(i), "type must be a string, got " + Describe(*type));
  } else {
    node.type = type->get_ref<const std::string&>();
    specs_[i] = FindNodeType(node.type);
    if (specs_[i] == nullptr) {
      Add(NodeWhere(i),
          "unknown node type " + Quoted(node.type) + "; known types: " + KnownTypes());
    }
  }

  if (data != nullptr) {
    if (!data->is_object()) {
      Add(NodeWhere(i) + ".data", "data must be an object, got " + Describe(*data));
    } else if (owned_doc_ != nullptr) {
      // The document is ours (ParseTemplateText) and not const: take the data, don't copy it.
      node.data = std::move(const_cast<Json&>(*data));
    } else {
      node.data = *data;
    }
  }

  if (position != nullptr) ParsePosition(i, *position);
  for (const std::string* key : unknown) {
    Add(NodeWhere(i), "unknown key " + Quoted(*key) +
                          "; allowed keys: id, type, data, position (React Flow's width, height, "
                          "selected, dragging, positionAbsolute and measured are ignored)");
  }

  if (specs_[i] != nullptr) CheckData(i, node.data, *specs_[i], ".data");
}

void Validator::ParsePosition(int i, const Json& pos) {
  const std::string where_suffix = ".position";
  if (!pos.is_object()) {
    Add(NodeWhere(i) + where_suffix,
        "position must be an object {\"x\": number, \"y\": number}, got " + Describe(pos));
    return;
  }
  Node& node = t_.nodes[i];
  for (const char* axis : {"x", "y"}) {
    auto it = pos.find(axis);
    if (it == pos.end() || !it->is_number()) {
      Add(NodeWhere(i) + where_suffix,
          std::string("position.") + axis + " must be a number, got " +
              (it == pos.end() ? std::string("nothing") : Describe(*it)));
      continue;
    }
    (axis[0] == 'x' ? node.x : node.y) = it->get<double>();
  }
  for (const auto& [key, value] : pos.items()) {
    if (key != "x" && key != "y") {
      Add(NodeWhere(i) + where_suffix, "unknown key " + Quoted(key) + "; allowed keys: x, y");
    }
  }
}

// Checks `data` of node i against `spec`; `prefix` locates data within the node (".data" or
// ".data.node.data" for a map's per-item node).
void Validator::CheckData(int i, const Json& data, const NodeTypeSpec& spec,
                          const std::string& prefix) {
  // One pass over the data's keys; `present` has bit k for field k of spec.fields + common.
  const std::vector<FieldSpec>& common = CommonFieldSpecs();
  const size_t own = spec.fields.size();
  ATELIER_CHECK(own + common.size() <= 64);
  const auto field_at = [&](size_t k) -> const FieldSpec& {
    return k < own ? spec.fields[k] : common[k - own];
  };
  uint64_t present = 0;
  for (auto it = data.cbegin(); it != data.cend(); ++it) {
    const std::string& key = it.key();
    size_t k = 0;
    while (k < own + common.size() && field_at(k).name != key) ++k;
    if (k == own + common.size()) {
      std::vector<std::string> allowed;
      for (size_t a = 0; a < own + common.size(); ++a) allowed.push_back(field_at(a).name);
      Add(NodeWhere(i) + prefix + "." + key, "unknown field " + Quoted(key) + " for node type " +
                                                 Quoted(spec.name) +
                                                 "; allowed fields: " + Join(allowed));
      continue;
    }
    present |= uint64_t{1} << k;
    // Common fields (retry, timeout_ms, cache) steer the scheduler before anything renders, so
    // they must be literal values; a node's own fields render when the step runs.
    CheckField(i, field_at(k), *it, prefix, /*allow_reference=*/k < own);
  }
  for (size_t k = 0; k < own + common.size(); ++k) {
    const FieldSpec& f = field_at(k);
    if (f.required && !(present & (uint64_t{1} << k))) {
      Add(NodeWhere(i) + prefix + "." + f.name, "missing required field " + Quoted(f.name) + " (" +
                                                    FieldTypeName(f.type) + ": " + f.description +
                                                    ")");
    }
  }

  if (spec.kind == NodeKind::kSubworkflow) CheckSubworkflow(i, data, prefix);
  if (spec.check != nullptr) {
    spec.check(data, [&](std::string_view field, const std::string& message) {
      Add(NodeWhere(i) + prefix + "." + std::string(field), message);
    });
  }
}

// A subworkflow names a stored template or carries one inline; an inline one is validated here
// (its errors located inside this node), and literal inputs are checked against it.
void Validator::CheckSubworkflow(int i, const Json& data, const std::string& prefix) {
  auto tpl = data.find("template");
  auto def = data.find("definition");
  if ((tpl == data.end()) == (def == data.end())) {
    Add(NodeWhere(i) + prefix,
        tpl == data.end()
            ? "a subworkflow needs 'template' (the name of a stored template) or 'definition' "
              "(a template written inline)"
            : "give either 'template' or 'definition', not both");
    return;
  }
  if (tpl != data.end() && tpl->is_string() && tpl->get_ref<const std::string&>().empty())
    Add(NodeWhere(i) + prefix + ".template", "must name a template, got \"\"");
  if (def == data.end() || !def->is_object()) return;
  if (depth_ >= kMaxSubworkflowDepth) {
    Add(NodeWhere(i) + prefix + ".definition",
        "subworkflows nest deeper than " + std::to_string(kMaxSubworkflowDepth) + " levels");
    return;
  }
  std::vector<ValidationError> inner;
  Validator nested(*def, &inner, nullptr, depth_ + 1);
  auto t = nested.Run();
  for (const auto& e : inner) Add(NodeWhere(i) + prefix + ".definition." + e.where, e.message);
  if (!t) return;
  auto in = data.find("inputs");
  if (in == data.end() || !in->is_object()) return;
  for (const auto& [key, value] : in->items()) {
    bool declared = false;
    for (const auto& decl : t->inputs) declared |= decl.name == key;
    if (!declared)
      Add(NodeWhere(i) + prefix + ".inputs." + key,
          "the sub-template declares no input " + Quoted(key));
  }
  for (const auto& decl : t->inputs)
    if (decl.required && !decl.default_value && !in->contains(decl.name))
      Add(NodeWhere(i) + prefix + ".inputs",
          "missing input " + Quoted(decl.name) + " that the sub-template requires");
}

void Validator::CheckField(int i, const FieldSpec& f, const Json& v, const std::string& prefix,
                           bool allow_reference) {
  const auto where = [&] { return NodeWhere(i) + prefix + "." + f.name; };
  const auto reference_ok = [&] {
    return allow_reference && v.is_string() &&
           internal::IsSingleReference(v.get_ref<const std::string&>(), &tags_);
  };
  const auto type_error = [&](const char* expected) {
    std::string m = std::string("must be ") + expected + ", got " + Describe(v);
    if (v.is_string() && allow_reference) {
      m += "; a string is allowed here only as a single reference such as {{inputs.NAME}}";
    }
    Add(where(), std::move(m));
  };
  switch (f.type) {
    case FieldType::kString: {
      if (!v.is_string()) return type_error("a string");
      if (f.one_of.empty()) return;
      const auto& s = v.get_ref<const std::string&>();
      if (std::find(f.one_of.begin(), f.one_of.end(), s) != f.one_of.end() || reference_ok())
        return;
      Add(where(), Quoted(s) + " is not an allowed value; allowed values: " + Join(f.one_of));
      return;
    }
    case FieldType::kInteger:
      if (reference_ok()) return;
      if (!v.is_number_integer()) return type_error("an integer");
      return CheckBounds(f, v, where);
    case FieldType::kNumber:
      if (reference_ok()) return;
      if (!v.is_number()) return type_error("a number");
      return CheckBounds(f, v, where);
    case FieldType::kBoolean:
      if (reference_ok()) return;
      if (!v.is_boolean()) return type_error("true or false");
      return;
    case FieldType::kList:
      if (reference_ok()) return;
      if (!v.is_array()) return type_error("a list");
      return;
    case FieldType::kObject:
      if (!v.is_object()) return type_error("an object");
      return;
    case FieldType::kAny:
      return;
    case FieldType::kNodeSpec:
      return CheckNodeSpec(i, v, prefix + "." + f.name);
    case FieldType::kRetry:
      return CheckRetry(i, v, prefix + "." + f.name);
  }
}

template <class W>
void Validator::CheckBounds(const FieldSpec& f, const Json& v, const W& where) {
  if (!f.min && !f.max) return;
  const double x = v.get<double>();
  if ((f.min && x < *f.min) || (f.max && x > *f.max)) {
    std::string m;
    if (f.min && f.max) {
      m = "must be between " + FormatNumber(*f.min) + " and " + FormatNumber(*f.max);
    } else if (f.min) {
      m = "must be at least " + FormatNumber(*f.min);
    } else {
      m = "must be at most " + FormatNumber(*f.max);
    }
    Add(where(), m + ", got " + v.dump());
  }
}

void Validator::CheckNodeSpec(int i, const Json& v, const std::string& at) {
  if (!v.is_object()) {
    Add(NodeWhere(i) + at,
        "must be an object {\"type\": \"generate_text\", \"data\": {...}}, got " + Describe(v));
    return;
  }
  const NodeTypeSpec* inner = nullptr;
  auto it = v.find("type");
  if (it == v.end()) {
    Add(NodeWhere(i) + at, "missing required key 'type' (one of " + MappableTypes() + ")");
  } else if (!it->is_string()) {
    Add(NodeWhere(i) + at + ".type", "type must be a string, got " + Describe(*it));
  } else {
    const auto& name = it->get_ref<const std::string&>();
    inner = FindNodeType(name);
    if (inner == nullptr || !inner->mappable) {
      Add(NodeWhere(i) + at + ".type",
          Quoted(name) + (inner == nullptr ? " is not a node type" : " cannot run per item") +
              "; a map's node may be one of: " + MappableTypes());
      inner = nullptr;
    }
  }
  static const Json kEmpty = Json::object();
  const Json* data = &kEmpty;
  it = v.find("data");
  if (it != v.end()) {
    if (!it->is_object()) {
      Add(NodeWhere(i) + at + ".data", "data must be an object, got " + Describe(*it));
      inner = nullptr;
    } else {
      data = &*it;
    }
  }
  for (const auto& [key, value] : v.items()) {
    if (key != "type" && key != "data") {
      Add(NodeWhere(i) + at, "unknown key " + Quoted(key) + "; allowed keys: type, data");
    }
  }
  if (inner != nullptr) CheckData(i, *data, *inner, at + ".data");
}

void Validator::CheckRetry(int i, const Json& v, const std::string& at) {
  if (!v.is_object()) {
    Add(NodeWhere(i) + at,
        "must be an object {\"max_attempts\": 3, \"backoff_ms\": 1000}, got " + Describe(v));
    return;
  }
  for (const FieldSpec& f : RetryFields()) {
    auto it = v.find(f.name);
    if (it == v.end()) {
      if (f.required) {
        Add(NodeWhere(i) + at + "." + f.name,
            "missing required field " + Quoted(f.name) + " (integer: " + f.description + ")");
      }
      continue;
    }
    CheckField(i, f, *it, at, /*allow_reference=*/false);
  }
  for (const auto& [key, value] : v.items()) {
    if (!FindField(RetryFields(), key)) {
      Add(NodeWhere(i) + at + "." + key,
          "unknown field " + Quoted(key) + " in retry; allowed fields: max_attempts, backoff_ms");
    }
  }
}

}  // namespace internal
}  // namespace atelier
