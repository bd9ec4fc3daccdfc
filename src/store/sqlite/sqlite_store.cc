#include "store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "atelier/core/json_limits.h"
#include "store/sqlite/migrations.h"

namespace atelier {
namespace {

constexpr int kBusyTimeoutMs = 10000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status FromSqlite(const SQLite::Exception& e) {
  const int primary = e.getErrorCode() & 0xff;
  std::string message = std::string("sqlite: ") + e.what();
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Unavailable(std::move(message));
  return Internal(std::move(message));
}

// Invalid UTF-8 (an upstream that returned raw bytes) is replaced rather than failing the
// whole commit batch over one field.
std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

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

ExecStatus ParseExecStatus(const std::string& name) {
  auto s = ExecStatusFromName(name);
  if (!s) throw std::runtime_error("unknown execution status '" + name + "' in the database");
  return *s;
}

StepStatus ParseStepStatus(const std::string& name) {
  auto s = StepStatusFromName(name);
  if (!s) throw std::runtime_error("unknown step status '" + name + "' in the database");
  return *s;
}

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

constexpr const char* kExecCols =
    "id, workspace_id, template_id, template_version, status, reason, inputs, error, "
    "created_at, updated_at, started_at, finished_at, owner, owner_expires_at, "
    "parent_execution_id, parent_step_id";
constexpr const char* kStepCols =
    "execution_id, step_id, node_id, parent_step_id, item_index, status, attempt, "
    "attempt_base, version, output, error, created_at, updated_at, started_at, finished_at, "
    "due_at, lease_owner, lease_expires_at, session, usage, crashes";
// Inserted: the first six are the Event, the seventh is copied from its execution.
constexpr const char* kEventInsertCols =
    "execution_id, seq, ts, type, step_id, payload, workspace_id";
constexpr const char* kEventCols = "execution_id, seq, ts, type, step_id, payload, gid";
constexpr const char* kArtifactCols =
    "id, workspace_id, execution_id, step_id, step_version, kind, mime, sha256, size, name, "
    "meta, created_at";
constexpr const char* kTemplateCols =
    "workspace_id, id, version, name, category, description, definition, content_hash, "
    "created_at, builtin";
// A template row that is the latest version of its (not deleted) template.
constexpr const char* kTemplateIsLatest =
    "deleted_at = 0 AND version = (SELECT MAX(v.version) FROM templates v WHERE v.id = "
    "templates.id)";
constexpr const char* kApiKeyCols =
    "id, workspace_id, role, name, prefix, secret_hash, created_at, revoked_at";
constexpr const char* kLedgerCols =
    "id, workspace_id, kind, amount, key, reservation_key, execution_id, step_id, note, "
    "created_at";

// The step row's columns after the key, as "SET" assignments (kStepCols order; session, usage and
// crashes are ?21..?23, after ?19 and ?20, which the guarded updates use).
constexpr const char* kStepSet =
    "node_id=?3, parent_step_id=?4, item_index=?5, status=?6, attempt=?7, attempt_base=?8, "
    "version=?9, output=?10, error=?11, created_at=?12, updated_at=?13, started_at=?14, "
    "finished_at=?15, due_at=?16, lease_owner=?17, lease_expires_at=?18, session=?21, usage=?22, "
    "crashes=?23";
constexpr const char* kExecSet =
    "workspace_id=?2, template_id=?3, template_version=?4, status=?5, reason=?6, inputs=?7, "
    "error=?8, created_at=?9, updated_at=?10, started_at=?11, finished_at=?12, owner=?13, "
    "owner_expires_at=?14, parent_execution_id=?15, parent_step_id=?16";

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
  kSchemaVersion,
  kNumStmts,
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
                  "?16) ON CONFLICT DO NOTHING"});
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
                  "(?4 = '' OR kind = ?4) AND created_at > ?5 ORDER BY created_at, id LIMIT ?6"});
    // The unary + keeps the planner on the execution's index rather than the workspace's.
    case kArtifactQueryByExec:
      return Cat({"SELECT ", kArtifactCols,
                  " FROM artifacts WHERE execution_id = ?2 AND +workspace_id = ?1 AND "
                  "(?3 = '' OR step_id = ?3) AND (?4 = '' OR kind = ?4) AND +created_at > ?5 "
                  "ORDER BY created_at, id LIMIT ?6"});
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
    case kSchemaVersion:
      return "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
    case kNumStmts:
      break;
  }
  throw std::logic_error("no SQL for statement id");
}

ExecutionRecord ReadExecution(const SQLite::Statement& st) {
  ExecutionRecord r;
  r.id = ColumnString(st, 0);
  r.workspace_id = ColumnString(st, 1);
  r.template_id = ColumnString(st, 2);
  r.template_version = st.getColumn(3).getInt();
  r.status = ParseExecStatus(ColumnString(st, 4));
  r.reason = ColumnString(st, 5);
  r.inputs = ColumnJson(st, 6);
  r.error = ColumnJson(st, 7);
  r.created_at = st.getColumn(8).getInt64();
  r.updated_at = st.getColumn(9).getInt64();
  r.started_at = st.getColumn(10).getInt64();
  r.finished_at = st.getColumn(11).getInt64();
  r.owner = ColumnString(st, 12);
  r.owner_expires_at = st.getColumn(13).getInt64();
  r.parent_execution_id = ColumnString(st, 14);
  r.parent_step_id = ColumnString(st, 15);
  return r;
}

