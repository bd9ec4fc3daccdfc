#include "status_cache.h"

#include <gtest/gtest.h>

namespace atelier::api {
namespace {

TEST(StatusCacheTest, AStatusIsServedOnlyAtTheTokenItWasRenderedAt) {
  StatusCache cache;
  cache.Put("ws", "ex_1", 7, "{\"status\":\"running\"}");
  EXPECT_EQ(cache.Find("ws", "ex_1", 7), "{\"status\":\"running\"}");
  EXPECT_EQ(cache.Find("ws", "ex_1", 8), std::nullopt);     // something was committed since
  EXPECT_EQ(cache.Find("other", "ex_1", 7), std::nullopt);  // never across workspaces
  EXPECT_EQ(cache.Find("ws", "ex_2", 7), std::nullopt);
}

TEST(StatusCacheTest, AStoreThatCannotTellKeepsNothing) {
  StatusCache cache;
  cache.Put("ws", "ex_1", -1, "{}");
  EXPECT_EQ(cache.Find("ws", "ex_1", -1), std::nullopt);
}

TEST(StatusCacheTest, StaysBoundedKeepingTheCurrentToken) {
  StatusCache cache;
  for (size_t i = 0; i < StatusCache::kMaxEntries; ++i)
    cache.Put("ws", "old_" + std::to_string(i), 1, "{}");
  cache.Put("ws", "new", 2, "{\"n\":1}");
  EXPECT_EQ(cache.Find("ws", "new", 2), "{\"n\":1}");
  EXPECT_EQ(cache.Find("ws", "old_0", 1), std::nullopt);
}

}  // namespace
}  // namespace atelier::api
