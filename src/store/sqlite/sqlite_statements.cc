// SqliteStore's statement cache: the SQL of every statement the store prepares (SqlFor, by
// StmtId), the families built on demand (guarded execution updates, multi-row event inserts,
// ListExecutions by filter set), the cache that prepares each once per connection (Impl::Get), and
// the helpers that turn JSON and text columns into values. Table and column names live here and in
// migrations.cc only.
#include <stdexcept>
#include <string_view>

#include "atelier/core/json_limits.h"
#include "sqlite_impl.h"

namespace atelier {
namespace sqlite {

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json ColumnJson(const SQLite::Statement& st, int index) {
  SQLite::Column c = st.getColumn(index);
  if (c.isNull()) return Json();
  const std::string_view text(c.getText(), static_cast<size_t>(c.getBytes()));
  if (Status deep = CheckJsonTextDepth(text, kMaxStoredJsonDepth); !deep.ok()) {
    throw std::runtime_error(std::string("stored JSON in column '") + st.getColumnName(index) +
                             "' cannot be read: " + deep.message());
  }
  return Json::parse(text);
}

std::string ColumnString(const SQLite::Statement& st, int index) {
  SQLite::Column c = st.getColumn(index);
  return std::string(c.getText(), static_cast<size_t>(c.getBytes()));
}

}  // namespace sqlite

using namespace sqlite;

namespace {

using record_rows::kApiKeyCols;
using record_rows::kArtifactCols;
using record_rows::kEventCols;
using record_rows::kExecCols;
using record_rows::kLedgerCols;
using record_rows::kStepCols;
using record_rows::kTemplateCols;

// Inserted: the first six are the Event, the seventh is copied from its execution.
constexpr const char* kEventInsertCols =
    "execution_id, seq, ts, type, step_id, payload, workspace_id";
// ?7 = 1: only artifacts of their step's current version; ?8: only executions of that template.
constexpr const char* kArtifactCurrentAndTemplate =
    "(?7 = 0 OR step_version = (SELECT s.version FROM steps s WHERE s.execution_id = "
    "artifacts.execution_id AND s.step_id = artifacts.step_id)) AND (?8 = '' OR execution_id IN "
    "(SELECT x.id FROM executions x WHERE x.template_id = ?8 AND x.workspace_id = ?1))";
// A template row that is the latest version of its (not deleted) template.
constexpr const char* kTemplateIsLatest =
    "deleted_at = 0 AND version = (SELECT MAX(v.version) FROM templates v WHERE v.id = "
    "templates.id)";

// The step row's columns after the key, as "SET" assignments (kStepCols order; session, usage and
// crashes are ?21..?23, after ?19 and ?20, which the guarded updates use).
constexpr const char* kStepSet =
    "node_id=?3, parent_step_id=?4, item_index=?5, status=?6, attempt=?7, attempt_base=?8, "
    "version=?9, output=?10, error=?11, created_at=?12, updated_at=?13, started_at=?14, "
    "finished_at=?15, due_at=?16, lease_owner=?17, lease_expires_at=?18, session=?21, usage=?22, "
    "crashes=?23";
// What an update writes (store.h, ExecWrite): not the columns a launch fixes, so that neither the
// workspace nor the parent index is rewritten. Numbered as in kExecCols.
constexpr const char* kExecSet =
    "status=?5, reason=?6, error=?8, updated_at=?10, started_at=?11, finished_at=?12, owner=?13, "
    "owner_expires_at=?14";

std::string Cat(std::initializer_list<const char*> parts) {
  std::string s;
  for (const char* p : parts) s += p;
  return s;
}

std::string SqlFor(StmtId id) {
  switch (id) {
    case kBeginImmediate:
      return "BEGIN IMMEDIATE";
    case kBeginDeferred:
      return "BEGIN";
    case kCommitTxn:
      return "COMMIT";
    case kRollbackTxn:
      return "ROLLBACK";
    case kSavepoint:
      return "SAVEPOINT transition";
    case kRelease:
      return "RELEASE transition";
    case kRollbackTo:
      return "ROLLBACK TO transition";
    case kExecInsert:
      return Cat({"INSERT INTO executions (", kExecCols,
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                  "?16, ?17, ?18) ON CONFLICT DO NOTHING"});
    case kExecStatus:
      return "SELECT status FROM executions WHERE id = ?1";
    case kExecInWorkspace:
      return "SELECT 1 FROM executions WHERE id = ?1 AND workspace_id = ?2";
    case kExecGet:
      return Cat({"SELECT ", kExecCols, " FROM executions WHERE id = ?1 AND workspace_id = ?2"});
    case kStepInsert:
      return Cat({"INSERT INTO steps (", kStepCols,
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                  "?16, ?17, ?18, ?21, ?22, ?23) ON CONFLICT DO NOTHING"});
    case kStepReplace:
      return Cat({"INSERT OR REPLACE INTO steps (", kStepCols,
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                  "?16, ?17, ?18, ?21, ?22, ?23)"});
    case kCachePut:
      return "INSERT OR REPLACE INTO step_cache (workspace_id, key, execution_id, step_id, "
             "version, output, session, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    case kCacheGet:
      return "SELECT workspace_id, key, execution_id, step_id, version, output, session, "
             "created_at FROM step_cache WHERE workspace_id = ?1 AND key = ?2";
    case kVersionPut:
      return "INSERT OR REPLACE INTO step_versions (execution_id, step_id, version, output, "
             "session, meta, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    case kVersionList:
      return "SELECT execution_id, step_id, version, output, session, meta, created_at FROM "
             "step_versions WHERE execution_id = ?1 AND step_id = ?2 ORDER BY version";
    case kStepUpdate:
      return Cat({"UPDATE steps SET ", kStepSet, " WHERE execution_id = ?1 AND step_id = ?2"});
    case kStepUpdateStatus:
      return Cat({"UPDATE steps SET ", kStepSet,
                  " WHERE execution_id = ?1 AND step_id = ?2 AND status = ?19"});
    case kStepUpdateAttempt:
      return Cat({"UPDATE steps SET ", kStepSet,
                  " WHERE execution_id = ?1 AND step_id = ?2 AND attempt = ?20"});
    case kStepUpdateBoth:
      return Cat({"UPDATE steps SET ", kStepSet,
                  " WHERE execution_id = ?1 AND step_id = ?2 AND status = ?19 AND attempt = ?20"});
    case kStepList:
      return Cat({"SELECT ", kStepCols,
                  " FROM steps WHERE execution_id = ?1 ORDER BY created_at, item_index, step_id"});
    case kEventMaxSeq:
      return "SELECT COALESCE(MAX(seq), 0), (SELECT workspace_id FROM executions WHERE id = ?1) "
             "FROM events WHERE execution_id = ?1";
    case kExecWorkspace:
      return "SELECT workspace_id FROM executions WHERE id = ?1";
    case kEventInsert:
      return Cat(
          {"INSERT INTO events (", kEventInsertCols, ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"});
    case kEventRead:
      return Cat({"SELECT ", kEventCols,
                  " FROM events WHERE execution_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"});
    case kEventReadWorkspace:
      return Cat({"SELECT ", kEventCols,
                  " FROM events WHERE workspace_id = ?1 AND gid > ?2 ORDER BY gid LIMIT ?3"});
    case kEventLastGid:
      return "SELECT COALESCE(MAX(gid), 0) FROM events WHERE workspace_id = ?1";
    case kArtifactInsert:
      return Cat({"INSERT INTO artifacts (", kArtifactCols,
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"});
    case kArtifactList:
      return Cat({"SELECT ", kArtifactCols,
                  " FROM artifacts WHERE execution_id = ?1 ORDER BY created_at, id"});
    case kArtifactGet:
      return Cat({"SELECT ", kArtifactCols, " FROM artifacts WHERE id = ?1 AND workspace_id = ?2"});
    case kArtifactQuery:
      return Cat({"SELECT ", kArtifactCols,
                  " FROM artifacts WHERE workspace_id = ?1 AND (?3 = '' OR step_id = ?3) AND "
                  "(?4 = '' OR kind = ?4) AND created_at > ?5 AND ",
                  kArtifactCurrentAndTemplate, " ORDER BY created_at, id LIMIT ?6"});
    // The unary + keeps the planner on the execution's index rather than the workspace's.
    case kArtifactQueryByExec:
      return Cat({"SELECT ", kArtifactCols,
                  " FROM artifacts WHERE execution_id = ?2 AND +workspace_id = ?1 AND "
                  "(?3 = '' OR step_id = ?3) AND (?4 = '' OR kind = ?4) AND +created_at > ?5 "
                  "AND ",
                  kArtifactCurrentAndTemplate, " ORDER BY created_at, id LIMIT ?6"});
    // Deleting a template marks all its versions, so the latest live row of a name or id is
    // the latest version of a live template.
    case kTemplateLatestByName:
      return Cat({"SELECT ", kTemplateCols,
                  " FROM templates WHERE workspace_id = ?1 AND name = ?2 AND deleted_at = 0 "
                  "ORDER BY version DESC LIMIT 1"});
    case kTemplateLatestById:
      return Cat({"SELECT ", kTemplateCols,
                  " FROM templates WHERE id = ?1 AND workspace_id = ?2 AND deleted_at = 0 "
                  "ORDER BY version DESC LIMIT 1"});
    // instr() rather than LIKE, so that '%' and '_' in the searched text match themselves.
    case kTemplateList:
      return Cat({"SELECT ", kTemplateCols, " FROM templates WHERE workspace_id = ?1 AND ",
                  kTemplateIsLatest,
                  " AND (?2 = '' OR category = ?2) AND (?3 = '' OR instr(lower(name), "
                  "lower(?3)) > 0) AND (?4 = '' OR name > ?4) ORDER BY name, id LIMIT ?5"});
    case kTemplateVersions:
      return Cat({"SELECT ", kTemplateCols,
                  " FROM templates WHERE id = ?1 AND workspace_id = ?2 AND deleted_at = 0 "
                  "ORDER BY version"});
    case kTemplateDelete:
      return "UPDATE templates SET deleted_at = ?3 WHERE id = ?1 AND workspace_id = ?2 AND "
             "deleted_at = 0";
    case kTemplateCategories:
      return Cat(
          {"SELECT category, COUNT(*) FROM templates WHERE workspace_id = ?1 AND "
           "category != '' AND ",
           kTemplateIsLatest, " GROUP BY category ORDER BY category"});
    case kTemplateVersion:
      return Cat({"SELECT ", kTemplateCols,
                  " FROM templates WHERE id = ?1 AND workspace_id = ?2 AND version = ?3"});
    case kTemplateInsert:
      return Cat({"INSERT INTO templates (", kTemplateCols,
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING"});
    case kWorkspaceInsert:
      return "INSERT OR IGNORE INTO workspaces (id, name, created_at) VALUES (?1, ?2, ?3)";
    case kWorkspaceGet:
      return "SELECT id, name, created_at FROM workspaces WHERE id = ?1";
    case kWorkspaceList:
      return "SELECT id, name, created_at FROM workspaces ORDER BY created_at, rowid";
    case kApiKeyInsert:
      return Cat({"INSERT INTO api_keys (", kApiKeyCols,
                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING"});
    case kApiKeyById:
      return Cat({"SELECT ", kApiKeyCols, " FROM api_keys WHERE id = ?1"});
    case kApiKeyByHash:
      return Cat({"SELECT ", kApiKeyCols, " FROM api_keys WHERE secret_hash = ?1"});
    case kApiKeyList:
      return Cat({"SELECT ", kApiKeyCols,
                  " FROM api_keys WHERE workspace_id = ?1 ORDER BY created_at, rowid"});
    case kApiKeyRevoke:
      return "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND workspace_id = ?2 AND "
             "revoked_at = 0";
    case kApiKeyCount:
      return "SELECT COUNT(*) FROM api_keys";
    case kLedgerByKey:
      return Cat(
          {"SELECT ", kLedgerCols, " FROM credit_ledger WHERE workspace_id = ?1 AND key = ?2"});
    case kLedgerInsert:
      return "INSERT INTO credit_ledger (workspace_id, kind, amount, key, reservation_key, "
             "execution_id, step_id, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    case kLedgerList:
      return Cat({"SELECT ", kLedgerCols,
                  " FROM credit_ledger WHERE workspace_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"});
    case kLedgerListByExec:
      return Cat({"SELECT ", kLedgerCols,
                  " FROM credit_ledger WHERE workspace_id = ?1 AND execution_id = ?4 AND id > ?2 "
                  "ORDER BY id LIMIT ?3"});
    // Newest first: ?2 is the cursor from the other end (ids below it; the largest id when 0).
    case kLedgerListNewest:
      return Cat({"SELECT ", kLedgerCols,
                  " FROM credit_ledger WHERE workspace_id = ?1 AND id < ?2 ORDER BY id DESC "
                  "LIMIT ?3"});
    case kLedgerListByExecNewest:
      return Cat({"SELECT ", kLedgerCols,
                  " FROM credit_ledger WHERE workspace_id = ?1 AND execution_id = ?4 AND id < ?2 "
                  "ORDER BY id DESC LIMIT ?3"});
    case kBalanceGet:
      return "SELECT balance, granted, reserved FROM credit_balances WHERE workspace_id = ?1";
    case kBalanceAdd:
      return "INSERT INTO credit_balances (workspace_id, balance, granted, reserved) VALUES (?1, "
             "?2, ?3, ?4) ON CONFLICT (workspace_id) DO UPDATE SET balance = balance + "
             "excluded.balance, granted = granted + excluded.granted, reserved = reserved + "
             "excluded.reserved";
    case kOpenReservationInsert:
      return "INSERT INTO credit_open_reservations (workspace_id, key, ledger_id, amount) VALUES "
             "(?1, ?2, ?3, ?4)";
    case kOpenReservationGet:
      return "SELECT amount FROM credit_open_reservations WHERE workspace_id = ?1 AND key = ?2";
    case kOpenReservationDelete:
      return "DELETE FROM credit_open_reservations WHERE workspace_id = ?1 AND key = ?2";
    case kOpenReservationList:
      return "SELECT l.id, l.workspace_id, l.kind, l.amount, l.key, l.reservation_key, "
             "l.execution_id, l.step_id, l.note, l.created_at FROM credit_open_reservations o "
             "JOIN credit_ledger l ON l.id = o.ledger_id WHERE o.workspace_id = ?1 ORDER BY l.id";
    case kIdempotencyPut:
      return "INSERT INTO idempotency_keys (workspace_id, key, request_hash, execution_id, "
             "created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";
    case kIdempotencyGet:
      return "SELECT workspace_id, key, request_hash, execution_id, created_at FROM "
             "idempotency_keys WHERE workspace_id = ?1 AND key = ?2";
    case kRenewSteps:
      return "UPDATE steps SET lease_expires_at = ?2 WHERE lease_owner = ?1 AND status = "
             "'running'";
    case kRenewExecs:
      return "UPDATE executions SET owner_expires_at = ?2 WHERE owner = ?1";
    case kClaimSelect:
      return Cat({"SELECT ", kExecCols,
                  " FROM executions WHERE status IN ('queued', 'running') AND workspace_id = ?1 "
                  "AND parent_execution_id = '' AND (owner = '' OR owner_expires_at <= ?2) "
                  "ORDER BY created_at, id LIMIT ?3"});
    case kClaimUpdate:
      return "UPDATE executions SET owner = ?2, owner_expires_at = ?3 WHERE id = ?1";
    case kSchemaVersion:
      return "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
    case kNumStmts:
      break;
  }
  throw std::logic_error("no SQL for statement id");
}

}  // namespace

SQLite::Statement& SqliteStore::Impl::Get(StmtId id) {
  auto& slot = stmts[id];
  if (!slot) slot = std::make_unique<SQLite::Statement>(db, SqlFor(id));
  return *slot;
}

SQLite::Statement& SqliteStore::Impl::ExecUpdate(size_t n, bool owner) {
  const size_t key = n * 2 + (owner ? 1 : 0);
  if (exec_updates.size() <= key) exec_updates.resize(key + 1);
  auto& slot = exec_updates[key];
  if (!slot) {
    std::string sql = Cat({"UPDATE executions SET ", kExecSet, " WHERE id = ?1"});
    if (n > 0) {
      sql += " AND status IN (";
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) sql += ", ";
        sql += "?" + std::to_string(17 + i);
      }
      sql += ")";
    }
    if (owner) sql += " AND owner = ?100";
    slot = std::make_unique<SQLite::Statement>(db, sql);
  }
  return *slot;
}

SQLite::Statement& SqliteStore::Impl::EventInsert(size_t rows) {
  if (rows == 1) return Get(kEventInsert);
  auto& slot = event_inserts.at(rows);
  if (!slot) {
    std::string sql = Cat({"INSERT INTO events (", kEventInsertCols, ") VALUES "});
    for (size_t r = 0; r < rows; ++r)
      sql += r == 0 ? "(?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?)";
    slot = std::make_unique<SQLite::Statement>(db, sql);
  }
  return *slot;
}

// Only the filters in use appear in the SQL, so that the planner sees plain terms it can use
// indexes for. Sub-executions of one parent are few: that filter goes through the partial
// parent index (it repeats the index's condition, and + keeps the workspace index out).
SQLite::Statement& SqliteStore::Impl::ExecListStmt(unsigned mask) {
  auto& slot = exec_lists[mask];
  if (!slot) slot = std::make_unique<SQLite::Statement>(db, ExecListSql(mask));
  return *slot;
}

namespace sqlite {

std::string StatementSql(StmtId id) { return SqlFor(id); }

std::string ExecListSql(unsigned mask) {
  std::string sql = Cat({"SELECT ", kExecCols, " FROM executions WHERE ",
                         (mask & kListParent) ? "+workspace_id = ?1" : "workspace_id = ?1"});
  if (mask & kListStatus) sql += " AND status = ?2";
  if (mask & kListTemplate) sql += " AND template_id = ?3";
  if (mask & kListCreatedAfter) sql += " AND created_at >= ?5";
  if (mask & kListCreatedBefore) sql += " AND created_at < ?6";
  if (mask & kListCursor) sql += " AND created_at <= ?7 AND (created_at < ?7 OR id < ?8)";
  if (mask & kListTopLevel) sql += " AND parent_execution_id = ''";
  if (mask & kListParent) sql += " AND parent_execution_id = ?9 AND parent_execution_id != ''";
  return sql + " ORDER BY created_at DESC, id DESC LIMIT ?4";
}

std::string ExecColumns(const std::string& alias) {
  std::string out;
  std::string_view cols = kExecCols;
  while (!cols.empty()) {
    size_t comma = cols.find(", ");
    out += alias;
    out += cols.substr(0, comma);
    if (comma == std::string_view::npos) break;
    out += ", ";
    cols.remove_prefix(comma + 2);
  }
  return out;
}

}  // namespace sqlite

}  // namespace atelier
