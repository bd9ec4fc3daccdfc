#include "atelier/core/render.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

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
  EXPECT_EQ(RenderText("{{# inputs.tags }}[{{.}}]{{/ inputs.tags }}"), "[warm][wool]");
  // Nested sections, also of the same name.
  EXPECT_EQ(RenderText("{{#inputs.tags}}{{#inputs.tags}}{{.}}{{/inputs.tags}};{{/inputs.tags}}"),
            "warmwool;warmwool;");
  // Objects inside a section render as JSON; outer names stay visible.
  EXPECT_EQ(
      RenderText("{{#steps.caption.images}}{{.}} for {{inputs.product}};{{/steps.caption.images}}"),
      R"({"url":"a.png"} for socks;{"url":"b.png"} for socks;)");
  // A name relative to the item that the item lacks renders as nothing.
  EXPECT_EQ(RenderText("{{#steps.caption.people}}{{age}}.{{/steps.caption.people}}"), "..");
}

TEST(RenderString, HonoursSetDelimiterTags) {
  EXPECT_EQ(RenderText("{{=<% %>=}}<% inputs.product %> {{literal}}"), "socks {{literal}}");
  EXPECT_EQ(RenderText("{{=<% %>=}}<%# inputs.tags %>[<%.%>]<%/ inputs.tags %>"), "[warm][wool]");
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

// A scope with inputs.l = [0, 1, ..., n-1].
Json ListScope(int n) {
  Json l = Json::array();
  for (int i = 0; i < n; ++i) l.push_back(i);
  return {{"inputs", {{"l", l}}}};
}

std::string Nested(int depth, const std::string& body) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{{#inputs.l}}";
  s += body;
  for (int i = 0; i < depth; ++i) s += "{{/inputs.l}}";
  return s;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Deeply nested sections: Mustache's renderer recursed once per level and kept a copy of each
// section's text (20,000 levels took 9 GB and overflowed the stack), so past kMaxSectionDepth a
// string is refused before it is rendered.
TEST(RenderLimits, SectionsNestDeeperThanTwentyLevelsNever) {
  EXPECT_EQ(RenderString(Nested(20, "x"), ListScope(1)).value(), "x");
  for (int depth : {21, 20'000}) {
    const auto start = std::chrono::steady_clock::now();
    Result<Json> r = RenderString(Nested(depth, "x"), ListScope(1));
    ASSERT_FALSE(r.has_value()) << depth;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
    const std::string& message = r.error().message();
    EXPECT_EQ(message.rfind("sections nested deeper than 20 levels at '{{#inputs.l}}", 0), 0u)
        << message;
    EXPECT_LT(SecondsSince(start), 2.0) << depth;
    EXPECT_FALSE(ExtractReferences(Nested(depth, "x")).has_value()) << depth;
  }
}

// The issue's template: 16 bytes repeated 10^8 times (1.6 GB) by four sections over 100 items.
// It runs out of work (iterations) before output.
TEST(RenderLimits, TheIssuesTemplateFailsQuickly) {
  const auto start = std::chrono::steady_clock::now();
  Result<Json> r = RenderString(Nested(4, "xxxxxxxxxxxxxxxx"), ListScope(100));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "render work limit exceeded: more than 250000 tag lookups and section iterations (a "
            "section renders its body once per list item, so sections nested over long lists "
            "multiply)");
  EXPECT_LT(SecondsSince(start), 2.0);
}

TEST(RenderLimits, NestedSectionsOverAListStopAtTheOutputLimit) {
  const std::string body(64, 'x');  // 8 MiB in 131,072 iterations: output runs out first
  const auto start = std::chrono::steady_clock::now();
  Result<Json> r = RenderString(Nested(4, body), ListScope(100));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "render output limit exceeded: more than 8388608 bytes (8 MiB) of output (a section "
            "renders its body once per list item, so sections nested over long lists multiply)");

  // A transform's output: the error says which string of the value it was.
  Json value = {{"ok", "fine"}, {"big", {"a", Nested(3, body)}}};
  r = RenderValue(value, ListScope(1000));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("render output limit exceeded at .big[1]: "),
            std::string::npos)
      << r.error().message();
  EXPECT_LT(SecondsSince(start), 2.0);
}

// Nothing is output, but 10^12 iterations would be made.
TEST(RenderLimits, NestedSectionsThatOutputNothingStopAtTheWorkLimit) {
  const auto start = std::chrono::steady_clock::now();
  Result<Json> r = RenderString(Nested(4, ""), ListScope(1000));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find(
                "render work limit exceeded: more than 250000 tag lookups and section iterations"),
            std::string::npos)
      << r.error().message();
  // Variables that resolve to nothing cost work too.
  r = RenderString(Nested(3, "{{missing}}{{missing}}"), ListScope(1000), {.max_work = 10000});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("render work limit exceeded: more than 10000 "),
            std::string::npos);
  EXPECT_LT(SecondsSince(start), 2.0);
}

