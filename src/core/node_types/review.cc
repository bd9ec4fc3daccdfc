// review: a model scores content against criteria (executor: src/nodes/review/).
#include "builders.h"

namespace atelier::node_types {
namespace {

ProviderUse Estimate(const Json& data, const Json& scope) {
  ProviderUse u;
  u.calls = 1;
  u.input_tokens = PromptTokens(data, "content", scope) + 200 + kTokensPerStepReference;
  u.output_tokens = 150;
  return u;
}

}  // namespace

NodeTypeSpec ReviewNodeType() {
  NodeTypeSpec t{"review",
                 NodeKind::kTask,
                 "A model scores content from 0 to 100 against criteria and gives feedback.",
                 {},
                 {"score", "feedback", "passed", "model", "provider"}};
  t.fields.push_back(F("content", FieldType::kAny, true, nullptr,
                       "what to review: text, or an image object such as "
                       "{{steps.hero.image}}"));
  t.fields.push_back(F("criteria", FieldType::kAny, true, nullptr,
                       "a string or a list of strings the content is judged against"));
  t.fields.push_back(F("model", FieldType::kString, false, "default", "model alias"));
  t.fields.push_back(F("system", FieldType::kString, false, "", "extra reviewer guidance"));
  t.fields.push_back(
      Bounded(F("pass_score", FieldType::kInteger, false, 70, "score that passes"), 0, 100));
  AddProviderKnobs(t.fields);
  CallsProvider(t);
  t.estimate = Estimate;
  return t;
}

}  // namespace atelier::node_types
