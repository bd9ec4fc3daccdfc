#include "app/estimate.h"

#include "atelier/core/render.h"
#include "atelier/engine/step_estimate.h"

namespace atelier {

Json EstimateCost(const Template& t, const Json& inputs, const ProviderRegistry& providers,
                  const PriceTable& prices) {
  Json scope = {{"inputs", inputs}, {"steps", Json::object()}};
  Json steps = Json::array();
  Json assumptions = Json::array();
  struct {
    int64_t calls = 0, in = 0, out = 0, images = 0;
  } total;
  double total_cost = 0;
  bool has_condition = false, unknown_items = false, referenced = false;
  for (const auto& n : t.nodes) {
    std::string type = n.type;
    const Json* data = &n.data;
    int64_t times = 1;
    std::string note;
    if (type == "condition") has_condition = true;
    if (type == "map") {
      // Point into the template itself: a copy of "node" (what value() returns) would die at the
      // end of this block, leaving `data` dangling for EstimateStep below.
      static const Json kEmpty = Json::object();
      auto inner = n.data.find("node");
      type.clear();
      data = &kEmpty;
      if (inner != n.data.end() && inner->is_object()) {
        if (auto it = inner->find("type"); it != inner->end() && it->is_string())
          type = it->get<std::string>();
        if (auto it = inner->find("data"); it != inner->end() && it->is_object()) data = &*it;
      }
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
    StepEstimate est = EstimateStep(type, *data, scope, providers, prices);
    if (est.calls == 0) continue;
    if (data->is_object())
      for (auto it = data->begin(); it != data->end(); ++it)
        if (it->is_string() && it->get<std::string>().find("{{steps.") != std::string::npos)
          referenced = true;
    const std::string& provider = est.provider;
    const std::string& routed = est.model;
    Usage u;
    u.input_tokens = est.usage.input_tokens * times;
    u.output_tokens = est.usage.output_tokens * times;
    u.images = est.usage.images * times;
    double cost = est.cost * static_cast<double>(times);
    if (!est.priced) note += (note.empty() ? "" : "; ") + std::string("no price");
    steps.push_back({{"id", n.id},
                     {"type", n.type},
                     {"provider", provider},
                     {"model", routed},
                     {"calls", est.calls * times},
                     {"input_tokens", u.input_tokens},
                     {"output_tokens", u.output_tokens},
                     {"images", u.images},
                     {"cost", cost},
                     {"note", note}});
    total.calls += est.calls * times;
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
