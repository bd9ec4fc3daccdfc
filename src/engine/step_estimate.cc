#include "atelier/engine/step_estimate.h"

namespace atelier {

StepEstimate EstimateStep(const std::string& type, const Json& given, const Json& scope,
                          const ProviderRegistry& providers, const PriceTable& prices) {
  // value() throws on anything but an object (type_error.306 on null): read a node without
  // data, or with data of another shape, as empty.
  static const Json kEmpty = Json::object();
  const Json& data = given.is_object() ? given : kEmpty;
  StepEstimate e;
  const NodeTypeSpec* spec = FindNodeType(type);
  if (spec == nullptr || spec->estimate == nullptr) return e;
  const ProviderUse use = spec->estimate(data, scope);
  e.calls = use.calls;
  e.usage.input_tokens = use.input_tokens;
  e.usage.output_tokens = use.output_tokens;
  e.usage.images = use.images;
  if (e.calls == 0) return e;
  e.model = data.value("model", spec->DefaultModel(data));
  if (auto routes = providers.Routes(e.model); routes && !routes->empty()) {
    e.provider = routes->front().provider->name();
    e.model = routes->front().model;
  }
  e.priced = prices.Find(e.provider, e.model).has_value();
  e.cost = prices.Cost(e.provider, e.model, e.usage);
  return e;
}

}  // namespace atelier
