// PostgresBlobStore: one connection, one statement a call. Put sends the bytes once as a binary
// parameter; PostgreSQL hashes them and inserts the row, or, when that hash is already stored,
// only records that it was put again. RemoveUnlessUsed deletes the row under the same time test.
// Each statement commits alone, and PostgreSQL orders a Put and a removal of the same row: the
// removal waits for a Put that got there first and then finds the row recent, and a Put that
// comes second inserts the bytes again.
#include "atelier/store/postgres/postgres_blob_store.h"

#include <mutex>
#include <pqxx/pqxx>

#include "postgres_impl.h"

namespace atelier {

struct PostgresBlobStore::Impl {
  explicit Impl(std::string url_in) : url(std::move(url_in)) {}

  template <class R, class F>
  R Guarded(F&& f) {
    std::lock_guard lock(mu);
    try {
      if (!conn || !conn->is_open() || postgres::ClosedWhileIdle(*conn))
        conn = std::make_unique<pqxx::connection>(url);
      pqxx::nontransaction tx(*conn, "blobs");
      return f(tx);
    } catch (const pqxx::broken_connection& e) {
      conn.reset();  // the next call connects afresh
      return Err(postgres::FromException(e));
    } catch (const std::exception& e) {
      return Err(postgres::FromException(e));
    }
  }

  std::string url;
  std::mutex mu;
  std::unique_ptr<pqxx::connection> conn;
};

PostgresBlobStore::PostgresBlobStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresBlobStore::~PostgresBlobStore() = default;

Result<std::unique_ptr<PostgresBlobStore>> PostgresBlobStore::Open(const std::string& url) {
  std::unique_ptr<PostgresBlobStore> store(new PostgresBlobStore(std::make_unique<Impl>(url)));
  auto has_table =
      store->impl_->Guarded<Result<bool>>([](pqxx::nontransaction& tx) -> Result<bool> {
        return !tx.exec("SELECT to_regclass('blobs')")[0][0].is_null();
      });
  if (!has_table) return Err(has_table.error());
  if (!*has_table) {
    return Err(FailedPrecondition(
        "the PostgreSQL database has no blobs table: open the store (which migrates it) first"));
  }
  return store;
}

namespace {

// 64 lower-case hex characters, as Put returns them.
bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

// touched_at never moves back: a process whose clock runs behind must not make bytes another
// process just put look old to the collector.
Result<std::string> PostgresBlobStore::Put(std::string_view bytes) {
  return impl_->Guarded<Result<std::string>>([&](pqxx::nontransaction& tx) -> Result<std::string> {
    pqxx::result r = tx.exec_params(
        "WITH h AS (SELECT encode(sha256($1::bytea), 'hex') AS k), ins AS (INSERT INTO blobs "
        "(sha256, size, bytes, created_at, touched_at) SELECT k, octet_length($1::bytea), "
        "$1::bytea, $2::bigint, $2::bigint FROM h ON CONFLICT (sha256) DO UPDATE SET touched_at "
        "= GREATEST(blobs.touched_at, excluded.touched_at)) SELECT k FROM h",
        pqxx::binarystring(bytes.data(), bytes.size()), postgres::NowMs());
    return postgres::Str(r[0][0]);
  });
}

Result<std::string> PostgresBlobStore::Get(const std::string& sha256) {
  return impl_->Guarded<Result<std::string>>([&](pqxx::nontransaction& tx) -> Result<std::string> {
    pqxx::result r = tx.exec_params("SELECT bytes FROM blobs WHERE sha256 = $1", sha256);
    if (r.empty()) return Err(NotFound("blob '" + sha256 + "' not found"));
    return pqxx::binarystring(r[0][0]).str();
  });
}

std::string PostgresBlobStore::LocalPath(const std::string&) { return ""; }

// The DELETE and the look at the row share one snapshot: the row "was there" when the statement
// began. Under READ COMMITTED a DELETE that waited for a concurrent Put evaluates touched_at again
// on the row that Put left, so it never removes bytes put after `since_ms`.
Result<BlobStore::Removed> PostgresBlobStore::RemoveUnlessUsed(const std::string& sha256,
                                                               int64_t since_ms) {
  if (!IsSha256Hex(sha256)) {
    return Err(InvalidArgument("malformed blob hash '" + sha256 +
                               "' (want 64 lower-case hex characters)"));
  }
  return impl_->Guarded<Result<Removed>>([&](pqxx::nontransaction& tx) -> Result<Removed> {
    pqxx::result r = tx.exec_params(
        "WITH d AS (DELETE FROM blobs WHERE sha256 = $1 AND touched_at < $2::bigint RETURNING "
        "size) SELECT (SELECT size FROM d), EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1)",
        sha256, since_ms);
    Removed out;
    if (!r[0][0].is_null()) {
      out.outcome = Removal::kRemoved;
      out.bytes = r[0][0].as<int64_t>();
    } else {
      out.outcome = r[0][1].as<bool>() ? Removal::kRecent : Removal::kAbsent;
    }
    return out;
  });
}

}  // namespace atelier
