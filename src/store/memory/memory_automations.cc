// MemoryStore's schedules and webhook triggers (atelier/store/automations.h): a map by id under the
// store's mutex. No undo: a schedule write is never part of a Commit batch.
#include <algorithm>

#include "memory_state.h"

namespace atelier {

namespace {

bool NameTaken(const memory::State& s, const ScheduleRecord& rec) {
  for (const auto& [id, row] : s.schedules) {
    if (row.workspace_id == rec.workspace_id && row.name == rec.name && id != rec.id) return true;
  }
  return false;
}

// As a database reads it back: JSON round-tripped, a missing document an empty object.
Json Doc(const Json& j) { return j.is_null() ? Json::object() : Json::parse(j.dump()); }

}  // namespace

Status MemoryStore::InsertSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(s_->mu);
  if (s_->workspace_index.count(rec.workspace_id) == 0) {
    return NotFound("workspace '" + rec.workspace_id + "' not found");
  }
  if (s_->schedules.count(rec.id) != 0) {
    return AlreadyExists("schedule '" + rec.id + "' already exists");
  }
  if (NameTaken(*s_, rec))
    return AlreadyExists("a schedule named '" + rec.name + "' already exists");
  ScheduleRecord row = rec;
  row.revision = 1;
  row.spec = Doc(rec.spec);
  row.state = Doc(rec.state);
  s_->schedules.emplace(rec.id, std::move(row));
  return Status::Ok();
}

Result<ScheduleRecord> MemoryStore::GetSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->schedules.find(id);
  if (it == s_->schedules.end() || it->second.workspace_id != ws) {
    return Err(NotFound("schedule '" + id + "' not found"));
  }
  return it->second;
}

Result<std::vector<ScheduleRecord>> MemoryStore::ListSchedules(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  std::vector<ScheduleRecord> out;
  for (const auto& [id, row] : s_->schedules) {
    if (row.workspace_id == ws) out.push_back(row);
  }
  std::sort(out.begin(), out.end(), [](const ScheduleRecord& a, const ScheduleRecord& b) {
    return std::tie(a.name, a.id) < std::tie(b.name, b.id);
  });
  return out;
}

Result<bool> MemoryStore::UpdateSchedule(const ScheduleRecord& rec) {
  std::lock_guard lock(s_->mu);
  auto it = s_->schedules.find(rec.id);
  if (it == s_->schedules.end() || it->second.workspace_id != rec.workspace_id) {
    return Err(NotFound("schedule '" + rec.id + "' not found"));
  }
  if (NameTaken(*s_, rec)) {
    return Err(AlreadyExists("a schedule named '" + rec.name + "' already exists"));
  }
  ScheduleRecord& row = it->second;
  if (row.revision != rec.revision) return false;
  row.name = rec.name;
  row.paused = rec.paused;
  row.next_due_at = rec.next_due_at;
  row.updated_at = rec.updated_at;
  row.spec = Doc(rec.spec);
  row.state = Doc(rec.state);
  row.revision = rec.revision + 1;
  return true;
}

Status MemoryStore::DeleteSchedule(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->schedules.find(id);
  if (it == s_->schedules.end() || it->second.workspace_id != ws) {
    return NotFound("schedule '" + id + "' not found");
  }
  s_->schedules.erase(it);
  return Status::Ok();
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

namespace {

bool TriggerNameTaken(const memory::State& s, const TriggerRecord& rec) {
  for (const auto& [id, row] : s.triggers) {
    if (row.workspace_id == rec.workspace_id && row.name == rec.name && id != rec.id) return true;
  }
  return false;
}

}  // namespace

Status MemoryStore::InsertTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(s_->mu);
  if (s_->workspace_index.count(rec.workspace_id) == 0) {
    return NotFound("workspace '" + rec.workspace_id + "' not found");
  }
  if (s_->triggers.count(rec.id) != 0)
    return AlreadyExists("trigger '" + rec.id + "' already exists");
  if (TriggerNameTaken(*s_, rec))
    return AlreadyExists("a trigger named '" + rec.name + "' already exists");
  TriggerRecord row = rec;
  row.revision = 1;
  row.spec = Doc(rec.spec);
  row.state = Doc(rec.state);
  s_->triggers.emplace(rec.id, std::move(row));
  return Status::Ok();
}

Result<TriggerRecord> MemoryStore::GetTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->triggers.find(id);
  if (it == s_->triggers.end() || it->second.workspace_id != ws) {
    return Err(NotFound("trigger '" + id + "' not found"));
  }
  return it->second;
}

Result<TriggerRecord> MemoryStore::FindTrigger(const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->triggers.find(id);
  if (it == s_->triggers.end()) return Err(NotFound("trigger '" + id + "' not found"));
  return it->second;
}

Result<std::vector<TriggerRecord>> MemoryStore::ListTriggers(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  std::vector<TriggerRecord> out;
  for (const auto& [id, row] : s_->triggers) {
    if (row.workspace_id == ws) out.push_back(row);
  }
  std::sort(out.begin(), out.end(), [](const TriggerRecord& a, const TriggerRecord& b) {
    return std::tie(a.name, a.id) < std::tie(b.name, b.id);
  });
  return out;
}

Result<bool> MemoryStore::UpdateTrigger(const TriggerRecord& rec) {
  std::lock_guard lock(s_->mu);
  auto it = s_->triggers.find(rec.id);
  if (it == s_->triggers.end() || it->second.workspace_id != rec.workspace_id) {
    return Err(NotFound("trigger '" + rec.id + "' not found"));
  }
  if (TriggerNameTaken(*s_, rec)) {
    return Err(AlreadyExists("a trigger named '" + rec.name + "' already exists"));
  }
  TriggerRecord& row = it->second;
  if (row.revision != rec.revision) return false;
  row.name = rec.name;
  row.secret = rec.secret;
  row.paused = rec.paused;
  row.updated_at = rec.updated_at;
  row.spec = Doc(rec.spec);
  row.state = Doc(rec.state);
  row.revision = rec.revision + 1;
  return true;
}

Status MemoryStore::DeleteTrigger(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->triggers.find(id);
  if (it == s_->triggers.end() || it->second.workspace_id != ws) {
    return NotFound("trigger '" + id + "' not found");
  }
  s_->triggers.erase(it);
  return Status::Ok();
}

}  // namespace atelier
