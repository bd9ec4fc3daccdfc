#include "atelier/core/render.h"

#include <gtest/gtest.h>

namespace atelier {
namespace {

Json Scope() {
  return Json::parse(R"({
    "inputs": {"product": "socks", "count": 42, "ratio": 0.5, "big": 2.5, "flag": true,
               "off": false, "nothing": null, "tags": ["warm", "wool"],
               "meta": {"size": "M", "stock": 3}},
    "steps": {"caption": {"text": "Warm <b>socks</b> & more", "images": [{"url": "a.png"}, {"url": "b.png"}],
                          "people": [{"name": "Ann"}, {"name": "Bo"}]}}
  })");
}

std::string RenderText(const std::string& s, const Json& scope = Scope()) {
  Result<Json> r = RenderString(s, scope);
  EXPECT_TRUE(r.has_value()) << s << ": " << r.error().ToString();
  if (!r) return "<error>";
  EXPECT_TRUE(r->is_string()) << r->dump();
  return r->is_string() ? r->get<std::string>() : r->dump();
}

TEST(RenderString, ExactReferencePassesListsAndObjectsThrough) {
  EXPECT_EQ(*RenderString("{{inputs.tags}}", Scope()), Json::parse(R"(["warm", "wool"])"));
  EXPECT_EQ(*RenderString("{{inputs.meta}}", Scope()), Json::parse(R"({"size": "M", "stock": 3})"));
  EXPECT_EQ(*RenderString("{{inputs.count}}", Scope()), Json(42));
  EXPECT_EQ(*RenderString("{{ steps.caption.images.1.url }}", Scope()), Json("b.png"));
  EXPECT_EQ(*RenderString("{{{inputs.flag}}}", Scope()), Json(true));
}

TEST(RenderString, EmbeddedReferencesRenderAsText) {
  EXPECT_EQ(RenderText("Buy {{inputs.product}} now"), "Buy socks now");
  EXPECT_EQ(RenderText("tags: {{inputs.tags}}"), R"(tags: ["warm","wool"])");
  EXPECT_EQ(RenderText("meta: {{inputs.meta}}"), R"(meta: {"size":"M","stock":3})");
  EXPECT_EQ(RenderText("{{inputs.flag}}/{{inputs.off}}/[{{inputs.nothing}}]"), "true/false/[]");
  EXPECT_EQ(RenderText("plain text"), "plain text");
}

TEST(RenderString, DoesNotEscapeHtml) {
  EXPECT_EQ(RenderText("<b>&</b> {{steps.caption.text}}"), "<b>&</b> Warm <b>socks</b> & more");
  EXPECT_EQ(RenderText("x {{{steps.caption.text}}} {{&steps.caption.text}}"),
            "x Warm <b>socks</b> & more Warm <b>socks</b> & more");
}

TEST(RenderString, FormatsNumbersAsJson) {
  EXPECT_EQ(RenderText("{{inputs.count}} items"), "42 items");
  EXPECT_EQ(RenderText("ratio {{inputs.ratio}}"), "ratio 0.5");
  EXPECT_EQ(RenderText("big {{inputs.big}}, {{inputs.meta.stock}} left"), "big 2.5, 3 left");
}

TEST(RenderString, MissingReferenceIsAnError) {
  Result<Json> r = RenderString("{{steps.x.y}}", Scope());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "reference {{steps.x.y}} has no value");

  r = RenderString("Caption: {{steps.caption.title}}!", Scope());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "reference {{steps.caption.title}} has no value");
}

