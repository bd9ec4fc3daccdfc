// MemoryStore's schedules and webhook triggers (atelier/store/automations.h), by the row functions
// the automation maps share (memory_automation_rows.h).
#include "memory_automation_rows.h"

namespace atelier {

using namespace memory::rows;

Status MemoryStore::InsertSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(s_->mu);
  return Insert(*s_, s_->schedules, kSchedule, rec);
}

Result<ScheduleRecord> MemoryStore::GetSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  return One(s_->schedules, kSchedule, ws, id);
}

Result<std::vector<ScheduleRecord>> MemoryStore::ListSchedules(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  return ByName(s_->schedules, ws);
}

Result<bool> MemoryStore::UpdateSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(s_->mu);
  return Update(s_->schedules, kSchedule, rec);
}

Status MemoryStore::DeleteSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  return Delete(s_->schedules, kSchedule, ws, id);
}

Result<std::vector<ScheduleRecord>> MemoryStore::DueSchedules(int64_t now, int limit) {
  std::lock_guard lock(s_->mu);
  std::vector<ScheduleRecord> out;
  for (const auto& [id, row] : s_->schedules) {
    if (!row.paused && row.next_due_at <= now) out.push_back(row);
  }
  std::sort(out.begin(), out.end(), [](const ScheduleRecord& a, const ScheduleRecord& b) {
    return std::tie(a.next_due_at, a.id) < std::tie(b.next_due_at, b.id);
  });
  if (limit >= 0 && out.size() > static_cast<size_t>(limit)) out.resize(limit);
  return out;
}

// ---- triggers ---------------------------------------------------------------------------------

Status MemoryStore::InsertTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(s_->mu);
  return Insert(*s_, s_->triggers, kTrigger, rec);
}

Result<TriggerRecord> MemoryStore::GetTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  return One(s_->triggers, kTrigger, ws, id);
}

Result<TriggerRecord> MemoryStore::FindTrigger(const std::string& id) {
  std::lock_guard lock(s_->mu);
  return One(s_->triggers, kTrigger, "", id);
}

Result<std::vector<TriggerRecord>> MemoryStore::ListTriggers(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  return ByName(s_->triggers, ws);
}

Result<bool> MemoryStore::UpdateTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(s_->mu);
  return Update(s_->triggers, kTrigger, rec);
}

Status MemoryStore::DeleteTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  return Delete(s_->triggers, kTrigger, ws, id);
}

}  // namespace atelier
