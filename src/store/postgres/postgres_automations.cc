// PostgresStore's schedules and webhook triggers (atelier/store/automations.h), by the row
// functions the automation tables share (postgres_automation_rows.h).
#include "postgres_automation_rows.h"

namespace atelier {

using namespace postgres;
using namespace postgres::rows;

Status PostgresStore::InsertSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Insert(*impl_, kSchedules, rec);
}

Result<ScheduleRecord> PostgresStore::GetSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return One<ScheduleRecord>(*impl_, kSchedules, ws, id);
}

Result<std::vector<ScheduleRecord>> PostgresStore::ListSchedules(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return Select<ScheduleRecord>(*impl_, kSchedules, "workspace_id = $1 ORDER BY name, id",
                                Params().S(ws));
}

Result<bool> PostgresStore::UpdateSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Update(*impl_, kSchedules, rec);
}

Status PostgresStore::DeleteSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return Delete(*impl_, kSchedules, ws, id);
}

Result<std::vector<ScheduleRecord>> PostgresStore::DueSchedules(int64_t now, int limit) {
  std::lock_guard lock(impl_->mu);
  return Select<ScheduleRecord>(*impl_, kSchedules,
                                "NOT paused AND next_due_at <= $1 ORDER BY next_due_at, id "
                                "LIMIT $2",
                                Params().I(now).I(limit));
}

Status PostgresStore::InsertTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Insert(*impl_, kTriggers, rec);
}

Result<TriggerRecord> PostgresStore::GetTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return One<TriggerRecord>(*impl_, kTriggers, ws, id);
}

Result<TriggerRecord> PostgresStore::FindTrigger(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return One<TriggerRecord>(*impl_, kTriggers, "", id);
}

Result<std::vector<TriggerRecord>> PostgresStore::ListTriggers(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return Select<TriggerRecord>(*impl_, kTriggers, "workspace_id = $1 ORDER BY name, id",
                               Params().S(ws));
}

Result<bool> PostgresStore::UpdateTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Update(*impl_, kTriggers, rec);
}

Status PostgresStore::DeleteTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return Delete(*impl_, kTriggers, ws, id);
}

}  // namespace atelier