// With `contents` false, output, error and session stay null (not parsed).
StepRecord ReadStep(const SQLite::Statement& st, bool contents = true) {
  StepRecord r;
  r.execution_id = ColumnString(st, 0);
  r.step_id = ColumnString(st, 1);
  r.node_id = ColumnString(st, 2);
  r.parent_step_id = ColumnString(st, 3);
  r.item_index = st.getColumn(4).getInt();
  r.status = ParseStepStatus(ColumnString(st, 5));
  r.attempt = st.getColumn(6).getInt();
  r.attempt_base = st.getColumn(7).getInt();
  r.version = st.getColumn(8).getInt();
  if (contents) {
    r.output = ColumnJson(st, 9);
    r.error = ColumnJson(st, 10);
    r.session = ColumnJson(st, 18);
  }
  r.created_at = st.getColumn(11).getInt64();
  r.updated_at = st.getColumn(12).getInt64();
  r.started_at = st.getColumn(13).getInt64();
  r.finished_at = st.getColumn(14).getInt64();
  r.due_at = st.getColumn(15).getInt64();
  r.lease_owner = ColumnString(st, 16);
  r.lease_expires_at = st.getColumn(17).getInt64();
  r.usage = ColumnJson(st, 19);
  r.crashes = st.getColumn(20).getInt();
  return r;
}

Event ReadEvent(const SQLite::Statement& st) {
  Event e;
  e.execution_id = ColumnString(st, 0);
  e.seq = st.getColumn(1).getInt64();
  e.ts = st.getColumn(2).getInt64();
  e.type = ColumnString(st, 3);
  e.step_id = ColumnString(st, 4);
  e.payload = ColumnJson(st, 5);
  e.gid = st.getColumn(6).getInt64();
  return e;
}

ArtifactRecord ReadArtifact(const SQLite::Statement& st) {
  ArtifactRecord a;
  a.id = ColumnString(st, 0);
  a.workspace_id = ColumnString(st, 1);
  a.execution_id = ColumnString(st, 2);
  a.step_id = ColumnString(st, 3);
  a.step_version = st.getColumn(4).getInt();
  a.kind = ColumnString(st, 5);
  a.mime = ColumnString(st, 6);
  a.sha256 = ColumnString(st, 7);
  a.size = st.getColumn(8).getInt64();
  a.name = ColumnString(st, 9);
  a.meta = ColumnJson(st, 10);
  a.created_at = st.getColumn(11).getInt64();
  return a;
}

TemplateRecord ReadTemplate(const SQLite::Statement& st) {
  TemplateRecord t;
  t.workspace_id = ColumnString(st, 0);
  t.id = ColumnString(st, 1);
  t.version = st.getColumn(2).getInt();
  t.name = ColumnString(st, 3);
  t.category = ColumnString(st, 4);
  t.description = ColumnString(st, 5);
  t.definition = ColumnJson(st, 6);
  t.content_hash = ColumnString(st, 7);
  t.created_at = st.getColumn(8).getInt64();
  t.builtin = st.getColumn(9).getInt() != 0;
  return t;
}

// PutTemplate of a name whose latest version is built-in while the new one is not, or the other
// way round: neither replaces the other.
Status BuiltinNameTaken(const TemplateRecord& latest) {
  if (latest.builtin)
    return AlreadyExists("'" + latest.name + "' is a built-in template (" + latest.id +
                         "); clone it under another name to make your own");
  return AlreadyExists("a user template named '" + latest.name + "' (" + latest.id +
                       ") exists; the built-in template of that name is not stored over it");
}

WorkspaceRecord ReadWorkspace(const SQLite::Statement& st) {
  WorkspaceRecord w;
  w.id = ColumnString(st, 0);
  w.name = ColumnString(st, 1);
  w.created_at = st.getColumn(2).getInt64();
  return w;
}

ApiKeyRecord ReadApiKey(const SQLite::Statement& st) {
  ApiKeyRecord k;
  k.id = ColumnString(st, 0);
  k.workspace_id = ColumnString(st, 1);
  const std::string role = ColumnString(st, 2);
  auto r = RoleFromName(role);
  if (!r) throw std::runtime_error("unknown role '" + role + "' in the database");
  k.role = *r;
  k.name = ColumnString(st, 3);
  k.prefix = ColumnString(st, 4);
  k.secret_hash = ColumnString(st, 5);
  k.created_at = st.getColumn(6).getInt64();
  k.revoked_at = st.getColumn(7).getInt64();
  return k;
}

LedgerEntry ReadLedgerEntry(const SQLite::Statement& st) {
  LedgerEntry e;
  e.id = st.getColumn(0).getInt64();
  e.workspace_id = ColumnString(st, 1);
  const std::string kind = ColumnString(st, 2);
  auto k = LedgerKindFromName(kind);
  if (!k) throw std::runtime_error("unknown ledger kind '" + kind + "' in the database");
  e.kind = *k;
  e.amount = st.getColumn(3).getInt64();
  e.key = ColumnString(st, 4);
  e.reservation_key = ColumnString(st, 5);
  e.execution_id = ColumnString(st, 6);
  e.step_id = ColumnString(st, 7);
  e.note = ColumnString(st, 8);
  e.created_at = st.getColumn(9).getInt64();
  return e;
}

// Which ops can leave a transition unapplied, and which write. A failing op writes nothing
// itself; only what came before it in the transition needs undoing.
bool CanFail(const Op& op) {
  if (const auto* l = std::get_if<LedgerAppend>(&op)) return l->require_funds;
  return std::holds_alternative<ExecWrite>(op) || std::holds_alternative<StepWrite>(op) ||
         std::holds_alternative<ExecGuard>(op) || std::holds_alternative<IdempotencyPut>(op);
}
bool Writes(const Op& op) { return !std::holds_alternative<ExecGuard>(op); }

// A savepoint is needed only when a guard can fail after something was already written; a
// transition whose guards all come first (or that has one write) is rolled back for free.
bool NeedsSavepoint(const Transition& t) {
  bool wrote = false;
  for (const Op& op : t.ops) {
    if (wrote && CanFail(op)) return true;
    if (Writes(op)) wrote = true;
  }
  return false;
}

}  // namespace

