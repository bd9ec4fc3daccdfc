#include "atelier/core/template.h"

#include <gtest/gtest.h>

#include "atelier/core/validation.h"

namespace atelier {
namespace {

TEST(InputType, NamesRoundTrip) {
  for (InputType t : {InputType::kString, InputType::kInteger, InputType::kNumber,
                      InputType::kBoolean, InputType::kList, InputType::kObject}) {
    EXPECT_EQ(InputTypeFromName(InputTypeName(t)), t);
  }
  EXPECT_EQ(InputTypeFromName("text"), std::nullopt);
  EXPECT_STREQ(InputTypeName(InputType::kList), "list");
}

TEST(TemplateToJson, RoundTripsThroughParseTemplate) {
  const Json doc = Json::parse(R"({
    "name": "Post", "description": "d", "category": "social_media",
    "inputs": {"product": {"type": "string", "required": true, "description": "what"},
               "count": {"type": "integer", "default": 2}},
    "nodes": [
      {"id": "start", "type": "start", "position": {"x": 1.5, "y": -2}},
      {"id": "check", "type": "condition", "data": {"value": "{{inputs.count}}", "operator": "gt", "operand": 1}},
      {"id": "a", "type": "generate_text", "data": {"prompt": "{{inputs.product}}"}}
    ],
    "edges": [
      {"id": "e0", "source": "start", "target": "check"},
      {"id": "e1", "source": "check", "target": "a", "sourceHandle": "true"}
    ]
  })");
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplate(doc, &errors);
  ASSERT_TRUE(t.has_value()) << (errors.empty() ? "" : errors[0].ToString());

  const Json out = TemplateToJson(*t);
  EXPECT_EQ(out["nodes"][0]["position"], Json({{"x", 1.5}, {"y", -2.0}}));
  EXPECT_EQ(out["edges"][1]["sourceHandle"], "true");
  EXPECT_FALSE(out["edges"][0].contains("sourceHandle"));
  EXPECT_EQ(out["inputs"]["count"]["default"], 2);

  Result<Template> again = ParseTemplate(out, &errors);
  ASSERT_TRUE(again.has_value()) << (errors.empty() ? "" : errors[0].ToString());
  EXPECT_EQ(TemplateToJson(*again), out);
  EXPECT_EQ(again->inputs[1].name, "product");
  EXPECT_TRUE(again->inputs[1].required);
  EXPECT_EQ(again->inputs[1].description, "what");
  EXPECT_EQ(again->nodes[1].data, doc["nodes"][1]["data"]);
}

}  // namespace
}  // namespace atelier
