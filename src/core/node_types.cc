// The node-type catalogue, assembled from node_types/node_types.inc (one line per type), and the
// helpers the descriptors share.
#include "atelier/core/node_types.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "atelier/core/render.h"
#include "mustache_scan.h"
#include "node_types/builders.h"

namespace atelier {
namespace {

std::vector<NodeTypeSpec> MakeTypes() {
  std::vector<NodeTypeSpec> types;
#define ATELIER_NODE_TYPE(Name) types.push_back(node_types::Name##NodeType());
#include "node_types/node_types.inc"
#undef ATELIER_NODE_TYPE
  return types;
}

// "a, b and c".
std::string ListOf(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

// The common fields' defaults as the types declare them: "3 attempts, 1000 ms for nodes that call
// a provider (generate_text, ...)" and "300000 for generate_text, ..., 60000 for code, ...".
std::string RetryDescription() {
  std::vector<std::string> paid;
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    if (t.paid) paid.push_back(t.name);
  return "{max_attempts, backoff_ms}; default 3 attempts, 1000 ms for nodes that call a provider "
         "(" +
         ListOf(paid) + "), 1 attempt otherwise";
}

std::string TimeoutDescription() {
  std::vector<std::pair<int64_t, std::vector<std::string>>> groups;  // in catalogue order
  for (const NodeTypeSpec& t : BuiltinNodeTypes()) {
    if (t.default_timeout_ms <= 0) continue;
    auto g = std::find_if(groups.begin(), groups.end(),
                          [&](const auto& e) { return e.first == t.default_timeout_ms; });
    if (g == groups.end()) g = groups.insert(groups.end(), {t.default_timeout_ms, {}});
    g->second.push_back(t.name);
  }
  std::string out = "per-attempt time limit; default ";
  for (const auto& [ms, names] : groups) out += std::to_string(ms) + " for " + ListOf(names) + ", ";
  return out + "none otherwise";
}

}  // namespace

const char* FieldTypeId(FieldType t) {
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
      return "any";
    case FieldType::kNodeSpec:
      return "node";
    case FieldType::kRetry:
      return "retry";
  }
  return "any";
}

const std::vector<FieldSpec>& CommonFieldSpecs() {
  using node_types::Bounded;
  using node_types::F;
  static const std::vector<FieldSpec> kCommon = {
      F("label", FieldType::kString, false, "", "display name"),
      F("retry", FieldType::kRetry, false, nullptr, RetryDescription()),
      Bounded(F("timeout_ms", FieldType::kInteger, false, nullptr, TimeoutDescription()), 1,
              86400000),
      F("cache", FieldType::kBoolean, false, true, "reuse an identical earlier result"),
  };
  return kCommon;
}

const std::vector<NodeTypeSpec>& BuiltinNodeTypes() {
  static const std::vector<NodeTypeSpec> kTypes = MakeTypes();
  return kTypes;
}

const NodeTypeSpec* FindNodeType(std::string_view name) {
  for (const auto& t : BuiltinNodeTypes())
    if (t.name == name) return &t;
  return nullptr;
}

int64_t AttemptTimeoutMs(const NodeTypeSpec* spec, const Json& data) {
  if (data.is_object())
    if (auto it = data.find("timeout_ms"); it != data.end() && it->is_number_integer())
      return it->get<int64_t>();
  return spec != nullptr ? spec->default_timeout_ms : 0;
}

bool IsMappableNodeType(std::string_view name) {
  const NodeTypeSpec* t = FindNodeType(name);
  return t != nullptr && t->mappable;
}

Result<Json> RenderNodeData(const NodeTypeSpec& spec, const Json& data, const Json& scope) {
  Json out = Json::object();
  if (!data.is_object()) return out;
  for (const FieldSpec& f : spec.fields) {
    auto it = data.find(f.name);
    if (it == data.end()) continue;
    if (f.verbatim) {
      out[f.name] = *it;
      continue;
    }
    auto r = RenderValue(*it, scope);
    if (!r) return Err(InvalidArgument(f.name + ": " + r.error().message()));
    out[f.name] = std::move(*r);
  }
  return out;
}

int64_t PromptTokens(const Json& data, const char* key, const Json& scope) {
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return 0;
  const std::string& text = it->get_ref<const std::string&>();
  if (auto rendered = RenderString(text, scope); rendered && rendered->is_string())
    return static_cast<int64_t>(rendered->get_ref<const std::string&>().size() / 4);
  int64_t refs = 0;
  if (auto list = ExtractReferences(text))
    for (const auto& r : *list) refs += !r.path.empty() && r.path[0] == "steps";
  return static_cast<int64_t>(internal::WithoutTags(text).size() / 4) +
         refs * kTokensPerStepReference;
}

int64_t IntField(const Json& data, const char* key, int64_t fallback, const Json& scope) {
  auto it = data.find(key);
  if (it == data.end()) return fallback;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string())
    if (auto r = RenderString(it->get<std::string>(), scope); r && r->is_number_integer())
      return r->get<int64_t>();
  return fallback;
}

}  // namespace atelier
