// SqliteStore as an AccountStore: workspaces, API keys (insert, lookup by secret hash, list,
// revoke, count) and the credit ledger's reads (balance, entries, one entry by key, open
// reservations). Ledger writes are transition ops and live in sqlite_commit.cc.
#include <limits>
#include <optional>
#include <stdexcept>

#include "sqlite_impl.h"

namespace atelier {

using namespace sqlite;

namespace {

WorkspaceRecord ReadWorkspace(const SQLite::Statement& st) {
  WorkspaceRecord w;
  w.id = ColumnString(st, 0);
  w.name = ColumnString(st, 1);
  w.created_at = st.getColumn(2).getInt64();
  return w;
}

}  // namespace

Result<WorkspaceRecord> SqliteStore::GetWorkspace(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<WorkspaceRecord> {
    StmtUse st(impl_->Get(kWorkspaceGet));
    st->bindNoCopy(1, id);
    if (!st->executeStep()) return Err(NotFound("workspace '" + id + "' not found"));
    return ReadWorkspace(*st);
  });
}

Result<std::vector<WorkspaceRecord>> SqliteStore::ListWorkspaces() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<WorkspaceRecord>> {
    StmtUse st(impl_->Get(kWorkspaceList));
    std::vector<WorkspaceRecord> out;
    while (st->executeStep()) out.push_back(ReadWorkspace(*st));
    return out;
  });
}

Status SqliteStore::InsertApiKey(const ApiKeyRecord& key) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Status {
    Impl::Txn txn(impl, /*write=*/true);
    {
      StmtUse st(impl.Get(kWorkspaceGet));
      st->bindNoCopy(1, key.workspace_id);
      if (!st->executeStep()) return NotFound("workspace '" + key.workspace_id + "' not found");
    }
    int inserted = 0;
    {
      StmtUse st(impl.Get(kApiKeyInsert));
      st->bindNoCopy(1, key.id);
      st->bindNoCopy(2, key.workspace_id);
      st->bindNoCopy(3, RoleName(key.role));
      st->bindNoCopy(4, key.name);
      st->bindNoCopy(5, key.prefix);
      st->bindNoCopy(6, key.secret_hash);
      st->bind(7, key.created_at);
      st->bind(8, key.revoked_at);
      inserted = st->exec();
    }
    if (inserted == 0) {
      StmtUse st(impl.Get(kApiKeyById));
      st->bindNoCopy(1, key.id);
      if (st->executeStep()) return AlreadyExists("api key '" + key.id + "' already exists");
      return AlreadyExists("an api key with the secret hash of '" + key.id + "' already exists");
    }
    txn.Commit();
    return Status::Ok();
  });
}

Result<ApiKeyRecord> SqliteStore::FindApiKeyByHash(const std::string& secret_hash) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<ApiKeyRecord> {
    StmtUse st(impl_->Get(kApiKeyByHash));
    st->bindNoCopy(1, secret_hash);
    if (!st->executeStep()) return Err(NotFound("no api key has this secret"));
    return ReadApiKey(*st);
  });
}

Result<std::vector<ApiKeyRecord>> SqliteStore::ListApiKeys(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ApiKeyRecord>> {
    StmtUse st(impl_->Get(kApiKeyList));
    st->bindNoCopy(1, ws);
    std::vector<ApiKeyRecord> out;
    while (st->executeStep()) out.push_back(ReadApiKey(*st));
    return out;
  });
}

Result<ApiKeyRecord> SqliteStore::RevokeApiKey(const std::string& ws, const std::string& id,
                                               int64_t now) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<ApiKeyRecord> {
    Impl::Txn txn(impl, /*write=*/true);
    {
      StmtUse st(impl.Get(kApiKeyRevoke));
      st->bindNoCopy(1, id);
      st->bindNoCopy(2, ws);
      st->bind(3, now);
      st->exec();
    }
    ApiKeyRecord key;
    {
      StmtUse st(impl.Get(kApiKeyById));
      st->bindNoCopy(1, id);
      if (!st->executeStep()) return Err(NotFound("api key '" + id + "' not found"));
      key = ReadApiKey(*st);
    }
    if (key.workspace_id != ws) return Err(NotFound("api key '" + id + "' not found"));
    txn.Commit();
    return key;
  });
}

Result<int64_t> SqliteStore::CountApiKeys() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<int64_t> {
    StmtUse st(impl_->Get(kApiKeyCount));
    st->executeStep();
    return st->getColumn(0).getInt64();
  });
}

// spent is what the other three leave: balance = granted - reserved - spent.
Result<CreditBalance> SqliteStore::GetBalance(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<CreditBalance> {
    StmtUse st(impl_->Get(kBalanceGet));
    st->bindNoCopy(1, ws);
    CreditBalance b;
    if (st->executeStep()) {
      b.balance = st->getColumn(0).getInt64();
      b.granted = st->getColumn(1).getInt64();
      b.reserved = st->getColumn(2).getInt64();
      b.spent = b.granted - b.reserved - b.balance;
    }
    return b;
  });
}

Result<std::vector<LedgerEntry>> SqliteStore::ListLedger(const std::string& ws,
                                                         const LedgerFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<LedgerEntry>> {
    const bool all = f.execution_id.empty();
    StmtUse st(impl_->Get(f.newest_first ? (all ? kLedgerListNewest : kLedgerListByExecNewest)
                                         : (all ? kLedgerList : kLedgerListByExec)));
    st->bindNoCopy(1, ws);
    if (f.newest_first)
      st->bind(2, f.before_id > 0 ? f.before_id : std::numeric_limits<int64_t>::max());
    else
      st->bind(2, f.after_id);
    st->bind(3, f.limit > 0 ? f.limit : -1);
    if (!f.execution_id.empty()) st->bindNoCopy(4, f.execution_id);
    std::vector<LedgerEntry> out;
    while (st->executeStep()) out.push_back(ReadLedgerEntry(*st));
    return out;
  });
}

Result<std::optional<LedgerEntry>> SqliteStore::FindLedgerEntry(const std::string& ws,
                                                                const std::string& key) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::optional<LedgerEntry>> {
    StmtUse st(impl_->Get(kLedgerByKey));
    st->bindNoCopy(1, ws);
    st->bindNoCopy(2, key);
    if (!st->executeStep()) return std::optional<LedgerEntry>();
    return std::optional<LedgerEntry>(ReadLedgerEntry(*st));
  });
}

Result<std::vector<LedgerEntry>> SqliteStore::OpenReservations(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<LedgerEntry>> {
    StmtUse st(impl_->Get(kOpenReservationList));
    st->bindNoCopy(1, ws);
    std::vector<LedgerEntry> out;
    while (st->executeStep()) out.push_back(ReadLedgerEntry(*st));
    return out;
  });
}

}  // namespace atelier
