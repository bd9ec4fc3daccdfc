// The private side of SqliteStore, shared by its source files and by nothing else: the
// connection and its statement cache (SqliteStore::Impl), the exception boundary every public
// method goes through (Guarded), transactions (Txn), and the small helpers that move values in and
// out of SQLite (JSON columns, statement ids, StmtUse). The files that include it are split by
// concern: sqlite_store.cc (opening, pragmas, migrations, leases), sqlite_statements.cc (the SQL of
// every cached statement and the column helpers), sqlite_commit.cc (the transition interpreter
// behind Commit), sqlite_queries.cc (reads of executions, steps, events, artifacts, versions,
// cache and idempotency keys), sqlite_templates.cc and sqlite_accounts.cc (workspaces, API keys,
// credits). Unlike sqlite_store.h this header names SQLite types; include it only from
// src/store/sqlite.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "atelier/store/record_rows.h"
#include "atelier/store/sqlite/sqlite_store.h"
#include "atelier/store/transition_core.h"

namespace atelier {
namespace sqlite {

constexpr int kBusyTimeoutMs = 10000;

int64_t NowMs();

// SQLITE_BUSY / SQLITE_LOCKED become Unavailable, anything else Internal.
Status FromSqlite(const SQLite::Exception& e);

// Invalid UTF-8 (an upstream that returned raw bytes) is replaced rather than failing the
// whole commit batch over one field.
std::string DumpJson(const Json& j);

// Serialised JSON kept alive until the statement it is bound to has run; null binds SQL NULL.
class JsonText {
 public:
  explicit JsonText(const Json& j) : null_(j.is_null()) {
    if (!null_) text_ = DumpJson(j);
  }
  void Bind(SQLite::Statement& st, int index) const {
    if (null_) {
      st.bind(index);
    } else {
      st.bindNoCopy(index, text_);
    }
  }