struct SqliteStore::Impl {
  explicit Impl(const std::string& path)
      : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
           kBusyTimeoutMs),
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
      return fail(FromSqlite(e));
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

  SQLite::Statement& Get(StmtId id) {
    auto& slot = stmts[id];
    if (!slot) slot = std::make_unique<SQLite::Statement>(db, SqlFor(id));
    return *slot;
  }

  // UPDATE of a whole execution row guarded by `n` allowed statuses (?17..?16+n); n == 0 means
  // any status.
  // The guarded update for `n` expected statuses (?17...), with an owner guard (?14 holds the
  // new owner, so the expected one is bound to ?100) when `owner` is set.
  SQLite::Statement& ExecUpdate(size_t n, bool owner) {
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

  // Only the filters in use appear in the SQL, so that the planner sees plain terms it can use
  // indexes for. Sub-executions of one parent are few: that filter goes through the partial
  // parent index (it repeats the index's condition, and + keeps the workspace index out).
  SQLite::Statement& ExecListStmt(unsigned mask) {
    auto& slot = exec_lists[mask];
    if (!slot) {
      std::string sql = Cat({"SELECT ", kExecCols, " FROM executions WHERE ",
                             (mask & kListParent) ? "+workspace_id = ?1" : "workspace_id = ?1"});
      if (mask & kListStatus) sql += " AND status = ?2";
      if (mask & kListTemplate) sql += " AND template_id = ?3";
      if (mask & kListCreatedAfter) sql += " AND created_at >= ?5";
      if (mask & kListCreatedBefore) sql += " AND created_at < ?6";
      if (mask & kListCursor) sql += " AND created_at <= ?7 AND (created_at < ?7 OR id < ?8)";
      if (mask & kListTopLevel) sql += " AND parent_execution_id = ''";
      if (mask & kListParent) {
        sql += " AND parent_execution_id = ?9 AND parent_execution_id != ''";
      }
      sql += " ORDER BY created_at DESC, id DESC LIMIT ?4";
      slot = std::make_unique<SQLite::Statement>(db, sql);
    }
    return *slot;
  }

  void Run(StmtId id) {
    StmtUse st(Get(id));
    st->exec();
  }

  // A transaction that rolls back unless Commit() is reached.
  class Txn {
   public:
    Txn(Impl& impl, bool write) : impl_(impl) {
      impl_.Run(write ? kBeginImmediate : kBeginDeferred);
    }
    ~Txn() {
      if (!done_) impl_.RollbackQuietly();
    }
    void Commit() {
      impl_.Run(kCommitTxn);
      done_ = true;
    }

   private:
    Impl& impl_;
    bool done_ = false;
  };

  Status Migrate();
  int SchemaVersion() {
    StmtUse st(Get(kSchemaVersion));
    st->executeStep();
    return st->getColumn(0).getInt();
  }

  bool ExecutionInWorkspace(const std::string& ws, const std::string& id) {
    StmtUse st(Get(kExecInWorkspace));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    return st->executeStep();
  }

  CommitResult CommitBatch(const std::vector<Transition>& batch);
  // Applies every transition in order inside the open transaction. Without `careful` there are
  // no savepoints, and it returns false (leaving the transaction to be rolled back) as soon as a
  // guard fails after its transition wrote something; with `careful` it always succeeds.
  bool ApplyBatch(const std::vector<Transition>& batch, bool careful, CommitResult& out);
  bool Apply(const ExecWrite& w);
  bool Apply(const StepWrite& w);
  bool Apply(const ExecGuard& g);
  void Apply(const EventAppend& a, CommitResult& out);
  void Apply(const ArtifactInsert& a);
  void Apply(const StepVersionPut& v);
  void Apply(const CachePut& c);
  bool Apply(const LedgerAppend& l);
  bool Apply(const IdempotencyPut& p);
  Result<std::vector<StepRecord>> ReadSteps(const std::string& ws, const std::string& execution_id,
                                            bool contents);

  std::mutex mu;
  SQLite::Database db;
  std::array<std::unique_ptr<SQLite::Statement>, kNumStmts> stmts;
  std::vector<std::unique_ptr<SQLite::Statement>> exec_updates;
  std::unordered_map<unsigned, std::unique_ptr<SQLite::Statement>> exec_lists;
  std::mt19937_64 rng;

  // Per Commit call, for each execution touched: its last event seq and its workspace ("" while
  // the execution does not exist). seq_undo says how to undo this transition's increments.
  // unordered_map keeps element addresses stable across rehashing.
  struct EventTail {
    int64_t seq = 0;
    std::string workspace_id;
  };
  std::unordered_map<std::string, EventTail> last_seq;
  std::vector<std::pair<int64_t*, int64_t>> seq_undo;
};

Status SqliteStore::Impl::Migrate() {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at INTEGER)");
  const int current = SchemaVersion();
  for (const sqlite::Migration& m : sqlite::Migrations()) {
    if (m.version <= current) continue;
    Txn txn(*this, /*write=*/true);
    // Another process may have applied it since we looked; the write lock settles that.
    SQLite::Statement applied(db, "SELECT 1 FROM schema_migrations WHERE version = ?1");
    applied.bind(1, m.version);
    if (applied.executeStep()) continue;
    db.exec(m.sql);
    SQLite::Statement record(db,
                             "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");
    record.bind(1, m.version);
    record.bind(2, NowMs());
    record.exec();
    txn.Commit();
  }
  return Status::Ok();
}

