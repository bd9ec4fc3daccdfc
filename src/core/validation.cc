#include "atelier/core/validation.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/node_types.h"
#include "core/milestones_validation.h"
#include "core/mustache_scan.h"
#include "core/string_index.h"

namespace atelier {
namespace {

using internal::Tag;
using internal::TagKind;

std::string Quoted(std::string_view s) {
  std::string out = "'";
  out += s;
  out += '\'';
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// "a string ('abc')", "an integer (42)", "a list", "null": for "got ..." in messages.
std::string Describe(const Json& v) {
  constexpr size_t kMaxShown = 40;
  switch (v.type()) {
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      return "a string (" + Quoted(s.size() > kMaxShown ? s.substr(0, kMaxShown) + "..." : s) + ")";
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer (" + v.dump() + ")";
    case Json::value_t::number_float:
      return "a number (" + v.dump() + ")";
    case Json::value_t::boolean:
      return std::string("a boolean (") + (v.get<bool>() ? "true" : "false") + ")";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::null:
      return "null";
    default:
      return "an unsupported value";
  }
}

std::string FormatNumber(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  return Json(d).dump();
}

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

bool IsNodeId(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
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

const char* FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "string";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kNumber:
      return "number";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kList:
      return "list";
    case FieldType::kObject:
      return "object";
    case FieldType::kAny:
      return "any value";
    case FieldType::kNodeSpec:
      return "object {\"type\": ..., \"data\": {...}}";
    case FieldType::kRetry:
      return "object {\"max_attempts\": ..., \"backoff_ms\": ...}";
  }
  return "value";
}

std::string MappableTypes() {
  std::vector<std::string> names;
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    if (IsMappableNodeType(t.name)) names.push_back(t.name);
  return Join(names);
}

std::string KnownTypes() {
  std::vector<std::string> names;
  for (const NodeTypeSpec& t : BuiltinNodeTypes()) names.push_back(t.name);
  return Join(names);
}

const FieldSpec* FindField(const std::vector<FieldSpec>& fields, std::string_view name) {
  for (const FieldSpec& f : fields)
    if (f.name == name) return &f;
  return nullptr;
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
bool ValidImageSize(std::string_view s) {
  const size_t x = s.find('x');
  if (x == std::string_view::npos) return false;
  const auto side = [](std::string_view part) {
    if (part.empty() || part.size() > 5) return false;
    int v = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    return ec == std::errc() && ptr == part.data() + part.size() && v >= 16 && v <= 2048;
  };
  return side(s.substr(0, x)) && side(s.substr(x + 1));
}

bool OperatorNeedsOperand(std::string_view op) {
  return !(op == "empty" || op == "not_empty" || op == "truthy" || op == "falsy");
}

// Adjacency in compressed-row form: the targets of node v are adj[begin[v] .. begin[v+1]).
struct Csr {
  std::vector<int> begin;
  std::vector<int> adj;
  // Edges from[j] -> to[j], skipping unresolved ones (-1).
  void Build(int n, const std::vector<int>& from, const std::vector<int>& to) {
    begin.assign(n + 1, 0);
    for (size_t j = 0; j < from.size(); ++j)
      if (from[j] >= 0 && to[j] >= 0) ++begin[from[j] + 1];
    for (int v = 0; v < n; ++v) begin[v + 1] += begin[v];
    adj.resize(begin[n]);
    std::vector<int> fill(begin.begin(), begin.end() - 1);
    for (size_t j = 0; j < from.size(); ++j)
      if (from[j] >= 0 && to[j] >= 0) adj[fill[from[j]]++] = to[j];
  }
};

// How deep inline subworkflow definitions may nest.
constexpr int kMaxSubworkflowDepth = 8;

class Validator {
 public:
  // `owned_doc`, when given, is `doc` itself, owned by the caller and not needed afterwards: node
  // data is moved out of it instead of copied. `depth` counts enclosing inline subworkflows.
  Validator(const Json& doc, std::vector<ValidationError>* errors, Json* owned_doc = nullptr,
            int depth = 0)
      : doc_(doc), errors_(errors), owned_doc_(owned_doc), depth_(depth) {}

  Result<Template> Run() {
    const size_t before = errors_->size();
    if (!doc_.is_object()) {
      Add("template", "a template must be a JSON object, got " + Describe(doc_));
      return Fail(before);
    }
    ParseTopLevel();
    if (errors_->size() > before) return Fail(before);
    return std::move(t_);
  }

 private:
  void Add(std::string where, std::string message) {
    errors_->push_back({std::move(where), std::move(message)});
  }

  Result<Template> Fail(size_t before) {
    const size_t n = errors_->size() - before;
    return Err(
        InvalidArgument("template has " + std::to_string(n) + (n == 1 ? " error" : " errors")));
  }

  std::string NodeWhere(int i) const {
    std::string w = "nodes[" + std::to_string(i) + "]";
    if (node_has_id_[i]) w += " (id " + Quoted(t_.nodes[i].id) + ")";
    return w;
  }

  std::string EdgeWhere(int j) const {
    std::string w = "edges[" + std::to_string(j) + "]";
    if (edge_has_id_[j]) w += " (id " + Quoted(t_.edges[j].id) + ")";
    return w;
  }

  // ---- top level -------------------------------------------------------------------------

  void ParseTopLevel() {
    static const std::vector<std::string> kKeys = {"name",  "description", "category",
                                                   "inputs", "nodes",     "edges",
                                                   "milestones", "version", "id"};
    for (const auto& [key, value] : doc_.items()) {
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
        Add("template", "unknown key " + Quoted(key) +
                            "; allowed keys: name, description, category, inputs, nodes, edges, "
                            "milestones (and version, id as metadata)");
      }
    }
    auto it = doc_.find("name");
    if (it == doc_.end()) {
      Add("template.name", "missing required key 'name' (a non-empty string)");
    } else if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      Add("template.name", "name must be a non-empty string, got " + Describe(*it));
    } else {
      t_.name = it->get<std::string>();
    }
    ParseOptionalString("description", &t_.description);
    ParseOptionalString("category", &t_.category);

    it = doc_.find("inputs");
    if (it != doc_.end()) ParseInputs(*it);

    it = doc_.find("nodes");
    if (it == doc_.end()) {
      Add("template.nodes", "missing required key 'nodes' (a non-empty list of nodes)");
    } else if (!it->is_array()) {
      Add("template.nodes", "nodes must be a list of nodes, got " + Describe(*it));
    } else if (it->empty()) {
      Add("template.nodes", "a template needs at least one node (and exactly one of type 'start')");
    } else {
      ParseNodes(*it);
    }

    it = doc_.find("edges");
    if (it != doc_.end()) {
      if (!it->is_array()) {
        Add("template.edges", "edges must be a list of edges, got " + Describe(*it));
        edges_ok_ = false;
      } else if (!t_.nodes.empty()) {
        // Without nodes every endpoint would be reported unknown; the nodes error says enough.
        ParseEdges(*it);
      }
    }
    if (!t_.nodes.empty()) CheckGraph();
    it = doc_.find("milestones");
    if (it != doc_.end()) ParseMilestones(*it, &t_, errors_);
  }

