// SqliteStore's retention (atelier/store/retention.h): the workspaces' policy rows, the finished
// executions a policy lets go, what deleting them frees, the purge itself and the queue of blob
// hashes it leaves for the collector.
//
// A tree's executions travel as one JSON array bound to one parameter (json_each), so every
// statement is prepared once whatever the tree's size. Reads that only inform (candidates, the
// footprint) go through the read pool; the purge runs on the writer's connection in one write
// transaction, so its checks and its deletes see the same state and no Commit interleaves.
//
// Gids are the events table's rowids, and SQLite gives a new row max(rowid) + 1: deleting the
// newest event would hand its gid out again, and a stream or the notifier that had read it would
// skip the next event. So the newest event is never deleted: when it belongs to a tree being
// purged, its row is emptied into a mark (no execution, no workspace, no type) that every read
// already passes over, and the mark is dropped once a newer event exists.
#include <string>
#include <unordered_set>
#include <vector>

#include "sqlite_automation_rows.h"
#include "sqlite_read_pool.h"

namespace atelier {

using namespace sqlite;

namespace {

// The statuses of a finished execution, as an SQL list.
std::string FinishedList() {
  return std::string("('") + ExecStatusName(ExecStatus::kCompleted) + "', '" +
         ExecStatusName(ExecStatus::kFailed) + "', '" + ExecStatusName(ExecStatus::kStopped) + "')";
}

// Rows of a tree (or a set of trees): the executions' ids as a JSON array, bound to ?1.
constexpr const char* kInSet = "IN (SELECT value FROM json_each(?1))";

// The ids of the tree under `root` (a top-level execution of `ws`), root first; empty when there
// is none. The partial index on parent_execution_id serves the walk down.
std::vector<std::string> TreeOf(SQLite::Database& db, const std::string& ws,
                                const std::string& root, std::vector<std::string>* statuses) {
  SQLite::Statement st(db,
                       "WITH RECURSIVE t(id) AS (SELECT id FROM executions WHERE id = ?1 AND "
                       "workspace_id = ?2 AND parent_execution_id = '' UNION SELECT e.id FROM "
                       "executions e JOIN t ON e.parent_execution_id = t.id WHERE "
                       "e.parent_execution_id != '') SELECT x.id, x.status FROM t JOIN executions "
                       "x ON x.id = t.id");
  st.bind(1, root);
  st.bind(2, ws);
  std::vector<std::string> ids;
  while (st.executeStep()) {
    ids.push_back(ColumnString(st, 0));
    if (statuses) statuses->push_back(ColumnString(st, 1));
  }
  return ids;
}

int64_t CountIn(SQLite::Database& db, const char* table, const std::string& set) {
  SQLite::Statement st(
      db, std::string("SELECT COUNT(*) FROM ") + table + " WHERE execution_id " + kInSet);
  st.bind(1, set);
  st.executeStep();
  return st.getColumn(0).getInt64();
}

// Counts and the blobs that nothing outside the set names, for the executions in `set`.
RetentionFootprint Measure(SQLite::Database& db, const std::string& set, int64_t executions) {
  RetentionFootprint f;
  f.executions = executions;
  f.steps = CountIn(db, "steps", set);
  // The mark row (no execution) is never counted: no set names ''.
  f.events = CountIn(db, "events", set);
  f.artifacts = CountIn(db, "artifacts", set);
  SQLite::Statement st(db, std::string("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM (SELECT "
                                       "a.sha256, MAX(a.size) AS size FROM artifacts a WHERE "
                                       "a.execution_id ") +
                               kInSet +
                               " AND a.sha256 != '' GROUP BY a.sha256 HAVING NOT EXISTS (SELECT "
                               "1 FROM artifacts b WHERE b.sha256 = a.sha256 AND b.execution_id "
                               "NOT " +
                               kInSet + "))");
  st.bind(1, set);
  st.executeStep();
  f.blobs = st.getColumn(0).getInt64();
  f.bytes = st.getColumn(1).getInt64();
  return f;
}

bool Exists(SQLite::Database& db, const std::string& sql, const std::string& set,
            const std::string& ws = "") {
  SQLite::Statement st(db, sql);
  st.bind(1, set);
  if (!ws.empty()) st.bind(2, ws);
  return st.executeStep();
}

// Why the tree may not go now, or "" when it may.
const char* WhyKept(SQLite::Database& db, const std::string& ws, const std::string& set,
                    const std::vector<std::string>& statuses) {
  for (const std::string& s : statuses)
    if (s != ExecStatusName(ExecStatus::kCompleted) && s != ExecStatusName(ExecStatus::kFailed) &&
        s != ExecStatusName(ExecStatus::kStopped))
      return kKeptUnfinished;
  if (Exists(db,
             std::string("SELECT 1 FROM notification_deliveries WHERE execution_id ") + kInSet +
                 " AND status = 'pending' LIMIT 1",
             set))
    return kKeptNotifying;
  if (Exists(db,
             std::string("SELECT 1 FROM events WHERE execution_id ") + kInSet +
                 " AND gid > (SELECT last_gid FROM notify_cursor WHERE id = 1) AND EXISTS "
                 "(SELECT 1 FROM notification_endpoints WHERE workspace_id = ?2) LIMIT 1",
             set, ws))
    return kKeptUnread;
  return "";
}

void DeleteIn(SQLite::Database& db, const std::string& sql, const std::string& set) {
  SQLite::Statement st(db, sql);
  st.bind(1, set);
  st.exec();
}

// Deletes the tree's events but the newest event of all (see the file's comment).
void DeleteEvents(SQLite::Database& db, const std::string& set) {
  int64_t newest = 0;
  {
    SQLite::Statement st(db, "SELECT COALESCE(MAX(gid), 0) FROM events");
    st.executeStep();
    newest = st.getColumn(0).getInt64();
  }
  {
    SQLite::Statement st(
        db, std::string("DELETE FROM events WHERE execution_id ") + kInSet + " AND gid != ?2");
    st.bind(1, set);
    st.bind(2, newest);
    st.exec();
  }
  bool newest_goes = false;
  {
    SQLite::Statement st(
        db, std::string("SELECT 1 FROM events WHERE gid = ?2 AND execution_id ") + kInSet);
    st.bind(1, set);
    st.bind(2, newest);
    newest_goes = st.executeStep();
  }
  // An older mark is no longer needed: a newer event holds the position.
  {
    SQLite::Statement st(db, "DELETE FROM events WHERE execution_id = '' AND gid != ?1");
    st.bind(1, newest);
    st.exec();
  }
  if (!newest_goes) return;
  SQLite::Statement st(db,
                       "UPDATE events SET execution_id = '', seq = 0, workspace_id = '', type = "
                       "'', step_id = '', payload = NULL, ts = 0 WHERE gid = ?1");
  st.bind(1, newest);
  st.exec();
}

}  // namespace

// ---- the policy rows ---------------------------------------------------------------------------

namespace {

RetentionRecord ReadRetention(const SQLite::Statement& st) {
  RetentionRecord r;
  r.workspace_id = ColumnString(st, 0);
  r.revision = st.getColumn(1).getInt64();
  r.updated_at = st.getColumn(2).getInt64();
  r.spec = ColumnJson(st, 3);
  r.state = ColumnJson(st, 4);
  return r;
}

constexpr const char* kRetentionCols = "workspace_id, revision, updated_at, spec, state";

}  // namespace

Result<std::optional<RetentionRecord>> SqliteStore::GetRetention(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::optional<RetentionRecord>> {
    SQLite::Statement st(impl_->db, std::string("SELECT ") + kRetentionCols +
                                        " FROM retention_policies WHERE workspace_id = ?");
    st.bind(1, ws);
    if (!st.executeStep()) return std::optional<RetentionRecord>();
    return std::optional<RetentionRecord>(ReadRetention(st));
  });
}