TEST(RenderLimits, LargeOrdinaryRendersStillWork) {
  // 10,000 items, three lines each: about 40,000 lookups and iterations, 350 KB.
  Json people = Json::array();
  for (int i = 0; i < 10000; ++i)
    people.push_back({{"name", "person " + std::to_string(i)}, {"role", "editor"}});
  Json scope = {{"inputs", {{"people", people}, {"title", "Staff"}}}};
  Result<Json> r = RenderString(
      "{{inputs.title}}\n{{#inputs.people}}- {{name}} ({{role}}) of {{inputs.title}}\n"
      "{{/inputs.people}}{{^inputs.people}}nobody{{/inputs.people}}",
      scope);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  const std::string& text = r->get_ref<const std::string&>();
  EXPECT_EQ(text.rfind("Staff\n- person 0 (editor) of Staff\n", 0), 0u);
  EXPECT_NE(text.find("- person 9999 (editor) of Staff\n"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10001);

  // Two levels over 300 items: 90,000 iterations.
  r = RenderString(Nested(2, "{{.}},"), ListScope(300));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_GT(r->get_ref<const std::string&>().size(), 300000u);

  // 4 MiB of one value inserted in a string, and a value passed through whole: only their size
  // counts, not their length as lists.
  Json big = Json::array();
  for (int i = 0; i < 20000; ++i) big.push_back(i);
  scope = {{"inputs", {{"big", big}, {"text", std::string(4 << 20, 'a')}}}};
  r = RenderString("{{inputs.big}}", scope);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r, big);
  r = RenderString("<{{inputs.text}}>", scope);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->get_ref<const std::string&>().size(), (4u << 20) + 2);
}

TEST(RenderLimits, EverythingARenderOutputsCountsAndTheLimitsAreExact) {
  const Json scope = Scope();  // product = "socks" (5 bytes)
  const RenderLimits ten{.max_bytes = 10};
  EXPECT_EQ(*RenderString("{{inputs.product}}{{inputs.product}}", scope, ten), "sockssocks");
  Result<Json> r = RenderString("{{inputs.product}}{{inputs.product}}!", scope, ten);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "render output limit exceeded: more than 10 bytes of output");
  // Section bodies once per item, inverted sections when they render, plain strings, and values
  // passed through by a single reference.
  EXPECT_EQ(*RenderString("{{#inputs.tags}}12345{{/inputs.tags}}", scope, ten), "1234512345");
  r = RenderString("{{#inputs.tags}}123456{{/inputs.tags}}", scope, ten);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(),
            "render output limit exceeded: more than 10 bytes of output (a section renders its "
            "body once per list item, so sections nested over long lists multiply)");
  EXPECT_EQ(*RenderString("{{^inputs.off}}1234567890{{/inputs.off}}", scope, ten), "1234567890");
  EXPECT_FALSE(RenderString("{{^inputs.off}}12345678901{{/inputs.off}}", scope, ten).has_value());
  EXPECT_TRUE(RenderString("{{^inputs.flag}}12345678901{{/inputs.flag}}", scope, ten).has_value());
  EXPECT_FALSE(RenderString("no tags, but eleven bytes", scope, ten).has_value());
  EXPECT_TRUE(RenderString("{{inputs.tags}}", scope, {.max_bytes = 15}).has_value());
  EXPECT_FALSE(RenderString("{{inputs.tags}}", scope, {.max_bytes = 14}).has_value());

  // One budget for all the strings of a value.
  r = RenderValue(Json{{"a", "{{inputs.product}}"}, {"b", {"{{inputs.product}}", "!"}}}, scope,
                  ten);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("limit exceeded at .b[1]:"), std::string::npos)
      << r.error().message();

  // Work: each tag looked up, and each item a section iterates over.
  const RenderLimits four{.max_work = 4};
  EXPECT_TRUE(
      RenderString("{{#inputs.tags}}x{{/inputs.tags}}{{inputs.count}}", scope, four).has_value());
  r = RenderString("{{#inputs.tags}}{{.}}{{/inputs.tags}}", scope, four);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("more than 4 tag lookups and section iterations"),
            std::string::npos);
}

TEST(JsonSizeUpTo, MatchesDumpAndStopsPastTheCap) {
  const Json v = Json::parse(
      R"({"a": [1, -20, true, false, null, "x"], "bc": {"d": "", "e": []}, "f": {}, "g": 12345678901234})");
  EXPECT_EQ(JsonSizeUpTo(v, 1000), v.dump().size());
  EXPECT_EQ(JsonSizeUpTo(Json("text"), 1000), 6u);
  Json big = Json::array();
  for (int i = 0; i < 20000; ++i) big.push_back("0123456789");
  const uint64_t n = JsonSizeUpTo(big, 100);  // the list's commas alone pass the cap
  EXPECT_GT(n, 100u);
  EXPECT_LT(n, big.dump().size() / 10);
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
