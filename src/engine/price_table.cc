#include "atelier/engine/price_table.h"

namespace atelier {

std::optional<Price> PriceTable::Find(const std::string& provider, const std::string& model) const {
  if (auto it = prices_.find(provider + "/" + model); it != prices_.end()) return it->second;
  if (auto it = prices_.find(provider); it != prices_.end()) return it->second;
  return std::nullopt;
}

double PriceTable::Cost(const std::string& provider, const std::string& model,
                        const Usage& usage) const {
  auto p = Find(provider, model);
  if (!p) return 0;
  return usage.input_tokens / 1000.0 * p->input_per_1k +
         usage.output_tokens / 1000.0 * p->output_per_1k + usage.images * p->per_image;
}

}  // namespace atelier
