// BlobStore keeps artifact bytes addressed by their SHA-256. Writing the same bytes twice is a
// no-op, so a step re-run after a crash never duplicates data. Thread-safe; blocks on I/O.
#pragma once

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
};

}  // namespace atelier
