// PostgresBlobStore: artifact bytes inside the PostgreSQL database, addressed by SHA-256, so that
// every process of a cluster reads every artifact with nothing but the database to share.
//
// Ownership: Open() returns the sole owner of one connection of its own (blobs are written
// outside the store's transactions: content addressing makes a blob whose row never commits
// harmless). The `blobs` table is created by PostgresStore's migrations: open the store first.
// Threads: every method is thread-safe (one connection behind a mutex) and blocks on the network;
// a connection found broken is opened again on the next call. The hash is computed by PostgreSQL
// (sha256()), the same lower-case hex as LocalBlobStore's. Names no libpq type.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "atelier/engine/blob_store.h"

namespace atelier {

class PostgresBlobStore final : public BlobStore {
 public:
  // Connects to `url` (as PostgresStore::Open). Unavailable when the server cannot be reached;
  // FailedPrecondition when the schema has no blobs table (the store was not migrated).
  static Result<std::unique_ptr<PostgresBlobStore>> Open(const std::string& url);

  ~PostgresBlobStore() override;
  PostgresBlobStore(const PostgresBlobStore&) = delete;
  PostgresBlobStore& operator=(const PostgresBlobStore&) = delete;

  // Stores the bytes once and returns their hash; a second Put of the same bytes stores nothing
  // new but records that they were put again (what RemoveUnlessUsed compares with).
  Result<std::string> Put(std::string_view bytes) override;
  // NotFound when no blob has this hash.
  Result<std::string> Get(const std::string& sha256) override;
  // Always "": the bytes are in the database, not on a local disk.
  std::string LocalPath(const std::string& sha256) override;
  // One statement: the row goes only when it was last put before `since_ms`, so a Put committed
  // first keeps it, and a Put arriving after the removal stores the bytes again.
  Result<Removed> RemoveUnlessUsed(const std::string& sha256, int64_t since_ms) override;

 private:
  struct Impl;
  explicit PostgresBlobStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace atelier