  void ParseOptionalString(const char* key, std::string* out) {
    auto it = doc_.find(key);
    if (it == doc_.end()) return;
    if (!it->is_string()) {
      Add(std::string("template.") + key,
          std::string(key) + " must be a string, got " + Describe(*it));
      return;
    }
    *out = it->get<std::string>();
  }

  // ---- inputs ----------------------------------------------------------------------------

  void ParseInputs(const Json& inputs) {
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
        Add(where, "an input spec must be an object such as {\"type\": \"string\"}, got " +
                       Describe(spec));
        t_.inputs.push_back(std::move(in));
        continue;
      }
      bool type_ok = false;
      auto it = spec.find("type");
      if (it == spec.end()) {
        Add(where,
            "missing required key 'type' (string, integer, number, boolean, list or object)");
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
          Add(where, "unknown key " + Quoted(key) +
                         "; allowed keys: type, required, default, description");
        }
      }
      t_.inputs.push_back(std::move(in));
    }
  }

  bool InputDeclared(std::string_view name) const {
    // t_.inputs follows the Json object's (sorted) key order.
    auto it = std::lower_bound(t_.inputs.begin(), t_.inputs.end(), name,
                               [](const InputSpec& in, std::string_view n) { return in.name < n; });
    return it != t_.inputs.end() && it->name == name;
  }

  std::string DeclaredInputs() const {
    if (t_.inputs.empty()) return "this template declares no inputs";
    std::vector<std::string> names;
    for (const InputSpec& in : t_.inputs) names.push_back(in.name);
    return "declared inputs: " + Join(names);
  }

  // ---- nodes -----------------------------------------------------------------------------

  void ParseNodes(const Json& nodes) {
    const int n = static_cast<int>(nodes.size());
    // Fixed size from here on: index_ holds views of the id strings.
    t_.nodes.resize(n);
    node_has_id_.assign(n, false);
    specs_.assign(n, nullptr);
    index_.Reset(n);
    for (int i = 0; i < n; ++i) ParseNode(i, nodes[i]);
  }

  void ParseNode(int i, const Json& jn) {
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

  void ParsePosition(int i, const Json& pos) {
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
  void CheckData(int i, const Json& data, const NodeTypeSpec& spec, const std::string& prefix) {
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
        Add(NodeWhere(i) + prefix + "." + f.name, "missing required field " + Quoted(f.name) +
                                                      " (" + FieldTypeName(f.type) + ": " +
                                                      f.description + ")");
      }
    }

    if (spec.name == "generate_image") {
      auto it = data.find("size");
      if (it != data.end() && it->is_string()) {
        const auto& s = it->get_ref<const std::string&>();
        if (s.find("{{") == std::string::npos && !ValidImageSize(s)) {
          Add(NodeWhere(i) + prefix + ".size",
              "size must be WIDTHxHEIGHT with each side 16..2048 (for example 1024x1024), got " +
                  Quoted(s));
        }
      }
    } else if (spec.name == "subworkflow") {
      CheckSubworkflow(i, data, prefix);
    } else if (spec.name == "condition") {
      auto op = data.find("operator");
      if (op != data.end() && op->is_string() && data.find("operand") == data.end()) {
        const auto& s = op->get_ref<const std::string&>();
        const FieldSpec* f = FindField(spec.fields, "operator");
        const bool known = f && std::find(f->one_of.begin(), f->one_of.end(), s) != f->one_of.end();
        if (known && OperatorNeedsOperand(s)) {
          Add(NodeWhere(i) + prefix + ".operand",
              "missing field 'operand': operator " + Quoted(s) +
                  " compares the value with an operand (only empty, not_empty, truthy and falsy "
                  "need none)");
        }
      }
    }
  }

  // A subworkflow names a stored template or carries one inline; an inline one is validated here
  // (its errors located inside this node), and literal inputs are checked against it.
  void CheckSubworkflow(int i, const Json& data, const std::string& prefix) {
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
    for (const auto& e : inner)
      Add(NodeWhere(i) + prefix + ".definition." + e.where, e.message);
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

  void CheckField(int i, const FieldSpec& f, const Json& v, const std::string& prefix,
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
  void CheckBounds(const FieldSpec& f, const Json& v, const W& where) {
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

  void CheckNodeSpec(int i, const Json& v, const std::string& at) {
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
      if (inner == nullptr || !IsMappableNodeType(name)) {
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

  void CheckRetry(int i, const Json& v, const std::string& at) {
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

  // ---- edges -----------------------------------------------------------------------------

  void ParseEdges(const Json& edges) {
    const int m = static_cast<int>(edges.size());
    t_.edges.resize(m);
    edge_has_id_.assign(m, false);
    edge_from_.assign(m, -1);
    edge_to_.assign(m, -1);
    edge_handle_ok_.assign(m, false);
    internal::StringIndex ids;
    ids.Reset(m);
    for (int j = 0; j < m; ++j) {
      const Json& je = edges[j];
      Edge& e = t_.edges[j];
      if (!je.is_object()) {
        Add(EdgeWhere(j), "an edge must be an object, got " + Describe(je));
        edges_ok_ = false;
        continue;
      }
      const Json* id = nullptr;
      const Json* source = nullptr;
      const Json* target = nullptr;
      const Json* handle = nullptr;
      std::vector<const std::string*> unknown;
      for (auto it = je.cbegin(); it != je.cend(); ++it) {
        const std::string_view key = it.key();
        if (key == "id") {
          id = &*it;
        } else if (key == "source") {
          source = &*it;
        } else if (key == "target") {
          target = &*it;
        } else if (key == "sourceHandle") {
          handle = &*it;
        } else if (key != "targetHandle" && key != "type" && key != "animated" && key != "label" &&
                   key != "style" && key != "data" && key != "markerEnd") {
          unknown.push_back(&it.key());
        }
      }
      if (id == nullptr) {
        Add(EdgeWhere(j), "missing required key 'id'");
      } else if (!id->is_string() || id->get_ref<const std::string&>().empty()) {
        Add(EdgeWhere(j), "id must be a non-empty string, got " + Describe(*id));
      } else {
        e.id = id->get_ref<const std::string&>();
        edge_has_id_[j] = true;
        const int first = ids.Insert(e.id, j);
        if (first >= 0) {
          Add(EdgeWhere(j),
              "duplicate edge id " + Quoted(e.id) + " (first used by " + EdgeWhere(first) + ")");
        }
      }
      edge_from_[j] = ParseEndpoint(j, source, "source", &e.source);
      edge_to_[j] = ParseEndpoint(j, target, "target", &e.target);
      if (edge_from_[j] < 0 || edge_to_[j] < 0) edges_ok_ = false;

      for (const std::string* key : unknown) {
        Add(EdgeWhere(j), "unknown key " + Quoted(*key) +
                              "; allowed keys: id, source, target, sourceHandle (React Flow's "
                              "targetHandle, type, animated, label, style, data and markerEnd are "
                              "ignored)");
      }

      bool handle_ok = true;
      if (handle != nullptr && !handle->is_null()) {
        if (!handle->is_string()) {
          Add(EdgeWhere(j), "sourceHandle must be a string or null, got " + Describe(*handle));
          handle_ok = false;
        } else {
          e.source_handle = handle->get_ref<const std::string&>();
        }
      }

      const int from = edge_from_[j];
      const int to = edge_to_[j];
      if (from >= 0 && handle_ok) CheckHandle(j, from);
      if (to >= 0 && specs_[to] != nullptr && specs_[to]->kind == NodeKind::kStart) {
        Add(EdgeWhere(j), "an edge may not lead into the start node " + Quoted(t_.nodes[to].id) +
                              " (start is the entry point)");
      }
      edge_handle_ok_[j] = handle_ok;
    }
    CheckDuplicateEdges();
  }

  // Groups edges by source (a counting sort), then finds repeats of (target, handle) per source
  // with a last-edge-per-target table: linear, no hashing.
  void CheckDuplicateEdges() {
    const int n = static_cast<int>(t_.nodes.size());
    const int m = static_cast<int>(t_.edges.size());
    std::vector<int> begin(n + 1, 0);
    for (int j = 0; j < m; ++j)
      if (edge_from_[j] >= 0 && edge_to_[j] >= 0) ++begin[edge_from_[j] + 1];
    for (int v = 0; v < n; ++v) begin[v + 1] += begin[v];
    std::vector<int> by_source(begin[n]);
    {
      std::vector<int> fill(begin.begin(), begin.end() - 1);
      for (int j = 0; j < m; ++j)
        if (edge_from_[j] >= 0 && edge_to_[j] >= 0) by_source[fill[edge_from_[j]]++] = j;
    }
    std::vector<int> last_to(n, -1);   // latest edge from the current source to each target
    std::vector<int> previous(m, -1);  // earlier edge with the same source and target
    std::vector<std::pair<int, int>> duplicates;  // (edge, the edge it repeats)
    for (int v = 0; v < n; ++v) {
      for (int k = begin[v]; k < begin[v + 1]; ++k) {
        const int j = by_source[k];
        const int to = edge_to_[j];
        const int latest = last_to[to];
        if (latest >= 0 && edge_from_[latest] == v) {
          previous[j] = latest;
          if (edge_handle_ok_[j]) {
            for (int p = latest; p >= 0; p = previous[p]) {
              if (edge_handle_ok_[p] && t_.edges[p].source_handle == t_.edges[j].source_handle) {
                duplicates.emplace_back(j, p);
                break;
              }
            }
          }
        }
        last_to[to] = j;
      }
    }
    std::sort(duplicates.begin(), duplicates.end());
    for (const auto& [j, p] : duplicates) {
      const Edge& e = t_.edges[j];
      std::string message = "duplicate edge: " + EdgeWhere(p) + " already connects " +
                            Quoted(e.source) + " to " + Quoted(e.target);
      if (!e.source_handle.empty()) message += " with sourceHandle " + Quoted(e.source_handle);
      Add(EdgeWhere(j), std::move(message));
    }
  }

  int ParseEndpoint(int j, const Json* value, const char* key, std::string* out) {
    if (value == nullptr) {
      Add(EdgeWhere(j), std::string("missing required key '") + key + "' (a node id)");
      return -1;
    }
    if (!value->is_string()) {
      Add(EdgeWhere(j),
          std::string(key) + " must be a node id (a string), got " + Describe(*value));
      return -1;
    }
    *out = value->get_ref<const std::string&>();
    const int found = index_.Find(*out);
    if (found < 0) {
      Add(EdgeWhere(j), std::string(key) + " " + Quoted(*out) + " is not the id of any node");
    }
    return found;
  }

  void CheckHandle(int j, int from) {
    const NodeTypeSpec* spec = specs_[from];
    if (spec == nullptr) return;
    const std::string& handle = t_.edges[j].source_handle;
    const auto node = [&] {
      return Quoted(t_.nodes[from].id) + " (type " + Quoted(spec->name) + ")";
    };
    if (spec->handles.empty()) {
      if (!handle.empty()) {
        Add(EdgeWhere(j), "sourceHandle " + Quoted(handle) + " is not allowed: node " + node() +
                              " has a single output; remove sourceHandle");
      }
      return;
    }
    if (handle.empty()) {
      if (spec->handle_required) {
        Add(EdgeWhere(j), "edges leaving node " + node() +
                              " must set sourceHandle to one of: " + Join(spec->handles));
      }
      return;
    }
    if (std::find(spec->handles.begin(), spec->handles.end(), handle) == spec->handles.end()) {
      Add(EdgeWhere(j), "sourceHandle " + Quoted(handle) + " is not valid for node " + node() +
                            "; allowed: " + Join(spec->handles));
    }
  }

  // ---- graph -----------------------------------------------------------------------------

  void CheckGraph() {
    const int n = static_cast<int>(t_.nodes.size());
    std::vector<int> starts;
    for (int i = 0; i < n; ++i)
      if (specs_[i] != nullptr && specs_[i]->kind == NodeKind::kStart) starts.push_back(i);
    if (starts.empty()) {
      Add("template", "no node of type 'start'; a template needs exactly one start node");
    }
    for (size_t k = 1; k < starts.size(); ++k) {
      Add(NodeWhere(starts[k]), "a template has exactly one node of type 'start', and " +
                                    NodeWhere(starts[0]) + " is already one");
    }

    edge_from_.resize(t_.edges.size(), -1);
    edge_to_.resize(t_.edges.size(), -1);
    out_.Build(n, edge_from_, edge_to_);
    in_.Build(n, edge_to_, edge_from_);

    if (ids_ok_) CheckCycles();
    if (ids_ok_ && edges_ok_ && starts.size() == 1) CheckReachable(starts[0]);
    CheckReferences(/*check_upstream=*/ids_ok_ && edges_ok_);
  }

  void CheckReachable(int start) {
    const int n = static_cast<int>(t_.nodes.size());
    std::vector<char> seen(n, 0);
    std::vector<int> queue;
    queue.reserve(n);
    queue.push_back(start);
    seen[start] = 1;
    for (size_t q = 0; q < queue.size(); ++q) {
      const int v = queue[q];
      for (int e = out_.begin[v]; e < out_.begin[v + 1]; ++e) {
        const int w = out_.adj[e];
        if (!seen[w]) {
          seen[w] = 1;
          queue.push_back(w);
        }
      }
    }
    for (int i = 0; i < n; ++i) {
      if (!seen[i]) {
        Add(NodeWhere(i), "not reachable from start; connect it with an edge from " +
                              Quoted(t_.nodes[start].id) +
                              " or from an upstream node, or remove it");
      }
    }
  }

  // Tarjan's strongly connected components, iteratively; each component with a cycle is reported
  // once, naming one cycle through its lowest-indexed node.
  void CheckCycles() {
    const int n = static_cast<int>(t_.nodes.size());
    std::vector<int> index(n, -1), low(n, 0);
    std::vector<char> on_stack(n, 0);
    std::vector<int> stack;
    struct Frame {
      int v;
      int next;
    };
    std::vector<Frame> calls;
    std::vector<std::vector<int>> cyclic;
    int counter = 0;
    for (int s = 0; s < n; ++s) {
      if (index[s] != -1) continue;
      index[s] = low[s] = counter++;
      stack.push_back(s);
      on_stack[s] = 1;
      calls.push_back({s, out_.begin[s]});
      while (!calls.empty()) {
        const int v = calls.back().v;
        if (calls.back().next < out_.begin[v + 1]) {
          const int w = out_.adj[calls.back().next++];
          if (index[w] == -1) {
            index[w] = low[w] = counter++;
            stack.push_back(w);
            on_stack[w] = 1;
            calls.push_back({w, out_.begin[w]});
          } else if (on_stack[w]) {
            low[v] = std::min(low[v], index[w]);
          }
          continue;
        }
        if (low[v] == index[v]) {
          std::vector<int> comp;
          int w;
          do {
            w = stack.back();
            stack.pop_back();
            on_stack[w] = 0;
            comp.push_back(w);
          } while (w != v);
          bool cycle = comp.size() > 1;
          if (!cycle) {
            for (int e = out_.begin[v]; e < out_.begin[v + 1]; ++e) cycle |= out_.adj[e] == v;
          }
          if (cycle) cyclic.push_back(std::move(comp));
        }
        calls.pop_back();
        if (!calls.empty()) {
          const int u = calls.back().v;
          low[u] = std::min(low[u], low[v]);
        }
      }
    }
    for (auto& comp : cyclic) std::sort(comp.begin(), comp.end());
    std::sort(cyclic.begin(), cyclic.end());
    std::vector<int> comp_of(n, -1), parent(n, -1);
    for (size_t c = 0; c < cyclic.size(); ++c)
      for (int v : cyclic[c]) comp_of[v] = static_cast<int>(c);
    for (size_t c = 0; c < cyclic.size(); ++c)
      ReportCycle(cyclic[c], static_cast<int>(c), comp_of, parent);
  }

  void ReportCycle(const std::vector<int>& comp, int c, const std::vector<int>& comp_of,
                   std::vector<int>& parent) {
    // Shortest cycle through s = the component's first node: BFS inside the component until an
    // edge leads back to s.
    const int s = comp.front();
    std::vector<int> queue = {s};
    parent[s] = s;
    int last = -1;
    for (size_t q = 0; q < queue.size() && last < 0; ++q) {
      const int u = queue[q];
      for (int e = out_.begin[u]; e < out_.begin[u + 1]; ++e) {
        const int w = out_.adj[e];
        if (w == s) {
          last = u;
          break;
        }
        if (comp_of[w] == c && parent[w] == -1) {
          parent[w] = u;
          queue.push_back(w);
        }
      }
    }
    std::vector<int> path;
    for (int v = last; v != s; v = parent[v]) path.push_back(v);
    path.push_back(s);
    std::reverse(path.begin(), path.end());
    path.push_back(s);

    constexpr size_t kShown = 12;
    std::string m = "cycle ";
    for (size_t k = 0; k < path.size(); ++k) {
      if (path.size() > 2 * kShown + 1 && k == kShown) {
        m += " -> ... (" + std::to_string(path.size() - 2 * kShown - 1) + " more) ...";
        k = path.size() - kShown - 1;
      }
      if (k > 0) m += " -> ";
      m += t_.nodes[path[k]].id;
    }
    if (comp.size() + 1 > path.size()) {
      m += "; " + std::to_string(comp.size()) + " nodes are caught in this loop: ";
      for (size_t k = 0; k < comp.size() && k < 20; ++k) {
        if (k > 0) m += ", ";
        m += t_.nodes[comp[k]].id;
      }
      if (comp.size() > 20) m += ", ...";
    }
    m += " (templates must be acyclic; use a map node to repeat work)";
    Add("template", std::move(m));
  }

  // ---- references ------------------------------------------------------------------------

  enum class Pass { kCheck, kReportNotUpstream };

  void CheckReferences(bool check_upstream) {
    const int n = static_cast<int>(t_.nodes.size());
    check_upstream_ = check_upstream;
    visited_.assign(n, 0);
    target_mark_.assign(n, 0);
    parent_mark_.assign(n, 0);
    for (int i = 0; i < n; ++i) {
      const Json& data = t_.nodes[i].data;
      if (data.empty()) continue;
      ++epoch_;
      parents_marked_ = false;
      pending_.clear();
      WalkNodeStrings(i, Pass::kCheck);
      if (pending_.empty()) continue;
      if (!FindAncestors(i)) WalkNodeStrings(i, Pass::kReportNotUpstream);
    }
  }

  static bool Verbatim(const NodeTypeSpec* spec, const std::string& key) {
    if (!spec) return false;
    const FieldSpec* f = FindField(spec->fields, key);
    return f && f->verbatim;
  }

  void WalkNodeStrings(int i, Pass pass) {
    const Json& data = t_.nodes[i].data;
    const bool is_map = specs_[i] != nullptr && specs_[i]->kind == NodeKind::kMap;
    for (auto it = data.cbegin(); it != data.cend(); ++it) {
      if (Verbatim(specs_[i], it.key())) continue;
      const bool per_item = is_map && it.key() == "node";
      if (per_item && it->is_object() && it->contains("data") && (*it)["data"].is_object()) {
        // The per-item node: its own verbatim fields are skipped as well.
        const Json& inner = *it;
        const NodeTypeSpec* inner_spec =
            inner.contains("type") && inner["type"].is_string()
                ? FindNodeType(inner["type"].get_ref<const std::string&>())
                : nullptr;
        const Json& inner_data = inner["data"];
        for (auto f = inner_data.cbegin(); f != inner_data.cend(); ++f) {
          if (Verbatim(inner_spec, f.key())) continue;
          internal::WalkStrings(*f, [&](const std::string& s, const auto& path) {
            if (s.find("{{") == std::string::npos) return;
            CheckString(i, s, pass, true, [&] {
              return NodeWhere(i) + ".data.node.data." + f.key() + path();
            });
          });
        }
        continue;
      }
      internal::WalkStrings(*it, [&](const std::string& s, const auto& path) {
        if (s.find("{{") == std::string::npos) return;
        CheckString(i, s, pass, per_item,
                    [&] { return NodeWhere(i) + ".data." + it.key() + path(); });
      });
    }
  }

  template <class W>
  void CheckString(int i, const std::string& s, Pass pass, bool per_item, const W& where) {
    const Status st = internal::ScanTags(s, &tags_);
    if (!st.ok()) {
      if (pass == Pass::kCheck) Add(where(), st.message());
      return;
    }
    int depth = 0;
    for (const Tag& tag : tags_) {
      switch (tag.kind) {
        case TagKind::kSectionEnd:
          --depth;
          continue;
        case TagKind::kComment:
        case TagKind::kSetDelimiter:
          continue;
        case TagKind::kPartial:
          if (pass == Pass::kCheck) {
            Add(where(), "partials such as '" + std::string(s, tag.begin, tag.end - tag.begin) +
                             "' are not supported");
          }
          continue;
        default:
          break;
      }
      CheckName(i, s, tag, depth > 0, per_item, pass, where);
      if (tag.kind == TagKind::kSectionBegin || tag.kind == TagKind::kInvertedBegin) ++depth;
    }
  }

  template <class W>
  void CheckName(int i, const std::string& s, const Tag& tag, bool in_section, bool per_item,
                 Pass pass, const W& where) {
    const std::string_view name = tag.name;
    const std::string_view root = internal::NameRoot(name);
    const bool rooted = root == "inputs" || root == "steps" || root == "item" || root == "index";
    // Inside a section, other names are relative to the section's value and cannot be checked.
    if (in_section && !rooted) return;
    const auto text = [&] { return "reference " + std::string(s, tag.begin, tag.end - tag.begin); };
    const auto error = [&](const std::string& m) {
      if (pass == Pass::kCheck) Add(where(), text() + m);
    };
    // parts after the root
    std::string_view rest =
        name.size() > root.size() ? name.substr(root.size() + 1) : std::string_view();
    const bool has_rest = name.size() > root.size();
    if (root == "inputs") {
      const std::string_view input = rest.substr(0, rest.find('.'));
      if (!has_rest || input.empty()) {
        return error(" must name an input, as in {{inputs.NAME}}");
      }
      if (!InputDeclared(input)) {
        return error(" names an undeclared input " + Quoted(input) + "; " + DeclaredInputs());
      }
      return;
    }
    if (root == "steps") {
      const size_t dot = rest.find('.');
      const std::string_view id = rest.substr(0, dot);
      const std::string_view field = dot == std::string_view::npos
                                         ? std::string_view()
                                         : rest.substr(dot + 1, rest.find('.', dot + 1) - dot - 1);
      if (!has_rest || id.empty()) {
        return error(" must name a step and its output, as in {{steps.ID.FIELD}}");
      }
      const int k = index_.Find(id);
      if (k < 0) return error(" names an unknown node " + Quoted(id));
      if (field.empty()) {
        return error(" must name an output of step " + Quoted(id) + ", as in {{steps." +
                     std::string(id) + ".FIELD}}" + OutputsClause(k));
      }
      if (k == i) {
        return error(": a node cannot use its own output");
      }
      if (!HasOutput(k, field)) {
        return error(": node " + Quoted(id) + " (type " + Quoted(t_.nodes[k].type) +
                     ") has no output " + Quoted(field) + OutputsClause(k));
      }
      if (!check_upstream_) return;
      if (pass == Pass::kReportNotUpstream) {
        if (visited_[k] != epoch_) {
          Add(where(), text() + ": step " + Quoted(id) + " is not upstream of " +
                           Quoted(t_.nodes[i].id) + "; add edges so that " + Quoted(id) +
                           " runs before " + Quoted(t_.nodes[i].id));
        }
        return;
      }
      MarkParents(i);
      if (parent_mark_[k] == epoch_ || target_mark_[k] == epoch_) return;
      target_mark_[k] = epoch_;
      pending_.push_back(k);
      return;
    }
    if (root == "item" || root == "index") {
      if (!per_item) {
        return error(": " + std::string(root) +
                     " is only available inside a map node's per-item node (data.node)");
      }
      if (root == "index" && has_rest) {
        return error(": index is the item's position (a number) and has no fields");
      }
      return;
    }
    if (name.empty()) return error(": an empty tag is not a reference");
    error(
        " is not a known reference; references start with inputs. or steps. (and, inside a "
        "map's per-item node, item or index)");
  }

  void MarkParents(int i) {
    if (parents_marked_) return;
    parents_marked_ = true;
    for (int e = in_.begin[i]; e < in_.begin[i + 1]; ++e) parent_mark_[in_.adj[e]] = epoch_;
  }

  // Backward BFS from node i until every pending target is found; marks visited_ with epoch_.
  // True when all targets are ancestors of i.
  bool FindAncestors(int i) {
    size_t found = 0;
    queue_.clear();
    queue_.push_back(i);
    visited_[i] = epoch_;
    for (size_t q = 0; q < queue_.size() && found < pending_.size(); ++q) {
      const int v = queue_[q];
      for (int e = in_.begin[v]; e < in_.begin[v + 1]; ++e) {
        const int w = in_.adj[e];
        if (visited_[w] == epoch_) continue;
        visited_[w] = epoch_;
        if (target_mark_[w] == epoch_ && ++found == pending_.size()) return true;
        queue_.push_back(w);
      }
    }
    return found == pending_.size();
  }

  // Whether node k produces `field`; unknown or malformed nodes say yes (their own errors are
  // reported already).
  bool HasOutput(int k, std::string_view field) const {
    const NodeTypeSpec* spec = specs_[k];
    if (spec == nullptr) return true;
    if (!spec->dynamic_outputs) {
      return std::find(spec->outputs.begin(), spec->outputs.end(), field) != spec->outputs.end();
    }
    if (spec->kind == NodeKind::kStart) return InputDeclared(field);
    const Json& data = t_.nodes[k].data;
    auto it = data.find("output");
    if (it == data.end()) return false;
    if (!it->is_object()) return true;
    return it->contains(field);
  }

  std::string OutputsClause(int k) const {
    const NodeTypeSpec* spec = specs_[k];
    if (spec == nullptr) return "";
    std::vector<std::string> outputs;
    if (!spec->dynamic_outputs) {
      outputs = spec->outputs;
    } else if (spec->kind == NodeKind::kStart) {
      for (const InputSpec& in : t_.inputs) outputs.push_back(in.name);
    } else {
      auto it = t_.nodes[k].data.find("output");
      if (it != t_.nodes[k].data.end() && it->is_object())
        for (const auto& [key, value] : it->items()) outputs.push_back(key);
    }
    if (outputs.empty()) return "; it has no outputs";
    return "; its outputs are: " + Join(outputs);
  }

  const Json& doc_;
  std::vector<ValidationError>* errors_;
  Json* owned_doc_;
  int depth_ = 0;
  Template t_;
  std::vector<bool> node_has_id_, edge_has_id_;
  std::vector<const NodeTypeSpec*> specs_;
  internal::StringIndex index_;  // views of t_.nodes[i].id
  std::vector<bool> edge_handle_ok_;
  std::vector<int> edge_from_, edge_to_;
  Csr out_, in_;
  bool ids_ok_ = true;
  bool edges_ok_ = true;

  // Reference checking state, reused across nodes.
  bool check_upstream_ = false;
  int epoch_ = 0;
  bool parents_marked_ = false;
  std::vector<int> visited_, target_mark_, parent_mark_, pending_, queue_;
  std::vector<Tag> tags_;
};

std::string JsonErrorDetail(const std::string& what) {
  const size_t column = what.find("column ");
  if (column != std::string::npos) {
    const size_t colon = what.find(": ", column);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  const size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

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

Result<Json> ParseJsonText(std::string_view text, int max_depth) {
  // Before the parser builds anything that could later be copied or dumped recursively.
  if (Status deep = CheckJsonTextDepth(text, max_depth); !deep.ok()) return Err(std::move(deep));
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    offset = std::min(offset, text.size());
    size_t line = 1, line_start = 0;
    for (size_t k = 0; k < offset; ++k) {
      if (text[k] == '\n') {
        ++line;
        line_start = k + 1;
      }
    }
    const size_t column = offset - line_start + 1;
    return Err(InvalidArgument("invalid JSON at line " + std::to_string(line) + ", column " +
                               std::to_string(column) + ": " + JsonErrorDetail(e.what())));
  } catch (const Json::exception& e) {
    return Err(InvalidArgument(std::string("invalid JSON: ") + JsonErrorDetail(e.what())));
  }
}

Result<Template> ParseTemplate(const Json& doc, std::vector<ValidationError>* errors) {
  std::vector<ValidationError> local;
  Validator v(doc, errors != nullptr ? errors : &local);
  return v.Run();
}

Result<Template> ParseTemplateText(std::string_view text, std::vector<ValidationError>* errors) {
  Result<Json> doc = ParseJsonText(text);
  if (!doc) {
    if (errors != nullptr) errors->push_back({"template", doc.error().message()});
    return Err(InvalidArgument("template is not valid JSON: " + doc.error().message()));
  }
  std::vector<ValidationError> local;
  Validator v(*doc, errors != nullptr ? errors : &local, &*doc);
  return v.Run();
}

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
    for (const auto& [key, value] : given.items()) {
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