namespace {

void BindExecution(SQLite::Statement& st, const ExecutionRecord& r, const JsonText& inputs,
                   const JsonText& error) {
  st.bindNoCopy(1, r.id);
  st.bindNoCopy(2, r.workspace_id);
  st.bindNoCopy(3, r.template_id);
  st.bind(4, r.template_version);
  st.bindNoCopy(5, ExecStatusName(r.status));
  st.bindNoCopy(6, r.reason);
  inputs.Bind(st, 7);
  error.Bind(st, 8);
  st.bind(9, r.created_at);
  st.bind(10, r.updated_at);
  st.bind(11, r.started_at);
  st.bind(12, r.finished_at);
  st.bindNoCopy(13, r.owner);
  st.bind(14, r.owner_expires_at);
  st.bindNoCopy(15, r.parent_execution_id);
  st.bindNoCopy(16, r.parent_step_id);
}

void BindStep(SQLite::Statement& st, const StepRecord& r, const JsonText& output,
              const JsonText& error, const JsonText& session, const JsonText& usage) {
  session.Bind(st, 21);
  usage.Bind(st, 22);
  st.bindNoCopy(1, r.execution_id);
  st.bindNoCopy(2, r.step_id);
  st.bindNoCopy(3, r.node_id);
  st.bindNoCopy(4, r.parent_step_id);
  st.bind(5, r.item_index);
  st.bindNoCopy(6, StepStatusName(r.status));
  st.bind(7, r.attempt);
  st.bind(8, r.attempt_base);
  st.bind(9, r.version);
  output.Bind(st, 10);
  error.Bind(st, 11);
  st.bind(12, r.created_at);
  st.bind(13, r.updated_at);
  st.bind(14, r.started_at);
  st.bind(15, r.finished_at);
  st.bind(16, r.due_at);
  st.bindNoCopy(17, r.lease_owner);
  st.bind(18, r.lease_expires_at);
  st.bind(23, r.crashes);
}

}  // namespace

bool SqliteStore::Impl::Apply(const ExecWrite& w) {
  const JsonText inputs(w.row.inputs);
  const JsonText error(w.row.error);
  if (w.insert) {
    StmtUse st(Get(kExecInsert));
    BindExecution(*st, w.row, inputs, error);
    return st->exec() == 1;
  }
  StmtUse st(ExecUpdate(w.expected.size(), w.expected_owner.has_value()));
  BindExecution(*st, w.row, inputs, error);
  for (size_t i = 0; i < w.expected.size(); ++i) {
    st->bindNoCopy(static_cast<int>(17 + i), ExecStatusName(w.expected[i]));
  }
  if (w.expected_owner) st->bindNoCopy(100, *w.expected_owner);
  return st->exec() == 1;
}

bool SqliteStore::Impl::Apply(const StepWrite& w) {
  const JsonText output(w.row.output);
  const JsonText error(w.row.error);
  const JsonText session(w.row.session);
  const JsonText usage(w.row.usage);
  if (w.replace) {
    StmtUse st(Get(kStepReplace));
    BindStep(*st, w.row, output, error, session, usage);
    st->exec();
    return true;
  }
  if (w.insert) {
    StmtUse st(Get(kStepInsert));
    BindStep(*st, w.row, output, error, session, usage);
    return st->exec() == 1;
  }
  StmtId id = kStepUpdate;
  if (w.expected && w.expected_attempt) {
    id = kStepUpdateBoth;
  } else if (w.expected) {
    id = kStepUpdateStatus;
  } else if (w.expected_attempt) {
    id = kStepUpdateAttempt;
  }
  StmtUse st(Get(id));
  BindStep(*st, w.row, output, error, session, usage);
  if (w.expected) st->bindNoCopy(19, StepStatusName(*w.expected));
  if (w.expected_attempt) st->bind(20, *w.expected_attempt);
  return st->exec() == 1;
}

// An empty status list only requires that the execution exists.
bool SqliteStore::Impl::Apply(const ExecGuard& g) {
  StmtUse st(Get(kExecStatus));
  st->bindNoCopy(1, g.execution_id);
  if (!st->executeStep()) return false;
  if (g.statuses.empty()) return true;
  const char* stored = st->getColumn(0).getText();
  for (ExecStatus s : g.statuses) {
    if (std::strcmp(stored, ExecStatusName(s)) == 0) return true;
  }
  return false;
}

void SqliteStore::Impl::Apply(const EventAppend& a, CommitResult& out) {
  auto [it, inserted] = last_seq.try_emplace(a.event.execution_id);
  EventTail& tail = it->second;
  if (inserted) {
    StmtUse st(Get(kEventMaxSeq));
    st->bindNoCopy(1, a.event.execution_id);
    st->executeStep();
    tail.seq = st->getColumn(0).getInt64();
    tail.workspace_id = ColumnString(*st, 1);
  } else if (tail.workspace_id.empty()) {  // appended before its execution was inserted
    StmtUse st(Get(kExecWorkspace));
    st->bindNoCopy(1, a.event.execution_id);
    if (st->executeStep()) tail.workspace_id = ColumnString(*st, 0);
  }
  seq_undo.emplace_back(&tail.seq, tail.seq);
  Event& e = out.events.emplace_back(a.event);
  e.seq = ++tail.seq;
  const JsonText payload(e.payload);
  StmtUse st(Get(kEventInsert));
  st->bindNoCopy(1, e.execution_id);
  st->bind(2, e.seq);
  st->bind(3, e.ts);
  st->bindNoCopy(4, e.type);
  st->bindNoCopy(5, e.step_id);
  payload.Bind(*st, 6);
  st->bindNoCopy(7, tail.workspace_id);
  st->exec();
  e.gid = db.getLastInsertRowid();
}

