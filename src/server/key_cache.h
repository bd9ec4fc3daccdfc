// Private to the server: the API keys that authenticated recently, by the SHA-256 of their secret,
// so that a burst of requests with one key costs one store look-up, not one each.
//
// Only live keys are kept, each for at most kTtlMs. Revocation through this server calls
// Invalidate() once the revocation is committed, and no look-up that began before it can put
// its answer back afterwards (a generation number), so a revoked key fails on its very next
// request. A key revoked by another process (`atelier keys revoke`) stops working here within
// kTtlMs. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "atelier/store/accounts.h"

namespace atelier::api {

class KeyCache {
 public:
  static constexpr int64_t kTtlMs = 1000;
  static constexpr size_t kMaxKeys = 4096;

  using Lookup = std::function<Result<ApiKeyRecord>(const std::string& secret_hash)>;

  // The key with `secret_hash`: from the cache while fresh at `now_ms` (a steady clock), else
  // from `lookup` (whose answer, errors and revoked keys included, is returned as it is).
  Result<ApiKeyRecord> Find(const std::string& secret_hash, int64_t now_ms, const Lookup& lookup);
  // Forgets every key: call after a key was revoked (or changed) in the store.
  void Invalidate();

 private:
  struct Entry {
    ApiKeyRecord key;
    int64_t expires_at = 0;
  };
  std::mutex mu_;
  uint64_t generation_ = 0;                      // guarded by mu_
  std::unordered_map<std::string, Entry> keys_;  // guarded by mu_
};

}  // namespace atelier::api
