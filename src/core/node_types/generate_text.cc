// generate_text: one language-model call (executor: src/nodes/builtin.cc).
#include "builders.h"

namespace atelier::node_types {
namespace {

ProviderUse Estimate(const Json& data, const Json& scope) {
  ProviderUse u;
  u.calls = 1;
  u.input_tokens = PromptTokens(data, "prompt", scope) + PromptTokens(data, "system", scope);
  u.output_tokens = IntField(data, "max_tokens", 1024, scope);
  return u;
}

}  // namespace

NodeTypeSpec GenerateTextNodeType() {
  NodeTypeSpec t{"generate_text",
                 NodeKind::kTask,
                 "Generates text with a language model.",
                 {},
                 {"text", "json", "model", "provider", "artifact_id"}};
  t.fields.push_back(F("prompt", FieldType::kString, true, nullptr, "the user prompt"));
  t.fields.push_back(F("system", FieldType::kString, false, "", "system prompt"));
  t.fields.push_back(
      F("model", FieldType::kString, false, "default", "model alias or provider model name"));
  t.fields.push_back(
      Bounded(F("temperature", FieldType::kNumber, false, 0.7, "sampling temperature"), 0, 2));
  t.fields.push_back(
      Bounded(F("max_tokens", FieldType::kInteger, false, 1024, "upper bound on output tokens"), 1,
              1000000));
  // A schema, not a template.
  t.fields.push_back(Verbatim(F("schema", FieldType::kObject, false, nullptr,
                                "JSON Schema the answer must follow; the parsed answer is output "
                                "`json`")));
  AddProviderKnobs(t.fields);
  CallsProvider(t);
  t.generative = true;
  t.mappable = true;
  t.estimate = Estimate;
  return t;
}

}  // namespace atelier::node_types
