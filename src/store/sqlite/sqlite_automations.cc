// SqliteStore's schedules and webhook triggers (atelier/store/automations.h): rows written on the
// writer's connection under its mutex. They change a few times a minute at most, so their
// statements are prepared per call rather than cached.
#include "sqlite_impl.h"

namespace atelier {

using namespace sqlite;

namespace {

constexpr const char* kCols =
    "id, workspace_id, name, paused, next_due_at, revision, created_at, updated_at, spec, state";

ScheduleRecord ReadSchedule(const SQLite::Statement& st) {
  ScheduleRecord r;
  r.id = ColumnString(st, 0);
  r.workspace_id = ColumnString(st, 1);
  r.name = ColumnString(st, 2);
  r.paused = st.getColumn(3).getInt64() != 0;
  r.next_due_at = st.getColumn(4).getInt64();
  r.revision = st.getColumn(5).getInt64();
  r.created_at = st.getColumn(6).getInt64();
  r.updated_at = st.getColumn(7).getInt64();
  r.spec = ColumnJson(st, 8);
  r.state = ColumnJson(st, 9);
  return r;
}

bool NameTaken(SQLite::Database& db, const ScheduleRecord& rec) {
  SQLite::Statement st(db,
                       "SELECT 1 FROM schedules WHERE workspace_id = ? AND name = ? AND id <> ?");
  st.bind(1, rec.workspace_id);
  st.bind(2, rec.name);
  st.bind(3, rec.id);
  return st.executeStep();
}

constexpr const char* kTriggerCols =
    "id, workspace_id, name, secret, paused, revision, created_at, updated_at, spec, state";

TriggerRecord ReadTrigger(const SQLite::Statement& st) {
  TriggerRecord r;
  r.id = ColumnString(st, 0);
  r.workspace_id = ColumnString(st, 1);
  r.name = ColumnString(st, 2);
  r.secret = ColumnString(st, 3);
  r.paused = st.getColumn(4).getInt64() != 0;
  r.revision = st.getColumn(5).getInt64();
  r.created_at = st.getColumn(6).getInt64();
  r.updated_at = st.getColumn(7).getInt64();
  r.spec = ColumnJson(st, 8);
  r.state = ColumnJson(st, 9);
  return r;
}

bool TriggerNameTaken(SQLite::Database& db, const TriggerRecord& rec) {
  SQLite::Statement st(db,
                       "SELECT 1 FROM triggers WHERE workspace_id = ? AND name = ? AND id <> ?");
  st.bind(1, rec.workspace_id);
  st.bind(2, rec.name);
  st.bind(3, rec.id);
  return st.executeStep();
}

}  // namespace

Status SqliteStore::InsertSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Status {
    Impl::Txn txn(impl, /*write=*/true);
    {
      StmtUse st(impl.Get(kWorkspaceGet));
      st->bindNoCopy(1, rec.workspace_id);
      if (!st->executeStep()) return NotFound("workspace '" + rec.workspace_id + "' not found");
    }
    {
      SQLite::Statement st(impl.db, "SELECT 1 FROM schedules WHERE id = ?");
      st.bind(1, rec.id);
      if (st.executeStep()) return AlreadyExists("schedule '" + rec.id + "' already exists");
    }
    if (NameTaken(impl.db, rec)) {
      return AlreadyExists("a schedule named '" + rec.name + "' already exists");
    }
    SQLite::Statement st(impl.db, std::string("INSERT INTO schedules (") + kCols +
                                      ") VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)");
    st.bind(1, rec.id);
    st.bind(2, rec.workspace_id);
    st.bind(3, rec.name);
    st.bind(4, rec.paused ? 1 : 0);
    st.bind(5, static_cast<int64_t>(rec.next_due_at));
    st.bind(6, static_cast<int64_t>(rec.created_at));
    st.bind(7, static_cast<int64_t>(rec.updated_at));
    JsonText spec(rec.spec.is_null() ? Json::object() : rec.spec);
    JsonText state(rec.state.is_null() ? Json::object() : rec.state);
    spec.Bind(st, 8);
    state.Bind(st, 9);
    st.exec();
    txn.Commit();
    return Status::Ok();
  });
}

