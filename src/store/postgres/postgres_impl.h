// The private side of PostgresStore, shared by its source files and by nothing else: the
// connection and its prepared statements (PostgresStore::Impl), the exception boundary every
// public method goes through (Guarded), transactions (Txn), parameters (Params) and the helpers
// that read values out of rows. The files that include it are split by concern:
// postgres_store.cc (connecting, migrations, leases), postgres_commit.cc (the transition
// interpreter behind Commit), postgres_queries.cc (reads of runs), postgres_templates.cc,
// postgres_accounts.cc and postgres_overview.cc. Unlike postgres_store.h this header names libpqxx
// types; include it only from src/store/postgres.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "atelier/store/postgres/postgres_store.h"
#include "atelier/store/record_rows.h"
#include "atelier/store/transition_core.h"

namespace atelier {
namespace postgres {

int64_t NowMs();

// Connection losses, deadlocks, serialisation failures and lock timeouts become Unavailable (the
// caller may retry), anything else Internal.
Status FromException(const std::exception& e);

// Whether an idle connection was closed by its server (pg_terminate_backend, a restart): its
// socket is readable (the server's farewell, or the end of the stream) while no statement is
// under way. Checked before each use, at no round trip, so that the first request after the
// database came back does not fail on a connection that was already gone; a connection cut
// silently (a network partition) still fails its next statement, and the one after reconnects.
bool ClosedWhileIdle(const pqxx::connection_base& c);

// Invalid UTF-8 (an upstream that returned raw bytes) is replaced rather than failing the whole
// commit batch over one field.
std::string DumpJson(const Json& j);

// Checked before it is parsed: a row nested deeper than this engine writes fails the read with a
// message naming the column, never the process.
Json ColumnJson(const pqxx::field& f);
inline std::string Str(const pqxx::field& f) { return f.is_null() ? std::string() : f.c_str(); }
inline int64_t I64(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }
inline int I32(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int>(); }

using record_rows::ParseExecStatus;
using record_rows::ParseStepStatus;

// A text[] literal ({"a","b"}) for binding a list of strings as one parameter.
std::string TextArray(const std::vector<std::string>& items);

// Statement parameters, $1, $2, ... in the order they are added; all sent as text.
class Params {
 public:
  Params& S(const std::string& v) {
    values_.emplace_back(v);
    return *this;
  }
  Params& I(int64_t v) {
    values_.emplace_back(std::to_string(v));
    return *this;
  }
  Params& J(const Json& j) {  // a JSON column: SQL NULL for a null value
    if (j.is_null()) {
      values_.emplace_back(std::nullopt);
    } else {
      values_.emplace_back(DumpJson(j));
    }
    return *this;
  }
  // The values as libpq wants them: nullptr for NULL.
  std::vector<const char*> Pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
    return out;
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

}  // namespace postgres

struct PostgresStore::Impl {
  explicit Impl(std::string url_in) : url(std::move(url_in)), rng(std::random_device{}()) {}

  // The boundary: (re)connects when needed, runs `f` and turns any exception into
  // Unavailable/Internal, rolling back a transaction left open. Callers hold `mu`.
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
      Connect();
      return f();
    } catch (const pqxx::broken_connection& e) {
      DropConnection();  // the next call connects afresh
      return fail(postgres::FromException(e));
    } catch (const std::exception& e) {
      RollbackQuietly();
      return fail(postgres::FromException(e));
    } catch (...) {
      RollbackQuietly();
      return fail(Internal("postgres store: unknown exception"));
    }
  }

  // Opens the connection when there is none or it broke (prepared statements go with it).
  void Connect();
  void RollbackQuietly() noexcept;
  void DropConnection() noexcept {
    in_txn = false;
    session.reset();
    conn.reset();
  }

  // Runs `sql` as a prepared statement (prepared on first use on this connection).
  pqxx::result Exec(const std::string& sql, const postgres::Params& p = {});
  // Runs `sql` as is (no parameters): transaction control, DDL.
  void Run(const std::string& sql) { session->exec(sql); }

  // A transaction that rolls back unless Commit() is reached. Reads that take several
  // statements run in one REPEATABLE READ snapshot; writes run READ COMMITTED, where an UPDATE's
  // guard is evaluated again on the newest row version after waiting for a concurrent writer.
  class Txn {
   public:
    Txn(Impl& impl, bool write) : impl_(impl) {
      impl_.Run(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      impl_.in_txn = true;
    }
    ~Txn() {
      if (!done_) impl_.RollbackQuietly();
    }
    void Commit() {
      impl_.Run("COMMIT");
      impl_.in_txn = false;
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
  // The statements of the transition interpreter (atelier/store/transition_core.h, which says
  // what each does), in postgres_commit.cc.
  bool InsertExecution(const ExecutionRecord& r);
  bool UpdateExecution(const ExecWrite& w);
  bool WriteStep(const StepWrite& w);
  std::optional<std::string> ExecStatusOf(const std::string& id);
  transition_core::EventTail ReadTail(const std::string& id);
  std::string ExecWorkspace(const std::string& id);
  void WriteEvents(CommitResult& out, const transition_core::EventNumbering& tails);
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
  void Savepoint() { Run("SAVEPOINT transition"); }
  void RollbackToSavepoint() { Run("ROLLBACK TO SAVEPOINT transition"); }
  void ReleaseSavepoint() { Run("RELEASE SAVEPOINT transition"); }
  Result<std::vector<StepRecord>> ReadSteps(const std::string& ws, const std::string& execution_id,
                                            bool contents);

  std::string url;
  std::mutex mu;
  std::unique_ptr<pqxx::connection> conn;
  // Statements run outside pqxx's own transaction classes, so that BEGIN, SAVEPOINT and COMMIT
  // are ours to issue.
  std::unique_ptr<pqxx::nontransaction> session;
  bool in_txn = false;
  std::unordered_map<std::string, std::string> prepared;  // SQL -> statement name
  std::mt19937_64 rng;

  // Within one Commit: the event tails of the executions it appends to (transition_core.h).
  transition_core::EventNumbering numbering;
};

}  // namespace atelier