 private:
  bool null_;
  std::string text_;
};

// Checked before it is parsed: a row nested deeper than this engine writes (an older version's, or
// one written by hand) fails the read with a message naming the column, never the process.
Json ColumnJson(const SQLite::Statement& st, int index);

std::string ColumnString(const SQLite::Statement& st, int index);

// Resets a cached statement and clears its bindings when a use of it ends, however it ends:
// a SELECT left mid-result would hold its read snapshot open, and no-copy bindings would dangle.
class StmtUse {
 public:
  explicit StmtUse(SQLite::Statement& st) : st_(st) {}
  ~StmtUse() {
    st_.tryReset();
    try {
      st_.clearBindings();
    } catch (...) {  // sqlite3_clear_bindings cannot fail on a prepared statement
    }
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  SQLite::Statement* operator->() { return &st_; }
  SQLite::Statement& operator*() { return st_; }

 private:
  SQLite::Statement& st_;
};

// The cached statements; sqlite_statements.cc has their SQL.
enum StmtId : int {
  kBeginImmediate,
  kBeginDeferred,
  kCommitTxn,
  kRollbackTxn,
  kSavepoint,
  kRelease,
  kRollbackTo,
  kExecInsert,
  kExecStatus,
  kExecInWorkspace,
  kExecGet,
  kStepInsert,
  kStepReplace,
  kVersionPut,
  kVersionList,
  kCachePut,
  kCacheGet,
  kStepUpdate,         // by key only
  kStepUpdateStatus,   // + status = ?19
  kStepUpdateAttempt,  // + attempt = ?20
  kStepUpdateBoth,     // + both
  kStepList,
  kEventMaxSeq,
  kExecWorkspace,
  kEventInsert,
  kEventRead,
  kEventReadWorkspace,
  kEventLastGid,
  kArtifactInsert,
  kArtifactList,
  kArtifactGet,
  kArtifactQuery,        // the workspace's artifacts
  kArtifactQueryByExec,  // one execution's
  kTemplateLatestByName,
  kTemplateLatestById,
  kTemplateVersion,
  kTemplateInsert,
  kTemplateList,
  kTemplateVersions,
  kTemplateDelete,
  kTemplateCategories,
  kWorkspaceInsert,
  kWorkspaceGet,
  kWorkspaceList,
  kApiKeyInsert,
  kApiKeyById,
  kApiKeyByHash,
  kApiKeyList,
  kApiKeyRevoke,
  kApiKeyCount,
  kLedgerByKey,
  kLedgerInsert,
  kLedgerList,
  kLedgerListByExec,
  kLedgerListNewest,
  kLedgerListByExecNewest,
  kBalanceGet,
  kBalanceAdd,
  kOpenReservationInsert,
  kOpenReservationGet,
  kOpenReservationDelete,
  kOpenReservationList,
  kIdempotencyPut,
  kIdempotencyGet,
  kRenewSteps,
  kRenewExecs,
  kClaimSelect,
  kClaimUpdate,
  kSchemaVersion,
  kNumStmts,
};

// The SQL of a cached statement, and of ListExecutions for a filter set (sqlite_statements.cc),
// for connections other than the writer's (sqlite_read_pool.h).
std::string StatementSql(StmtId id);
std::string ExecListSql(unsigned mask);
// The columns ReadExecution reads, in its order, each prefixed with `alias` ("x." or "").
std::string ExecColumns(const std::string& alias);

// Rows into records: the shared readers (atelier/store/record_rows.h) over the statement's current
// row. A status name this version does not know fails the read.
using record_rows::ParseExecStatus;
using record_rows::ParseStepStatus;
struct SqliteRow {
  const SQLite::Statement& st;
  std::string Text(int i) const { return ColumnString(st, i); }
  int64_t Int(int i) const { return st.getColumn(i).getInt64(); }
  Json JsonAt(int i) const { return ColumnJson(st, i); }
  bool Flag(int i) const { return st.getColumn(i).getInt64() != 0; }
};
// The execution in the columns from `at` on (ExecColumns).
inline ExecutionRecord ReadExecution(const SQLite::Statement& st, int at = 0) {
  return record_rows::ReadExecution(SqliteRow{st}, at);
}
// The step in kStepCols' columns. With `contents` false, output, error and session stay null
// (not parsed).
inline StepRecord ReadStep(const SQLite::Statement& st, bool contents = true) {
  return record_rows::ReadStep(SqliteRow{st}, contents);
}
inline Event ReadEvent(const SQLite::Statement& st) {
  return record_rows::ReadEvent(SqliteRow{st});
}
inline ArtifactRecord ReadArtifact(const SQLite::Statement& st) {
  return record_rows::ReadArtifact(SqliteRow{st});
}
inline TemplateRecord ReadTemplate(const SQLite::Statement& st) {
  return record_rows::ReadTemplate(SqliteRow{st});
}
inline LedgerEntry ReadLedgerEntry(const SQLite::Statement& st) {
  return record_rows::ReadLedgerEntry(SqliteRow{st});
}
inline ApiKeyRecord ReadApiKey(const SQLite::Statement& st) {
  return record_rows::ReadApiKey(SqliteRow{st});
}

class ReadPool;  // sqlite_read_pool.h
struct ReadPoolDelete {
  void operator()(ReadPool* p) const;
};

// The filters of a ListExecutions call, as bits of the key its statement is cached under.
enum ListFilterBit : unsigned {
  kListStatus = 1,
  kListTemplate = 2,
  kListCreatedAfter = 4,
  kListCreatedBefore = 8,
  kListCursor = 16,
  kListTopLevel = 32,
  kListParent = 64,
};

}  // namespace sqlite

struct SqliteStore::Impl {
  explicit Impl(const std::string& path)
      : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
           sqlite::kBusyTimeoutMs),
        rng(std::random_device{}()) {}

  // The boundary: runs `f` and turns any exception into Unavailable/Internal, rolling back a
  // transaction left open. Callers hold `mu`.
  template <class F>
  auto Guarded(F&& f) -> decltype(f()) {
    using R = decltype(f());
    auto fail = [](Status s) -> R {
      if constexpr (std::is_same_v<R, Status>) {
        return s;
      } else {
        return Err(std::move(s));
      }
    };
    try {
      return f();
    } catch (const SQLite::Exception& e) {
      RollbackQuietly();
      return fail(sqlite::FromSqlite(e));
    } catch (const std::exception& e) {
      RollbackQuietly();
      return fail(Internal(std::string("sqlite store: ") + e.what()));
    } catch (...) {
      RollbackQuietly();
      return fail(Internal("sqlite store: unknown exception"));
    }
  }