Result<bool> SqliteStore::PutRetention(const RetentionRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<bool> {
    Impl::Txn txn(*impl_, /*write=*/true);
    {
      StmtUse st(impl_->Get(kWorkspaceGet));
      st->bindNoCopy(1, rec.workspace_id);
      if (!st->executeStep())
        return Err(NotFound("workspace '" + rec.workspace_id + "' not found"));
    }
    JsonText spec(rec.spec.is_null() ? Json::object() : rec.spec);
    JsonText state(rec.state.is_null() ? Json::object() : rec.state);
    std::unique_ptr<SQLite::Statement> st;
    if (rec.revision == 0) {
      st = std::make_unique<SQLite::Statement>(
          impl_->db,
          "INSERT OR IGNORE INTO retention_policies (workspace_id, revision, updated_at, spec, "
          "state) VALUES (?1, 1, ?2, ?3, ?4)");
    } else {
      st = std::make_unique<SQLite::Statement>(
          impl_->db,
          "UPDATE retention_policies SET revision = revision + 1, updated_at = ?2, spec = ?3, "
          "state = ?4 WHERE workspace_id = ?1 AND revision = ?5");
      st->bind(5, static_cast<int64_t>(rec.revision));
    }
    st->bind(1, rec.workspace_id);
    st->bind(2, static_cast<int64_t>(rec.updated_at));
    spec.Bind(*st, 3);
    state.Bind(*st, 4);
    const bool wrote = st->exec() > 0;
    txn.Commit();
    return wrote;
  });
}

