#include "mustache_scan.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>

namespace atelier::internal {
namespace {

TEST(WithoutTags, TakesOutEachTag) {
  EXPECT_EQ(WithoutTags(""), "");
  EXPECT_EQ(WithoutTags("plain"), "plain");
  EXPECT_EQ(WithoutTags("a {{x}} b {{#s}}c{{/s}} {{! note }}"), "a  b c ");
  EXPECT_EQ(WithoutTags("{{}}{{{x}}}"), "}");  // "{{{x}}" is the first tag, as a regex finds it
  EXPECT_EQ(WithoutTags("{{a} }} {{ open"), "{{a} }} {{ open");
  EXPECT_EQ(WithoutTags("{{" + std::string(1'000'000, 'a') + "}}tail"), "tail");
  EXPECT_EQ(WithoutTags(std::string(100'000, '{') + "x"), std::string(100'000, '{') + "x");
}

// The same text as the regex it replaced, on every short string of '{', '}' and 'a' (and random
// longer ones).
TEST(WithoutTags, GivesWhatTheRegexGave) {
  const std::regex tag(R"(\{\{[^}]*\}\})");
  const char alphabet[] = {'{', '}', 'a'};
  for (int len = 0; len <= 9; ++len) {
    int count = 1;
    for (int i = 0; i < len; ++i) count *= 3;
    for (int n = 0; n < count; ++n) {
      std::string s;
      for (int i = 0, k = n; i < len; ++i, k /= 3) s += alphabet[k % 3];
      ASSERT_EQ(WithoutTags(s), std::regex_replace(s, tag, "")) << s;
    }
  }
  std::mt19937 rng(20261207);
  for (int n = 0; n < 2000; ++n) {
    std::string s;
    const int len = static_cast<int>(rng() % 200);
    for (int i = 0; i < len; ++i) s += "{}ab"[rng() % 4];
    ASSERT_EQ(WithoutTags(s), std::regex_replace(s, tag, "")) << s;
  }
}

}  // namespace
}  // namespace atelier::internal