Result<ScheduleRecord> SqliteStore::GetSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<ScheduleRecord> {
    SQLite::Statement st(impl_->db, std::string("SELECT ") + kCols +
                                        " FROM schedules WHERE id = ? AND workspace_id = ?");
    st.bind(1, id);
    st.bind(2, ws);
    if (!st.executeStep()) return Err(NotFound("schedule '" + id + "' not found"));
    return ReadSchedule(st);
  });
}

Result<std::vector<ScheduleRecord>> SqliteStore::ListSchedules(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ScheduleRecord>> {
    SQLite::Statement st(impl_->db, std::string("SELECT ") + kCols +
                                        " FROM schedules WHERE workspace_id = ? ORDER BY name, id");
    st.bind(1, ws);
    std::vector<ScheduleRecord> out;
    while (st.executeStep()) out.push_back(ReadSchedule(st));
    return out;
  });
}

Result<bool> SqliteStore::UpdateSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<bool> {
    Impl::Txn txn(impl, /*write=*/true);
    {
      SQLite::Statement st(impl.db, "SELECT 1 FROM schedules WHERE id = ? AND workspace_id = ?");
      st.bind(1, rec.id);
      st.bind(2, rec.workspace_id);
      if (!st.executeStep()) return Err(NotFound("schedule '" + rec.id + "' not found"));
    }
    if (NameTaken(impl.db, rec)) {
      return Err(AlreadyExists("a schedule named '" + rec.name + "' already exists"));
    }
    SQLite::Statement st(impl.db,
                         "UPDATE schedules SET name = ?, paused = ?, next_due_at = ?, "
                         "updated_at = ?, spec = ?, state = ?, revision = revision + 1 "
                         "WHERE id = ? AND workspace_id = ? AND revision = ?");
    st.bind(1, rec.name);
    st.bind(2, rec.paused ? 1 : 0);
    st.bind(3, static_cast<int64_t>(rec.next_due_at));
    st.bind(4, static_cast<int64_t>(rec.updated_at));
    JsonText spec(rec.spec.is_null() ? Json::object() : rec.spec);
    JsonText state(rec.state.is_null() ? Json::object() : rec.state);
    spec.Bind(st, 5);
    state.Bind(st, 6);
    st.bind(7, rec.id);
    st.bind(8, rec.workspace_id);
    st.bind(9, static_cast<int64_t>(rec.revision));
    const bool applied = st.exec() == 1;
    txn.Commit();
    return applied;
  });
}

Status SqliteStore::DeleteSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Status {
    Impl::Txn txn(impl, /*write=*/true);
    SQLite::Statement st(impl.db, "DELETE FROM schedules WHERE id = ? AND workspace_id = ?");
    st.bind(1, id);
    st.bind(2, ws);
    if (st.exec() == 0) return NotFound("schedule '" + id + "' not found");
    txn.Commit();
    return Status::Ok();
  });
}

Result<std::vector<ScheduleRecord>> SqliteStore::DueSchedules(int64_t now, int limit) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ScheduleRecord>> {
    SQLite::Statement st(impl_->db, std::string("SELECT ") + kCols +
                                        " FROM schedules WHERE paused = 0 AND next_due_at <= ? "
                                        "ORDER BY next_due_at, id LIMIT ?");
    st.bind(1, static_cast<int64_t>(now));
    st.bind(2, limit);
    std::vector<ScheduleRecord> out;
    while (st.executeStep()) out.push_back(ReadSchedule(st));
    return out;
  });
}

