// LocalBlobStore: a BlobStore on the local filesystem, one file per blob.
//
// A blob with hash abcdef... lives at DIR/ab/abcdef... (stores made before that kept it at
// DIR/ab/cd/abcdef..., which is still read). Put writes a temp file in the target
// folder, fsyncs it and renames it into place, so a reader never sees a partial blob and
// concurrent Puts of the same bytes (from threads or processes) are safe: the last rename wins
// with identical content. A Put of bytes already stored sets the file's modification time to now:
// that time is when the blob was last put (BlobStore::RemoveUnlessUsed).
//
// Removal renames the file aside first, then reads the time of what it renamed: a Put that
// touched the file before the rename shows in that time (the file is put back), and one after it
// finds no file and writes the bytes again. Either way a Put never reports bytes that are gone.
//
// Thread-safe without locks (the filesystem arbitrates). Every method blocks on I/O.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "atelier/core/status.h"
#include "atelier/engine/blob_store.h"

namespace atelier {

class LocalBlobStore final : public BlobStore {
 public:
  // Opens (creating it and its parents when missing) the store rooted at `dir`.
  // InvalidArgument for an empty path or one that is not a directory; Internal on I/O errors.
  static Result<std::unique_ptr<LocalBlobStore>> Open(const std::string& dir);

  // Internal on I/O errors (disk full, permissions).
  Result<std::string> Put(std::string_view bytes) override;
  // InvalidArgument when `sha256` is not 64 lower-case hex characters; NotFound when absent;
  // Internal on other I/O errors.
  Result<std::string> Get(const std::string& sha256) override;
  // Where the blob lives (or would live) on disk; "" for a malformed hash. Does not check that
  // the blob exists.
  std::string LocalPath(const std::string& sha256) override;
  // InvalidArgument for a malformed hash; Internal on I/O errors.
  Result<Removed> RemoveUnlessUsed(const std::string& sha256, int64_t since_ms) override;

  const std::string& root() const { return root_; }

 private:
  explicit LocalBlobStore(std::string root) : root_(std::move(root)) {}

  std::string root_;
};

}  // namespace atelier
