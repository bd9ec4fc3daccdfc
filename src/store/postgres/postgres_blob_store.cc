// PostgresBlobStore: one connection, two statements. Put sends the bytes once as a binary
// parameter; PostgreSQL hashes them and inserts the row unless that hash is already stored.
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
      if (!conn || !conn->is_open()) conn = std::make_unique<pqxx::connection>(url);
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

Result<std::string> PostgresBlobStore::Put(std::string_view bytes) {
  return impl_->Guarded<Result<std::string>>([&](pqxx::nontransaction& tx) -> Result<std::string> {
    pqxx::result r = tx.exec_params(
        "WITH h AS (SELECT encode(sha256($1::bytea), 'hex') AS k), ins AS (INSERT INTO blobs "
        "(sha256, size, bytes, created_at) SELECT k, octet_length($1::bytea), $1::bytea, "
        "$2::bigint FROM h ON CONFLICT (sha256) DO NOTHING) SELECT k FROM h",
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

}  // namespace atelier