Result<std::vector<RetentionRecord>> SqliteStore::ListRetention() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<RetentionRecord>> {
    SQLite::Statement st(impl_->db, std::string("SELECT ") + kRetentionCols +
                                        " FROM retention_policies ORDER BY workspace_id");
    std::vector<RetentionRecord> out;
    while (st.executeStep()) out.push_back(ReadRetention(st));
    return out;
  });
}

// ---- what goes ---------------------------------------------------------------------------------

// One pass over the workspace's finished top-level executions, numbered per template newest
// first; the rules filter the numbered rows.
Result<std::vector<ExecutionRecord>> SqliteStore::RetentionCandidates(const std::string& ws,
                                                                      const RetentionQuery& q) {
  if (q.finished_before <= 0 && q.keep_last <= 0) return std::vector<ExecutionRecord>();
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<ExecutionRecord>> {
    StmtUse st(c.Sql(
        "SELECT " + ExecColumns("x.") +
        " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY template_id ORDER BY created_at DESC, "
        "id DESC) AS rn FROM executions WHERE workspace_id = ?1 AND parent_execution_id = '' AND "
        "status IN " +
        FinishedList() +
        ") x WHERE (?2 <= 0 OR x.finished_at < ?2) AND (?3 <= 0 OR x.rn > ?3) ORDER BY "
        "x.created_at, x.id LIMIT ?4"));
    st->bindNoCopy(1, ws);
    st->bind(2, q.finished_before);
    st->bind(3, q.keep_last);
    st->bind(4, q.limit > 0 ? q.limit : -1);
    std::vector<ExecutionRecord> out;
    while (st->executeStep()) out.push_back(ReadExecution(*st));
    return out;
  });
}

Result<RetentionFootprint> SqliteStore::MeasureExecutions(const std::string& ws,
                                                          const std::vector<std::string>& roots) {
  // On a read connection: a preview over thousands of trees never holds up the engine's commits.
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<RetentionFootprint> {
    ReadTxn txn(c);                // one snapshot for the trees and their counts
    std::vector<std::string> all;  // the union: a root given twice counts once
    std::unordered_set<std::string> seen;
    for (const std::string& root : roots)
      for (std::string& id : TreeOf(c.db(), ws, root, nullptr))
        if (seen.insert(id).second) all.push_back(std::move(id));
    if (all.empty()) return RetentionFootprint{};
    return Measure(c.db(), Json(all).dump(), static_cast<int64_t>(all.size()));
  });
}

