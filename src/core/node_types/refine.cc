// refine: generate, review, and continue the same session with the feedback until the score
// passes (executor: src/nodes/review/).
#include "builders.h"

namespace atelier::node_types {
namespace {

bool MakesImages(const Json& data) {
  auto it = data.find("kind");
  return it != data.end() && it->is_string() && it->get_ref<const std::string&>() == "image";
}

ProviderUse Estimate(const Json& data, const Json& scope) {
  ProviderUse u;
  const int64_t attempts = IntField(data, "max_attempts", 3, scope);
  const bool image = MakesImages(data);
  u.calls = attempts * 2;
  const int64_t prompt = PromptTokens(data, "prompt", scope);
  const int64_t draft = image ? 0 : IntField(data, "max_tokens", 1024, scope);
  // Each round re-sends the conversation so far, then is reviewed.
  for (int64_t a = 1; a <= attempts; ++a)
    u.input_tokens += prompt + (a - 1) * (draft + 100) + draft + 350;
  u.output_tokens = attempts * (draft + 150);
  u.images = image ? attempts : 0;
  return u;
}

}  // namespace

NodeTypeSpec RefineNodeType() {
  NodeTypeSpec t{"refine",
                 NodeKind::kTask,
                 "Generates, reviews, and while the score is under the threshold continues the "
                 "same session with the feedback and reviews again.",
                 {},
                 {"text", "images", "image", "score", "feedback", "passed", "attempts"}};
  t.fields.push_back(F("prompt", FieldType::kString, true, nullptr, "what to make"));
  t.fields.push_back(
      OneOf(F("kind", FieldType::kString, false, "text", "text or image"), {"text", "image"}));
  t.fields.push_back(F("criteria", FieldType::kAny, true, nullptr,
                       "a string or a list of strings each attempt is judged against"));
  t.fields.push_back(
      Bounded(F("threshold", FieldType::kInteger, false, 80, "score to stop at"), 0, 100));
  t.fields.push_back(Bounded(
      F("max_attempts", FieldType::kInteger, false, 3, "generations at most (the first included)"),
      1, 10));
  t.fields.push_back(F("model", FieldType::kString, false, nullptr,
                       "generating model (default: \"default\" for text, \"image\" for images)"));
  t.fields.push_back(F("review_model", FieldType::kString, false, "default", "reviewing model"));
  t.fields.push_back(F("system", FieldType::kString, false, "", "system prompt (text)"));
  t.fields.push_back(F("size", FieldType::kString, false, "512x512", "image size"));
  t.fields.push_back(
      Bounded(F("max_tokens", FieldType::kInteger, false, 1024, "text length bound"), 1, 1000000));
  AddProviderKnobs(t.fields);
  CallsProvider(t);
  t.generative = true;
  t.estimate = Estimate;
  t.makes_images = MakesImages;
  return t;
}

}  // namespace atelier::node_types
