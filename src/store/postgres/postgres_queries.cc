// PostgresStore's reads of a run's records: executions (one, a filtered list, statuses), steps
// (with and without their contents), events (per execution by seq, per workspace by gid),
// artifacts, step versions, the step cache and idempotency keys. Reads that check the execution's
// workspace first run in one REPEATABLE READ snapshot, so both see the same state.
#include <limits>
#include <optional>

#include "postgres_impl.h"
#include "postgres_rows.h"

namespace atelier {

using namespace postgres;

namespace {

// LIMIT for a limit <= 0 ("no limit").
int64_t LimitOf(int limit) { return limit > 0 ? limit : std::numeric_limits<int64_t>::max(); }

}  // namespace

bool PostgresStore::Impl::ExecutionInWorkspace(const std::string& ws, const std::string& id) {
  return !Exec("SELECT 1 FROM executions WHERE id = $1 AND workspace_id = $2", Params().S(id).S(ws))
              .empty();
}

Result<ExecutionRecord> PostgresStore::GetExecution(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<ExecutionRecord> {
    pqxx::result r = impl_->Exec(
        std::string("SELECT ") + kExecCols + " FROM executions WHERE id = $1 AND workspace_id = $2",
        Params().S(id).S(ws));
    if (r.empty()) return Err(NotFound("execution '" + id + "' not found"));
    return ReadExecution(r[0]);
  });
}

// Only the filters in use appear in the SQL, so that the planner sees plain terms it can use
// indexes for.
Result<std::vector<ExecutionRecord>> PostgresStore::ListExecutions(const std::string& ws,
                                                                   const ExecutionFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ExecutionRecord>> {
    Params p;
    p.S(ws);
    int next = 2;
    auto param = [&]() { return "$" + std::to_string(next++); };
    std::string sql =
        std::string("SELECT ") + kExecCols + " FROM executions WHERE workspace_id = $1";
    if (f.status) {
      sql += " AND status = " + param();
      p.S(ExecStatusName(*f.status));
    }
    if (!f.template_id.empty()) {
      sql += " AND template_id = " + param();
      p.S(f.template_id);
    }
    if (f.created_after != 0) {
      sql += " AND created_at >= " + param();
      p.I(f.created_after);
    }
    if (f.created_before != 0) {
      sql += " AND created_at < " + param();
      p.I(f.created_before);
    }
    if (!f.before_id.empty()) {
      const std::string at = param();
      const std::string id = param();
      sql += " AND (created_at, id) < (" + at + "::bigint, " + id + "::text)";
      p.I(f.before_created_at).S(f.before_id);
    }
    if (f.top_level_only) sql += " AND parent_execution_id = ''";
    if (!f.parent_execution_id.empty()) {
      sql += " AND parent_execution_id = " + param() + " AND parent_execution_id != ''";
      p.S(f.parent_execution_id);
    }
    sql += " ORDER BY created_at DESC, id DESC LIMIT " + param();
    p.I(LimitOf(f.limit));
    std::vector<ExecutionRecord> out;
    for (const auto& row : impl_->Exec(sql, p)) out.push_back(ReadExecution(row));
    return out;
  });
}

Result<std::vector<std::pair<std::string, ExecStatus>>> PostgresStore::GetExecutionStatuses(
    const std::vector<std::string>& ids) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<std::pair<std::string, ExecStatus>>> {
    std::vector<std::pair<std::string, ExecStatus>> out;
    if (ids.empty()) return out;
    pqxx::result r = impl_->Exec("SELECT id, status FROM executions WHERE id = ANY($1::text[])",
                                 Params().S(TextArray(ids)));
    std::unordered_map<std::string, ExecStatus> found;
    for (const auto& row : r) found.emplace(Str(row[0]), ParseExecStatus(Str(row[1])));
    for (const std::string& id : ids) {  // in the order asked
      auto it = found.find(id);
      if (it != found.end()) out.emplace_back(id, it->second);
    }
    return out;
  });
}

Result<std::vector<StepRecord>> PostgresStore::GetSteps(const std::string& ws,
                                                        const std::string& execution_id) {
  return impl_->ReadSteps(ws, execution_id, /*contents=*/true);
}

Result<std::vector<StepRecord>> PostgresStore::GetStepStates(const std::string& ws,
                                                             const std::string& execution_id) {
  return impl_->ReadSteps(ws, execution_id, /*contents=*/false);
}

Result<std::vector<StepRecord>> PostgresStore::Impl::ReadSteps(const std::string& ws,
                                                               const std::string& execution_id,
                                                               bool contents) {
  std::lock_guard lock(mu);
  return Guarded([&]() -> Result<std::vector<StepRecord>> {
    Txn txn(*this, /*write=*/false);
    if (!ExecutionInWorkspace(ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<StepRecord> out;
    for (const auto& row : Exec(std::string("SELECT ") + kStepCols +
                                    " FROM steps WHERE execution_id = $1 ORDER BY created_at, "
                                    "item_index, step_id",
                                Params().S(execution_id))) {
      out.push_back(ReadStep(row, contents));
    }
    txn.Commit();
    return out;
  });
}

Result<std::vector<Event>> PostgresStore::ReadEvents(const std::string& ws,
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
    for (const auto& row :
         impl.Exec(std::string("SELECT ") + kEventCols +
                       " FROM events WHERE execution_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                   Params().S(execution_id).I(after).I(LimitOf(limit)))) {
      out.push_back(ReadEvent(row));
    }
    txn.Commit();
    return out;
  });
}

Result<std::vector<ArtifactRecord>> PostgresStore::ListArtifacts(const std::string& ws,
                                                                 const std::string& execution_id) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<std::vector<ArtifactRecord>> {
    Impl::Txn txn(impl, /*write=*/false);
    if (!impl.ExecutionInWorkspace(ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<ArtifactRecord> out;
    for (const auto& row :
         impl.Exec(std::string("SELECT ") + kArtifactCols +
                       " FROM artifacts WHERE execution_id = $1 ORDER BY created_at, id",
                   Params().S(execution_id))) {
      out.push_back(ReadArtifact(row));
    }
    txn.Commit();
    return out;
  });
}

Result<std::optional<CacheEntry>> PostgresStore::LookupCache(const std::string& ws,
                                                             const std::string& key) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::optional<CacheEntry>> {
    pqxx::result r = impl_->Exec(
        "SELECT workspace_id, key, execution_id, step_id, version, output, session, created_at "
        "FROM step_cache WHERE workspace_id = $1 AND key = $2",
        Params().S(ws).S(key));
    if (r.empty()) return std::optional<CacheEntry>();
    const auto& row = r[0];
    CacheEntry e;
    e.workspace_id = Str(row[0]);
    e.key = Str(row[1]);
    e.execution_id = Str(row[2]);
    e.step_id = Str(row[3]);
    e.version = I32(row[4]);
    e.output = ColumnJson(row[5]);
    e.session = ColumnJson(row[6]);
    e.created_at = I64(row[7]);
    return std::optional<CacheEntry>(std::move(e));
  });
}

