// BlobStore keeps artifact bytes addressed by their SHA-256. Writing the same bytes twice stores
// nothing new, so a step re-run after a crash never duplicates data. Thread-safe; blocks on I/O.
//
// Removal is for the retention collector (atelier/app/retention.h), which removes a blob only
// when no artifact row names it. A row is committed after its blob is put, so a blob put (or put
// again) since a grace time must stay even while nothing names it yet: Put records when the bytes
// were last put, and RemoveUnlessUsed compares with it at the moment of removal. A Put that
// races a removal either keeps the blob or stores it again; it never reports bytes that are gone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "atelier/core/status.h"

namespace atelier {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Stores `bytes` and returns their lower-case hex SHA-256. Internal/Unavailable on I/O errors.
  virtual Result<std::string> Put(std::string_view bytes) = 0;
  // NotFound when no blob has this hash.
  virtual Result<std::string> Get(const std::string& sha256) = 0;
  // A local filesystem path to the blob when the store has one, else "".
  virtual std::string LocalPath(const std::string& sha256) = 0;

  enum class Removal { kRemoved, kRecent, kAbsent };
  struct Removed {
    Removal outcome = Removal::kAbsent;
    int64_t bytes = 0;  // freed (kRemoved)
  };
  // Removes the blob unless it was last put at or after `since_ms` (ms since the epoch):
  // kRemoved (with its size), kRecent (kept) or kAbsent (there was none). InvalidArgument for a
  // malformed hash; Internal/Unavailable on I/O errors.
  virtual Result<Removed> RemoveUnlessUsed(const std::string& sha256, int64_t since_ms) = 0;
};

}  // namespace atelier
