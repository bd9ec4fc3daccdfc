// ReadPool and ReadConn (sqlite_read_pool.h): the read-only connections of a SqliteStore.
#include "sqlite_read_pool.h"

namespace atelier::sqlite {

void ReadPoolDelete::operator()(ReadPool* p) const { delete p; }

ReadConn::ReadConn(const std::string& path)
    : own_(std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX,
                                              kBusyTimeoutMs)),
      db_(own_.get()) {
  // query_only keeps a read connection from ever writing, even through a statement that would.
  db_->exec("PRAGMA query_only = ON");
  db_->exec("PRAGMA temp_store = MEMORY");
}

ReadConn::ReadConn(SQLite::Database& shared) : db_(&shared) {}

SQLite::Statement& ReadConn::Get(StmtId id) {
  auto& slot = stmts_[id];
  if (!slot) slot = std::make_unique<SQLite::Statement>(*db_, StatementSql(id));
  return *slot;
}

SQLite::Statement& ReadConn::ExecList(unsigned mask) {
  auto& slot = lists_[mask];
  if (!slot) slot = std::make_unique<SQLite::Statement>(*db_, ExecListSql(mask));
  return *slot;
}

SQLite::Statement& ReadConn::Sql(const std::string& sql) {
  auto& slot = sql_[sql];
  if (!slot) slot = std::make_unique<SQLite::Statement>(*db_, sql);
  return *slot;
}

int64_t ReadConn::DataVersion() {
  StmtUse st(Sql("PRAGMA data_version"));
  st->executeStep();
  return st->getColumn(0).getInt64();
}

void ReadConn::RollbackQuietly() noexcept {
  if (sqlite3_get_autocommit(db_->getHandle()) != 0) return;
  sqlite3_exec(db_->getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

ReadTxn::ReadTxn(ReadConn& c) : c_(c) {
  StmtUse st(c_.Get(kBeginDeferred));
  st->exec();
}

ReadPool::ReadPool(std::string path, size_t max) : path_(std::move(path)), max_(max) {}

ReadPool::ReadPool(SQLite::Database& writer, std::mutex& writer_mu)
    : max_(1), writer_mu_(&writer_mu) {
  idle_.push_back(std::make_unique<ReadConn>(writer));
  opened_ = 1;
}

ReadPool::Lease::Lease(ReadPool* pool, std::unique_ptr<ReadConn> conn,
                       std::unique_lock<std::mutex> writer)
    : pool_(pool), conn_(std::move(conn)), writer_(std::move(writer)) {}

ReadPool::Lease::Lease(Lease&& o) noexcept
    : pool_(o.pool_), conn_(std::move(o.conn_)), writer_(std::move(o.writer_)) {}

ReadPool::Lease::~Lease() {
  if (conn_) pool_->Release(std::move(conn_));
}

ReadPool::Lease ReadPool::Acquire() {
  std::unique_lock<std::mutex> writer;
  if (writer_mu_) writer = std::unique_lock<std::mutex>(*writer_mu_);
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<ReadConn> c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c), std::move(writer));
    }
    if (opened_ < max_) break;
    cv_.wait(l);
  }
  ++opened_;  // opened outside the lock: opening reads the schema
  l.unlock();
  try {
    return Lease(this, std::make_unique<ReadConn>(path_), std::move(writer));
  } catch (...) {
    l.lock();
    --opened_;
    cv_.notify_one();
    throw;
  }
}

int64_t ReadPool::ChangeToken() noexcept {
  if (writer_mu_) return -1;
  std::lock_guard<std::mutex> l(token_mu_);
  try {
    if (!token_) token_ = std::make_unique<ReadConn>(path_);
    return token_->DataVersion();
  } catch (...) {
    token_.reset();
    return -1;
  }
}

void ReadPool::Release(std::unique_ptr<ReadConn> conn) {
  {
    std::lock_guard<std::mutex> l(mu_);
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

}  // namespace atelier::sqlite
