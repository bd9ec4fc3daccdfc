#include "key_cache.h"

#include <gtest/gtest.h>

namespace atelier::api {
namespace {

ApiKeyRecord Key(const std::string& id, int64_t revoked_at = 0) {
  ApiKeyRecord k;
  k.id = id;
  k.workspace_id = "ws";
  k.role = Role::kEditor;
  k.revoked_at = revoked_at;
  return k;
}

TEST(KeyCacheTest, AFreshKeyIsAnsweredWithoutLookingItUpAgain) {
  KeyCache cache;
  int lookups = 0;
  auto lookup = [&](const std::string&) -> Result<ApiKeyRecord> {
    ++lookups;
    return Key("key_1");
  };
  EXPECT_EQ(cache.Find("h", 0, lookup)->id, "key_1");
  EXPECT_EQ(cache.Find("h", KeyCache::kTtlMs - 1, lookup)->id, "key_1");
  EXPECT_EQ(lookups, 1);
  EXPECT_EQ(cache.Find("h", KeyCache::kTtlMs, lookup)->id, "key_1");  // expired: looked up
  EXPECT_EQ(lookups, 2);
}

TEST(KeyCacheTest, InvalidateMakesTheNextRequestSeeARevocation) {
  KeyCache cache;
  ApiKeyRecord stored = Key("key_1");
  auto lookup = [&](const std::string&) -> Result<ApiKeyRecord> { return stored; };
  ASSERT_EQ(cache.Find("h", 0, lookup)->revoked_at, 0);
  stored.revoked_at = 5;
  cache.Invalidate();
  EXPECT_EQ(cache.Find("h", 1, lookup)->revoked_at, 5);
  EXPECT_EQ(cache.Find("h", 2, lookup)->revoked_at, 5);  // revoked keys are never kept
}

TEST(KeyCacheTest, ALookupThatRacedARevocationIsNotKept) {
  KeyCache cache;
  ApiKeyRecord stored = Key("key_1");
  // The look-up reads the live key, then the revocation commits and invalidates before the
  // look-up's answer comes back.
  auto racing = [&](const std::string&) -> Result<ApiKeyRecord> {
    ApiKeyRecord seen = stored;
    stored.revoked_at = 5;
    cache.Invalidate();
    return seen;
  };
  EXPECT_EQ(cache.Find("h", 0, racing)->revoked_at, 0);  // it began before the revocation
  int lookups = 0;
  auto lookup = [&](const std::string&) -> Result<ApiKeyRecord> {
    ++lookups;
    return stored;
  };
  EXPECT_EQ(cache.Find("h", 1, lookup)->revoked_at, 5);
  EXPECT_EQ(lookups, 1);
}

TEST(KeyCacheTest, ErrorsArePassedOnAndNotKept) {
  KeyCache cache;
  int lookups = 0;
  auto missing = [&](const std::string&) -> Result<ApiKeyRecord> {
    ++lookups;
    return Err(NotFound("no such key"));
  };
  EXPECT_EQ(cache.Find("h", 0, missing).error().code(), Code::kNotFound);
  EXPECT_EQ(cache.Find("h", 0, missing).error().code(), Code::kNotFound);
  EXPECT_EQ(lookups, 2);
}

}  // namespace
}  // namespace atelier::api
