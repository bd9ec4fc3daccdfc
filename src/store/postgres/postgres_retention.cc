// PostgresStore's side of retention (atelier/store/retention.h): each workspace's policy row, the
// executions a policy lets go, what deleting trees of them would free, the purge itself and the
// queue of blob hashes it leaves for the collector.
//
// A purge runs READ COMMITTED, like Commit, and locks a tree's execution rows FOR UPDATE before it
// looks at them. A transition that guards an execution (ExecGuard reads it FOR SHARE, a status
// compare-and-set UPDATEs it) then either committed first, and the purge sees what it wrote (an
// execution resumed is no longer finished), or waits for the purge and finds the row gone. Every
// later statement takes a new snapshot, so the footprint and the queued hashes count artifact rows
// committed by others meanwhile (a fork's copies).
//
// Events keep their gids: positions come from event_positions, which a purge never touches, so a
// deleted event's gid is never handed out again, and LastEventId (read from that row) never goes
// back. The notifier's cursor is not touched either; a tree whose events it has not read yet stays
// while its workspace has endpoints.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "postgres_automation_rows.h"  // Doc: a null document is stored as {}, as there
#include "postgres_impl.h"
#include "postgres_rows.h"

namespace atelier {

using namespace postgres;
using postgres::rows::Doc;

namespace {

// LIMIT for a limit <= 0 ("no limit").
int64_t LimitOf(int limit) { return limit > 0 ? limit : std::numeric_limits<int64_t>::max(); }

const std::vector<std::string>& FinishedNames() {
  static const std::vector<std::string> kNames = {ExecStatusName(ExecStatus::kCompleted),
                                                  ExecStatusName(ExecStatus::kFailed),
                                                  ExecStatusName(ExecStatus::kStopped)};
  return kNames;
}

bool IsFinishedName(const std::string& status) {
  for (const std::string& name : FinishedNames()) {
    if (status == name) return true;
  }
  return false;
}

// The executions of the trees of the roots in $2 (text[]) that are top-level executions of
// workspace $1: the roots and every execution under them, at any depth. UNION, not UNION ALL: a
// parent link that loops ends the walk instead of running it forever. The recursive term says
// parent_execution_id <> '' so that the partial index executions_by_parent serves it.
constexpr const char* kTreeCte =
    "WITH RECURSIVE tree(id) AS (SELECT id FROM executions WHERE workspace_id = $1 AND "
    "parent_execution_id = '' AND id = ANY($2::text[]) UNION SELECT e.id FROM executions e JOIN "
    "tree t ON e.parent_execution_id = t.id WHERE e.parent_execution_id <> '' AND "
    "e.workspace_id = $1) ";

constexpr const char* kRetentionCols = "workspace_id, revision, updated_at, spec, state";

RetentionRecord ReadRetention(const pqxx::row& row) {
  RetentionRecord r;
  r.workspace_id = Str(row[0]);
  r.revision = I64(row[1]);
  r.updated_at = I64(row[2]);
  r.spec = ColumnJson(row[3]);
  r.state = ColumnJson(row[4]);
  return r;
}

// What deleting the executions `ids` (a whole set: their ids, distinct) deletes and frees, as the
// database stands at this statement. A blob counts when no artifact row of an execution outside
// the set names it; rows naming the same hash have the same size, one of them is taken. `Impl` is
// PostgresStore::Impl, deduced (private to the store; the callers are its members).
template <class Impl>
RetentionFootprint Footprint(Impl& impl, const std::vector<std::string>& ids) {
  RetentionFootprint f;
  if (ids.empty()) return f;
  pqxx::result r = impl.Exec(
      "WITH a AS (SELECT sha256, size FROM artifacts WHERE execution_id = ANY($1::text[])), "
      "b AS (SELECT a.sha256, MAX(a.size) AS size FROM a WHERE a.sha256 <> '' AND NOT EXISTS "
      "(SELECT 1 FROM artifacts o WHERE o.sha256 = a.sha256 AND NOT (o.execution_id = "
      "ANY($1::text[]))) GROUP BY a.sha256) "
      "SELECT (SELECT COUNT(*) FROM steps WHERE execution_id = ANY($1::text[])), "
      "(SELECT COUNT(*) FROM events WHERE execution_id = ANY($1::text[])), "
      "(SELECT COUNT(*) FROM a), (SELECT COUNT(*) FROM b), "
      "(SELECT COALESCE(SUM(size), 0)::bigint FROM b)",
      Params().S(TextArray(ids)));
  f.executions = static_cast<int64_t>(ids.size());
  f.steps = I64(r[0][0]);
  f.events = I64(r[0][1]);
  f.artifacts = I64(r[0][2]);
  f.blobs = I64(r[0][3]);
  f.bytes = I64(r[0][4]);
  return f;
}

// Why the tree `ids` (its execution rows locked, every one finished) must stay for now, or "".
// One statement, so one snapshot: the notifier advances its cursor and inserts the deliveries of
// what it read in one transaction, so either the cursor has not passed the tree's events (unread)
// or its pending deliveries are visible with it (notifying); two statements could miss both.
template <class Impl>
std::string NotifierHolds(Impl& impl, const std::string& ws, const std::vector<std::string>& ids) {
  pqxx::result r = impl.Exec(
      "SELECT EXISTS (SELECT 1 FROM notification_deliveries WHERE execution_id = "
      "ANY($1::text[]) AND status = 'pending'), EXISTS (SELECT 1 FROM notification_endpoints "
      "WHERE workspace_id = $2) AND EXISTS (SELECT 1 FROM events WHERE execution_id = "
      "ANY($1::text[]) AND gid > COALESCE((SELECT last_gid FROM notify_cursor WHERE id = 1), 0))",
      Params().S(TextArray(ids)).S(ws));
  if (r[0][0].as<bool>()) return kKeptNotifying;
  if (r[0][1].as<bool>()) return kKeptUnread;
  return "";
}

}  // namespace

// ---- policies ---------------------------------------------------------------------------------

Result<std::optional<RetentionRecord>> PostgresStore::GetRetention(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::optional<RetentionRecord>> {
    pqxx::result r = impl_->Exec(std::string("SELECT ") + kRetentionCols +
                                     " FROM retention_policies WHERE workspace_id = $1",
                                 Params().S(ws));
    if (r.empty()) return std::optional<RetentionRecord>();
    return std::optional<RetentionRecord>(ReadRetention(r[0]));
  });
}

