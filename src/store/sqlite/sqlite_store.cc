// SqliteStore's connection: Open (pragmas, WAL), the schema migration runner, and the few
// methods that are neither a transition nor a read of records (EnsureWorkspace, SchemaVersion,
// RenewLeases). sqlite_impl.h describes how the rest of the store is split across files.
#include "atelier/store/sqlite/sqlite_store.h"

#include <chrono>

#include "migrations.h"
#include "sqlite_impl.h"
#include "sqlite_read_pool.h"

namespace atelier {
namespace sqlite {

// Read connections per store: enough for the server's handler threads and the engine's loops to
// read at once on a small machine; each is opened on first need.
constexpr size_t kReadConnections = 8;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status FromSqlite(const SQLite::Exception& e) {
  const int primary = e.getErrorCode() & 0xff;
  std::string message = std::string("sqlite: ") + e.what();
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(std::move(message));
    // The machine, not the request or the data: a full disk, an I/O error, no memory, a file
    // that cannot be opened or written. Worth retrying once it is fixed; nothing was applied.
    case SQLITE_FULL:
      return Unavailable("the database's disk is full; nothing was changed (" + message + ")");
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Unavailable("the database cannot be read or written just now; nothing was changed (" +
                         message + ")");
    default:
      return Internal(std::move(message));
  }
}

}  // namespace sqlite

using namespace sqlite;

int SqliteStore::Impl::SchemaVersion() {
  StmtUse st(Get(kSchemaVersion));
  st->executeStep();
  return st->getColumn(0).getInt();
}

Status SqliteStore::Impl::Migrate() {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at INTEGER)");
  const int current = SchemaVersion();
  for (const sqlite::Migration& m : sqlite::Migrations()) {
    if (m.version <= current) continue;
    Txn txn(*this, /*write=*/true);
    // Another process may have applied it since we looked; the write lock settles that.
    SQLite::Statement applied(db, "SELECT 1 FROM schema_migrations WHERE version = ?1");
    applied.bind(1, m.version);
    if (applied.executeStep()) continue;
    db.exec(m.sql);
    SQLite::Statement record(db,
                             "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");
    record.bind(1, m.version);
    record.bind(2, NowMs());
    record.exec();
    txn.Commit();
  }
  return Status::Ok();
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  std::unique_ptr<Impl> impl;
  bool in_memory = false;
  try {
    impl = std::make_unique<Impl>(path);
    SQLite::Database& db = impl->db;
    db.exec("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs));
    {
      SQLite::Statement wal(db, "PRAGMA journal_mode = WAL");
      std::string mode = wal.executeStep() ? wal.getColumn(0).getString() : "";
      in_memory = mode == "memory";
      if (mode != "wal" && !in_memory) {
        return Err(Internal("sqlite: could not enable WAL mode on '" + path + "' (journal mode '" +
                            mode + "')"));
      }
    }
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // An upper bound, filled lazily: the hot pages (recent events, live steps) stay in memory
    // instead of being read back through the OS on every batch.
    db.exec("PRAGMA cache_size = -65536");
    // Savepoint sub-journals of large transitions stay in memory instead of temp files.
    db.exec("PRAGMA temp_store = MEMORY");
  } catch (const SQLite::Exception& e) {
    Status s = FromSqlite(e);
    return Err(Status(s.code(), s.message() + " (opening '" + path + "')"));
  } catch (const std::exception& e) {
    return Err(Internal(std::string("sqlite store: opening '") + path + "': " + e.what()));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(impl)));
  Status migrated = store->Migrate();
  if (!migrated.ok()) return Err(std::move(migrated));
  // After the migrations, so that no reader ever sees an older schema. An in-memory database
  // exists on the writer's connection only: reads share it.
  Impl& opened = *store->impl_;
  opened.readers.reset(in_memory ? new ReadPool(opened.db, opened.mu)
                                 : new ReadPool(path, kReadConnections));
  return store;
}

Status SqliteStore::Migrate() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&] { return impl_->Migrate(); });
}

Result<int> SqliteStore::SchemaVersion() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<int> { return impl_->SchemaVersion(); });
}

Status SqliteStore::EnsureWorkspace(const std::string& id, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&] {
    StmtUse st(impl_->Get(kWorkspaceInsert));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, name);
    st->bind(3, NowMs());
    st->exec();
    return Status::Ok();
  });
}

Result<int> SqliteStore::RenewLeases(const std::string& owner, int64_t until) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<int> {
    Impl::Txn txn(impl, /*write=*/true);
    int renewed = 0;
    for (StmtId id : {kRenewSteps, kRenewExecs}) {
      StmtUse st(impl.Get(id));
      st->bindNoCopy(1, owner);
      st->bind(2, until);
      renewed += st->exec();
    }
    txn.Commit();
    return renewed;
  });
}

// One write transaction: SQLite's single writer makes each claim whole before another starts.
Result<std::vector<ClaimedExecution>> SqliteStore::ClaimExecutions(const ClaimRequest& c) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<ClaimedExecution>> {
    Impl::Txn txn(impl, /*write=*/true);
    std::vector<ClaimedExecution> out;
    {
      StmtUse st(impl.Get(kClaimSelect));
      st->bindNoCopy(1, c.ws);
      st->bind(2, c.now);
      st->bind(3, c.limit > 0 ? c.limit : -1);
      while (st->executeStep()) {
        ClaimedExecution claimed;
        claimed.rec = ReadExecution(*st);
        claimed.previous_owner = claimed.rec.owner;
        claimed.rec.owner = c.owner;
        claimed.rec.owner_expires_at = c.lease_until;
        out.push_back(std::move(claimed));
      }
    }
    for (ClaimedExecution& claimed : out) {
      {
        StmtUse st(impl.Get(kClaimUpdate));
        st->bindNoCopy(1, claimed.rec.id);
        st->bindNoCopy(2, c.owner);
        st->bind(3, c.lease_until);
        st->exec();
      }
      StmtUse st(impl.Get(kStepList));
      st->bindNoCopy(1, claimed.rec.id);
      while (st->executeStep()) claimed.steps.push_back(ReadStep(*st));
    }
    txn.Commit();
    return out;
  });
}

}  // namespace atelier
