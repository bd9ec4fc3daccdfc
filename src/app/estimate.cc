#include "app/estimate.h"

#include <regex>

#include "atelier/core/render.h"

namespace atelier {
namespace {

constexpr int64_t kTokensPerStepReference = 250;  // a referenced upstream output, unknown yet

// Tokens of a prompt: its rendered length / 4, with a fixed allowance for each reference to an
// upstream step (its text does not exist before the run).
int64_t PromptTokens(const Json& data, const char* key, const Json& scope) {
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return 0;
  const std::string& text = it->get_ref<const std::string&>();
  int64_t refs = 0;
  auto list = ExtractReferences(text);
  if (list)
    for (const auto& r : *list) refs += !r.path.empty() && r.path[0] == "steps";
  std::string plain = text;
  if (auto rendered = RenderString(text, scope); rendered && rendered->is_string())
    plain = rendered->get<std::string>();
  else
    plain = std::regex_replace(text, std::regex(R"(\{\{[^}]*\}\})"), "");
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

struct Line {
  int64_t calls = 0, in = 0, out = 0, images = 0;
};

Line ForNode(const std::string& type, const Json& data, const Json& scope) {
  Line l;
  if (type == "generate_text") {
    l.calls = 1;
    l.in = PromptTokens(data, "prompt", scope) + PromptTokens(data, "system", scope);
    l.out = IntField(data, "max_tokens", 1024, scope);
  } else if (type == "generate_image") {
    l.calls = 1;
    l.images = IntField(data, "count", 1, scope);
  } else if (type == "review") {
    l.calls = 1;
    l.in = PromptTokens(data, "content", scope) + 200 + kTokensPerStepReference;
    l.out = 150;
  } else if (type == "refine") {
    int64_t attempts = IntField(data, "max_attempts", 3, scope);
    bool image = data.value("kind", std::string("text")) == "image";
    l.calls = attempts * 2;
    int64_t prompt = PromptTokens(data, "prompt", scope);
    int64_t draft = image ? 0 : IntField(data, "max_tokens", 1024, scope);
    // Each round re-sends the conversation so far, then is reviewed.
    for (int64_t a = 1; a <= attempts; ++a) l.in += prompt + (a - 1) * (draft + 100) + draft + 350;
    l.out = attempts * (draft + 150);
    l.images = image ? attempts : 0;
  }
  return l;
}

}  // namespace

Json EstimateCost(const Template& t, const Json& inputs, const ProviderRegistry& providers,
                  const PriceTable& prices) {
  Json scope = {{"inputs", inputs}, {"steps", Json::object()}};
  Json steps = Json::array();
  Json assumptions = Json::array();
  Line total;
  double total_cost = 0;
  bool has_condition = false, unknown_items = false, referenced = false;
  for (const auto& n : t.nodes) {
    std::string type = n.type;
    const Json* data = &n.data;
    int64_t times = 1;
    std::string note;
    if (type == "condition") has_condition = true;
    if (type == "map") {
      const Json& inner = n.data.value("node", Json::object());
      type = inner.value("type", "");
      data = inner.contains("data") ? &inner["data"] : data;
      auto items = n.data.find("items");
      Json list;
      if (items != n.data.end()) {
        if (items->is_array()) list = *items;
        else if (items->is_string())
          if (auto r = RenderString(items->get<std::string>(), scope); r && r->is_array()) list = *r;
      }
      if (list.is_array()) {
        times = static_cast<int64_t>(list.size());
        note = std::to_string(times) + " items";
      } else {
        unknown_items = true;
        note = "items known only at run time: counted once";
      }
    }
    Line l = ForNode(type, *data, scope);
    if (l.calls == 0) continue;
    if (data->is_object())
      for (auto it = data->begin(); it != data->end(); ++it)
        if (it->is_string() && it->get<std::string>().find("{{steps.") != std::string::npos)
          referenced = true;
    std::string model = data->value("model", type == "generate_image" ||
                                                     (type == "refine" && data->value("kind", "") == "image")
                                                 ? std::string("image")
                                                 : std::string("default"));
    std::string provider = "?";
    std::string routed = model;
    if (auto routes = providers.Routes(model); routes && !routes->empty()) {
      provider = routes->front().provider->name();
      routed = routes->front().model;
    }
    Usage u;
    u.input_tokens = l.in * times;
    u.output_tokens = l.out * times;
    u.images = l.images * times;
    double cost = prices.Cost(provider, routed, u);
    if (!prices.Find(provider, routed)) note += (note.empty() ? "" : "; ") + std::string("no price");
    steps.push_back({{"id", n.id},
                     {"type", n.type},
                     {"provider", provider},
                     {"model", routed},
                     {"calls", l.calls * times},
                     {"input_tokens", u.input_tokens},
                     {"output_tokens", u.output_tokens},
                     {"images", u.images},
                     {"cost", cost},
                     {"note", note}});
    total.calls += l.calls * times;
    total.in += u.input_tokens;
    total.out += u.output_tokens;
    total.images += u.images;
    total_cost += cost;
  }
  assumptions.push_back("text steps produce their max_tokens; refine uses every attempt");
  if (referenced)
    assumptions.push_back("each reference to an upstream step counts " +
                          std::to_string(kTokensPerStepReference) + " tokens");
  if (has_condition) assumptions.push_back("steps on every branch of a condition are counted");
  if (unknown_items) assumptions.push_back("maps over run-time lists are counted as one item");
  return {{"steps", steps},
          {"total",
           {{"calls", total.calls},
            {"input_tokens", total.in},
            {"output_tokens", total.out},
            {"images", total.images},
            {"cost", total_cost}}},
          {"assumptions", assumptions}};
}

}  // namespace atelier
