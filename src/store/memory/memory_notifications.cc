// MemoryStore's outbound notifications (atelier/store/automations.h): endpoints and deliveries in
// maps by id, the notifier's cursor a number, all under the store's mutex. No undo: none of them
// is written by a Commit batch. Events are `events`, whose index is gid - 1; a purged one stays
// there erased (memory_retention.cc), so the largest gid is the largest ever given.
#include <algorithm>
#include <set>
#include <tuple>

#include "memory_automation_rows.h"

namespace atelier {

using namespace memory::rows;

// ---- endpoints --------------------------------------------------------------------------------

Status MemoryStore::InsertEndpoint(const EndpointRecord& rec) {
  std::lock_guard lock(s_->mu);
  return Insert(*s_, s_->endpoints, kEndpoint, rec);
}

Result<EndpointRecord> MemoryStore::GetEndpoint(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  return One(s_->endpoints, kEndpoint, ws, id);
}

Result<std::vector<EndpointRecord>> MemoryStore::ListEndpoints(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  return ByName(s_->endpoints, ws);
}

Result<bool> MemoryStore::UpdateEndpoint(const EndpointRecord& rec) {
  std::lock_guard lock(s_->mu);
  return Update(s_->endpoints, kEndpoint, rec);
}

Status MemoryStore::DeleteEndpoint(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  return Delete(s_->endpoints, kEndpoint, ws, id);
}

// ---- the event log ----------------------------------------------------------------------------

Result<int64_t> MemoryStore::LastEventId() {
  std::lock_guard lock(s_->mu);
  return static_cast<int64_t>(s_->events.size());
}

Result<std::vector<WorkspaceEvent>> MemoryStore::ReadEventsOfTypes(
    int64_t after_gid, int64_t upto_gid, const std::vector<std::string>& types, int limit) {
  std::lock_guard lock(s_->mu);
  const std::set<std::string> wanted(types.begin(), types.end());
  std::vector<WorkspaceEvent> out;
  const int64_t from = std::max<int64_t>(after_gid, 0);  // the index of gid after_gid + 1
  const int64_t to = std::min(upto_gid, static_cast<int64_t>(s_->events.size()));
  for (int64_t i = from; i < to; ++i) {
    if (limit > 0 && out.size() >= static_cast<size_t>(limit)) break;
    const memory::State::StoredEvent& e = s_->events[static_cast<size_t>(i)];
    if (!e.erased && wanted.count(e.event.type) != 0) {
      out.push_back(WorkspaceEvent{e.workspace_id, e.event});
    }
  }
  return out;
}

// ---- the cursor and the deliveries ------------------------------------------------------------

Result<int64_t> MemoryStore::NotifyCursor() {
  std::lock_guard lock(s_->mu);
  return s_->notify_cursor;
}

Result<bool> MemoryStore::AdvanceNotifyCursor(int64_t from, int64_t to,
                                              const std::vector<DeliveryRecord>& deliveries) {
  std::lock_guard lock(s_->mu);
  if (s_->notify_cursor != from) return false;
  for (const DeliveryRecord& d : deliveries) {
    if (s_->deliveries.count(d.id) != 0) continue;
    DeliveryRecord row = d;
    row.revision = 1;
    row.state = Doc(d.state);
    s_->deliveries.emplace(d.id, std::move(row));
  }
  s_->notify_cursor = to;
  return true;
}

Result<std::vector<DeliveryRecord>> MemoryStore::DueDeliveries(int64_t now, int limit) {
  std::lock_guard lock(s_->mu);
  std::vector<DeliveryRecord> out;
  for (const auto& [id, row] : s_->deliveries) {
    if (row.status == "pending" && row.next_attempt_at <= now) out.push_back(row);
  }
  std::sort(out.begin(), out.end(), [](const DeliveryRecord& a, const DeliveryRecord& b) {
    return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
  });
  if (limit > 0 && out.size() > static_cast<size_t>(limit)) out.resize(limit);
  return out;
}

Result<bool> MemoryStore::UpdateDelivery(const DeliveryRecord& rec) {
  std::lock_guard lock(s_->mu);
  auto it = s_->deliveries.find(rec.id);
  if (it == s_->deliveries.end() || it->second.workspace_id != rec.workspace_id) {
    return Err(NotFound("delivery '" + rec.id + "' not found"));
  }
  DeliveryRecord& row = it->second;
  if (row.revision != rec.revision) return false;
  row.status = rec.status;
  row.attempts = rec.attempts;
  row.next_attempt_at = rec.next_attempt_at;
  row.updated_at = rec.updated_at;
  row.state = Doc(rec.state);
  row.revision = rec.revision + 1;
  return true;
}

Result<DeliveryRecord> MemoryStore::GetDelivery(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->deliveries.find(id);
  if (it == s_->deliveries.end() || it->second.workspace_id != ws) {
    return Err(NotFound("delivery '" + id + "' not found"));
  }
  return it->second;
}

Result<std::vector<DeliveryRecord>> MemoryStore::ListDeliveries(const std::string& ws,
                                                                const DeliveryFilter& f) {
  std::lock_guard lock(s_->mu);
  std::vector<DeliveryRecord> out;
  for (const auto& [id, row] : s_->deliveries) {
    if (row.workspace_id != ws) continue;
    if (!f.endpoint_id.empty() && row.endpoint_id != f.endpoint_id) continue;
    if (!f.execution_id.empty() && row.execution_id != f.execution_id) continue;
    if (!f.status.empty() && row.status != f.status) continue;
    if (!f.before_id.empty() &&
        std::tie(row.event_gid, row.id) >= std::tie(f.before_gid, f.before_id)) {
      continue;
    }
    out.push_back(row);
  }
  std::sort(out.begin(), out.end(), [](const DeliveryRecord& a, const DeliveryRecord& b) {
    return std::tie(b.event_gid, b.id) < std::tie(a.event_gid, a.id);
  });
  if (f.limit > 0 && out.size() > static_cast<size_t>(f.limit)) out.resize(f.limit);
  return out;
}

}  // namespace atelier
