// PriceTable: what a provider call costs, per model: per 1K input tokens, per 1K output tokens,
// per image. Keys are "provider/model" or "provider" (every model of it). Built once from the
// configuration, then read-only: thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "atelier/engine/provider.h"

namespace atelier {

struct Price {
  double input_per_1k = 0;
  double output_per_1k = 0;
  double per_image = 0;
};

class PriceTable {
 public:
  void Set(const std::string& key, Price p) { prices_[key] = p; }
  // "provider/model" first, then "provider"; nullopt when neither is priced.
  std::optional<Price> Find(const std::string& provider, const std::string& model) const;
  // The cost of `usage` (0 when the model has no price).
  double Cost(const std::string& provider, const std::string& model, const Usage& usage) const;
  bool empty() const { return prices_.empty(); }

 private:
  std::map<std::string, Price> prices_;
};

}  // namespace atelier