// A replayed key is a successful no-op, checked before the funds so that a replay never fails.
bool SqliteStore::Impl::Apply(const LedgerAppend& l) {
  LedgerEntry relative;  // the entry to write when its amount is relative to the reservation
  const LedgerEntry* entry = &l.entry;
  if (l.entry.key.empty()) throw std::invalid_argument("a ledger entry needs a key");
  {
    StmtUse st(Get(kLedgerByKey));
    st->bindNoCopy(1, l.entry.workspace_id);
    st->bindNoCopy(2, l.entry.key);
    if (st->executeStep()) return true;
  }
  // A settlement or refund closes its reservation once: with none open under that key (never
  // made, or already closed) it adds nothing.
  std::optional<int64_t> open;
  if ((l.entry.kind == LedgerKind::kSettlement || l.entry.kind == LedgerKind::kRefund) &&
      !l.entry.reservation_key.empty()) {
    StmtUse st(Get(kOpenReservationGet));
    st->bindNoCopy(1, l.entry.workspace_id);
    st->bindNoCopy(2, l.entry.reservation_key);
    if (!st->executeStep()) return true;
    open = st->getColumn(0).getInt64();
    if (l.against_reservation) {
      relative = l.entry;
      relative.amount = -*open - l.entry.amount;
      entry = &relative;
    }
  }
  const LedgerEntry& e = *entry;
  if (l.require_funds) {
    StmtUse st(Get(kBalanceGet));
    st->bindNoCopy(1, e.workspace_id);
    const int64_t balance = st->executeStep() ? st->getColumn(0).getInt64() : 0;
    if (balance + e.amount < 0) return false;
  }
  {
    StmtUse st(Get(kLedgerInsert));
    st->bindNoCopy(1, e.workspace_id);
    st->bindNoCopy(2, LedgerKindName(e.kind));
    st->bind(3, e.amount);
    st->bindNoCopy(4, e.key);
    st->bindNoCopy(5, e.reservation_key);
    st->bindNoCopy(6, e.execution_id);
    st->bindNoCopy(7, e.step_id);
    st->bindNoCopy(8, e.note);
    st->bind(9, e.created_at);
    st->exec();
  }
  const int64_t id = db.getLastInsertRowid();
  // How `reserved` changes: a reservation opens; the settlement or refund that closes it gives
  // back what it held.
  int64_t reserved = 0;
  if (e.kind == LedgerKind::kReservation) {
    StmtUse st(Get(kOpenReservationInsert));
    st->bindNoCopy(1, e.workspace_id);
    st->bindNoCopy(2, e.key);
    st->bind(3, id);
    st->bind(4, e.amount);
    st->exec();
    reserved = -e.amount;
  } else if (open) {
    {
      StmtUse st(Get(kOpenReservationDelete));
      st->bindNoCopy(1, e.workspace_id);
      st->bindNoCopy(2, e.reservation_key);
      st->exec();
      reserved = *open;  // gives back what it held: reserved -= -amount
    }
  }
  StmtUse st(Get(kBalanceAdd));
  st->bindNoCopy(1, e.workspace_id);
  st->bind(2, e.amount);
  st->bind(3, e.kind == LedgerKind::kGrant ? e.amount : int64_t{0});
  st->bind(4, reserved);
  st->exec();
  return true;
}

bool SqliteStore::Impl::Apply(const IdempotencyPut& p) {
  const IdempotencyRecord& r = p.row;
  StmtUse st(Get(kIdempotencyPut));
  st->bindNoCopy(1, r.workspace_id);
  st->bindNoCopy(2, r.key);
  st->bindNoCopy(3, r.request_hash);
  st->bindNoCopy(4, r.execution_id);
  st->bind(5, r.created_at);
  return st->exec() == 1;
}

void SqliteStore::Impl::Apply(const StepVersionPut& v) {
  const StepVersion& r = v.row;
  const JsonText output(r.output), session(r.session), meta(r.meta);
  StmtUse st(Get(kVersionPut));
  st->bindNoCopy(1, r.execution_id);
  st->bindNoCopy(2, r.step_id);
  st->bind(3, r.version);
  output.Bind(*st, 4);
  session.Bind(*st, 5);
  meta.Bind(*st, 6);
  st->bind(7, r.created_at);
  st->exec();
}

void SqliteStore::Impl::Apply(const CachePut& c) {
  const CacheEntry& r = c.row;
  const JsonText output(r.output), session(r.session);
  StmtUse st(Get(kCachePut));
  st->bindNoCopy(1, r.workspace_id);
  st->bindNoCopy(2, r.key);
  st->bindNoCopy(3, r.execution_id);
  st->bindNoCopy(4, r.step_id);
  st->bind(5, r.version);
  output.Bind(*st, 6);
  session.Bind(*st, 7);
  st->bind(8, r.created_at);
  st->exec();
}

void SqliteStore::Impl::Apply(const ArtifactInsert& a) {
  const ArtifactRecord& r = a.row;
  const JsonText meta(r.meta);
  StmtUse st(Get(kArtifactInsert));
  st->bindNoCopy(1, r.id);
  st->bindNoCopy(2, r.workspace_id);
  st->bindNoCopy(3, r.execution_id);
  st->bindNoCopy(4, r.step_id);
  st->bind(5, r.step_version);
  st->bindNoCopy(6, r.kind);
  st->bindNoCopy(7, r.mime);
  st->bindNoCopy(8, r.sha256);
  st->bind(9, r.size);
  st->bindNoCopy(10, r.name);
  meta.Bind(*st, 11);
  st->bind(12, r.created_at);
  st->exec();
}

bool SqliteStore::Impl::ApplyBatch(const std::vector<Transition>& batch, bool careful,
                                   CommitResult& out) {
  out.applied.clear();
  out.applied.reserve(batch.size());
  out.short_of_funds.clear();
  out.events.clear();
  last_seq.clear();
  for (const Transition& t : batch) {
    const bool savepoint = careful && NeedsSavepoint(t);
    if (savepoint) Run(kSavepoint);
    const size_t events_before = out.events.size();
    seq_undo.clear();
    bool ok = true;
    bool wrote = false;
    bool funds = false;
    for (const Op& op : t.ops) {
      ok = std::visit(
          [&](const auto& o) -> bool {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, EventAppend>) {
              Apply(o, out);
              return true;
            } else if constexpr (std::is_same_v<T, ArtifactInsert> ||
                                 std::is_same_v<T, StepVersionPut> ||
                                 std::is_same_v<T, CachePut>) {
              Apply(o);
              return true;
            } else {
              return Apply(o);
            }
          },
          op);
      if (!ok) {
        funds = std::holds_alternative<LedgerAppend>(op);
        break;
      }
      wrote = wrote || Writes(op);
    }
    if (!ok && wrote && !savepoint) {  // only without `careful`
      out.short_of_funds.push_back(funds);
      return false;
    }
    if (ok) {
      if (savepoint) Run(kRelease);
    } else {
      if (savepoint) {
        Run(kRollbackTo);
        Run(kRelease);
      }
      // Give the rolled-back events' seqs back so the next transition leaves no gap.
      for (auto u = seq_undo.rbegin(); u != seq_undo.rend(); ++u) *u->first = u->second;
      out.events.resize(events_before);
    }
    out.applied.push_back(ok);
    out.short_of_funds.push_back(!ok && funds);
  }
  return true;
}