// The workspace is looked for in the writing transaction; the write itself is one guarded
// statement (an insert that yields to a row already there, or the revision compare-and-set), so
// of two processes writing over the same revision only one wins.
Result<bool> PostgresStore::PutRetention(const RetentionRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<bool> {
    Impl::Txn txn(impl, /*write=*/true);
    if (impl.Exec("SELECT 1 FROM workspaces WHERE id = $1", Params().S(rec.workspace_id)).empty())
      return Err(NotFound("workspace '" + rec.workspace_id + "' not found"));
    Params p;
    p.S(rec.workspace_id).I(rec.updated_at).J(Doc(rec.spec)).J(Doc(rec.state));
    pqxx::result r;
    if (rec.revision == 0) {
      r = impl.Exec(std::string("INSERT INTO retention_policies (") + kRetentionCols +
                        ") VALUES ($1, 1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    p);
    } else {
      p.I(rec.revision);
      r = impl.Exec(
          "UPDATE retention_policies SET updated_at = $2, spec = $3, state = $4, revision = "
          "revision + 1 WHERE workspace_id = $1 AND revision = $5",
          p);
    }
    const bool applied = r.affected_rows() == 1;
    txn.Commit();
    return applied;
  });
}

Result<std::vector<RetentionRecord>> PostgresStore::ListRetention() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<RetentionRecord>> {
    std::vector<RetentionRecord> out;
    for (const auto& row : impl_->Exec(std::string("SELECT ") + kRetentionCols +
                                       " FROM retention_policies ORDER BY workspace_id"))
      out.push_back(ReadRetention(row));
    return out;
  });
}

// ---- what may go ------------------------------------------------------------------------------

// Only the rules in use appear in the SQL; the newest of each template are numbered over all the
// finished top-level executions, before the age rule narrows them.
Result<std::vector<ExecutionRecord>> PostgresStore::RetentionCandidates(const std::string& ws,
                                                                        const RetentionQuery& q) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ExecutionRecord>> {
    std::vector<ExecutionRecord> out;
    if (q.finished_before <= 0 && q.keep_last <= 0) return out;
    Params p;
    p.S(ws).S(TextArray(FinishedNames()));
    int next = 3;
    auto param = [&]() { return "$" + std::to_string(next++); };
    std::string sql = std::string("WITH finished AS (SELECT ") + kExecCols +
                      ", ROW_NUMBER() OVER (PARTITION BY template_id ORDER BY created_at DESC, "
                      "id DESC) AS newest FROM executions WHERE workspace_id = $1 AND "
                      "parent_execution_id = '' AND status = ANY($2::text[])) SELECT " +
                      kExecCols + " FROM finished WHERE TRUE";
    if (q.finished_before > 0) {
      sql += " AND finished_at < " + param() + "::bigint";
      p.I(q.finished_before);
    }
    if (q.keep_last > 0) {
      sql += " AND newest > " + param() + "::bigint";
      p.I(q.keep_last);
    }
    sql += " ORDER BY created_at, id LIMIT " + param() + "::bigint";
    p.I(LimitOf(q.limit));
    for (const auto& row : impl_->Exec(sql, p)) out.push_back(ReadExecution(row));
    return out;
  });
}

