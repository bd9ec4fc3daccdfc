// PostgresStore as an AccountStore: workspaces, API keys (insert, lookup by secret hash, list,
// revoke, count) and the credit ledger's reads (balance, entries, one entry by key, open
// reservations). Ledger writes are transition ops and live in postgres_commit.cc.
#include <limits>
#include <optional>

#include "postgres_impl.h"
#include "postgres_rows.h"

namespace atelier {

using namespace postgres;

namespace {

WorkspaceRecord ReadWorkspace(const pqxx::row& row) {
  WorkspaceRecord w;
  w.id = Str(row[0]);
  w.name = Str(row[1]);
  w.created_at = I64(row[2]);
  return w;
}

}  // namespace

Result<WorkspaceRecord> PostgresStore::GetWorkspace(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<WorkspaceRecord> {
    pqxx::result r =
        impl_->Exec("SELECT id, name, created_at FROM workspaces WHERE id = $1", Params().S(id));
    if (r.empty()) return Err(NotFound("workspace '" + id + "' not found"));
    return ReadWorkspace(r[0]);
  });
}

Result<std::vector<WorkspaceRecord>> PostgresStore::ListWorkspaces() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<WorkspaceRecord>> {
    std::vector<WorkspaceRecord> out;
    for (const auto& row :
         impl_->Exec("SELECT id, name, created_at FROM workspaces ORDER BY created_at, ord")) {
      out.push_back(ReadWorkspace(row));
    }
    return out;
  });
}

Status PostgresStore::InsertApiKey(const ApiKeyRecord& key) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Status {
    Impl::Txn txn(impl, /*write=*/true);
    if (impl.Exec("SELECT 1 FROM workspaces WHERE id = $1", Params().S(key.workspace_id)).empty()) {
      return NotFound("workspace '" + key.workspace_id + "' not found");
    }
    pqxx::result r = impl.Exec(std::string("INSERT INTO api_keys (") + kApiKeyCols +
                                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO "
                                   "NOTHING",
                               Params()
                                   .S(key.id)
                                   .S(key.workspace_id)
                                   .S(RoleName(key.role))
                                   .S(key.name)
                                   .S(key.prefix)
                                   .S(key.secret_hash)
                                   .I(key.created_at)
                                   .I(key.revoked_at));
    if (r.affected_rows() == 0) {
      if (!impl.Exec("SELECT 1 FROM api_keys WHERE id = $1", Params().S(key.id)).empty())
        return AlreadyExists("api key '" + key.id + "' already exists");
      return AlreadyExists("an api key with the secret hash of '" + key.id + "' already exists");
    }
    txn.Commit();
    return Status::Ok();
  });
}

Result<ApiKeyRecord> PostgresStore::FindApiKeyByHash(const std::string& secret_hash) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<ApiKeyRecord> {
    pqxx::result r =
        impl_->Exec(std::string("SELECT ") + kApiKeyCols + " FROM api_keys WHERE secret_hash = $1",
                    Params().S(secret_hash));
    if (r.empty()) return Err(NotFound("no api key has this secret"));
    return ReadApiKey(r[0]);
  });
}

Result<std::vector<ApiKeyRecord>> PostgresStore::ListApiKeys(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ApiKeyRecord>> {
    std::vector<ApiKeyRecord> out;
    for (const auto& row : impl_->Exec(std::string("SELECT ") + kApiKeyCols +
                                           " FROM api_keys WHERE workspace_id = $1 ORDER BY "
                                           "created_at, ord",
                                       Params().S(ws))) {
      out.push_back(ReadApiKey(row));
    }
    return out;
  });
}

Result<ApiKeyRecord> PostgresStore::RevokeApiKey(const std::string& ws, const std::string& id,
                                                 int64_t now) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<ApiKeyRecord> {
    Impl::Txn txn(impl, /*write=*/true);
    impl.Exec(
        "UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND workspace_id = $2 AND revoked_at "
        "= 0",
        Params().S(id).S(ws).I(now));
    pqxx::result r = impl.Exec(
        std::string("SELECT ") + kApiKeyCols + " FROM api_keys WHERE id = $1", Params().S(id));
    if (r.empty()) return Err(NotFound("api key '" + id + "' not found"));
    ApiKeyRecord key = ReadApiKey(r[0]);
    if (key.workspace_id != ws) return Err(NotFound("api key '" + id + "' not found"));
    txn.Commit();
    return key;
  });
}

Result<int64_t> PostgresStore::CountApiKeys() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded(
      [&]() -> Result<int64_t> { return I64(impl_->Exec("SELECT COUNT(*) FROM api_keys")[0][0]); });
}

// spent is what the other three leave: balance = granted - reserved - spent.
Result<CreditBalance> PostgresStore::GetBalance(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<CreditBalance> {
    pqxx::result r = impl_->Exec(
        "SELECT balance, granted, reserved FROM credit_balances WHERE workspace_id = $1",
        Params().S(ws));
    CreditBalance b;
    if (!r.empty()) {
      b.balance = I64(r[0][0]);
      b.granted = I64(r[0][1]);
      b.reserved = I64(r[0][2]);
      b.spent = b.granted - b.reserved - b.balance;
    }
    return b;
  });
}

Result<std::vector<LedgerEntry>> PostgresStore::ListLedger(const std::string& ws,
                                                           const LedgerFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<LedgerEntry>> {
    std::string sql = std::string("SELECT ") + kLedgerCols +
                      " FROM credit_ledger WHERE workspace_id = $1 AND ($4 = '' OR "
                      "execution_id = $4) AND ";
    sql += f.newest_first ? "id < $2 ORDER BY id DESC LIMIT $3" : "id > $2 ORDER BY id LIMIT $3";
    const int64_t cursor =
        f.newest_first ? (f.before_id > 0 ? f.before_id : std::numeric_limits<int64_t>::max())
                       : f.after_id;
    std::vector<LedgerEntry> out;
    for (const auto& row :
         impl_->Exec(sql, Params()
                              .S(ws)
                              .I(cursor)
                              .I(f.limit > 0 ? f.limit : std::numeric_limits<int64_t>::max())
                              .S(f.execution_id))) {
      out.push_back(ReadLedgerEntry(row));
    }
    return out;
  });
}

Result<std::optional<LedgerEntry>> PostgresStore::FindLedgerEntry(const std::string& ws,
                                                                  const std::string& key) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::optional<LedgerEntry>> {
    pqxx::result r = impl_->Exec(std::string("SELECT ") + kLedgerCols +
                                     " FROM credit_ledger WHERE workspace_id = $1 AND key = $2",
                                 Params().S(ws).S(key));
    if (r.empty()) return std::optional<LedgerEntry>();
    return std::optional<LedgerEntry>(ReadLedgerEntry(r[0]));
  });
}

Result<std::vector<LedgerEntry>> PostgresStore::OpenReservations(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<LedgerEntry>> {
    std::vector<LedgerEntry> out;
    for (const auto& row : impl_->Exec(
             "SELECT l.id, l.workspace_id, l.kind, l.amount, l.key, l.reservation_key, "
             "l.execution_id, l.step_id, l.note, l.created_at FROM credit_open_reservations o "
             "JOIN credit_ledger l ON l.id = o.ledger_id WHERE o.workspace_id = $1 ORDER BY l.id",
             Params().S(ws))) {
      out.push_back(ReadLedgerEntry(row));
    }
    return out;
  });
}

}  // namespace atelier