// Savepoints cost about as much as a write each, and a guard that fails after its transition
// has written is rare (the engine checks state before it commits; only lost races get here).
// So the batch first runs without savepoints; if such a late guard fails, the whole transaction
// is rolled back and the batch runs again with a savepoint around every transition that needs
// one. Either way each transition is all-or-nothing and the seqs have no gaps.
CommitResult SqliteStore::Impl::CommitBatch(const std::vector<Transition>& batch) {
  CommitResult out;
  if (batch.empty()) return out;
  {
    Txn txn(*this, /*write=*/true);
    if (ApplyBatch(batch, /*careful=*/false, out)) {
      txn.Commit();
      return out;
    }
  }                         // rolled back
  if (batch.size() == 1) {  // the rollback already undid the one transition
    const bool funds = !out.short_of_funds.empty() && out.short_of_funds.back();
    out.short_of_funds.assign(1, funds);
    out.applied.assign(1, false);
    out.events.clear();
    return out;
  }
  Txn txn(*this, /*write=*/true);
  ApplyBatch(batch, /*careful=*/true, out);
  txn.Commit();
  return out;
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(path);
    SQLite::Database& db = impl->db;
    db.exec("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs));
    {
      SQLite::Statement wal(db, "PRAGMA journal_mode = WAL");
      std::string mode = wal.executeStep() ? wal.getColumn(0).getString() : "";
      if (mode != "wal" && mode != "memory") {
        return Err(Internal("sqlite: could not enable WAL mode on '" + path + "' (journal mode '" +
                            mode + "')"));
      }
    }
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // An upper bound, filled lazily: the hot pages (recent events, live steps) stay in memory
    // instead of being read back through the OS on every batch.
    db.exec("PRAGMA cache_size = -65536");
    // Savepoint sub-journals of large transitions stay in memory instead of temp files.
    db.exec("PRAGMA temp_store = MEMORY");
  } catch (const SQLite::Exception& e) {
    Status s = FromSqlite(e);
    return Err(Status(s.code(), s.message() + " (opening '" + path + "')"));
  } catch (const std::exception& e) {
    return Err(Internal(std::string("sqlite store: opening '") + path + "': " + e.what()));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(impl)));
  Status migrated = store->Migrate();
  if (!migrated.ok()) return Err(std::move(migrated));
  return store;
}

Status SqliteStore::Migrate() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&] { return impl_->Migrate(); });
}

Result<int> SqliteStore::SchemaVersion() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<int> { return impl_->SchemaVersion(); });
}

Status SqliteStore::EnsureWorkspace(const std::string& id, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&] {
    StmtUse st(impl_->Get(kWorkspaceInsert));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, name);
    st->bind(3, NowMs());
    st->exec();
    return Status::Ok();
  });
}

Result<TemplateRecord> SqliteStore::PutTemplate(const TemplateRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<TemplateRecord> {
    Impl::Txn txn(impl, /*write=*/true);
    std::optional<TemplateRecord> latest;
    {
      StmtUse st(impl.Get(kTemplateLatestByName));
      st->bindNoCopy(1, rec.workspace_id);
      st->bindNoCopy(2, rec.name);
      if (st->executeStep()) latest = ReadTemplate(*st);
    }
    if (latest && latest->content_hash == rec.content_hash) {
      txn.Commit();
      return *latest;
    }
    if (latest && latest->builtin != rec.builtin) return Err(BuiltinNameTaken(*latest));
    TemplateRecord out = rec;
    out.version = latest ? latest->version + 1 : 1;
    out.created_at = NowMs();
    const JsonText definition(out.definition);
    // A fresh id could collide with another template's (64 random bits): draw again.
    for (int tries = 0; tries < 8; ++tries) {
      if (latest) {
        out.id = latest->id;
      } else {
        char hex[17];
        std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(impl.rng()));
        out.id = std::string("tpl_") + hex;
      }
      StmtUse st(impl.Get(kTemplateInsert));
      st->bindNoCopy(1, out.workspace_id);
      st->bindNoCopy(2, out.id);
      st->bind(3, out.version);
      st->bindNoCopy(4, out.name);
      st->bindNoCopy(5, out.category);
      st->bindNoCopy(6, out.description);
      definition.Bind(*st, 7);
      st->bindNoCopy(8, out.content_hash);
      st->bind(9, out.created_at);
      st->bind(10, out.builtin ? 1 : 0);
      if (st->exec() == 1) {
        txn.Commit();
        return out;
      }
      if (latest) break;
    }
    return Err(Internal("sqlite store: could not store template '" + rec.name +
                        "': its id and version are taken"));
  });
}

Result<TemplateRecord> SqliteStore::GetTemplate(const std::string& ws, const std::string& id,
                                                int version) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<TemplateRecord> {
    StmtUse st(impl_->Get(version == 0 ? kTemplateLatestById : kTemplateVersion));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    if (version != 0) st->bind(3, version);
    if (!st->executeStep()) {
      if (version == 0) return Err(NotFound("template '" + id + "' not found"));
      return Err(
          NotFound("template '" + id + "' version " + std::to_string(version) + " not found"));
    }
    return ReadTemplate(*st);
  });
}

Result<TemplateRecord> SqliteStore::FindTemplate(const std::string& ws, const std::string& name) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<TemplateRecord> {
    StmtUse st(impl_->Get(kTemplateLatestByName));
    st->bindNoCopy(1, ws);
    st->bindNoCopy(2, name);
    if (!st->executeStep()) return Err(NotFound("no template named '" + name + "'"));
    return ReadTemplate(*st);
  });
}

Result<CommitResult> SqliteStore::Commit(const std::vector<Transition>& batch) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<CommitResult> { return impl_->CommitBatch(batch); });
}

