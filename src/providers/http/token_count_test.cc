#include "atelier/providers/http/token_count.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace atelier {
namespace {

int64_t Count(const char* usage) { return TokenCount(Json::parse(usage), "n"); }

TEST(TokenCount, ReadsAWholeNumberAndNothingElse) {
  EXPECT_EQ(Count(R"({"n": 12})"), 12);
  EXPECT_EQ(Count(R"({"n": 0})"), 0);
  EXPECT_EQ(Count(R"({"n": 12.9})"), 12);
  EXPECT_EQ(Count(R"({"n": 1000000000000000})"), kMaxTokenCount);
  EXPECT_EQ(Count(R"({})"), 0);
  EXPECT_EQ(Count(R"({"n": "12"})"), 0);
  EXPECT_EQ(Count(R"({"n": null})"), 0);
  EXPECT_EQ(TokenCount(Json::parse("[12]"), "n"), 0);
}

// What fuzz_providers found: a count too large for int64_t was converted anyway (undefined
// behaviour). Out of range, negative and non-finite counts are not believed.
TEST(TokenCount, RefusesCountsNoCallCanHave) {
  EXPECT_EQ(Count(R"({"n": 377777777777777777777777777777777777777777777})"), 0);
  EXPECT_EQ(Count(R"({"n": 18446744073709551615})"), 0);
  EXPECT_EQ(Count(R"({"n": 1000000000000001})"), 0);
  EXPECT_EQ(Count(R"({"n": -5})"), 0);
  EXPECT_EQ(Count(R"({"n": -0.5})"), 0);
  EXPECT_EQ(Count(R"({"n": 1e300})"), 0);
}

}  // namespace
}  // namespace atelier
