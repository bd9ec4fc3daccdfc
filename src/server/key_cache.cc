#include "key_cache.h"

namespace atelier::api {

Result<ApiKeyRecord> KeyCache::Find(const std::string& secret_hash, int64_t now_ms,
                                    const Lookup& lookup) {
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = keys_.find(secret_hash);
    if (it != keys_.end() && it->second.expires_at > now_ms) return it->second.key;
    generation = generation_;
  }
  Result<ApiKeyRecord> found = lookup(secret_hash);
  if (found && found->revoked_at == 0) {
    std::lock_guard<std::mutex> l(mu_);
    // A revocation since the look-up began may have been missed by it: keep nothing then.
    if (generation == generation_) {
      if (keys_.size() >= kMaxKeys) keys_.clear();
      keys_[secret_hash] = Entry{*found, now_ms + kTtlMs};
    }
  }
  return found;
}

void KeyCache::Invalidate() {
  std::lock_guard<std::mutex> l(mu_);
  ++generation_;
  keys_.clear();
}

}  // namespace atelier::api
