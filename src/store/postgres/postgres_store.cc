// PostgresStore's connection: Open, (re)connecting, the exception boundary's error mapping, the
// migration runner (under an advisory lock) and the few methods that are neither a transition nor
// a read of records (EnsureWorkspace, SchemaVersion, RenewLeases). postgres_impl.h describes how
// the rest of the store is split across files.
#include "atelier/store/postgres/postgres_store.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "atelier/core/json_limits.h"
#include "postgres_change_feed.h"
#include "postgres_impl.h"
#include "postgres_migrations.h"
#include "postgres_rows.h"

namespace atelier {
namespace postgres {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ClosedWhileIdle(const pqxx::connection_base& c) {
  const int fd = c.sock();
  if (fd < 0) return true;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

Status FromException(const std::exception& e) {
  std::string message = std::string("postgres: ") + e.what();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return Unavailable(std::move(message));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string state = sql->sqlstate();
    // 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available,
    // 57P01 admin_shutdown (a terminated backend), 08*: connection exceptions.
    if (state == "40001" || state == "40P01" || state == "55P03" || state == "57P01" ||
        state.rfind("08", 0) == 0) {
      return Unavailable(std::move(message));
    }
  }
  return Internal(std::move(message));
}

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json ColumnJson(const pqxx::field& f) {
  if (f.is_null()) return Json();
  const std::string_view text(f.c_str(), f.size());
  if (Status deep = CheckJsonTextDepth(text, kMaxStoredJsonDepth); !deep.ok()) {
    throw std::runtime_error(std::string("stored JSON in column '") + f.name() +
                             "' cannot be read: " + deep.message());
  }
  return Json::parse(text);
}

std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace postgres

using namespace postgres;

void PostgresStore::Impl::Connect() {
  if (conn && conn->is_open() && session && !ClosedWhileIdle(*conn)) return;
  DropConnection();
  prepared.clear();
  conn = std::make_unique<pqxx::connection>(url);
  session = std::make_unique<pqxx::nontransaction>(*conn, "atelier");
  // Times are milliseconds the engine computes; nothing depends on the server's zone. Statements
  // that wait on a lock held by a stuck peer give up rather than hang a loop for ever.
  session->exec("SET lock_timeout = '30s'");
}

void PostgresStore::Impl::RollbackQuietly() noexcept {
  if (!in_txn) return;
  in_txn = false;
  try {
    if (conn && conn->is_open() && session) session->exec("ROLLBACK");
  } catch (...) {  // the connection is gone; the server rolled back with it
    DropConnection();
  }
}

pqxx::result PostgresStore::Impl::Exec(const std::string& sql, const Params& p) {
  auto it = prepared.find(sql);
  if (it == prepared.end()) {
    std::string name = "s" + std::to_string(prepared.size());
    conn->prepare(name, sql);
    it = prepared.emplace(sql, std::move(name)).first;
  }
  const std::vector<const char*> values = p.Pointers();
  return session->exec_prepared(it->second, pqxx::prepare::make_dynamic_params(values));
}

int PostgresStore::Impl::SchemaVersion() {
  pqxx::result r = Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return I32(r[0][0]);
}

// Each migration in its own transaction, under a transaction-scoped advisory lock keyed by the
// schema: a second process starting at the same moment waits, then finds the migration recorded
// and applies nothing. The lock is taken before the bookkeeping table is created, because two
// concurrent CREATE TABLE IF NOT EXISTS can both try to create it.
Status PostgresStore::Impl::Migrate() {
  const std::vector<Migration>& all = Migrations();
  for (;;) {
    Txn txn(*this, /*write=*/true);
    Run("SELECT pg_advisory_xact_lock(hashtextextended('atelier.migrate.' || current_schema(), "
        "0))");
    Run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at BIGINT NOT NULL DEFAULT 0)");
    const int current = SchemaVersion();
    const Migration* next = nullptr;
    for (const Migration& m : all) {
      if (m.version > current) {
        next = &m;
        break;
      }
    }
    if (next == nullptr) {
      txn.Commit();
      return Status::Ok();
    }
    Run(next->sql);
    Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
         Params().I(next->version).I(NowMs()));
    txn.Commit();
  }
}

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;

