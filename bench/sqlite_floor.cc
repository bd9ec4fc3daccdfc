// The SQLite floors (sqlite_floor.h): bare prepared statements on the store's schema.
#include "sqlite_floor.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "atelier/engine/clock.h"
#include "atelier/store/sqlite/sqlite_store.h"

namespace atelier::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "sqlite floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

// A fresh database with the store's schema, opened as the store opens it.
sqlite3* OpenFresh(const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "floor.db").string();
  {
    auto store = SqliteStore::Open(path);
    if (!store) Die(nullptr, "creating the schema");
    (void)(*store)->EnsureWorkspace("default", "bench");
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die(db, "open");
  for (const char* pragma :
       {"PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
        "PRAGMA cache_size = -65536", "PRAGMA temp_store = MEMORY"}) {
    if (sqlite3_exec(db, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) Die(db, pragma);
  }
  return db;
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) Die(db, sql);
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt& Text(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& Int(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  void Run() {
    if (sqlite3_step(st_) != SQLITE_DONE) Die(db_, sqlite3_sql(st_));
    sqlite3_reset(st_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

constexpr const char* kEventInsert =
    "INSERT INTO events (execution_id, seq, ts, type, step_id, payload, workspace_id) VALUES "
    "(?1, ?2, ?3, ?4, ?5, '{\"attempt\":1,\"duration_ms\":0}', 'default')";

}  // namespace

double ChainFloorUsPerStep(const fs::path& dir, int steps) {
  sqlite3* db = OpenFresh(dir);
  RandomIdGenerator ids;
  const std::string ex = ids.NewId("ex_");
  const int64_t now = NowMs();
  std::vector<std::string> step_ids;
  {
    Stmt exec(db,
              "INSERT INTO executions (id, workspace_id, status, created_at) VALUES (?1, "
              "'default', 'running', ?2)");
    Stmt step(db,
              "INSERT INTO steps (execution_id, step_id, node_id, status, created_at) VALUES (?1, "
              "?2, ?2, 'ready', ?3)");
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    exec.Text(1, ex).Int(2, now).Run();
    for (int i = 0; i < steps; ++i) {
      step_ids.push_back("s" + std::to_string(i));
      step.Text(1, ex).Text(2, step_ids.back()).Int(3, now).Run();
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  Stmt begin(db, "BEGIN IMMEDIATE");
  Stmt commit(db, "COMMIT");
  Stmt update(db,
              "UPDATE steps SET status = 'succeeded', attempt = 1, output = '{}', updated_at = ?3, "
              "finished_at = ?3 WHERE execution_id = ?1 AND step_id = ?2");
  Stmt event(db, kEventInsert);
  const std::string type = "step_succeeded";
  auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) {
    begin.Run();
    update.Text(1, ex).Text(2, step_ids[i]).Int(3, now).Run();
    event.Text(1, ex).Int(2, i + 1).Int(3, now).Text(4, type).Text(5, step_ids[i]).Run();
    commit.Run();
  }
  const double s = Seconds(Clock::now() - t0);
  sqlite3_close(db);
  return s * 1e6 / steps;
}

double FanoutFloorPerSecond(const fs::path& dir, int executions, int per_txn) {
  sqlite3* db = OpenFresh(dir);
  RandomIdGenerator ids;
  const int64_t now = NowMs();
  Stmt begin(db, "BEGIN IMMEDIATE");
  Stmt commit(db, "COMMIT");
  Stmt exec(db,
            "INSERT INTO executions (id, workspace_id, template_id, template_version, status, "
            "inputs, created_at, updated_at, started_at, finished_at) VALUES (?1, 'default', "
            "'tpl', 1, 'completed', '{}', ?2, ?2, ?2, ?2)");
  Stmt step(db,
            "INSERT INTO steps (execution_id, step_id, node_id, status, attempt, output, "
            "created_at, updated_at, started_at, finished_at) VALUES (?1, 's0', 's0', "
            "'succeeded', 1, '{}', ?2, ?2, ?2, ?2)");
  Stmt event(db, kEventInsert);
  const std::string type = "step_succeeded", step_id = "s0";
  auto t0 = Clock::now();
  for (int i = 0; i < executions; i += per_txn) {
    begin.Run();
    for (int j = i; j < executions && j < i + per_txn; ++j) {
      const std::string ex = ids.NewId("ex_");
      exec.Text(1, ex).Int(2, now).Run();
      step.Text(1, ex).Int(2, now).Run();
      event.Text(1, ex).Int(2, 1).Int(3, now).Text(4, type).Text(5, step_id).Run();
    }
    commit.Run();
  }
  const double s = Seconds(Clock::now() - t0);
  sqlite3_close(db);
  return executions / s;
}

double RestartFloorMs(const fs::path& path, const std::vector<std::string>& ids) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.string().c_str(), &db) != SQLITE_OK) Die(db, "open");
  sqlite3_stmt* exec = nullptr;
  sqlite3_stmt* steps = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT * FROM executions WHERE id = ?1", -1, &exec, nullptr) !=
          SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT * FROM steps WHERE execution_id = ?1", -1, &steps, nullptr) !=
          SQLITE_OK) {
    Die(db, "prepare");
  }
  int64_t bytes = 0;  // what was read, so that nothing is optimised away
  auto t0 = Clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (const std::string& id : ids) {
    for (sqlite3_stmt* st : {exec, steps}) {
      sqlite3_bind_text(st, 1, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
      while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); ++c) bytes += sqlite3_column_bytes(st, c);
      }
      sqlite3_reset(st);
    }
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  const double ms = Seconds(Clock::now() - t0) * 1000;
  sqlite3_finalize(exec);
  sqlite3_finalize(steps);
  sqlite3_close(db);
  if (bytes == 0) Die(nullptr, "the restart floor read nothing");
  return ms;
}

}  // namespace atelier::bench
