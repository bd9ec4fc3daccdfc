// Estimate: what a template will cost before it is launched, from its nodes, the launch inputs,
// the model routes and the price table. An upper bound: text steps count their max_tokens as
// output, refine counts every attempt, both sides of a condition count unless the condition
// depends only on the inputs: then only the branch it takes counts (the other is skipped).
#pragma once

#include "atelier/core/template.h"
#include "atelier/engine/price_table.h"
#include "atelier/engine/provider.h"

namespace atelier {

// {"steps": [{"id", "type", "provider", "model", "calls", "input_tokens", "output_tokens",
//   "images", "cost", "note"}], "total": {"calls", "input_tokens", "output_tokens", "images",
//   "cost"}, "assumptions": [text...]}. `inputs` are the resolved launch inputs.
Json EstimateCost(const Template& t, const Json& inputs, const ProviderRegistry& providers,
                  const PriceTable& prices);

}  // namespace atelier
