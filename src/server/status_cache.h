// Private to the server: rendered execution statuses (GET /api/v1/executions/{id}), kept with the
// store's ChangeToken taken before the reads they were rendered from. One is served again only
// while the store's token is still that one, i.e. while nothing at all was committed since: a
// client that polls a status between commits costs a look-up here, not a read of every step, and
// never sees an answer older than the last commit. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace atelier::api {

class StatusCache {
 public:
  static constexpr size_t kMaxEntries = 4096;

  // The body kept for execution `id` of workspace `ws` at `token`, if any.
  std::optional<std::string> Find(const std::string& ws, const std::string& id, int64_t token);
  // Keeps `body`, rendered from reads made after the store's token was `token`.
  void Put(const std::string& ws, const std::string& id, int64_t token, std::string body);

 private:
  struct Entry {
    int64_t token = -1;
    std::string body;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // by ws + '\n' + id; guarded by mu_
};

}  // namespace atelier::api
