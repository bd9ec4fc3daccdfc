// PostgresStore's schedules and webhook triggers (atelier/store/automations.h). The revision check of
// UpdateSchedule is one guarded UPDATE: under READ COMMITTED it is evaluated again on the newest
// row version after waiting for a concurrent writer, so of two processes advancing the same
// schedule only one wins.
#include "postgres_impl.h"
#include "postgres_rows.h"

namespace atelier {

using namespace postgres;

namespace {

constexpr const char* kCols =
    "id, workspace_id, name, paused, next_due_at, revision, created_at, updated_at, spec, state";

ScheduleRecord ReadSchedule(const pqxx::row& row) {
  ScheduleRecord r;
  r.id = Str(row[0]);
  r.workspace_id = Str(row[1]);
  r.name = Str(row[2]);
  r.paused = row[3].as<bool>();
  r.next_due_at = row[4].as<int64_t>();
  r.revision = row[5].as<int64_t>();
  r.created_at = row[6].as<int64_t>();
  r.updated_at = row[7].as<int64_t>();
  r.spec = ColumnJson(row[8]);
  r.state = ColumnJson(row[9]);
  return r;
}

constexpr const char* kTriggerCols =
    "id, workspace_id, name, secret, paused, revision, created_at, updated_at, spec, state";

TriggerRecord ReadTrigger(const pqxx::row& row) {
  TriggerRecord r;
  r.id = Str(row[0]);
  r.workspace_id = Str(row[1]);
  r.name = Str(row[2]);
  r.secret = Str(row[3]);
  r.paused = row[4].as<bool>();
  r.revision = row[5].as<int64_t>();
  r.created_at = row[6].as<int64_t>();
  r.updated_at = row[7].as<int64_t>();
  r.spec = ColumnJson(row[8]);
  r.state = ColumnJson(row[9]);
  return r;
}

const Json& Doc(const Json& j) {
  static const Json kEmpty = Json::object();
  return j.is_null() ? kEmpty : j;
}

}  // namespace

Status PostgresStore::InsertSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Status {
    Impl::Txn txn(impl, /*write=*/true);
    if (impl.Exec("SELECT 1 FROM workspaces WHERE id = $1", Params().S(rec.workspace_id)).empty()) {
      return NotFound("workspace '" + rec.workspace_id + "' not found");
    }
    pqxx::result r = impl.Exec(std::string("INSERT INTO schedules (") + kCols +
                                   ") VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9) "
                                   "ON CONFLICT DO NOTHING",
                               Params()
                                   .S(rec.id)
                                   .S(rec.workspace_id)
                                   .S(rec.name)
                                   .S(rec.paused ? "true" : "false")
                                   .I(rec.next_due_at)
                                   .I(rec.created_at)
                                   .I(rec.updated_at)
                                   .J(Doc(rec.spec))
                                   .J(Doc(rec.state)));
    if (r.affected_rows() == 0) {
      if (!impl.Exec("SELECT 1 FROM schedules WHERE id = $1", Params().S(rec.id)).empty())
        return AlreadyExists("schedule '" + rec.id + "' already exists");
      return AlreadyExists("a schedule named '" + rec.name + "' already exists");
    }
    txn.Commit();
    return Status::Ok();
  });
}

Result<ScheduleRecord> PostgresStore::GetSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<ScheduleRecord> {
    pqxx::result r = impl_->Exec(
        std::string("SELECT ") + kCols + " FROM schedules WHERE id = $1 AND workspace_id = $2",
        Params().S(id).S(ws));
    if (r.empty()) return Err(NotFound("schedule '" + id + "' not found"));
    return ReadSchedule(r[0]);
  });
}

Result<std::vector<ScheduleRecord>> PostgresStore::ListSchedules(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ScheduleRecord>> {
    std::vector<ScheduleRecord> out;
    for (const auto& row :
         impl_->Exec(std::string("SELECT ") + kCols +
                         " FROM schedules WHERE workspace_id = $1 ORDER BY name, id",
                     Params().S(ws))) {
      out.push_back(ReadSchedule(row));
    }
    return out;
  });
}

Result<bool> PostgresStore::UpdateSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<bool> {
    Impl::Txn txn(impl, /*write=*/true);
    if (impl.Exec("SELECT 1 FROM schedules WHERE id = $1 AND workspace_id = $2",
                  Params().S(rec.id).S(rec.workspace_id))
            .empty()) {
      return Err(NotFound("schedule '" + rec.id + "' not found"));
    }
    if (!impl.Exec("SELECT 1 FROM schedules WHERE workspace_id = $1 AND name = $2 AND id <> $3",
                   Params().S(rec.workspace_id).S(rec.name).S(rec.id))
             .empty()) {
      return Err(AlreadyExists("a schedule named '" + rec.name + "' already exists"));
    }
    pqxx::result r = impl.Exec(
        "UPDATE schedules SET name = $1, paused = $2, next_due_at = $3, updated_at = $4, "
        "spec = $5, state = $6, revision = revision + 1 "
        "WHERE id = $7 AND workspace_id = $8 AND revision = $9",
        Params()
            .S(rec.name)
            .S(rec.paused ? "true" : "false")
            .I(rec.next_due_at)
            .I(rec.updated_at)
            .J(Doc(rec.spec))
            .J(Doc(rec.state))
            .S(rec.id)
            .S(rec.workspace_id)
            .I(rec.revision));
    const bool applied = r.affected_rows() == 1;
    txn.Commit();
    return applied;
  });
}