Result<std::vector<StepVersion>> PostgresStore::ListStepVersions(const std::string& ws,
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
    for (const auto& row :
         impl.Exec("SELECT execution_id, step_id, version, output, session, meta, created_at FROM "
                   "step_versions WHERE execution_id = $1 AND step_id = $2 ORDER BY version",
                   Params().S(execution_id).S(step_id))) {
      StepVersion v;
      v.execution_id = Str(row[0]);
      v.step_id = Str(row[1]);
      v.version = I32(row[2]);
      v.output = ColumnJson(row[3]);
      v.session = ColumnJson(row[4]);
      v.meta = ColumnJson(row[5]);
      v.created_at = I64(row[6]);
      out.push_back(std::move(v));
    }
    txn.Commit();
    return out;
  });
}

Result<std::vector<ArtifactRecord>> PostgresStore::QueryArtifacts(const std::string& ws,
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
    for (const auto& row : impl.Exec(
             std::string("SELECT ") + kArtifactCols +
                 " FROM artifacts WHERE workspace_id = $1 AND ($2 = '' OR execution_id = $2) AND "
                 "($3 = '' OR step_id = $3) AND ($4 = '' OR kind = $4) AND created_at > $5 AND "
                 "($7 = 0 OR step_version = (SELECT s.version FROM steps s WHERE s.execution_id = "
                 "artifacts.execution_id AND s.step_id = artifacts.step_id)) AND ($8 = '' OR "
                 "execution_id IN (SELECT x.id FROM executions x WHERE x.template_id = $8 AND "
                 "x.workspace_id = $1)) ORDER BY created_at, id LIMIT $6",
             Params()
                 .S(ws)
                 .S(f.execution_id)
                 .S(f.step_id)
                 .S(f.kind)
                 .I(f.created_after != 0 ? f.created_after : std::numeric_limits<int64_t>::min())
                 .I(LimitOf(f.limit))
                 .I(f.current_only ? 1 : 0)
                 .S(f.template_id))) {
      out.push_back(ReadArtifact(row));
    }
    txn.Commit();
    return out;
  });
}

Result<ArtifactRecord> PostgresStore::GetArtifact(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<ArtifactRecord> {
    pqxx::result r = impl_->Exec(std::string("SELECT ") + kArtifactCols +
                                     " FROM artifacts WHERE id = $1 AND workspace_id = $2",
                                 Params().S(id).S(ws));
    if (r.empty()) return Err(NotFound("artifact '" + id + "' not found"));
    return ReadArtifact(r[0]);
  });
}

// Positions are handed out in commit order (postgres_commit.cc), so every event with a gid below
// the largest one a reader has seen was already visible to it: paging by gid skips nothing.
Result<std::vector<Event>> PostgresStore::ReadWorkspaceEvents(const std::string& ws,
                                                              int64_t after_gid, int limit) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<Event>> {
    std::vector<Event> out;
    for (const auto& row :
         impl_->Exec(std::string("SELECT ") + kEventCols +
                         " FROM events WHERE workspace_id = $1 AND gid > $2 ORDER BY gid LIMIT $3",
                     Params().S(ws).I(after_gid).I(LimitOf(limit)))) {
      out.push_back(ReadEvent(row));
    }
    return out;
  });
}

Result<int64_t> PostgresStore::LastWorkspaceEventId(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<int64_t> {
    pqxx::result r = impl_->Exec("SELECT COALESCE(MAX(gid), 0) FROM events WHERE workspace_id = $1",
                                 Params().S(ws));
    return I64(r[0][0]);
  });
}

Result<std::optional<IdempotencyRecord>> PostgresStore::FindIdempotencyKey(const std::string& ws,
                                                                           const std::string& key) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::optional<IdempotencyRecord>> {
    pqxx::result r = impl_->Exec(
        "SELECT workspace_id, key, request_hash, execution_id, created_at FROM idempotency_keys "
        "WHERE workspace_id = $1 AND key = $2",
        Params().S(ws).S(key));
    if (r.empty()) return std::optional<IdempotencyRecord>();
    IdempotencyRecord rec;
    rec.workspace_id = Str(r[0][0]);
    rec.key = Str(r[0][1]);
    rec.request_hash = Str(r[0][2]);
    rec.execution_id = Str(r[0][3]);
    rec.created_at = I64(r[0][4]);
    return std::optional<IdempotencyRecord>(std::move(rec));
  });
}

}  // namespace atelier