// The trees and their footprint in one REPEATABLE READ snapshot.
Result<RetentionFootprint> PostgresStore::MeasureExecutions(const std::string& ws,
                                                            const std::vector<std::string>& roots) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<RetentionFootprint> {
    if (roots.empty()) return RetentionFootprint{};
    Impl::Txn txn(impl, /*write=*/false);
    std::vector<std::string> ids;
    for (const auto& row : impl.Exec(std::string(kTreeCte) + "SELECT id FROM tree ORDER BY id",
                                     Params().S(ws).S(TextArray(roots))))
      ids.push_back(Str(row[0]));
    RetentionFootprint f = Footprint(impl, ids);
    txn.Commit();
    return f;
  });
}

// ---- the purge --------------------------------------------------------------------------------

// Each tree: its rows locked (in id order, the same for every purge), judged, measured, its hashes
// queued, then its rows deleted, all in the one transaction; an error rolls back every tree.
Result<PurgeOutcome> PostgresStore::PurgeExecutions(const std::string& ws,
                                                    const std::vector<std::string>& roots,
                                                    int64_t now) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<PurgeOutcome> {
    PurgeOutcome out;
    if (roots.empty()) return out;
    Impl::Txn txn(impl, /*write=*/true);
    for (const std::string& root : roots) {
      // Rows a concurrent purge deleted while this one waited for their locks are not returned.
      std::vector<std::string> ids;
      bool has_root = false;
      bool finished = true;
      for (const auto& row :
           impl.Exec(std::string(kTreeCte) + "SELECT id, status FROM executions WHERE id IN "
                                             "(SELECT id FROM tree) ORDER BY id FOR UPDATE",
                     Params().S(ws).S(TextArray({root})))) {
        ids.push_back(Str(row[0]));
        if (ids.back() == root) has_root = true;
        if (!IsFinishedName(Str(row[1]))) finished = false;
      }
      if (!has_root) {
        out.kept.emplace_back(root, kKeptNotFound);
        continue;
      }
      if (!finished) {
        out.kept.emplace_back(root, kKeptUnfinished);
        continue;
      }
      if (std::string why = NotifierHolds(impl, ws, ids); !why.empty()) {
        out.kept.emplace_back(root, std::move(why));
        continue;
      }
      out.freed += Footprint(impl, ids);
      const std::string set = TextArray(ids);
      impl.Exec(
          "INSERT INTO blob_queue (sha256, queued_at) SELECT DISTINCT sha256, $2::bigint FROM "
          "artifacts WHERE execution_id = ANY($1::text[]) AND sha256 <> '' ON CONFLICT (sha256) "
          "DO UPDATE SET revision = blob_queue.revision + 1",
          Params().S(set).I(now));
      for (const char* table : {"steps", "events", "step_versions", "artifacts", "step_cache",
                                "notification_deliveries"}) {
        impl.Exec(std::string("DELETE FROM ") + table + " WHERE execution_id = ANY($1::text[])",
                  Params().S(set));
      }
      impl.Exec(
          "DELETE FROM idempotency_keys WHERE workspace_id = $1 AND execution_id = "
          "ANY($2::text[])",
          Params().S(ws).S(set));
      impl.Exec("DELETE FROM executions WHERE id = ANY($1::text[])", Params().S(set));
      out.deleted.push_back(root);
    }
    txn.Commit();
    return out;
  });
}

// ---- the collector's queue --------------------------------------------------------------------

Result<std::vector<QueuedBlob>> PostgresStore::BlobCollectionQueue(int limit) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<QueuedBlob>> {
    std::vector<QueuedBlob> out;
    for (const auto& row :
         impl_->Exec("SELECT sha256, revision FROM blob_queue ORDER BY queued_at, sha256 LIMIT $1",
                     Params().I(LimitOf(limit))))
      out.push_back({Str(row[0]), row[1].as<int64_t>()});
    return out;
  });
}

Result<bool> PostgresStore::BlobReferenced(const std::string& sha256) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<bool> {
    pqxx::result r = impl_->Exec("SELECT EXISTS (SELECT 1 FROM artifacts WHERE sha256 = $1)",
                                 Params().S(sha256));
    return r[0][0].as<bool>();
  });
}

Status PostgresStore::ForgetQueuedBlob(const std::string& sha256, int64_t revision) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Status {
    impl_->Exec("DELETE FROM blob_queue WHERE sha256 = $1 AND revision = $2",
                Params().S(sha256).I(revision));
    return Status::Ok();
  });
}

}  // namespace atelier