Status SqliteStore::InsertTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Status {
    Impl::Txn txn(impl, /*write=*/true);
    {
      StmtUse st(impl.Get(kWorkspaceGet));
      st->bindNoCopy(1, rec.workspace_id);
      if (!st->executeStep()) return NotFound("workspace '" + rec.workspace_id + "' not found");
    }
    {
      SQLite::Statement st(impl.db, "SELECT 1 FROM triggers WHERE id = ?");
      st.bind(1, rec.id);
      if (st.executeStep()) return AlreadyExists("trigger '" + rec.id + "' already exists");
    }
    if (TriggerNameTaken(impl.db, rec)) {
      return AlreadyExists("a trigger named '" + rec.name + "' already exists");
    }
    SQLite::Statement st(impl.db, std::string("INSERT INTO triggers (") + kTriggerCols +
                                      ") VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)");
    st.bind(1, rec.id);
    st.bind(2, rec.workspace_id);
    st.bind(3, rec.name);
    st.bind(4, rec.secret);
    st.bind(5, rec.paused ? 1 : 0);
    st.bind(6, static_cast<int64_t>(rec.created_at));
    st.bind(7, static_cast<int64_t>(rec.updated_at));
    JsonText spec(rec.spec.is_null() ? Json::object() : rec.spec);
    JsonText state(rec.state.is_null() ? Json::object() : rec.state);
    spec.Bind(st, 8);
    state.Bind(st, 9);
    st.exec();
    txn.Commit();
    return Status::Ok();
  });
}

Result<TriggerRecord> SqliteStore::GetTrigger(const std::string& ws, const std::string& id) {
  auto rec = FindTrigger(id);
  if (rec && rec->workspace_id != ws) return Err(NotFound("trigger '" + id + "' not found"));
  return rec;
}

Result<TriggerRecord> SqliteStore::FindTrigger(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<TriggerRecord> {
    SQLite::Statement st(impl_->db,
                         std::string("SELECT ") + kTriggerCols + " FROM triggers WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return Err(NotFound("trigger '" + id + "' not found"));
    return ReadTrigger(st);
  });
}

Result<std::vector<TriggerRecord>> SqliteStore::ListTriggers(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<TriggerRecord>> {
    SQLite::Statement st(impl_->db, std::string("SELECT ") + kTriggerCols +
                                        " FROM triggers WHERE workspace_id = ? ORDER BY name, id");
    st.bind(1, ws);
    std::vector<TriggerRecord> out;
    while (st.executeStep()) out.push_back(ReadTrigger(st));
    return out;
  });
}

Result<bool> SqliteStore::UpdateTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<bool> {
    Impl::Txn txn(impl, /*write=*/true);
    {
      SQLite::Statement st(impl.db, "SELECT 1 FROM triggers WHERE id = ? AND workspace_id = ?");
      st.bind(1, rec.id);
      st.bind(2, rec.workspace_id);
      if (!st.executeStep()) return Err(NotFound("trigger '" + rec.id + "' not found"));
    }
    if (TriggerNameTaken(impl.db, rec)) {
      return Err(AlreadyExists("a trigger named '" + rec.name + "' already exists"));
    }
    SQLite::Statement st(impl.db,
                         "UPDATE triggers SET name = ?, secret = ?, paused = ?, updated_at = ?, "
                         "spec = ?, state = ?, revision = revision + 1 "
                         "WHERE id = ? AND workspace_id = ? AND revision = ?");
    st.bind(1, rec.name);
    st.bind(2, rec.secret);
    st.bind(3, rec.paused ? 1 : 0);
    st.bind(4, static_cast<int64_t>(rec.updated_at));
    JsonText spec(rec.spec.is_null() ? Json::object() : rec.spec);
    JsonText state(rec.state.is_null() ? Json::object() : rec.state);
    spec.Bind(st, 5);
    state.Bind(st, 6);
    st.bind(7, rec.id);
    st.bind(8, rec.workspace_id);
    st.bind(9, static_cast<int64_t>(rec.revision));
    const bool applied = st.exec() == 1;
    txn.Commit();
    return applied;
  });
}

Status SqliteStore::DeleteTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Status {
    Impl::Txn txn(impl, /*write=*/true);
    SQLite::Statement st(impl.db, "DELETE FROM triggers WHERE id = ? AND workspace_id = ?");
    st.bind(1, id);
    st.bind(2, ws);
    if (st.exec() == 0) return NotFound("trigger '" + id + "' not found");
    txn.Commit();
    return Status::Ok();
  });
}

}  // namespace atelier
