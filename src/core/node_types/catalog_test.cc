// The catalogue's traits and hooks: what the engine, estimates and validation ask instead of
// comparing names.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "atelier/core/condition.h"
#include "atelier/core/node_types.h"

namespace atelier {
namespace {

using Names = std::vector<std::string>;

// Which of the types the engine knew before descriptors have `trait`, in catalogue order. Types
// added since are left out, so adding one needs no edit here.
Names NamesWith(bool NodeTypeSpec::*trait) {
  static const Names kFirst = {"start",     "end",         "generate_text", "generate_image",
                               "condition", "map",         "approval",      "review",
                               "refine",    "attach",      "export",        "http",
                               "code",      "subworkflow", "transform"};
  Names out;
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    if (t.*trait && std::find(kFirst.begin(), kFirst.end(), t.name) != kFirst.end())
      out.push_back(t.name);
  return out;
}

TEST(NodeCatalog, TraitsNameTheTypesTheEngineTreatsAlike) {
  EXPECT_EQ(NamesWith(&NodeTypeSpec::paid),
            (Names{"generate_text", "generate_image", "review", "refine"}));
  EXPECT_EQ(NamesWith(&NodeTypeSpec::generative),
            (Names{"generate_text", "generate_image", "refine"}));
  EXPECT_EQ(NamesWith(&NodeTypeSpec::rebuildable),
            (Names{"attach", "export", "code", "transform"}));
  EXPECT_EQ(NamesWith(&NodeTypeSpec::mappable),
            (Names{"generate_text", "generate_image", "code", "transform"}));
  EXPECT_EQ(NamesWith(&NodeTypeSpec::edits_attachments), (Names{"attach"}));
  EXPECT_TRUE(IsMappableNodeType("code"));
  EXPECT_FALSE(IsMappableNodeType("review"));
  EXPECT_FALSE(IsMappableNodeType("nope"));
}

TEST(NodeCatalog, EveryPaidTypeEstimatesItsProviderUseAndNoOtherDoes) {
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    EXPECT_EQ(t.paid, t.estimate != nullptr) << t.name;
}

TEST(NodeCatalog, AnAttemptsTimeLimitIsItsTimeoutElseItsTypesDefault) {
  std::vector<std::pair<std::string, int64_t>> defaults;
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    if (t.default_timeout_ms != 0) defaults.emplace_back(t.name, t.default_timeout_ms);
  EXPECT_EQ(defaults, (std::vector<std::pair<std::string, int64_t>>{{"generate_text", 300000},
                                                                    {"generate_image", 300000},
                                                                    {"review", 300000},
                                                                    {"refine", 300000},
                                                                    {"http", 120000},
                                                                    {"code", 60000}}));
  const NodeTypeSpec* code = FindNodeType("code");
  EXPECT_EQ(AttemptTimeoutMs(code, Json::object()), 60000);
  EXPECT_EQ(AttemptTimeoutMs(code, {{"timeout_ms", 250}}), 250);
  EXPECT_EQ(AttemptTimeoutMs(FindNodeType("transform"), Json::object()), 0) << "none";
  EXPECT_EQ(AttemptTimeoutMs(FindNodeType("transform"), {{"timeout_ms", 5}}), 5);
  EXPECT_EQ(AttemptTimeoutMs(nullptr, Json::object()), 0) << "an unknown type has none";
  // The common fields' descriptions (served to editors) say the same, from the same values.
  const auto& common = CommonFieldSpecs();
  const auto field = [&](const char* name) {
    return std::find_if(common.begin(), common.end(),
                        [&](const FieldSpec& f) { return f.name == name; })
        ->description;
  };
  EXPECT_EQ(field("timeout_ms"),
            "per-attempt time limit; default 300000 for generate_text, generate_image, review and "
            "refine, 120000 for http, 60000 for code, none otherwise");
  EXPECT_EQ(field("retry"),
            "{max_attempts, backoff_ms}; default 3 attempts, 1000 ms for nodes that call a "
            "provider (generate_text, generate_image, review and refine), 1 attempt otherwise");
}

TEST(NodeCatalog, KindsGiveTheEngineConstructs) {
  EXPECT_TRUE(FindNodeType("approval")->waits_for_person());
  EXPECT_TRUE(FindNodeType("map")->composite());
  EXPECT_TRUE(FindNodeType("subworkflow")->composite());
  EXPECT_FALSE(FindNodeType("generate_text")->composite());
  EXPECT_FALSE(FindNodeType("generate_text")->waits_for_person());
}

TEST(NodeCatalog, ImageModelsDefaultForTypesThatMakeImages) {
  EXPECT_EQ(FindNodeType("generate_image")->DefaultModel(Json::object()), "image");
  EXPECT_EQ(FindNodeType("generate_text")->DefaultModel(Json::object()), "default");
  EXPECT_EQ(FindNodeType("refine")->DefaultModel({{"kind", "image"}}), "image");
  EXPECT_EQ(FindNodeType("refine")->DefaultModel({{"kind", "text"}}), "default");
  EXPECT_EQ(FindNodeType("refine")->DefaultModel({{"kind", 3}}), "default");
}

TEST(NodeCatalog, RefineEstimatesEveryAttemptAndItsReview) {
  ProviderUse u = FindNodeType("refine")->estimate(
      {{"prompt", "abcdefgh"}, {"max_attempts", 2}, {"max_tokens", 100}}, Json::object());
  EXPECT_EQ(u.calls, 4);
  EXPECT_EQ(u.output_tokens, 2 * 250);
  EXPECT_EQ(u.images, 0);
  ProviderUse img =
      FindNodeType("refine")->estimate({{"kind", "image"}, {"max_attempts", 3}}, Json::object());
  EXPECT_EQ(img.images, 3);
}

// A prompt that cannot render yet (it refers to a step) is counted without its tags. A long
// comment inside it once overflowed the estimating thread's stack (std::regex recursed per byte).
TEST(NodeCatalog, PromptsThatCannotRenderYetAreCountedWithoutTheirTags) {
  const Json scope = {{"inputs", Json::object()}, {"steps", Json::object()}};
  ProviderUse small =
      FindNodeType("generate_text")
          ->estimate({{"prompt", "Write about {{steps.a.text}} in 8 words"}}, scope);
  EXPECT_EQ(small.input_tokens,
            std::string("Write about  in 8 words").size() / 4 + kTokensPerStepReference);
  const std::string comment = "{{! " + std::string(1'000'000, 'a') + " }}";
  ProviderUse big = FindNodeType("generate_text")
                        ->estimate({{"prompt", "Write about {{steps.a.text}} " + comment}}, scope);
  EXPECT_EQ(big.input_tokens, std::string("Write about  ").size() / 4 + kTokensPerStepReference);
}

TEST(NodeCatalog, RenderNodeDataRendersOwnFieldsOnly) {
  const NodeTypeSpec& code = *FindNodeType("code");
  Json scope = {{"inputs", {{"n", 3}}}, {"steps", Json::object()}};
  auto r = RenderNodeData(code,
                          {{"source", "return {{1}}"},
                           {"input", "{{inputs.n}}"},
                           {"label", "{{inputs.n}}"},
                           {"retry", {{"max_attempts", 1}, {"backoff_ms", 0}}}},
                          scope);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r, (Json{{"source", "return {{1}}"}, {"input", 3}}));
  auto bad = RenderNodeData(code, {{"input", "{{#inputs.n}}"}}, scope);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message().rfind("input: ", 0), 0u) << bad.error().message();
}

