#include "atelier/providers/offline/offline_provider.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <regex>
#include <set>
#include <thread>

#include "image_synth.h"
#include "png_reader.h"
#include "prng.h"
#include "text_synth.h"
#include "offline_test_support.h"

namespace atelier {
namespace {

using namespace offline_test;  // NOLINT: the tests' shared helpers

// Checks `v` against the subset of JSON Schema the offline provider supports; "" when it
// conforms, else the first complaint.
std::string Violation(const Json& schema, const Json& v, const std::string& path = "$") {
  if (schema.contains("const") && v != schema["const"]) return path + ": not the const";
  if (schema.contains("enum")) {
    for (const auto& e : schema["enum"]) {
      if (e == v) return "";
    }
    return path + ": not in the enum";
  }
  if (schema.contains("anyOf")) return Violation(schema["anyOf"][0], v, path);
  if (schema.contains("oneOf")) return Violation(schema["oneOf"][0], v, path);
  std::string type;
  if (schema.contains("type")) {
    type = (schema["type"].is_array() ? schema["type"][0] : schema["type"]).get<std::string>();
  }
  if (type == "object") {
    if (!v.is_object()) return path + ": not an object";
    const Json empty_list = Json::array(), empty_map = Json::object();
    const Json& required = schema.contains("required") ? schema["required"] : empty_list;
    const Json& properties = schema.contains("properties") ? schema["properties"] : empty_map;
    for (const auto& r : required) {
      if (!v.contains(r.get<std::string>())) return path + ": lacks " + r.get<std::string>();
    }
    for (auto& [k, sub] : properties.items()) {
      if (!v.contains(k)) return path + ": lacks property " + k;
      if (auto w = Violation(sub, v[k], path + "." + k); !w.empty()) return w;
    }
  } else if (type == "array") {
    if (!v.is_array()) return path + ": not an array";
    if (v.size() < schema.value("minItems", 0u)) return path + ": too few items";
    if (v.size() > schema.value("maxItems", 1000000u)) return path + ": too many items";
    if (schema.value("uniqueItems", false) && std::set<Json>(v.begin(), v.end()).size() != v.size())
      return path + ": items repeat";
    const Json any = Json::object();
    const Json& items = schema.contains("items") ? schema["items"] : any;
    for (const auto& item : v) {
      if (auto w = Violation(items, item, path + "[]"); !w.empty()) return w;
    }
  } else if (type == "string") {
    if (!v.is_string()) return path + ": not a string";
    size_t n = 0;
    for (unsigned char c : v.get<std::string>()) n += (c & 0xC0) != 0x80;
    if (n < schema.value("minLength", 0u)) return path + ": too short";
    if (n > schema.value("maxLength", 1000000u)) return path + ": too long";
  } else if (type == "integer" || type == "number") {
    if (type == "integer" ? !v.is_number_integer() : !v.is_number())
      return path + ": not a " + type;
    double x = v.get<double>();
    if (schema.contains("minimum") && x < schema["minimum"].get<double>()) return path + ": low";
    if (schema.contains("maximum") && x > schema["maximum"].get<double>()) return path + ": high";
    auto bound = [&](const char* key, const char* draft4_key) {
      const Json& b = schema.contains(key) ? schema[key] : Json();
      if (b.is_number()) return std::optional<double>(b.get<double>());
      if (b.is_boolean() && b.get<bool>()) return std::optional<double>(schema[draft4_key]);
      return std::optional<double>();
    };
    if (auto lo = bound("exclusiveMinimum", "minimum"); lo && x <= *lo) return path + ": low";
    if (auto hi = bound("exclusiveMaximum", "maximum"); hi && x >= *hi) return path + ": high";
    if (schema.contains("multipleOf")) {
      double q = x / schema["multipleOf"].get<double>();
      if (std::fabs(q - std::round(q)) > 1e-9) return path + ": not a multiple";
    }
  } else if (type == "boolean") {
    if (!v.is_boolean()) return path + ": not a boolean";
  } else if (type == "null") {
    if (!v.is_null()) return path + ": not null";
  }
  return "";
}

TextRequest MakeStructured(const std::string& prompt, Json schema) {
  TextRequest req = MakeText(prompt);
  req.json_schema = std::move(schema);
  return req;
}

const Json kReviewSchema = Json::parse(R"({
  "type": "object",
  "properties": {"score": {"type": "integer", "minimum": 0, "maximum": 100},
                 "feedback": {"type": "string"}},
  "required": ["score", "feedback"]})");

TEST(OfflineProviderJsonTest, FollowsARichSchema) {
  const Json schema = Json::parse(R"({
    "type": "object",
    "properties": {
      "title": {"type": "string", "maxLength": 40},
      "summary": {"type": "string", "minLength": 10, "maxLength": 60},
      "code": {"type": "string", "minLength": 120},
      "tags": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 5,
               "uniqueItems": true},
      "pair": {"type": "array", "items": {"type": "integer", "minimum": -5, "maximum": 5}},
      "empty": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
      "tone": {"type": "string", "enum": ["playful", "formal", "warm"]},
      "level": {"enum": [1, 2, 3]},
      "fixed": {"const": "v1"},
      "ratio": {"type": "number", "minimum": 0.5, "maximum": 0.75},
      "open": {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 2},
      "even": {"type": "integer", "minimum": 3, "maximum": 9, "multipleOf": 2},
      "draft4": {"type": "integer", "minimum": 0, "maximum": 1, "exclusiveMaximum": true},
      "published": {"type": "boolean"},
      "nothing": {"type": "null"},
      "maybe": {"anyOf": [{"type": "string", "maxLength": 12}, {"type": "null"}]},
      "choice": {"oneOf": [{"type": "integer", "minimum": 7, "maximum": 7}, {"type": "string"}]},
      "nullable": {"type": ["string", "null"]},
      "when": {"type": "string", "format": "date-time"},
      "author": {"type": "object", "properties": {"name": {"type": "string"},
                 "email": {"type": "string", "format": "email"}}, "required": ["name"]},
      "items": {"type": "array", "minItems": 1, "items": {"type": "object",
                "properties": {"label": {"type": "string"}, "qty": {"type": "integer"}},
                "required": ["label", "qty"]}}
    },
    "required": ["title", "summary", "tags", "extra"],
    "additionalProperties": false,
    "description": "a post"})");
  OfflineProvider p;
  CancelToken cancel;
  auto r = p.GenerateText(
      MakeStructured("Write a launch post about solar lanterns for camping trips", schema), cancel);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->text.find('\n'), std::string::npos) << "compact";
  Json v = Json::parse(r->text);
  EXPECT_EQ(Violation(schema, v), "") << v.dump(2);
  EXPECT_EQ(v["fixed"], "v1");
  EXPECT_EQ(v["choice"], 7);
  EXPECT_EQ(v["draft4"], 0);
  EXPECT_TRUE(v["extra"].is_string());  // required but undeclared: a string
  EXPECT_TRUE(v["nullable"].is_string());
  EXPECT_EQ(v["pair"].size(), 2u);
  EXPECT_TRUE(v["empty"].empty());
  EXPECT_TRUE(std::regex_match(v["when"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << v["when"];
  // Words come from the prompt.
  EXPECT_NE(r->text.find("lantern"), std::string::npos) << r->text;
  // Deterministic.
  EXPECT_EQ(p.GenerateText(MakeStructured("Write a launch post about solar lanterns for camping "
                                          "trips",
                                          schema),
                           cancel)
                ->text,
            r->text);
}

TEST(OfflineProviderJsonTest, TopLevelScalarsAndArrays) {
  OfflineProvider p;
  CancelToken cancel;
  for (const char* s : {R"({"type":"integer"})", R"({"type":"string","maxLength":5})",
                        R"({"type":"array","items":{"type":"boolean"},"minItems":4})",
                        R"({"type":"null"})", R"({"enum":["a","b"]})", R"({})", "true"}) {
    Json schema = Json::parse(s);
    auto r = p.GenerateText(MakeStructured("Describe a quiet bookshop", schema), cancel);
    ASSERT_TRUE(r.has_value()) << s << ": " << r.error().ToString();
    Json v = Json::parse(r->text);
    EXPECT_EQ(Violation(schema.is_object() ? schema : Json::object(), v), "") << s << " " << v;
  }
}

TEST(OfflineProviderJsonTest, ReviewScoreFollowsTheContentUnderReview) {
  OfflineProvider p;
  CancelToken cancel;
  const std::string draft =
      "Review this draft: Our solar lanterns charge in a day and glow all night on the trail.";
  auto a = p.GenerateText(MakeStructured(draft, kReviewSchema), cancel);
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  Json va = Json::parse(a->text);
  ASSERT_EQ(Violation(kReviewSchema, va), "") << a->text;
  ASSERT_TRUE(va["score"].is_number_integer());
  EXPECT_GE(va["score"].get<int>(), 0);
  EXPECT_LE(va["score"].get<int>(), 100);
  const std::string feedback = va["feedback"].get<std::string>();
  EXPECT_GT(feedback.size(), 20u);
  EXPECT_EQ(feedback.back(), '.');
  EXPECT_TRUE(feedback.find("solar") != std::string::npos ||
              feedback.find("lanterns") != std::string::npos ||
              feedback.find("trail") != std::string::npos)
      << feedback;

  // The same content, even under another system prompt, gets the same score.
  auto req = MakeStructured(draft, kReviewSchema);
  req.system = "You are a strict editor.";
  req.temperature = 0.1;
  auto again = p.GenerateText(req, cancel);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(Json::parse(again->text)["score"], va["score"]);

  // Revised content usually scores differently; all scores stay within bounds.
  std::set<int> scores;
  for (int i = 0; i < 12; ++i) {
    auto r = p.GenerateText(
        MakeStructured(draft + " Revision " + std::to_string(i) + ".", kReviewSchema), cancel);
    ASSERT_TRUE(r.has_value());
    int score = Json::parse(r->text)["score"].get<int>();
    EXPECT_GE(score, 0);
    EXPECT_LE(score, 100);
    scores.insert(score);
  }
  EXPECT_GE(scores.size(), 6u);
}

TEST(OfflineProviderJsonTest, OfflineRevisionsScoreHigher) {
  OfflineProvider p;
  CancelToken cancel;
  auto score = [&](const std::string& content) {
    auto r = p.GenerateText(MakeStructured(content, kReviewSchema), cancel);
    EXPECT_TRUE(r.has_value());
    return Json::parse(r->text)["score"].get<int>();
  };
  const std::string body = "\n\nSolar lanterns glow all night.";
  EXPECT_EQ(score("# Lanterns (Revision 9)" + body), 100);
  EXPECT_GE(score("# Lanterns (Revision 3)" + body), 45 + 21);
}

TEST(OfflineProviderJsonTest, UnsupportedSchemasAreInvalidArgumentNamingThePath) {
  OfflineProvider p;
  CancelToken cancel;
  auto error_for = [&](const char* schema) {
    auto r = p.GenerateText(MakeStructured("hello world", Json::parse(schema)), cancel);
    return r.has_value() ? std::string("ok: ") + r->text
                         : std::string(CodeName(r.error().code())) + " " + r.error().message();
  };
  auto expect_invalid = [&](const char* schema, const std::string& path) {
    std::string e = error_for(schema);
    EXPECT_EQ(e.rfind("invalid_argument", 0), 0u) << schema << " -> " << e;
    EXPECT_NE(e.find(" at " + path + ":"), std::string::npos) << schema << " -> " << e;
  };
  expect_invalid(R"({"type":"object","properties":{"a":{"$ref":"#/$defs/a"}}})", "$.a");
  expect_invalid(R"({"type":"object","properties":{"a":{"type":"date"}}})", "$.a");
  expect_invalid(R"({"type":"array","items":{"type":"string","pattern":"^x"}})", "$[]");
  expect_invalid(R"({"allOf":[{"type":"string"}]})", "$");
  expect_invalid(R"({"not":{"type":"string"}})", "$");
  expect_invalid(R"({"type":"string","minLength":5,"maxLength":2})", "$");
  expect_invalid(R"({"type":"integer","minimum":3,"maximum":2})", "$");
  expect_invalid(R"({"type":"integer","minimum":1.2,"maximum":1.8})", "$");
  expect_invalid(R"({"type":"integer","minimum":3,"maximum":5,"multipleOf":7})", "$");
  expect_invalid(R"({"type":"array","minItems":3,"maxItems":1})", "$");
  expect_invalid(R"({"type":"array","items":{"enum":[1]},"minItems":2,"uniqueItems":true})", "$");
  expect_invalid(R"({"enum":[]})", "$");
  expect_invalid(R"({"type":"string","format":"ipv6"})", "$");
  expect_invalid(
      R"({"type":"object","properties":{"a":{"type":"object","properties":{"b":false}}}})",
      "$.a.b");
  expect_invalid("42", "$");
}

TEST(OfflineProviderJsonTest, StringLengthsCountCharacters) {
  OfflineProvider p;
  CancelToken cancel;
  const Json schema = Json::parse(R"({"type":"object","properties":{
      "short": {"type":"string","maxLength":3},
      "long": {"type":"string","minLength":200,"maxLength":210}}})");
  auto r = p.GenerateText(MakeStructured("Café crème über alles, très délicieux", schema), cancel);
  ASSERT_TRUE(r.has_value());
  Json v = Json::parse(r->text);  // throws on invalid UTF-8
  EXPECT_EQ(Violation(schema, v), "") << r->text;

  // Broken UTF-8 in the prompt still gives parseable JSON.
  auto broken =
      p.GenerateText(MakeStructured("truncated caf\xc3 lanterns\xff\xfe", schema), cancel);
  ASSERT_TRUE(broken.has_value());
  EXPECT_TRUE(Json::accept(broken->text)) << broken->text;
}

// --- Text sessions --------------------------------------------------------------------------

TEST(OfflineProviderTextTest, SessionHashesTheConversation) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("Write a launch post about solar lanterns");
  auto a = p.GenerateText(req, cancel);
  auto b = p.GenerateText(req, cancel);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(std::regex_match(a->session, std::regex("offline:[0-9a-f]{16}"))) << a->session;
  EXPECT_EQ(a->session, b->session);

  // A handle with no earlier assistant turn is simply a fresh conversation.
  auto with_handle = req;
  with_handle.session = "offline:feedfacecafebeef";
  auto c = p.GenerateText(with_handle, cancel);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->text, a->text);

  req.messages.push_back({"assistant", a->text});
  req.messages.push_back({"user", "Make it shorter"});
  req.session = a->session;
  auto d = p.GenerateText(req, cancel);
  ASSERT_TRUE(d.has_value());
  EXPECT_NE(d->session, a->session);
  EXPECT_NE(p.GenerateText(MakeText("Another topic entirely"), cancel)->session, a->session);

  auto json = p.GenerateText(MakeStructured("Rate this", kReviewSchema), cancel);
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->session.rfind("offline:", 0), 0u);
}

TEST(TextSynthTest, TruncatesAtWordBoundaries) {
  EXPECT_EQ(offline::TruncateAtWord("hello brave new world", 100), "hello brave new world");
  EXPECT_EQ(offline::TruncateAtWord("hello brave new world", 13), "hello brave");
  EXPECT_EQ(offline::TruncateAtWord("hello brave new world", 11), "hello brave");
  EXPECT_EQ(offline::TruncateAtWord("abcdefghij", 4), "abcd");
  EXPECT_EQ(offline::TruncateAtWord("\xc3\xa9\xc3\xa9\xc3\xa9", 3), "\xc3\xa9");
}

TEST(TextSynthTest, ExtractsKeywordsAndTitles) {
  EXPECT_EQ(offline::TitleFromPrompt("write {{topic}} now, please: one two three four five six"),
            "Write Topic Now Please One Two Three Four");
  EXPECT_EQ(offline::KeywordsOf("Write about the Solar solar lanterns, 2024 and tents"),
            (std::vector<std::string>{"solar", "lanterns", "tents"}));
}


}  // namespace
}  // namespace atelier
