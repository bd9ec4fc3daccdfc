// The node-type catalogue, assembled from node_types/node_types.inc (one line per type), and the
// helpers the descriptors share.
#include "atelier/core/node_types.h"

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
      F("retry", FieldType::kRetry, false, nullptr,
        "{max_attempts, backoff_ms}; default 3 attempts, 1000 ms for generative nodes, 1 "
        "attempt otherwise"),
      Bounded(F("timeout_ms", FieldType::kInteger, false, nullptr,
                "per-attempt time limit; default 300000 for generative nodes, 60000 for code, "
                "120000 for http, none otherwise"),
              1, 86400000),
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