TEST(NodeCatalog, ConditionEvaluatesToABranch) {
  const NodeTypeSpec& c = *FindNodeType("condition");
  auto out = c.evaluate({{"value", "7"}, {"operator", "gt"}, {"operand", 5}});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, (Json{{"result", true}, {"branch", "true"}, {"value", "7"}}));
  EXPECT_FALSE(c.evaluate({{"value", Json::array()}, {"operator", "gt"}, {"operand", 1}}));
  EXPECT_FALSE(c.evaluate({{"value", 1}, {"operator", "between"}}));
  EXPECT_EQ(EvaluateCondition("a", "contains", "a"), true);
}

TEST(NodeCatalog, CheckHooksReportFieldsRelativeToTheData) {
  std::vector<std::string> seen;
  auto report = [&](std::string_view field, const std::string& message) {
    seen.push_back(std::string(field) + ": " + message);
  };
  FindNodeType("generate_image")->check({{"size", "10x10"}}, report);
  FindNodeType("generate_image")->check({{"size", "{{inputs.size}}"}}, report);
  FindNodeType("condition")->check({{"operator", "eq"}}, report);
  FindNodeType("condition")->check({{"operator", "truthy"}}, report);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].rfind("size: size must be WIDTHxHEIGHT", 0), 0u) << seen[0];
  EXPECT_EQ(seen[1].rfind("operand: missing field 'operand'", 0), 0u) << seen[1];
}

}  // namespace
}  // namespace atelier