Result<ExecutionRecord> SqliteStore::GetExecution(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<ExecutionRecord> {
    StmtUse st(impl_->Get(kExecGet));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    if (!st->executeStep()) return Err(NotFound("execution '" + id + "' not found"));
    return ReadExecution(*st);
  });
}

Result<std::vector<ExecutionRecord>> SqliteStore::ListExecutions(const std::string& ws,
                                                                 const ExecutionFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ExecutionRecord>> {
    unsigned mask = 0;
    if (f.status) mask |= kListStatus;
    if (!f.template_id.empty()) mask |= kListTemplate;
    if (f.created_after != 0) mask |= kListCreatedAfter;
    if (f.created_before != 0) mask |= kListCreatedBefore;
    if (!f.before_id.empty()) mask |= kListCursor;
    if (f.top_level_only) mask |= kListTopLevel;
    if (!f.parent_execution_id.empty()) mask |= kListParent;
    StmtUse st(impl_->ExecListStmt(mask));
    st->bindNoCopy(1, ws);
    if (mask & kListStatus) st->bindNoCopy(2, ExecStatusName(*f.status));
    if (mask & kListTemplate) st->bindNoCopy(3, f.template_id);
    st->bind(4, f.limit > 0 ? f.limit : -1);
    if (mask & kListCreatedAfter) st->bind(5, f.created_after);
    if (mask & kListCreatedBefore) st->bind(6, f.created_before);
    if (mask & kListCursor) {
      st->bind(7, f.before_created_at);
      st->bindNoCopy(8, f.before_id);
    }
    if (mask & kListParent) st->bindNoCopy(9, f.parent_execution_id);
    std::vector<ExecutionRecord> out;
    while (st->executeStep()) out.push_back(ReadExecution(*st));
    return out;
  });
}

Result<std::vector<std::pair<std::string, ExecStatus>>> SqliteStore::GetExecutionStatuses(
    const std::vector<std::string>& ids) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<std::pair<std::string, ExecStatus>>> {
    std::vector<std::pair<std::string, ExecStatus>> out;
    if (ids.empty()) return out;
    Impl::Txn txn(impl, /*write=*/false);  // one snapshot for all of them
    for (const std::string& id : ids) {
      StmtUse st(impl.Get(kExecStatus));
      st->bindNoCopy(1, id);
      if (st->executeStep()) out.emplace_back(id, ParseExecStatus(ColumnString(*st, 0)));
    }
    txn.Commit();
    return out;
  });
}

Result<std::vector<StepRecord>> SqliteStore::GetSteps(const std::string& ws,
                                                      const std::string& execution_id) {
  return impl_->ReadSteps(ws, execution_id, /*contents=*/true);
}

Result<std::vector<StepRecord>> SqliteStore::GetStepStates(const std::string& ws,
                                                           const std::string& execution_id) {
  return impl_->ReadSteps(ws, execution_id, /*contents=*/false);
}

Result<std::vector<StepRecord>> SqliteStore::Impl::ReadSteps(const std::string& ws,
                                                             const std::string& execution_id,
                                                             bool contents) {
  std::lock_guard lock(mu);
  Impl& impl = *this;
  return impl.Guarded([&]() -> Result<std::vector<StepRecord>> {
    Impl::Txn txn(impl, /*write=*/false);
    if (!impl.ExecutionInWorkspace(ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<StepRecord> out;
    {
      StmtUse st(impl.Get(kStepList));
      st->bindNoCopy(1, execution_id);
      while (st->executeStep()) out.push_back(ReadStep(*st, contents));
    }
    txn.Commit();
    return out;
  });
}

Result<std::vector<Event>> SqliteStore::ReadEvents(const std::string& ws,
                                                   const std::string& execution_id, int64_t after,
                                                   int limit) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<Event>> {
    Impl::Txn txn(impl, /*write=*/false);
    if (!impl.ExecutionInWorkspace(ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<Event> out;
    {
      StmtUse st(impl.Get(kEventRead));
      st->bindNoCopy(1, execution_id);
      st->bind(2, after);
      st->bind(3, limit > 0 ? limit : -1);
      while (st->executeStep()) out.push_back(ReadEvent(*st));
    }
    txn.Commit();
    return out;
  });
}

Result<std::vector<ArtifactRecord>> SqliteStore::ListArtifacts(const std::string& ws,
                                                               const std::string& execution_id) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<ArtifactRecord>> {
    Impl::Txn txn(impl, /*write=*/false);
    if (!impl.ExecutionInWorkspace(ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<ArtifactRecord> out;
    {
      StmtUse st(impl.Get(kArtifactList));
      st->bindNoCopy(1, execution_id);
      while (st->executeStep()) out.push_back(ReadArtifact(*st));
    }
    txn.Commit();
    return out;
  });
}

Result<std::optional<CacheEntry>> SqliteStore::LookupCache(const std::string& ws,
                                                           const std::string& key) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::optional<CacheEntry>> {
    StmtUse st(impl.Get(kCacheGet));
    st->bindNoCopy(1, ws);
    st->bindNoCopy(2, key);
    if (!st->executeStep()) return std::optional<CacheEntry>();
    CacheEntry e;
    e.workspace_id = ColumnString(*st, 0);
    e.key = ColumnString(*st, 1);
    e.execution_id = ColumnString(*st, 2);
    e.step_id = ColumnString(*st, 3);
    e.version = st->getColumn(4).getInt();
    e.output = ColumnJson(*st, 5);
    e.session = ColumnJson(*st, 6);
    e.created_at = st->getColumn(7).getInt64();
    return std::optional<CacheEntry>(std::move(e));
  });
}

Result<std::vector<StepVersion>> SqliteStore::ListStepVersions(const std::string& ws,
                                                               const std::string& execution_id,
                                                               const std::string& step_id) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<StepVersion>> {
    Impl::Txn txn(impl, /*write=*/false);
    if (!impl.ExecutionInWorkspace(ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<StepVersion> out;
    {
      StmtUse st(impl.Get(kVersionList));
      st->bindNoCopy(1, execution_id);
      st->bindNoCopy(2, step_id);
      while (st->executeStep()) {
        StepVersion v;
        v.execution_id = ColumnString(*st, 0);
        v.step_id = ColumnString(*st, 1);
        v.version = st->getColumn(2).getInt();
        v.output = ColumnJson(*st, 3);
        v.session = ColumnJson(*st, 4);
        v.meta = ColumnJson(*st, 5);
        v.created_at = st->getColumn(6).getInt64();
        out.push_back(std::move(v));
      }
    }
    txn.Commit();
    return out;
  });
}

