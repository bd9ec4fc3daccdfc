// PostgresStore's reads across executions (accounts.h: ExecutionOverview, WaitingStep): a page of
// runs' progress and cost, and the steps waiting for a person. Each is a few statements in one
// REPEATABLE READ snapshot, whatever the page holds; a page's ids travel as one text[] parameter.
// They read no step contents (output, session), which hold whole conversations.
#include <limits>
#include <unordered_map>

#include "postgres_impl.h"

namespace atelier {

using namespace postgres;

namespace {

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

// A row of kStateCols from column `at` on.
StepRecord ReadState(const pqxx::row& row, int at = 0) {
  StepRecord r;
  r.execution_id = Str(row[at + 0]);
  r.step_id = Str(row[at + 1]);
  r.node_id = Str(row[at + 2]);
  r.parent_step_id = Str(row[at + 3]);
  r.item_index = I32(row[at + 4]);
  r.status = ParseStepStatus(Str(row[at + 5]));
  r.attempt = I32(row[at + 6]);
  r.attempt_base = I32(row[at + 7]);
  r.version = I32(row[at + 8]);
  r.created_at = I64(row[at + 9]);
  r.updated_at = I64(row[at + 10]);
  r.started_at = I64(row[at + 11]);
  r.finished_at = I64(row[at + 12]);
  r.due_at = I64(row[at + 13]);
  r.crashes = I32(row[at + 14]);
  return r;
}

}  // namespace

Result<std::vector<ExecutionOverview>> PostgresStore::OverviewExecutions(
    const std::string& ws, const std::vector<std::string>& ids) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<ExecutionOverview>> {
    std::vector<ExecutionOverview> out;
    if (ids.empty()) return out;
    const std::string page = TextArray(ids);
    Impl::Txn txn(impl, /*write=*/false);
    std::unordered_map<std::string, size_t> at;
    // Every execution of the page, with the cost of all its step rows (a numeric usage.cost;
    // anything else counts 0, as UsageTotals counts it).
    for (const auto& row : impl.Exec(
             "SELECT x.id, (SELECT COALESCE(SUM(CASE WHEN jsonb_typeof(s.usage::jsonb -> 'cost') "
             "= 'number' THEN (s.usage::jsonb ->> 'cost')::float8 ELSE 0 END), 0) FROM steps s "
             "WHERE s.execution_id = x.id AND s.usage IS NOT NULL) FROM executions x WHERE x.id = "
             "ANY($1::text[]) AND x.workspace_id = $2",
             Params().S(page).S(ws))) {
      ExecutionOverview o;
      o.execution_id = Str(row[0]);
      o.cost = row[1].is_null() ? 0.0 : row[1].as<double>();
      at[o.execution_id] = out.size();
      out.push_back(std::move(o));
    }
    for (const auto& row : impl.Exec(std::string("SELECT ") + kStateCols +
                                         " FROM steps s WHERE s.parent_step_id = '' AND "
                                         "s.execution_id = ANY($1::text[])",
                                     Params().S(page))) {
      StepRecord r = ReadState(row);
      auto it = at.find(r.execution_id);
      if (it != at.end()) out[it->second].top.push_back(std::move(r));
    }
    // Each map's items of its current run (IsCurrentItem: item version >= map version).
    for (const auto& row :
         impl.Exec(std::string("SELECT i.execution_id, i.parent_step_id, COUNT(*), "
                               "COUNT(*) FILTER (WHERE ") +
                       kFinishedCase + "), COUNT(*) FILTER (WHERE " + kOpenCase +
                       ") FROM steps i JOIN steps m ON m.execution_id = i.execution_id AND "
                       "m.step_id = i.parent_step_id WHERE i.parent_step_id != '' AND "
                       "i.version >= m.version AND i.execution_id = ANY($1::text[]) GROUP BY "
                       "i.execution_id, i.parent_step_id",
                   Params().S(page))) {
      auto it = at.find(Str(row[0]));
      if (it == at.end()) continue;
      MapItemCounts c;
      c.total = I32(row[2]);
      c.finished = I32(row[3]);
      c.open = I32(row[4]);
      out[it->second].items.emplace_back(Str(row[1]), c);
    }
    txn.Commit();
    return out;
  });
}

Result<std::vector<WaitingStep>> PostgresStore::ListWaitingSteps(const std::string& ws,
                                                                 const WaitingStepFilter& f) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<WaitingStep>> {
    const bool cursor = !f.before_execution_id.empty();
    Params p;
    p.S(ws).I(f.limit > 0 ? f.limit : std::numeric_limits<int64_t>::max());
    std::string sql =
        std::string(
            "SELECT x.id, x.workspace_id, x.template_id, x.template_version, "
            "x.status, x.reason, x.inputs, x.error, x.created_at, x.updated_at, "
            "x.started_at, x.finished_at, x.parent_execution_id, x.parent_step_id, ") +
        kStateCols +
        ", (SELECT e.payload FROM events e WHERE e.execution_id = x.id AND "
        "e.step_id = s.step_id AND e.type = 'approval_requested' ORDER BY e.seq "
        "DESC LIMIT 1) FROM executions x JOIN steps s ON s.execution_id = x.id "
        "WHERE x.status IN ('queued', 'running', 'paused', 'waiting') AND "
        "x.workspace_id = $1 AND s.status = 'waiting'";
    if (cursor) {
      sql += " AND (s.started_at, x.id, s.step_id) < ($3::bigint, $4::text, $5::text)";
      p.I(f.before_started_at).S(f.before_execution_id).S(f.before_step_id);
    }
    sql += " ORDER BY s.started_at DESC, x.id DESC, s.step_id DESC LIMIT $2";
    Impl::Txn txn(impl, /*write=*/false);
    std::vector<WaitingStep> out;
    for (const auto& row : impl.Exec(sql, p)) {
      WaitingStep w;
      ExecutionRecord& x = w.execution;
      x.id = Str(row[0]);
      x.workspace_id = Str(row[1]);
      x.template_id = Str(row[2]);
      x.template_version = I32(row[3]);
      x.status = ParseExecStatus(Str(row[4]));
      x.reason = Str(row[5]);
      x.inputs = ColumnJson(row[6]);
      x.error = ColumnJson(row[7]);
      x.created_at = I64(row[8]);
      x.updated_at = I64(row[9]);
      x.started_at = I64(row[10]);
      x.finished_at = I64(row[11]);
      x.parent_execution_id = Str(row[12]);
      x.parent_step_id = Str(row[13]);
      w.step = ReadState(row, 14);
      w.request = ColumnJson(row[29]);
      out.push_back(std::move(w));
    }
    txn.Commit();
    return out;
  });
}

}  // namespace atelier