Result<PurgeOutcome> SqliteStore::PurgeExecutions(const std::string& ws,
                                                  const std::vector<std::string>& roots,
                                                  int64_t now) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<PurgeOutcome> {
    SQLite::Database& db = impl_->db;
    PurgeOutcome out;
    Impl::Txn txn(*impl_, /*write=*/true);
    for (const std::string& root : roots) {
      std::vector<std::string> statuses;
      const std::vector<std::string> tree = TreeOf(db, ws, root, &statuses);
      if (tree.empty()) {
        out.kept.emplace_back(root, kKeptNotFound);
        continue;
      }
      const std::string set = Json(tree).dump();
      if (const char* why = WhyKept(db, ws, set, statuses); *why) {
        out.kept.emplace_back(root, why);
        continue;
      }
      out.freed += Measure(db, set, static_cast<int64_t>(tree.size()));
      {
        // A hash queued already keeps its place; its revision tells the collector that it was
        // queued again since it looked (ForgetQueuedBlob).
        SQLite::Statement st(db, std::string("INSERT INTO blob_queue (sha256, queued_at) SELECT "
                                             "DISTINCT sha256, ?2 FROM artifacts WHERE "
                                             "execution_id ") +
                                     kInSet +
                                     " AND sha256 != '' ON CONFLICT (sha256) DO UPDATE SET "
                                     "revision = revision + 1");
        st.bind(1, set);
        st.bind(2, now);
        st.exec();
      }
      DeleteEvents(db, set);
      for (const char* table :
           {"steps", "step_versions", "artifacts", "step_cache", "notification_deliveries"})
        DeleteIn(db, std::string("DELETE FROM ") + table + " WHERE execution_id " + kInSet, set);
      {
        SQLite::Statement st(db, std::string("DELETE FROM idempotency_keys WHERE workspace_id = "
                                             "?2 AND execution_id ") +
                                     kInSet);
        st.bind(1, set);
        st.bind(2, ws);
        st.exec();
      }
      DeleteIn(db, std::string("DELETE FROM executions WHERE id ") + kInSet, set);
      out.deleted.push_back(root);
    }
    txn.Commit();
    // The cached event tails name executions that may be gone; they are cheap to read again.
    if (!out.deleted.empty()) impl_->numbering.Clear();
    return out;
  });
}

// ---- the blob queue ----------------------------------------------------------------------------

Result<std::vector<QueuedBlob>> SqliteStore::BlobCollectionQueue(int limit) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<QueuedBlob>> {
    StmtUse st(
        c.Sql("SELECT sha256, revision FROM blob_queue ORDER BY queued_at, sha256 LIMIT ?1"));
    st->bind(1, limit > 0 ? limit : -1);
    std::vector<QueuedBlob> out;
    while (st->executeStep()) out.push_back({ColumnString(*st, 0), st->getColumn(1).getInt64()});
    return out;
  });
}

// On the writer's connection: what a purge committed a moment ago must be seen here.
Result<bool> SqliteStore::BlobReferenced(const std::string& sha256) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<bool> {
    SQLite::Statement st(impl_->db, "SELECT 1 FROM artifacts WHERE sha256 = ? LIMIT 1");
    st.bind(1, sha256);
    return st.executeStep();
  });
}

Status SqliteStore::ForgetQueuedBlob(const std::string& sha256, int64_t revision) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Status {
    SQLite::Statement st(impl_->db, "DELETE FROM blob_queue WHERE sha256 = ? AND revision = ?");
    st.bind(1, sha256);
    st.bind(2, revision);
    st.exec();
    return Status::Ok();
  });
}

}  // namespace atelier