bool PostgresStore::IsUrl(const std::string& db) {
  return db.rfind("postgres://", 0) == 0 || db.rfind("postgresql://", 0) == 0;
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url) {
  auto impl = std::make_unique<Impl>(url);
  std::unique_ptr<PostgresStore> store(new PostgresStore(std::move(impl)));
  Status migrated = store->Migrate();
  if (!migrated.ok()) {
    // libpq's messages name host and port but never the password.
    return Err(Status(migrated.code(), migrated.message() + " (opening the PostgreSQL store)"));
  }
  return store;
}

Status PostgresStore::Migrate() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&] { return impl_->Migrate(); });
}

Result<int> PostgresStore::SchemaVersion() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<int> { return impl_->SchemaVersion(); });
}

std::unique_ptr<ChangeFeed> PostgresStore::OpenChangeFeed() {
  return OpenPostgresChangeFeed(impl_->url);
}

Status PostgresStore::EnsureWorkspace(const std::string& id, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&] {
    impl_->Exec(
        "INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO "
        "NOTHING",
        Params().S(id).S(name).I(NowMs()));
    return Status::Ok();
  });
}

Result<int> PostgresStore::RenewLeases(const std::string& owner, int64_t until) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<int> {
    Impl::Txn txn(impl, /*write=*/true);
    int renewed = 0;
    renewed += static_cast<int>(
        impl.Exec("UPDATE steps SET lease_expires_at = $2 WHERE lease_owner = $1 AND status = "
                  "'running'",
                  Params().S(owner).I(until))
            .affected_rows());
    renewed +=
        static_cast<int>(impl.Exec("UPDATE executions SET owner_expires_at = $2 WHERE owner = $1",
                                   Params().S(owner).I(until))
                             .affected_rows());
    // Its provider calls in flight (provider_calls, PostgresLimitCounter): not counted as rows.
    impl.Exec("UPDATE provider_calls SET expires_at = $2 WHERE owner = $1 AND NOT ended",
              Params().S(owner).I(until));
    txn.Commit();
    return renewed;
  });
}

// One statement claims: the oldest waiting executions no other claimant has locked (SKIP LOCKED:
// claimants at the same time split the queue instead of queueing behind each other's row locks),
// with the owner each had before; their steps are read in the same transaction.
Result<std::vector<ClaimedExecution>> PostgresStore::ClaimExecutions(const ClaimRequest& c) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<ClaimedExecution>> {
    Impl::Txn txn(impl, /*write=*/true);
    pqxx::result claimed = impl.Exec(
        std::string("WITH c AS (SELECT id AS claimed_id, owner AS previous_owner FROM executions "
                    "WHERE status IN ('queued', 'running') AND workspace_id = $1 AND "
                    "parent_execution_id = '' AND (owner = '' OR owner_expires_at <= $2) "
                    "ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
                    "UPDATE executions SET owner = $4, owner_expires_at = $5 FROM c "
                    "WHERE id = c.claimed_id RETURNING ") +
            kExecCols + ", c.previous_owner",
        Params().S(c.ws).I(c.now).I(c.limit > 0 ? c.limit : std::numeric_limits<int>::max())
            .S(c.owner).I(c.lease_until));
    std::vector<ClaimedExecution> out;
    std::vector<std::string> ids;
    std::unordered_map<std::string, size_t> at;
    for (const auto& row : claimed) {
      ClaimedExecution e;
      e.rec = ReadExecution(row);
      e.previous_owner = Str(row["previous_owner"]);
      ids.push_back(e.rec.id);
      out.push_back(std::move(e));
    }
    // RETURNING follows no order: oldest first, as claimed.
    std::sort(out.begin(), out.end(), [](const ClaimedExecution& a, const ClaimedExecution& b) {
      return a.rec.created_at != b.rec.created_at ? a.rec.created_at < b.rec.created_at
                                                  : a.rec.id < b.rec.id;
    });
    for (size_t i = 0; i < out.size(); ++i) at.emplace(out[i].rec.id, i);
    if (!ids.empty()) {
      for (const auto& row :
           impl.Exec(std::string("SELECT ") + kStepCols +
                         " FROM steps WHERE execution_id = ANY($1::text[]) ORDER BY "
                         "execution_id, created_at, item_index, step_id",
                     Params().S(TextArray(ids)))) {
        StepRecord step = ReadStep(row);
        out[at.at(step.execution_id)].steps.push_back(std::move(step));
      }
    }
    txn.Commit();
    return out;
  });
}

}  // namespace atelier
