// What one provider-calling step is expected to use and cost before it runs: the basis of
// `atelier estimate` and of the credits a step reserves before its provider call. An upper bound:
// text steps count their max_tokens as output, refine counts every attempt. Pure; thread-safe.
#pragma once

#include <string>

#include "atelier/core/node_types.h"
#include "atelier/core/template.h"
#include "atelier/engine/price_table.h"
#include "atelier/engine/provider.h"

namespace atelier {

struct StepEstimate {
  int64_t calls = 0;  // 0: the node type calls no provider
  Usage usage;
  std::string provider = "?";  // the first route of the model alias ("?" when none)
  std::string model;
  bool priced = false;  // the price table has the provider/model
  double cost = 0;
};

// The estimate of a node of `type` with `data`, rendered against `scope` ({"inputs", "steps"}):
// the type's estimate hook (NodeTypeSpec::estimate) gives the provider use, prompts counted at
// their rendered length / 4 and references that do not render yet at kTokensPerStepReference
// each; this prices it. An unknown type, or one without the hook, calls no provider.
StepEstimate EstimateStep(const std::string& type, const Json& data, const Json& scope,
                          const ProviderRegistry& providers, const PriceTable& prices);

}  // namespace atelier
