// The row functions of MemoryStore's automation maps (atelier/store/automations.h): schedules,
// webhook triggers and notification endpoints, each a map by id under the store's mutex (the
// caller holds it). The three kinds of row differ in one field of their own (a schedule's next
// due time, a trigger's or an endpoint's secret), so one set of templates serves them all
// (memory_automations.cc, memory_notifications.cc), as the SQL backends' do. No undo: none of
// them is written by a Commit batch. Include only from src/store/memory.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "memory_state.h"

namespace atelier::memory::rows {

// What a row is called in messages, alone and with its article.
struct Noun {
  const char* noun;
  const char* a_noun;
};
inline constexpr Noun kSchedule{"schedule", "a schedule"};
inline constexpr Noun kTrigger{"trigger", "a trigger"};
inline constexpr Noun kEndpoint{"endpoint", "an endpoint"};

// As a database reads it back: JSON round-tripped, a missing document an empty object.
inline Json Doc(const Json& j) { return j.is_null() ? Json::object() : Stored(j); }

// The field an update writes besides the shared ones.
inline void CopyOwn(ScheduleRecord& row, const ScheduleRecord& rec) {
  row.next_due_at = rec.next_due_at;
}
inline void CopyOwn(TriggerRecord& row, const TriggerRecord& rec) { row.secret = rec.secret; }
inline void CopyOwn(EndpointRecord& row, const EndpointRecord& rec) { row.secret = rec.secret; }

template <class Rec>
bool NameTaken(const std::map<std::string, Rec>& rows, const Rec& rec) {
  for (const auto& [id, row] : rows) {
    if (row.workspace_id == rec.workspace_id && row.name == rec.name && id != rec.id) return true;
  }
  return false;
}

template <class Rec>
Status Insert(const State& s, std::map<std::string, Rec>& rows, const Noun& n, const Rec& rec) {
  if (s.workspace_index.count(rec.workspace_id) == 0) {
    return NotFound("workspace '" + rec.workspace_id + "' not found");
  }
  if (rows.count(rec.id) != 0)
    return AlreadyExists(std::string(n.noun) + " '" + rec.id + "' already exists");
  if (NameTaken(rows, rec))
    return AlreadyExists(std::string(n.a_noun) + " named '" + rec.name + "' already exists");
  Rec row = rec;
  row.revision = 1;
  row.spec = Doc(rec.spec);
  row.state = Doc(rec.state);
  rows.emplace(rec.id, std::move(row));
  return Status::Ok();
}

// The row `id` in workspace `ws` (any workspace when `ws` is empty).
template <class Rec>
Result<Rec> One(const std::map<std::string, Rec>& rows, const Noun& n, const std::string& ws,
                const std::string& id) {
  auto it = rows.find(id);
  if (it == rows.end() || (!ws.empty() && it->second.workspace_id != ws)) {
    return Err(NotFound(std::string(n.noun) + " '" + id + "' not found"));
  }
  return it->second;
}

// The workspace's rows, ordered by name.
template <class Rec>
std::vector<Rec> ByName(const std::map<std::string, Rec>& rows, const std::string& ws) {
  std::vector<Rec> out;
  for (const auto& [id, row] : rows) {
    if (row.workspace_id == ws) out.push_back(row);
  }
  std::sort(out.begin(), out.end(), [](const Rec& a, const Rec& b) {
    return std::tie(a.name, a.id) < std::tie(b.name, b.id);
  });
  return out;
}

// The revision compare-and-set: false when the row moved on since `rec` was read.
template <class Rec>
Result<bool> Update(std::map<std::string, Rec>& rows, const Noun& n, const Rec& rec) {
  auto it = rows.find(rec.id);
  if (it == rows.end() || it->second.workspace_id != rec.workspace_id) {
    return Err(NotFound(std::string(n.noun) + " '" + rec.id + "' not found"));
  }
  if (NameTaken(rows, rec)) {
    return Err(
        AlreadyExists(std::string(n.a_noun) + " named '" + rec.name + "' already exists"));
  }
  Rec& row = it->second;
  if (row.revision != rec.revision) return false;
  row.name = rec.name;
  row.paused = rec.paused;
  CopyOwn(row, rec);
  row.updated_at = rec.updated_at;
  row.spec = Doc(rec.spec);
  row.state = Doc(rec.state);
  row.revision = rec.revision + 1;
  return true;
}

template <class Rec>
Status Delete(std::map<std::string, Rec>& rows, const Noun& n, const std::string& ws,
              const std::string& id) {
  auto it = rows.find(id);
  if (it == rows.end() || it->second.workspace_id != ws) {
    return NotFound(std::string(n.noun) + " '" + id + "' not found");
  }
  rows.erase(it);
  return Status::Ok();
}

}  // namespace atelier::memory::rows
