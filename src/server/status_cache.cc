#include "status_cache.h"

namespace atelier::api {

std::optional<std::string> StatusCache::Find(const std::string& ws, const std::string& id,
                                             int64_t token) {
  if (token < 0) return std::nullopt;
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(ws + '\n' + id);
  if (it == entries_.end() || it->second.token != token) return std::nullopt;
  return it->second.body;
}

void StatusCache::Put(const std::string& ws, const std::string& id, int64_t token,
                      std::string body) {
  if (token < 0) return;
  std::lock_guard<std::mutex> l(mu_);
  if (entries_.size() >= kMaxEntries) {
    // Entries of an older token can never be served again: drop those first.
    for (auto it = entries_.begin(); it != entries_.end();)
      it = it->second.token != token ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= kMaxEntries) entries_.clear();
  }
  entries_[ws + '\n' + id] = Entry{token, std::move(body)};
}

}  // namespace atelier::api
