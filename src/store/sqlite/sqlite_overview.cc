// SqliteStore's reads across executions (accounts.h: ExecutionOverview, WaitingStep): a page of
// runs' progress and cost, and the steps waiting for a person. Each is a few statements in one
// read transaction, whatever the page holds; a page's ids travel as one JSON array (json_each).
// They read no step contents (output, session), which hold whole conversations. They run on the
// read pool's connections (sqlite_read_pool.h), their statements prepared once per connection.
#include "sqlite_impl.h"
#include "sqlite_read_pool.h"

namespace atelier {

using namespace sqlite;

namespace {

// The ids of the page (?1, a JSON array of strings). The statements that read steps by them keep
// only the executions the first one found in the workspace (?2): filtering by workspace there
// would lead SQLite to scan the workspace's index instead of looking the page's ids up.
constexpr const char* kPageIds = "(SELECT value FROM json_each(?1))";

constexpr const char* kStateCols =
    "s.execution_id, s.step_id, s.node_id, s.parent_step_id, s.item_index, s.status, s.attempt, "
    "s.attempt_base, s.version, s.created_at, s.updated_at, s.started_at, s.finished_at, "
    "s.due_at, s.crashes";

// Finished and open as CountsAsFinished and CountsAsOpen (progress.cc) decide them.
constexpr const char* kFinishedCase =
    "(i.status IN ('succeeded', 'skipped', 'cancelled') OR (i.status = 'failed' AND "
    "i.due_at = 0))";
constexpr const char* kOpenCase =
    "(i.status IN ('pending', 'ready', 'running', 'waiting') OR (i.status = 'failed' AND "
    "i.due_at != 0))";

std::string Cat(std::initializer_list<const char*> parts) {
  std::string s;
  for (const char* p : parts) s += p;
  return s;
}

// A row of kStateCols from column `at` on.
StepRecord ReadState(const SQLite::Statement& st, int at = 0) {
  StepRecord r;
  r.execution_id = ColumnString(st, at + 0);
  r.step_id = ColumnString(st, at + 1);
  r.node_id = ColumnString(st, at + 2);
  r.parent_step_id = ColumnString(st, at + 3);
  r.item_index = st.getColumn(at + 4).getInt();
  r.status = ParseStepStatus(ColumnString(st, at + 5));
  r.attempt = st.getColumn(at + 6).getInt();
  r.attempt_base = st.getColumn(at + 7).getInt();
  r.version = st.getColumn(at + 8).getInt();
  r.created_at = st.getColumn(at + 9).getInt64();
  r.updated_at = st.getColumn(at + 10).getInt64();
  r.started_at = st.getColumn(at + 11).getInt64();
  r.finished_at = st.getColumn(at + 12).getInt64();
  r.due_at = st.getColumn(at + 13).getInt64();
  r.crashes = st.getColumn(at + 14).getInt();
  return r;
}

std::string IdsJson(const std::vector<std::string>& ids) {
  Json arr = Json::array();
  for (const auto& id : ids) arr.push_back(id);
  return arr.dump();
}

}  // namespace

Result<std::vector<ExecutionOverview>> SqliteStore::OverviewExecutions(
    const std::string& ws, const std::vector<std::string>& ids) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<ExecutionOverview>> {
    std::vector<ExecutionOverview> out;
    if (ids.empty()) return out;
    const std::string page = IdsJson(ids);
    ReadTxn txn(c);
    std::unordered_map<std::string, size_t> at;
    {
      // Every execution of the page, with the cost of all its step rows.
      StmtUse st(
          c.Sql(Cat({"SELECT x.id, (SELECT COALESCE(SUM(CASE WHEN json_type(s.usage, '$.cost') "
                     "IN ('integer', 'real') THEN json_extract(s.usage, '$.cost') ELSE 0 END), "
                     "0) FROM steps s WHERE s.execution_id = x.id AND s.usage IS NOT NULL) "
                     "FROM executions x WHERE x.id IN ",
                     kPageIds, " AND +x.workspace_id = ?2"})));
      st->bindNoCopy(1, page);
      st->bindNoCopy(2, ws);
      while (st->executeStep()) {
        ExecutionOverview o;
        o.execution_id = ColumnString(*st, 0);
        o.cost = st->getColumn(1).getDouble();
        at[o.execution_id] = out.size();
        out.push_back(std::move(o));
      }
    }
    {
      StmtUse st(c.Sql(
          Cat({"SELECT ", kStateCols,
               " FROM steps s WHERE s.parent_step_id = '' AND s.execution_id IN ", kPageIds})));
      st->bindNoCopy(1, page);
      while (st->executeStep()) {
        StepRecord r = ReadState(*st);
        auto it = at.find(r.execution_id);
        if (it != at.end()) out[it->second].top.push_back(std::move(r));
      }
    }
    {
      // Each map's items of its current run (IsCurrentItem: item version >= map version).
      StmtUse st(c.Sql(Cat({"SELECT i.execution_id, i.parent_step_id, COUNT(*), SUM(",
                            kFinishedCase, "), SUM(", kOpenCase,
                            ") FROM steps i JOIN steps m ON m.execution_id = i.execution_id AND "
                            "m.step_id = i.parent_step_id WHERE i.parent_step_id != '' AND "
                            "i.version >= m.version AND i.execution_id IN ",
                            kPageIds, " GROUP BY i.execution_id, i.parent_step_id"})));
      st->bindNoCopy(1, page);
      while (st->executeStep()) {
        auto it = at.find(ColumnString(*st, 0));
        if (it == at.end()) continue;
        MapItemCounts counts;
        counts.total = st->getColumn(2).getInt();
        counts.finished = st->getColumn(3).getInt();
        counts.open = st->getColumn(4).getInt();
        out[it->second].items.emplace_back(ColumnString(*st, 1), counts);
      }
    }
    return out;
  });
}

