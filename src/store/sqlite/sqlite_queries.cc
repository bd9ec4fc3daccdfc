// SqliteStore's reads of a run's records: executions (one, a filtered list, statuses), steps
// (with and without their contents), events (per execution by seq, per workspace by gid),
// artifacts, step versions, the step cache and idempotency keys. Reads that check the execution's
// workspace first run in one read transaction, so both see the same snapshot. Every read runs on
// a connection of the read pool (sqlite_read_pool.h), never behind the writer.
#include <limits>
#include <optional>
#include <stdexcept>

#include "sqlite_impl.h"
#include "sqlite_read_pool.h"

namespace atelier {

using namespace sqlite;

bool SqliteStore::Impl::ExecutionInWorkspace(const std::string& ws, const std::string& id) {
  StmtUse st(Get(kExecInWorkspace));
  st->bindNoCopy(1, id);
  st->bindNoCopy(2, ws);
  return st->executeStep();
}

namespace {

bool InWorkspace(ReadConn& c, const std::string& ws, const std::string& id) {
  StmtUse st(c.Get(kExecInWorkspace));
  st->bindNoCopy(1, id);
  st->bindNoCopy(2, ws);
  return st->executeStep();
}

}  // namespace

Result<ExecutionRecord> SqliteStore::GetExecution(const std::string& ws, const std::string& id) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<ExecutionRecord> {
    StmtUse st(c.Get(kExecGet));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    if (!st->executeStep()) return Err(NotFound("execution '" + id + "' not found"));
    return ReadExecution(*st);
  });
}

Result<std::vector<ExecutionRecord>> SqliteStore::ListExecutions(const std::string& ws,
                                                                 const ExecutionFilter& f) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<ExecutionRecord>> {
    unsigned mask = 0;
    if (f.status) mask |= kListStatus;
    if (!f.template_id.empty()) mask |= kListTemplate;
    if (f.created_after != 0) mask |= kListCreatedAfter;
    if (f.created_before != 0) mask |= kListCreatedBefore;
    if (!f.before_id.empty()) mask |= kListCursor;
    if (f.top_level_only) mask |= kListTopLevel;
    if (!f.parent_execution_id.empty()) mask |= kListParent;
    StmtUse st(c.ExecList(mask));
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
  return WithReader(*impl_->readers,
                    [&](ReadConn& c) -> Result<std::vector<std::pair<std::string, ExecStatus>>> {
                      std::vector<std::pair<std::string, ExecStatus>> out;
                      if (ids.empty()) return out;
                      ReadTxn txn(c);  // one snapshot for all of them
                      for (const std::string& id : ids) {
                        StmtUse st(c.Get(kExecStatus));
                        st->bindNoCopy(1, id);
                        if (st->executeStep())
                          out.emplace_back(id, ParseExecStatus(ColumnString(*st, 0)));
                      }
                      return out;
                    });
}

int64_t SqliteStore::ChangeToken() { return impl_->readers->ChangeToken(); }

Result<std::vector<StepRecord>> SqliteStore::GetSteps(const std::string& ws,
                                                      const std::string& execution_id) {
  return impl_->ReadSteps(ws, execution_id, /*contents=*/true);
}

Result<std::vector<StepRecord>> SqliteStore::GetStepStates(const std::string& ws,
                                                           const std::string& execution_id) {
  return impl_->ReadSteps(ws, execution_id, /*contents=*/false);
}

namespace {

// The steps of one execution without their contents: output, error and session are not even read
// (SQLite would copy them through the sort of ORDER BY). The columns keep ReadStep's positions.
const std::string& StepStateSql() {
  static const std::string sql =
      "SELECT execution_id, step_id, node_id, parent_step_id, item_index, status, attempt, "
      "attempt_base, version, NULL, NULL, created_at, updated_at, started_at, finished_at, "
      "due_at, lease_owner, lease_expires_at, NULL, usage, crashes FROM steps WHERE "
      "execution_id = ?1 ORDER BY created_at, item_index, step_id";
  return sql;
}

}  // namespace

