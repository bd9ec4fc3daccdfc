#include "atelier/engine/step_estimate.h"

#include <regex>

#include "atelier/core/render.h"

namespace atelier {
namespace {

// Tokens of a prompt: its rendered length / 4, with a fixed allowance for each reference to an
// upstream step that does not render yet.
int64_t PromptTokens(const Json& data, const char* key, const Json& scope) {
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return 0;
  const std::string& text = it->get_ref<const std::string&>();
  if (auto rendered = RenderString(text, scope); rendered && rendered->is_string())
    return static_cast<int64_t>(rendered->get_ref<const std::string&>().size() / 4);
  int64_t refs = 0;
  if (auto list = ExtractReferences(text))
    for (const auto& r : *list) refs += !r.path.empty() && r.path[0] == "steps";
  static const std::regex kReference(R"(\{\{[^}]*\}\})");
  std::string plain = std::regex_replace(text, kReference, "");
  return static_cast<int64_t>(plain.size() / 4) + refs * kTokensPerStepReference;
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

}  // namespace

StepEstimate EstimateStep(const std::string& type, const Json& given, const Json& scope,
                          const ProviderRegistry& providers, const PriceTable& prices) {
  // value() throws on anything but an object (type_error.306 on null): read a node without
  // data, or with data of another shape, as empty.
  static const Json kEmpty = Json::object();
  const Json& data = given.is_object() ? given : kEmpty;
  StepEstimate e;
  Usage& u = e.usage;
  if (type == "generate_text") {
    e.calls = 1;
    u.input_tokens = PromptTokens(data, "prompt", scope) + PromptTokens(data, "system", scope);
    u.output_tokens = IntField(data, "max_tokens", 1024, scope);
  } else if (type == "generate_image") {
    e.calls = 1;
    u.images = IntField(data, "count", 1, scope);
  } else if (type == "review") {
    e.calls = 1;
    u.input_tokens = PromptTokens(data, "content", scope) + 200 + kTokensPerStepReference;
    u.output_tokens = 150;
  } else if (type == "refine") {
    int64_t attempts = IntField(data, "max_attempts", 3, scope);
    bool image = data.value("kind", std::string("text")) == "image";
    e.calls = attempts * 2;
    int64_t prompt = PromptTokens(data, "prompt", scope);
    int64_t draft = image ? 0 : IntField(data, "max_tokens", 1024, scope);
    // Each round re-sends the conversation so far, then is reviewed.
    for (int64_t a = 1; a <= attempts; ++a)
      u.input_tokens += prompt + (a - 1) * (draft + 100) + draft + 350;
    u.output_tokens = attempts * (draft + 150);
    u.images = image ? attempts : 0;
  }
  if (e.calls == 0) return e;
  const bool image = type == "generate_image" || (type == "refine" && data.value("kind", "") == "image");
  e.model = data.value("model", std::string(image ? "image" : "default"));
  if (auto routes = providers.Routes(e.model); routes && !routes->empty()) {
    e.provider = routes->front().provider->name();
    e.model = routes->front().model;
  }
  e.priced = prices.Find(e.provider, e.model).has_value();
  e.cost = prices.Cost(e.provider, e.model, u);
  return e;
}

}  // namespace atelier
