#include "atelier/core/json_limits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>

#include "atelier/core/render.h"
#include "atelier/core/validation.h"

namespace atelier {
namespace {

std::string Nested(int depth, const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

// Built by moving, not by Json::array({v}) (which copies, recursively).
Json NestedValue(int depth, Json inner = 1) {
  for (int i = 0; i < depth; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(inner));
    inner = std::move(outer);
  }
  return inner;
}

// The template of the report: a transform node whose data holds `depth` nested arrays.
std::string DeepTemplate(int depth) {
  return R"({"name":"deep","nodes":[{"id":"start","type":"start"},)"
         R"({"id":"g","type":"transform","data":{"output":{"v":)" +
         Nested(depth) + R"(}}}],"edges":[{"id":"e","source":"start","target":"g"}]})";
}

TEST(ParseJsonText, AcceptsNestingAtTheLimit) {
  Result<Json> r = ParseJsonText(Nested(kMaxJsonDepth, "1"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE(JsonDeeperThan(*r, kMaxJsonDepth));
  EXPECT_TRUE(JsonDeeperThan(*r, kMaxJsonDepth - 1));
}

TEST(ParseJsonText, RefusesOneLevelDeeperNamingTheLimitAndPosition) {
  Result<Json> r = ParseJsonText(Nested(kMaxJsonDepth + 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "JSON nested deeper than 128 levels (line 1, column 129)");

  r = ParseJsonText("{\"a\":\n  " + Nested(kMaxJsonDepth));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "JSON nested deeper than 128 levels (line 2, column 130)");
}

TEST(ParseJsonText, ObjectsCountAsLevels) {
  std::string text;
  for (int i = 0; i <= kMaxJsonDepth; ++i) text += "{\"a\":";
  text += "1" + std::string(kMaxJsonDepth + 1, '}');
  Result<Json> r = ParseJsonText(text);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("deeper than 128 levels"), std::string::npos);
}

TEST(ParseJsonText, RefusesAHundredThousandLevelsQuickly) {
  const std::string text = Nested(100000);
  const auto start = std::chrono::steady_clock::now();
  Result<Json> r = ParseJsonText(text);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "JSON nested deeper than 128 levels (line 1, column 129)");
  // Stops at the first bracket past the limit; generous for a loaded machine.
  EXPECT_LT(elapsed, std::chrono::milliseconds(200));
}

TEST(ParseJsonText, BracketsInsideStringsDoNotCount) {
  const std::string brackets(1000, '[');
  // Escaped quotes and backslashes inside the strings must not end them early.
  const std::string text = R"({"a": ")" + brackets + R"(\"", "b": "\\", "c": [")" + brackets +
                           R"(\\\"{{{"], ")" + brackets + R"(": 1})";
  Result<Json> r = ParseJsonText(text);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)["a"], brackets + "\"");
  EXPECT_EQ((*r)["b"], "\\");

  // After an escaped backslash the quote closes the string: what follows counts again.
  r = ParseJsonText(R"(["\\", )" + Nested(kMaxJsonDepth) + "]");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("deeper than 128 levels"), std::string::npos);
}

TEST(ParseJsonText, TakesAnotherLimit) {
  EXPECT_TRUE(ParseJsonText(Nested(kMaxStoredJsonDepth), kMaxStoredJsonDepth).has_value());
  Result<Json> r = ParseJsonText(Nested(3), 2);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "JSON nested deeper than 2 levels (line 1, column 3)");
}

TEST(ParseTemplateText, RefusesTheDeepTemplateOfTheReport) {
  for (int depth : {100000, 50000, kMaxJsonDepth}) {
    SCOPED_TRACE(depth);
    std::vector<ValidationError> errors;
    Result<Template> t = ParseTemplateText(DeepTemplate(depth), &errors);
    ASSERT_FALSE(t.has_value());
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find("JSON nested deeper than 128 levels (line 1, column "),
              std::string::npos)
        << errors[0].message;
  }
  // Nested as deep as the limit allows (five levels of template around the data), it is accepted.
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplateText(DeepTemplate(kMaxJsonDepth - 5), &errors).has_value())
      << (errors.empty() ? "" : errors[0].ToString());
}

TEST(JsonDeeperThan, CountsContainersNotScalars) {
  EXPECT_FALSE(JsonDeeperThan(Json(1), 0));
  EXPECT_FALSE(JsonDeeperThan(Json("[[["), 0));
  EXPECT_TRUE(JsonDeeperThan(Json::array(), 0));
  EXPECT_FALSE(JsonDeeperThan(Json::array(), 1));
  Json wide = {{"a", 1}, {"b", {{"c", {1, 2}}}}, {"d", Json::array()}};
  EXPECT_FALSE(JsonDeeperThan(wide, 3));
  EXPECT_TRUE(JsonDeeperThan(wide, 2));
}

TEST(JsonDeeperThan, IsSafeAtAnyDepth) {
  const Json deep = NestedValue(1000000);
  EXPECT_TRUE(JsonDeeperThan(deep, kMaxJsonDepth));
  EXPECT_FALSE(JsonDeeperThan(deep, 1000000));
}

TEST(RenderValue, RefusesAReferenceThatNestsPastTheLimit) {
  const Json scope = {{"inputs", {{"deep", NestedValue(kMaxJsonDepth - 2)}}}, {"steps", {}}};
  // Where it stands plus what it names: two levels of data around a value of 126 fit.
  Result<Json> r = RenderValue({{"v", Json::array({"{{inputs.deep}}"})}}, scope);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE(JsonDeeperThan(*r, kMaxJsonDepth));

  r = RenderValue({{"v", Json::array({Json::array({"{{inputs.deep}}"})})}}, scope);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "the rendered value is nested deeper than 128 levels");
}

TEST(RenderValue, RefusesDataDeeperThanTheLimitWithoutRecursingThroughIt) {
  const Json data = NestedValue(1000000, "{{inputs.x}}");
  Result<Json> r = RenderValue(data, {{"inputs", {{"x", 1}}}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "the rendered value is nested deeper than 128 levels");
}

}  // namespace
}  // namespace atelier