Result<std::vector<StepRecord>> SqliteStore::Impl::ReadSteps(const std::string& ws,
                                                             const std::string& execution_id,
                                                             bool contents) {
  return WithReader(*readers, [&](ReadConn& c) -> Result<std::vector<StepRecord>> {
    ReadTxn txn(c);
    // A status poll reads the same execution's states again and again: while nothing was
    // committed since (the data version, read in this transaction), the last answer stands.
    const bool cache = !contents && c.own();
    const int64_t version = cache ? c.DataVersion() : -1;
    const std::string key = cache ? ws + '\n' + execution_id : std::string();
    if (cache) {
      auto hit = c.step_states.find(key);
      if (hit != c.step_states.end() && hit->second.version == version) return hit->second.steps;
    }
    if (!InWorkspace(c, ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<StepRecord> out;
    {
      StmtUse st(contents ? c.Get(kStepList) : c.Sql(StepStateSql()));
      st->bindNoCopy(1, execution_id);
      while (st->executeStep()) out.push_back(ReadStep(*st, contents));
    }
    if (cache) {
      ReadConn::StepStates& slot = c.step_states[key];
      c.step_states_rows -= slot.steps.size();
      if (c.step_states_rows + out.size() > ReadConn::kMaxStepStateRows) {
        c.step_states.clear();
        c.step_states_rows = 0;
      }
      if (out.size() <= ReadConn::kMaxStepStateRows / 4) {
        c.step_states[key] = ReadConn::StepStates{version, out};
        c.step_states_rows += out.size();
      } else {
        c.step_states.erase(key);
      }
    }
    return out;
  });
}

Result<std::vector<Event>> SqliteStore::ReadEvents(const std::string& ws,
                                                   const std::string& execution_id, int64_t after,
                                                   int limit) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<Event>> {
    ReadTxn txn(c);
    if (!InWorkspace(c, ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<Event> out;
    {
      StmtUse st(c.Get(kEventRead));
      st->bindNoCopy(1, execution_id);
      st->bind(2, after);
      st->bind(3, limit > 0 ? limit : -1);
      while (st->executeStep()) out.push_back(ReadEvent(*st));
    }
    return out;
  });
}

Result<std::vector<ArtifactRecord>> SqliteStore::ListArtifacts(const std::string& ws,
                                                               const std::string& execution_id) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<ArtifactRecord>> {
    ReadTxn txn(c);
    if (!InWorkspace(c, ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<ArtifactRecord> out;
    {
      StmtUse st(c.Get(kArtifactList));
      st->bindNoCopy(1, execution_id);
      while (st->executeStep()) out.push_back(ReadArtifact(*st));
    }
    return out;
  });
}

Result<std::optional<CacheEntry>> SqliteStore::LookupCache(const std::string& ws,
                                                           const std::string& key) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::optional<CacheEntry>> {
    StmtUse st(c.Get(kCacheGet));
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
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<StepVersion>> {
    ReadTxn txn(c);
    if (!InWorkspace(c, ws, execution_id)) {
      return Err(NotFound("execution '" + execution_id + "' not found"));
    }
    std::vector<StepVersion> out;
    {
      StmtUse st(c.Get(kVersionList));
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
    return out;
  });
}

Result<std::vector<ArtifactRecord>> SqliteStore::QueryArtifacts(const std::string& ws,
                                                                const ArtifactFilter& f) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<ArtifactRecord>> {
    ReadTxn txn(c);
    const bool by_exec = !f.execution_id.empty();
    if (by_exec && !InWorkspace(c, ws, f.execution_id)) {
      return Err(NotFound("execution '" + f.execution_id + "' not found"));
    }
    std::vector<ArtifactRecord> out;
    {
      StmtUse st(c.Get(by_exec ? kArtifactQueryByExec : kArtifactQuery));
      st->bindNoCopy(1, ws);
      if (by_exec) st->bindNoCopy(2, f.execution_id);
      st->bindNoCopy(3, f.step_id);
      st->bindNoCopy(4, f.kind);
      st->bind(5, f.created_after != 0 ? f.created_after : std::numeric_limits<int64_t>::min());
      st->bind(6, f.limit > 0 ? f.limit : -1);
      st->bind(7, f.current_only ? 1 : 0);
      st->bindNoCopy(8, f.template_id);
      while (st->executeStep()) out.push_back(ReadArtifact(*st));
    }
    return out;
  });
}

Result<ArtifactRecord> SqliteStore::GetArtifact(const std::string& ws, const std::string& id) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<ArtifactRecord> {
    StmtUse st(c.Get(kArtifactGet));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    if (!st->executeStep()) return Err(NotFound("artifact '" + id + "' not found"));
    return ReadArtifact(*st);
  });
}

Result<std::vector<Event>> SqliteStore::ReadWorkspaceEvents(const std::string& ws,
                                                            int64_t after_gid, int limit) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<Event>> {
    StmtUse st(c.Get(kEventReadWorkspace));
    st->bindNoCopy(1, ws);
    st->bind(2, after_gid);
    st->bind(3, limit > 0 ? limit : -1);
    std::vector<Event> out;
    while (st->executeStep()) out.push_back(ReadEvent(*st));
    return out;
  });
}

Result<int64_t> SqliteStore::LastWorkspaceEventId(const std::string& ws) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<int64_t> {
    StmtUse st(c.Get(kEventLastGid));
    st->bindNoCopy(1, ws);
    st->executeStep();
    return st->getColumn(0).getInt64();
  });
}

Result<std::optional<IdempotencyRecord>> SqliteStore::FindIdempotencyKey(const std::string& ws,
                                                                         const std::string& key) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::optional<IdempotencyRecord>> {
    StmtUse st(c.Get(kIdempotencyGet));
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