  void RollbackQuietly() noexcept {
    if (sqlite3_get_autocommit(db.getHandle()) != 0) return;
    sqlite3_exec(db.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  // The cached statement `id`, prepared on first use (sqlite_statements.cc).
  SQLite::Statement& Get(sqlite::StmtId id);

  // UPDATE of an execution row's changing columns (store.h, ExecWrite). The guarded update for
  // `n` expected statuses (?17...), with an owner guard (?14 holds the new owner's expiry, so the
  // expected owner is bound to ?100) when `owner` is set.
  SQLite::Statement& ExecUpdate(size_t n, bool owner);

  // The ListExecutions statement for the filters in `mask` (ListFilterBit), one per filter set.
  SQLite::Statement& ExecListStmt(unsigned mask);

  void Run(sqlite::StmtId id) {
    sqlite::StmtUse st(Get(id));
    st->exec();
  }

  // A transaction that rolls back unless Commit() is reached.
  class Txn {
   public:
    Txn(Impl& impl, bool write) : impl_(impl) {
      impl_.Run(write ? sqlite::kBeginImmediate : sqlite::kBeginDeferred);
    }
    ~Txn() {
      if (!done_) impl_.RollbackQuietly();
    }
    void Commit() {
      impl_.Run(sqlite::kCommitTxn);
      done_ = true;
    }

   private:
    Impl& impl_;
    bool done_ = false;
  };

  Status Migrate();
  int SchemaVersion();

  // Whether execution `id` exists in workspace `ws`.
  bool ExecutionInWorkspace(const std::string& ws, const std::string& id);

  CommitResult CommitBatch(const std::vector<Transition>& batch);
  // Clears last_seq unless it is still current; returns the data version to keep it under once
  // the transaction commits.
  int64_t KeepTailsIfCurrent();
  // The statements of the transition interpreter (atelier/store/transition_core.h, which says
  // what each does), in sqlite_commit.cc.
  bool InsertExecution(const ExecutionRecord& r);
  bool UpdateExecution(const ExecWrite& w);
  bool WriteStep(const StepWrite& w);
  std::optional<std::string> ExecStatusOf(const std::string& id);
  transition_core::EventTail ReadTail(const std::string& id);
  std::string ExecWorkspace(const std::string& id);
  void WriteEvents(CommitResult& out, const transition_core::EventNumbering& tails);
  // The INSERT of `rows` events (1 <= rows <= kEventRows), prepared on first use.
  SQLite::Statement& EventInsert(size_t rows);
  bool LedgerKeyExists(const std::string& ws, const std::string& key);
  std::optional<int64_t> OpenReservation(const std::string& ws, const std::string& key);
  int64_t Balance(const std::string& ws);
  std::optional<int64_t> InsertLedger(const LedgerEntry& e);
  void InsertOpenReservation(const std::string& ws, const std::string& key, int64_t ledger_id,
                             int64_t amount);
  void DeleteOpenReservation(const std::string& ws, const std::string& key);
  void AddBalance(const std::string& ws, int64_t amount, int64_t granted, int64_t reserved);
  bool PutIdempotency(const IdempotencyRecord& r);
  void PutVersion(const StepVersion& r);
  void PutCache(const CacheEntry& r);
  void InsertArtifact(const ArtifactRecord& r);
  void Savepoint() { Run(sqlite::kSavepoint); }
  void RollbackToSavepoint() { Run(sqlite::kRollbackTo); }
  void ReleaseSavepoint() { Run(sqlite::kRelease); }
  Result<std::vector<StepRecord>> ReadSteps(const std::string& ws, const std::string& execution_id,
                                            bool contents);

  std::mutex mu;
  SQLite::Database db;
  std::array<std::unique_ptr<SQLite::Statement>, sqlite::kNumStmts> stmts;
  std::vector<std::unique_ptr<SQLite::Statement>> exec_updates;
  std::unordered_map<unsigned, std::unique_ptr<SQLite::Statement>> exec_lists;
  std::mt19937_64 rng;

  // The event tails (transition_core.h) of the executions Commits touched, so that their next
  // events need no look-up. Kept across Commits while tails_version (PRAGMA data_version at this
  // connection's last commit) says no other connection has written since, and cleared past
  // kMaxTails entries.
  transition_core::EventNumbering numbering;
  int64_t tails_version = -1;
  // Small: a tail outlives its execution's stay in the engine, and thousands of them scattered
  // over the heap kept the pages of everything freed around them resident (10,000 executions
  // waiting at gates: 3.7 -> 2.4 KB each). An execution reuses its tail within a batch and across
  // consecutive commits, which is what the tails are for.
  static constexpr size_t kMaxTails = 1024;
  std::unique_ptr<SQLite::Statement> data_version;  // PRAGMA data_version
  // Events per INSERT statement (7 parameters each), and those statements by row count.
  static constexpr size_t kEventRows = 32;
  std::array<std::unique_ptr<SQLite::Statement>, kEventRows + 1> event_inserts;
  std::string event_text;  // the payloads bound to the statement being run, end to end

  // Every read of records goes through here, never through `db` (sqlite_read_pool.h).
  std::unique_ptr<sqlite::ReadPool, sqlite::ReadPoolDelete> readers;
};

}  // namespace atelier