Result<std::vector<WaitingStep>> SqliteStore::ListWaitingSteps(const std::string& ws,
                                                               const WaitingStepFilter& f) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<WaitingStep>> {
    const bool cursor = !f.before_execution_id.empty();
    // Unfinished executions by the status index (the unary + keeps SQLite off the workspace's
    // index, which holds every finished execution too), then their steps by the primary key.
    std::string sql = "SELECT " + ExecColumns("x.") + ", " + kStateCols +
                      ", (SELECT e.payload FROM events e WHERE e.execution_id = x.id AND "
                      "e.step_id = s.step_id AND e.type = 'approval_requested' ORDER BY e.seq "
                      "DESC LIMIT 1) FROM executions x JOIN steps s ON s.execution_id = x.id "
                      "WHERE x.status IN ('queued', 'running', 'paused', 'waiting') AND "
                      "+x.workspace_id = ?1 AND s.status = 'waiting'";
    if (cursor)
      sql +=
          " AND (s.started_at < ?2 OR (s.started_at = ?2 AND (x.id < ?3 OR (x.id = ?3 AND "
          "s.step_id < ?4))))";
    sql += " ORDER BY s.started_at DESC, x.id DESC, s.step_id DESC LIMIT ?5";
    // The execution's columns, then the step's (kStateCols, 15), then the request.
    constexpr int kStepAt = 18;
    constexpr int kRequestAt = kStepAt + 15;
    StmtUse st(c.Sql(sql));
    st->bindNoCopy(1, ws);
    if (cursor) {
      st->bind(2, f.before_started_at);
      st->bindNoCopy(3, f.before_execution_id);
      st->bindNoCopy(4, f.before_step_id);
    }
    st->bind(5, f.limit > 0 ? f.limit : -1);
    std::vector<WaitingStep> out;
    while (st->executeStep()) {
      WaitingStep w;
      w.execution = ReadExecution(*st);
      w.step = ReadState(*st, kStepAt);
      w.request = ColumnJson(*st, kRequestAt);
      out.push_back(std::move(w));
    }
    return out;
  });
}

}  // namespace atelier