TEST(RenderString, SectionsIterateListsAndTestTruth) {
  EXPECT_EQ(RenderText("{{#inputs.tags}}[{{.}}]{{/inputs.tags}}"), "[warm][wool]");
  EXPECT_EQ(RenderText("{{#steps.caption.people}}{{name}};{{/steps.caption.people}}"), "Ann;Bo;");
  EXPECT_EQ(RenderText("{{#inputs.flag}}yes{{/inputs.flag}}{{^inputs.off}}no{{/inputs.off}}"),
            "yesno");
  EXPECT_EQ(
      RenderText(
          "{{#inputs.missing}}x{{/inputs.missing}}{{^inputs.missing}}none{{/inputs.missing}}"),
      "none");
  EXPECT_EQ(RenderText("{{#inputs.meta}}{{size}}-{{stock}}{{/inputs.meta}}"), "M-3");
  // Objects inside a section render as JSON; outer names stay visible.
  EXPECT_EQ(
      RenderText("{{#steps.caption.images}}{{.}} for {{inputs.product}};{{/steps.caption.images}}"),
      R"({"url":"a.png"} for socks;{"url":"b.png"} for socks;)");
  // A name relative to the item that the item lacks renders as nothing.
  EXPECT_EQ(RenderText("{{#steps.caption.people}}{{age}}.{{/steps.caption.people}}"), "..");
}

TEST(RenderString, HonoursSetDelimiterTags) {
  EXPECT_EQ(RenderText("{{=<% %>=}}<% inputs.product %> {{literal}}"), "socks {{literal}}");
}

TEST(RenderString, UnterminatedTagIsAnError) {
  Result<Json> r = RenderString("Hello {{inputs.product", Scope());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

TEST(RenderString, MapScopeItemAndIndex) {
  Json scope = Scope();
  scope["item"] = {{"name", "Ann"}};
  scope["index"] = 0;
  EXPECT_EQ(RenderText("#{{index}} {{item.name}} {{item}}", scope), R"(#0 Ann {"name":"Ann"})");
  EXPECT_EQ(*RenderString("{{item}}", scope), Json({{"name", "Ann"}}));
}

TEST(RenderValue, RendersEveryStringKeepingShape) {
  Json value = Json::parse(R"({"title": "{{inputs.product}}!", "tags": "{{inputs.tags}}",
                               "list": [1, "{{inputs.count}}", {"x": "n={{inputs.count}}"}], "flag": false})");
  Result<Json> r = RenderValue(value, Scope());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r, Json::parse(R"({"title": "socks!", "tags": ["warm", "wool"],
                                "list": [1, 42, {"x": "n=42"}], "flag": false})"));
  EXPECT_FALSE(RenderValue(Json::parse(R"({"a": ["{{inputs.nope}}"]})"), Scope()).has_value());
}

TEST(ExtractReferences, SplitsNamesAndIgnoresCommentsAndPartials) {
  Result<std::vector<Reference>> refs = ExtractReferences(
      "{{steps.caption.text}} {{! note}} {{#inputs.tags}}{{.}}{{/inputs.tags}} {{> part}} "
      "{{{inputs.product}}} {{& item.name }}");
  ASSERT_TRUE(refs.has_value());
  ASSERT_EQ(refs->size(), 6u);
  EXPECT_EQ((*refs)[0].path, (std::vector<std::string>{"steps", "caption", "text"}));
  EXPECT_EQ((*refs)[0].text, "{{steps.caption.text}}");
  EXPECT_EQ((*refs)[1].path, (std::vector<std::string>{"inputs", "tags"}));
  EXPECT_EQ((*refs)[1].text, "{{#inputs.tags}}");
  EXPECT_EQ((*refs)[2].path, std::vector<std::string>{"."});
  EXPECT_EQ((*refs)[3].text, "{{/inputs.tags}}");
  EXPECT_EQ((*refs)[4].path, (std::vector<std::string>{"inputs", "product"}));
  EXPECT_EQ((*refs)[5].path, (std::vector<std::string>{"item", "name"}));
  EXPECT_FALSE(ExtractReferences("{{steps.a").has_value());
  EXPECT_TRUE(ExtractReferences("no tags")->empty());
}

TEST(LookupPath, WalksObjectsAndArrayIndices) {
  Json scope = Scope();
  EXPECT_EQ(*LookupPath(scope, {"steps", "caption", "images", "0", "url"}), "a.png");
  EXPECT_EQ(LookupPath(scope, {"steps", "caption", "images", "2"}), nullptr);
  EXPECT_EQ(LookupPath(scope, {"steps", "caption", "images", "x"}), nullptr);
  EXPECT_EQ(LookupPath(scope, {"inputs", "product", "x"}), nullptr);
  EXPECT_EQ(LookupPath(scope, {}), &scope);
}

}  // namespace
}  // namespace atelier
