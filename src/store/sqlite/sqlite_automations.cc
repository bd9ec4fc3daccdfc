// SqliteStore's schedules and webhook triggers (atelier/store/automations.h): rows written on the
// writer's connection under its mutex, by the row functions the automation tables share
// (sqlite_automation_rows.h).
#include "sqlite_automation_rows.h"

namespace atelier {

using namespace sqlite::rows;

Status SqliteStore::InsertSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Insert(*impl_, kSchedules, rec);
}

Result<ScheduleRecord> SqliteStore::GetSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return One<ScheduleRecord>(*impl_, kSchedules, ws, id);
}

Result<std::vector<ScheduleRecord>> SqliteStore::ListSchedules(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return Select<ScheduleRecord>(*impl_, kSchedules, "workspace_id = ? ORDER BY name, id", ws);
}

Result<bool> SqliteStore::UpdateSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Update(*impl_, kSchedules, rec);
}

Status SqliteStore::DeleteSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return Delete(*impl_, kSchedules, ws, id);
}

Result<std::vector<ScheduleRecord>> SqliteStore::DueSchedules(int64_t now, int limit) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<ScheduleRecord>> {
    SQLite::Statement st(impl_->db, "SELECT " + Cols(kSchedules) +
                                        " FROM schedules WHERE paused = 0 AND next_due_at <= ? "
                                        "ORDER BY next_due_at, id LIMIT ?");
    st.bind(1, static_cast<int64_t>(now));
    st.bind(2, limit);
    std::vector<ScheduleRecord> out;
    while (st.executeStep()) out.push_back(ReadRow<ScheduleRecord>(st));
    return out;
  });
}

Status SqliteStore::InsertTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Insert(*impl_, kTriggers, rec);
}

Result<TriggerRecord> SqliteStore::GetTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return One<TriggerRecord>(*impl_, kTriggers, ws, id);
}

Result<TriggerRecord> SqliteStore::FindTrigger(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return One<TriggerRecord>(*impl_, kTriggers, "", id);
}

Result<std::vector<TriggerRecord>> SqliteStore::ListTriggers(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return Select<TriggerRecord>(*impl_, kTriggers, "workspace_id = ? ORDER BY name, id", ws);
}

Result<bool> SqliteStore::UpdateTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Update(*impl_, kTriggers, rec);
}

Status SqliteStore::DeleteTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return Delete(*impl_, kTriggers, ws, id);
}

}  // namespace atelier