Result<int> SqliteStore::RenewLeases(const std::string& owner, int64_t until) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<int> {
    Impl::Txn txn(impl, /*write=*/true);
    int renewed = 0;
    for (StmtId id : {kRenewSteps, kRenewExecs}) {
      StmtUse st(impl.Get(id));
      st->bindNoCopy(1, owner);
      st->bind(2, until);
      renewed += st->exec();
    }
    txn.Commit();
    return renewed;
  });
}

// ---- AccountStore ----------------------------------------------------------------------------

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
    StmtUse st(impl_->Get(f.execution_id.empty() ? kLedgerList : kLedgerListByExec));
    st->bindNoCopy(1, ws);
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

Result<std::vector<TemplateRecord>> SqliteStore::ListTemplates(const std::string& ws,
                                                               const TemplateFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<TemplateRecord>> {
    StmtUse st(impl_->Get(kTemplateList));
    st->bindNoCopy(1, ws);
    st->bindNoCopy(2, f.category);
    st->bindNoCopy(3, f.name_contains);
    st->bindNoCopy(4, f.after_name);
    st->bind(5, f.limit > 0 ? f.limit : -1);
    std::vector<TemplateRecord> out;
    while (st->executeStep()) out.push_back(ReadTemplate(*st));
    return out;
  });
}

Result<std::vector<TemplateRecord>> SqliteStore::ListTemplateVersions(const std::string& ws,
                                                                      const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<TemplateRecord>> {
    StmtUse st(impl_->Get(kTemplateVersions));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    std::vector<TemplateRecord> out;
    while (st->executeStep()) out.push_back(ReadTemplate(*st));
    if (out.empty()) return Err(NotFound("template '" + id + "' not found"));
    return out;
  });
}

Status SqliteStore::DeleteTemplate(const std::string& ws, const std::string& id, int64_t now) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Status {
    StmtUse st(impl_->Get(kTemplateDelete));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    st->bind(3, std::max<int64_t>(now, 1));  // deleted_at = 0 means "not deleted"
    if (st->exec() == 0) return NotFound("template '" + id + "' not found");
    return Status::Ok();
  });
}

Result<std::vector<std::pair<std::string, int>>> SqliteStore::ListCategories(
    const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<std::pair<std::string, int>>> {
    StmtUse st(impl_->Get(kTemplateCategories));
    st->bindNoCopy(1, ws);
    std::vector<std::pair<std::string, int>> out;
    while (st->executeStep()) out.emplace_back(ColumnString(*st, 0), st->getColumn(1).getInt());
    return out;
  });
}

Result<std::vector<ArtifactRecord>> SqliteStore::QueryArtifacts(const std::string& ws,
                                                                const ArtifactFilter& f) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<ArtifactRecord>> {
    Impl::Txn txn(impl, /*write=*/false);
    const bool by_exec = !f.execution_id.empty();
    if (by_exec && !impl.ExecutionInWorkspace(ws, f.execution_id)) {
      return Err(NotFound("execution '" + f.execution_id + "' not found"));
    }
    std::vector<ArtifactRecord> out;
    {
      StmtUse st(impl.Get(by_exec ? kArtifactQueryByExec : kArtifactQuery));
      st->bindNoCopy(1, ws);
      if (by_exec) st->bindNoCopy(2, f.execution_id);
      st->bindNoCopy(3, f.step_id);
      st->bindNoCopy(4, f.kind);
      st->bind(5, f.created_after != 0 ? f.created_after : std::numeric_limits<int64_t>::min());
      st->bind(6, f.limit > 0 ? f.limit : -1);
      while (st->executeStep()) out.push_back(ReadArtifact(*st));
    }
    txn.Commit();
    return out;
  });
}

Result<ArtifactRecord> SqliteStore::GetArtifact(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<ArtifactRecord> {
    StmtUse st(impl_->Get(kArtifactGet));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    if (!st->executeStep()) return Err(NotFound("artifact '" + id + "' not found"));
    return ReadArtifact(*st);
  });
}

Result<std::vector<Event>> SqliteStore::ReadWorkspaceEvents(const std::string& ws,
                                                            int64_t after_gid, int limit) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<Event>> {
    StmtUse st(impl_->Get(kEventReadWorkspace));
    st->bindNoCopy(1, ws);
    st->bind(2, after_gid);
    st->bind(3, limit > 0 ? limit : -1);
    std::vector<Event> out;
    while (st->executeStep()) out.push_back(ReadEvent(*st));
    return out;
  });
}

Result<int64_t> SqliteStore::LastWorkspaceEventId(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<int64_t> {
    StmtUse st(impl_->Get(kEventLastGid));
    st->bindNoCopy(1, ws);
    st->executeStep();
    return st->getColumn(0).getInt64();
  });
}

Result<std::optional<IdempotencyRecord>> SqliteStore::FindIdempotencyKey(const std::string& ws,
                                                                         const std::string& key) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::optional<IdempotencyRecord>> {
    StmtUse st(impl_->Get(kIdempotencyGet));
    st->bindNoCopy(1, ws);
    st->bindNoCopy(2, key);
    if (!st->executeStep()) return std::optional<IdempotencyRecord>();
    IdempotencyRecord r;
    r.workspace_id = ColumnString(*st, 0);
    r.key = ColumnString(*st, 1);
    r.request_hash = ColumnString(*st, 2);
    r.execution_id = ColumnString(*st, 3);
    r.created_at = st->getColumn(4).getInt64();
    return std::optional<IdempotencyRecord>(std::move(r));
  });
}

}  // namespace atelier
