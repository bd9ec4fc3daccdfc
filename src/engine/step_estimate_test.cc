#include "atelier/engine/step_estimate.h"

#include <gtest/gtest.h>

namespace atelier {
namespace {

TEST(EstimateStep, TextCountsThePromptAsRenderedAndMaxTokensAsOutput) {
  ProviderRegistry providers;  // no routes: provider "?"
  PriceTable prices;
  prices.Set("?", Price{1.0, 2.0, 0.5});
  Json scope = {{"inputs", {{"topic", std::string(40, 'x')}}},
                {"steps", {{"outline", {{"text", std::string(400, 'y')}}}}}};
  Json data = {{"prompt", "{{inputs.topic}}{{steps.outline.text}}"}, {"max_tokens", 100}};
  StepEstimate e = EstimateStep("generate_text", data, scope, providers, prices);
  EXPECT_EQ(e.calls, 1);
  EXPECT_EQ(e.usage.input_tokens, 110);  // 440 characters / 4, nothing assumed: it rendered
  EXPECT_EQ(e.usage.output_tokens, 100);
  EXPECT_TRUE(e.priced);
  EXPECT_DOUBLE_EQ(e.cost, 0.110 * 1.0 + 0.100 * 2.0);

  // Before the outline exists, its reference counts a fixed allowance.
  Json early = {{"inputs", scope["inputs"]}, {"steps", Json::object()}};
  StepEstimate before = EstimateStep("generate_text", data, early, providers, prices);
  EXPECT_EQ(before.usage.input_tokens, kTokensPerStepReference);
}

TEST(EstimateStep, ImagesCountTheirCountAndOtherTypesCallNothing) {
  ProviderRegistry providers;
  PriceTable prices;
  prices.Set("?", Price{0, 0, 0.04});
  Json scope = {{"inputs", Json::object()}, {"steps", Json::object()}};
  StepEstimate img = EstimateStep("generate_image", {{"prompt", "p"}, {"count", 3}}, scope,
                                  providers, prices);
  EXPECT_EQ(img.usage.images, 3);
  EXPECT_DOUBLE_EQ(img.cost, 0.12);
  EXPECT_EQ(img.model, "image");
  EXPECT_EQ(EstimateStep("transform", Json::object(), scope, providers, prices).calls, 0);
}


TEST(EstimateStep, ANodeWithoutDataIsEstimatedNotThrown) {
  ProviderRegistry providers;
  PriceTable prices;
  Json scope = {{"inputs", Json::object()}, {"steps", Json::object()}};
  StepEstimate text = EstimateStep("generate_text", Json(), scope, providers, prices);
  EXPECT_EQ(text.calls, 1);
  EXPECT_EQ(text.usage.output_tokens, 1024);
  EXPECT_EQ(text.model, "default");
  EXPECT_EQ(EstimateStep("refine", Json::array(), scope, providers, prices).calls, 6);
}

}  // namespace
}  // namespace atelier