Status PostgresStore::DeleteSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Status {
    pqxx::result r = impl_->Exec("DELETE FROM schedules WHERE id = $1 AND workspace_id = $2",
                                 Params().S(id).S(ws));
    if (r.affected_rows() == 0) return NotFound("schedule '" + id + "' not found");
    return Status::Ok();
  });
}

Result<std::vector<ScheduleRecord>> PostgresStore::DueSchedules(int64_t now, int limit) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ScheduleRecord>> {
    std::vector<ScheduleRecord> out;
    for (const auto& row : impl_->Exec(std::string("SELECT ") + kCols +
                                           " FROM schedules WHERE NOT paused AND next_due_at <= "
                                           "$1 ORDER BY next_due_at, id LIMIT $2",
                                       Params().I(now).I(limit))) {
      out.push_back(ReadSchedule(row));
    }
    return out;
  });
}

Status PostgresStore::InsertTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Status {
    Impl::Txn txn(impl, /*write=*/true);
    if (impl.Exec("SELECT 1 FROM workspaces WHERE id = $1", Params().S(rec.workspace_id)).empty()) {
      return NotFound("workspace '" + rec.workspace_id + "' not found");
    }
    pqxx::result r = impl.Exec(std::string("INSERT INTO triggers (") + kTriggerCols +
                                   ") VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9) "
                                   "ON CONFLICT DO NOTHING",
                               Params()
                                   .S(rec.id)
                                   .S(rec.workspace_id)
                                   .S(rec.name)
                                   .S(rec.secret)
                                   .S(rec.paused ? "true" : "false")
                                   .I(rec.created_at)
                                   .I(rec.updated_at)
                                   .J(Doc(rec.spec))
                                   .J(Doc(rec.state)));
    if (r.affected_rows() == 0) {
      if (!impl.Exec("SELECT 1 FROM triggers WHERE id = $1", Params().S(rec.id)).empty())
        return AlreadyExists("trigger '" + rec.id + "' already exists");
      return AlreadyExists("a trigger named '" + rec.name + "' already exists");
    }
    txn.Commit();
    return Status::Ok();
  });
}

Result<TriggerRecord> PostgresStore::GetTrigger(const std::string& ws, const std::string& id) {
  auto rec = FindTrigger(id);
  if (rec && rec->workspace_id != ws) return Err(NotFound("trigger '" + id + "' not found"));
  return rec;
}

Result<TriggerRecord> PostgresStore::FindTrigger(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<TriggerRecord> {
    pqxx::result r = impl_->Exec(
        std::string("SELECT ") + kTriggerCols + " FROM triggers WHERE id = $1", Params().S(id));
    if (r.empty()) return Err(NotFound("trigger '" + id + "' not found"));
    return ReadTrigger(r[0]);
  });
}

Result<std::vector<TriggerRecord>> PostgresStore::ListTriggers(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<TriggerRecord>> {
    std::vector<TriggerRecord> out;
    for (const auto& row :
         impl_->Exec(std::string("SELECT ") + kTriggerCols +
                         " FROM triggers WHERE workspace_id = $1 ORDER BY name, id",
                     Params().S(ws))) {
      out.push_back(ReadTrigger(row));
    }
    return out;
  });
}

Result<bool> PostgresStore::UpdateTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(impl_->mu);
  Impl& impl = *impl_;
  return impl.Guarded([&]() -> Result<bool> {
    Impl::Txn txn(impl, /*write=*/true);
    if (impl.Exec("SELECT 1 FROM triggers WHERE id = $1 AND workspace_id = $2",
                  Params().S(rec.id).S(rec.workspace_id))
            .empty()) {
      return Err(NotFound("trigger '" + rec.id + "' not found"));
    }
    if (!impl.Exec("SELECT 1 FROM triggers WHERE workspace_id = $1 AND name = $2 AND id <> $3",
                   Params().S(rec.workspace_id).S(rec.name).S(rec.id))
             .empty()) {
      return Err(AlreadyExists("a trigger named '" + rec.name + "' already exists"));
    }
    pqxx::result r = impl.Exec(
        "UPDATE triggers SET name = $1, secret = $2, paused = $3, updated_at = $4, spec = $5, "
        "state = $6, revision = revision + 1 WHERE id = $7 AND workspace_id = $8 AND revision = $9",
        Params()
            .S(rec.name)
            .S(rec.secret)
            .S(rec.paused ? "true" : "false")
            .I(rec.updated_at)
            .J(Doc(rec.spec))
            .J(Doc(rec.state))
            .S(rec.id)
            .S(rec.workspace_id)
            .I(rec.revision));
    const bool applied = r.affected_rows() == 1;
    txn.Commit();
    return applied;
  });
}

Status PostgresStore::DeleteTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Status {
    pqxx::result r = impl_->Exec("DELETE FROM triggers WHERE id = $1 AND workspace_id = $2",
                                 Params().S(id).S(ws));
    if (r.affected_rows() == 0) return NotFound("trigger '" + id + "' not found");
    return Status::Ok();
  });
}

}  // namespace atelier
