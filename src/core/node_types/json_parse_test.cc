// json_parse: finds the JSON value in a model's answer and picks a part of it by path.
#include <gtest/gtest.h>

#include "atelier/core/node_types.h"
#include "atelier/core/validation.h"

namespace atelier {
namespace {

Result<Json> Parse(const Json& rendered) { return FindNodeType("json_parse")->evaluate(rendered); }

TEST(JsonParseNode, ReadsPlainFencedAndEmbeddedJson) {
  EXPECT_EQ(*Parse({{"text", R"( {"a": 1} )"}}), (Json{{"json", {{"a", 1}}}, {"found", true}}));
  EXPECT_EQ(Parse({{"text", "Here you go:\n```json\n[1, 2]\n```\nEnjoy!"}})->at("json"),
            Json::array({1, 2}));
  EXPECT_EQ(Parse({{"text", R"(Ideas: {"title": "a } in a string", "n": [1]} -- done)"}})
                ->at("json")["title"],
            "a } in a string");
  EXPECT_EQ(Parse({{"text", "42"}})->at("json"), 42);
}

TEST(JsonParseNode, TakesAValueThatIsAlreadyJson) {
  EXPECT_EQ(Parse({{"text", {{"k", "v"}}}, {"path", "k"}})->at("json"), "v");
}

TEST(JsonParseNode, PicksAPartByPath) {
  Json text = R"({"items": [{"title": "first"}, {"title": "second"}]})";
  EXPECT_EQ(Parse({{"text", text}, {"path", "items.1.title"}})->at("json"), "second");
  EXPECT_EQ(Parse({{"text", text}, {"path", ""}})->at("json")["items"].size(), 2u);
  auto missing = Parse({{"text", text}, {"path", "items.7.title"}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message(), "path: 'items.7.title' is not in the parsed value");
}

TEST(JsonParseNode, DefaultStandsInForMissingJsonElseTheStepFails) {
  EXPECT_EQ(*Parse({{"text", "no json here"}, {"default", Json::array()}}),
            (Json{{"json", Json::array()}, {"found", false}}));
  auto none = Parse({{"text", "no json here {"}});
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code(), Code::kInvalidArgument);
  EXPECT_NE(none.error().message().find("holds no JSON value"), std::string::npos);
}

TEST(JsonParseNode, ValidatesInATemplateAndMayRunPerMapItem) {
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(R"({"name": "ideas", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "ideas", "type": "generate_text", "data": {"prompt": "three ideas as JSON"}},
      {"id": "parsed", "type": "json_parse", "data": {"text": "{{steps.ideas.text}}",
                                                       "path": "ideas", "default": []}},
      {"id": "each", "type": "map", "data": {"items": "{{steps.parsed.json}}",
          "node": {"type": "json_parse", "data": {"text": "{{item}}", "path": "title"}}}},
      {"id": "end", "type": "end", "data": {"output": {"found": "{{steps.parsed.found}}"}}}],
    "edges": [{"id": "e1", "source": "start", "target": "ideas"},
              {"id": "e2", "source": "ideas", "target": "parsed"},
              {"id": "e3", "source": "parsed", "target": "each"},
              {"id": "e4", "source": "each", "target": "end"}]})",
                             &errors);
  EXPECT_TRUE(t.has_value()) << (errors.empty() ? "" : errors[0].ToString());

  errors.clear();
  auto bad = ParseTemplateText(R"({"name": "x", "nodes": [{"id": "start", "type": "start"},
      {"id": "p", "type": "json_parse", "data": {"path": "a"}}],
    "edges": [{"id": "e1", "source": "start", "target": "p"}]})",
                               &errors);
  ASSERT_FALSE(bad.has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].ToString().find("missing required field 'text'"), std::string::npos)
      << errors[0].ToString();
}

}  // namespace
}  // namespace atelier
