// The read side of SqliteStore: read-only connections of their own, so that reads never wait for
// the writer's lock and run side by side (WAL gives each read transaction a snapshot of what was
// committed when it began, so a read that starts after a Commit returned sees that Commit).
//
// ReadPool opens up to `max` connections on first need (SQLITE_OPEN_READONLY, each with its own
// statement cache) and lends one per read; a read that finds every connection lent waits. An
// in-memory database cannot be opened twice, so there the pool lends one ReadConn over the
// writer's connection while holding the writer's mutex (reads are then serialised with writes, as
// before). Thread-safe; the pool must outlive its leases.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "sqlite_impl.h"

namespace atelier::sqlite {

// One connection's statements (the cached ones by StmtId, ListExecutions by filter set and ad hoc
// SQL by its text), prepared on first use. Used by one thread at a time (the lease's holder).
class ReadConn {
 public:
  // Its own read-only connection to the database file `path`.
  explicit ReadConn(const std::string& path);
  // Statements on `shared`, a connection someone else owns (and serialises).
  explicit ReadConn(SQLite::Database& shared);
  ReadConn(const ReadConn&) = delete;
  ReadConn& operator=(const ReadConn&) = delete;

  SQLite::Database& db() { return *db_; }
  // Whether the connection is this object's own (not the writer's).
  bool own() const { return own_ != nullptr; }
  // PRAGMA data_version: changes whenever another connection (the writer, another process)
  // commits. A read-only connection commits nothing, so an unchanged value means that nothing
  // read since has changed.
  int64_t DataVersion();

  // Step states (GetStepStates) read on this connection, by workspace and execution, with the
  // DataVersion they were read at: while it is unchanged they are what a new read would return.
  struct StepStates {
    int64_t version = -1;
    std::vector<StepRecord> steps;
  };
  std::unordered_map<std::string, StepStates> step_states;
  size_t step_states_rows = 0;  // rows held in step_states
  static constexpr size_t kMaxStepStateRows = 20000;
  SQLite::Statement& Get(StmtId id);
  SQLite::Statement& ExecList(unsigned mask);
  SQLite::Statement& Sql(const std::string& sql);
  void RollbackQuietly() noexcept;

 private:
  std::unique_ptr<SQLite::Database> own_;
  SQLite::Database* db_;
  std::array<std::unique_ptr<SQLite::Statement>, kNumStmts> stmts_;
  std::unordered_map<unsigned, std::unique_ptr<SQLite::Statement>> lists_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> sql_;
};

// A read transaction on a ReadConn: every statement in it sees one snapshot. Ends (without
// writing anything) when it goes out of scope.
class ReadTxn {
 public:
  explicit ReadTxn(ReadConn& c);
  ~ReadTxn() { c_.RollbackQuietly(); }
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

 private:
  ReadConn& c_;
};

class ReadPool {
 public:
  // Connections of their own to `path`, at most `max`.
  ReadPool(std::string path, size_t max);
  // One ReadConn over `writer`, lent while `writer_mu` is held (an in-memory database).
  ReadPool(SQLite::Database& writer, std::mutex& writer_mu);

  class Lease {
   public:
    Lease(Lease&& o) noexcept;
    ~Lease();
    ReadConn& conn() { return *conn_; }

   private:
    friend class ReadPool;
    Lease(ReadPool* pool, std::unique_ptr<ReadConn> conn, std::unique_lock<std::mutex> writer);
    ReadPool* pool_;
    std::unique_ptr<ReadConn> conn_;
    std::unique_lock<std::mutex> writer_;
  };

  // Blocks while every connection is lent. Throws SQLite::Exception when a connection cannot be
  // opened.
  Lease Acquire();

  // PRAGMA data_version of one connection kept for it: changes whenever anything is committed.
  // -1 for the pool over the writer's connection (it does not see its own commits), or on error.
  int64_t ChangeToken() noexcept;

 private:
  void Release(std::unique_ptr<ReadConn> conn);

  const std::string path_;
  const size_t max_;
  std::mutex* writer_mu_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<ReadConn>> idle_;  // guarded by mu_
  size_t opened_ = 0;                            // guarded by mu_
  std::mutex token_mu_;
  std::unique_ptr<ReadConn> token_;  // guarded by token_mu_
};

// Runs `f(ReadConn&)` on a leased connection behind the same boundary as Impl::Guarded: an
// exception becomes Unavailable (SQLITE_BUSY/LOCKED) or Internal.
template <class F>
auto WithReader(ReadPool& pool, F&& f) -> decltype(f(std::declval<ReadConn&>())) {
  using R = decltype(f(std::declval<ReadConn&>()));
  auto fail = [](Status s) -> R {
    if constexpr (std::is_same_v<R, Status>) {
      return s;
    } else {
      return Err(std::move(s));
    }
  };
  try {
    ReadPool::Lease lease = pool.Acquire();
    return f(lease.conn());
  } catch (const SQLite::Exception& e) {
    return fail(FromSqlite(e));
  } catch (const std::exception& e) {
    return fail(Internal(std::string("sqlite store: ") + e.what()));
  } catch (...) {
    return fail(Internal("sqlite store: unknown exception"));
  }
}

}  // namespace atelier::sqlite
