// PostgresStore's outbound notifications (atelier/store/automations.h): endpoints, the deliveries
// to send and the notifier's cursor over the event log. Every write is a compare-and-set (an
// endpoint's or a delivery's revision, the cursor's position) in one guarded UPDATE: under READ
// COMMITTED it is evaluated again on the newest row version after waiting for a concurrent writer,
// so of two processes doing the same thing only one wins.
//
// Gids come from the event_positions row, whose lock a Commit holds until it commits
// (postgres_commit.cc): a transaction takes its gids only after every smaller one is committed
// and visible, so the largest gid a reader sees has every smaller one visible with it.
#include <limits>

#include "postgres_automation_rows.h"

namespace atelier {

using namespace postgres;
using namespace postgres::rows;

namespace {

// LIMIT for a limit <= 0 ("no limit").
int64_t LimitOf(int limit) { return limit > 0 ? limit : std::numeric_limits<int64_t>::max(); }

constexpr const char* kDeliveryCols =
    "id, workspace_id, endpoint_id, execution_id, event_gid, event_type, url, status, attempts, "
    "next_attempt_at, revision, created_at, updated_at, body, state";

DeliveryRecord ReadDelivery(const pqxx::row& row) {
  DeliveryRecord d;
  d.id = Str(row[0]);
  d.workspace_id = Str(row[1]);
  d.endpoint_id = Str(row[2]);
  d.execution_id = Str(row[3]);
  d.event_gid = I64(row[4]);
  d.event_type = Str(row[5]);
  d.url = Str(row[6]);
  d.status = Str(row[7]);
  d.attempts = I32(row[8]);
  d.next_attempt_at = I64(row[9]);
  d.revision = I64(row[10]);
  d.created_at = I64(row[11]);
  d.updated_at = I64(row[12]);
  d.body = Str(row[13]);
  d.state = ColumnJson(row[14]);
  return d;
}

// A bigint[] literal, bound as text and cast in the statement.
template <class Get>
std::string NumberArray(const std::vector<DeliveryRecord>& ds, Get get) {
  std::vector<std::string> items;
  items.reserve(ds.size());
  for (const DeliveryRecord& d : ds) items.push_back(std::to_string(get(d)));
  return TextArray(items);
}

template <class Get>
std::string StringArray(const std::vector<DeliveryRecord>& ds, Get get) {
  std::vector<std::string> items;
  items.reserve(ds.size());
  for (const DeliveryRecord& d : ds) items.push_back(get(d));
  return TextArray(items);
}

}  // namespace

// ---- endpoints --------------------------------------------------------------------------------

Status PostgresStore::InsertEndpoint(const EndpointRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Insert(*impl_, kEndpoints, rec);
}

Result<EndpointRecord> PostgresStore::GetEndpoint(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return One<EndpointRecord>(*impl_, kEndpoints, ws, id);
}

Result<std::vector<EndpointRecord>> PostgresStore::ListEndpoints(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return Select<EndpointRecord>(*impl_, kEndpoints, "workspace_id = $1 ORDER BY name, id",
                                Params().S(ws));
}

Result<bool> PostgresStore::UpdateEndpoint(const EndpointRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Update(*impl_, kEndpoints, rec);
}

Status PostgresStore::DeleteEndpoint(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return Delete(*impl_, kEndpoints, ws, id);
}

// ---- the event log ----------------------------------------------------------------------------

// The last position handed out, not the largest gid stored: retention deletes events (the newest
// ones too), and the answer must not go back. A Commit moves the row and inserts its events in one
// transaction, so what is read here is the last gid of the last batch committed.
Result<int64_t> PostgresStore::LastEventId() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<int64_t> {
    pqxx::result r = impl_->Exec("SELECT last_gid FROM event_positions WHERE id = 1");
    if (r.empty()) return Err(Internal("the event_positions row is missing"));
    return I64(r[0][0]);
  });
}

Result<std::vector<WorkspaceEvent>> PostgresStore::ReadEventsOfTypes(
    int64_t after_gid, int64_t upto_gid, const std::vector<std::string>& types, int limit) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<WorkspaceEvent>> {
    std::vector<WorkspaceEvent> out;
    if (types.empty() || upto_gid <= after_gid) return out;
    // The event's columns (ReadEvent), then its workspace.
    for (const auto& row :
         impl_->Exec(std::string("SELECT ") + kEventCols +
                         ", workspace_id FROM events WHERE gid > $1 AND gid <= $2 AND "
                         "type = ANY($3::text[]) ORDER BY gid LIMIT $4",
                     Params().I(after_gid).I(upto_gid).S(TextArray(types)).I(LimitOf(limit)))) {
      out.push_back(WorkspaceEvent{Str(row[7]), ReadEvent(row)});
    }
    return out;
  });
}

// ---- the cursor and the deliveries ------------------------------------------------------------

Result<int64_t> PostgresStore::NotifyCursor() {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<int64_t> {
    pqxx::result r = impl_->Exec("SELECT last_gid FROM notify_cursor WHERE id = 1");
    if (r.empty()) return Err(Internal("the notify_cursor row is missing"));
    return I64(r[0][0]);
  });
}

// The cursor's compare-and-set first: it locks the cursor row until COMMIT, so a second process
// that read the same stretch waits, then finds the cursor moved and writes nothing. The
// deliveries go in as one statement whatever their number, as arrays taken apart by unnest.
Result<bool> PostgresStore::AdvanceNotifyCursor(int64_t from, int64_t to,
                                                const std::vector<DeliveryRecord>& deliveries) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<bool> {
    Impl::Txn txn(*impl_, /*write=*/true);
    pqxx::result moved =
        impl_->Exec("UPDATE notify_cursor SET last_gid = $1 WHERE id = 1 AND last_gid = $2",
                    Params().I(to).I(from));
    if (moved.affected_rows() == 0) return false;
    if (!deliveries.empty()) {
      using D = DeliveryRecord;
      const auto& ds = deliveries;
      Params p;
      p.S(StringArray(ds, [](const D& d) { return d.id; }))
          .S(StringArray(ds, [](const D& d) { return d.workspace_id; }))
          .S(StringArray(ds, [](const D& d) { return d.endpoint_id; }))
          .S(StringArray(ds, [](const D& d) { return d.execution_id; }))
          .S(NumberArray(ds, [](const D& d) { return d.event_gid; }))
          .S(StringArray(ds, [](const D& d) { return d.event_type; }))
          .S(StringArray(ds, [](const D& d) { return d.url; }))
          .S(StringArray(ds, [](const D& d) { return d.status; }))
          .S(NumberArray(ds, [](const D& d) { return static_cast<int64_t>(d.attempts); }))
          .S(NumberArray(ds, [](const D& d) { return d.next_attempt_at; }))
          .S(NumberArray(ds, [](const D& d) { return d.created_at; }))
          .S(NumberArray(ds, [](const D& d) { return d.updated_at; }))
          .S(StringArray(ds, [](const D& d) { return d.body; }))
          .S(StringArray(ds, [](const D& d) { return DumpJson(Doc(d.state)); }));
      impl_->Exec(std::string("INSERT INTO notification_deliveries (") + kDeliveryCols +
                      ") SELECT u.id, u.ws, u.endpoint, u.execution, u.gid, u.type, u.url, "
                      "u.status, u.attempts, u.next_at, 1, u.created_at, u.updated_at, u.body, "
                      "u.state FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
                      "$5::bigint[], $6::text[], $7::text[], $8::text[], $9::integer[], "
                      "$10::bigint[], $11::bigint[], $12::bigint[], $13::text[], $14::text[]) "
                      "AS u(id, ws, endpoint, execution, gid, type, url, status, attempts, "
                      "next_at, created_at, updated_at, body, state) "
                      "ON CONFLICT (id) DO NOTHING",
                  p);
    }
    txn.Commit();
    return true;
  });
}

Result<std::vector<DeliveryRecord>> PostgresStore::DueDeliveries(int64_t now, int limit) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<DeliveryRecord>> {
    std::vector<DeliveryRecord> out;
    for (const auto& row :
         impl_->Exec(std::string("SELECT ") + kDeliveryCols +
                         " FROM notification_deliveries WHERE status = 'pending' AND "
                         "next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
                     Params().I(now).I(LimitOf(limit))))
      out.push_back(ReadDelivery(row));
    return out;
  });
}

// One guarded UPDATE; only when it changes nothing is the row looked for, to tell a stale revision
// (false) from a missing delivery (NotFound). Deliveries are never deleted, so the answer holds.
Result<bool> PostgresStore::UpdateDelivery(const DeliveryRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<bool> {
    pqxx::result r = impl_->Exec(
        "UPDATE notification_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, "
        "updated_at = $4, state = $5, revision = revision + 1 "
        "WHERE id = $6 AND workspace_id = $7 AND revision = $8",
        Params()
            .S(rec.status)
            .I(rec.attempts)
            .I(rec.next_attempt_at)
            .I(rec.updated_at)
            .J(Doc(rec.state))
            .S(rec.id)
            .S(rec.workspace_id)
            .I(rec.revision));
    if (r.affected_rows() == 1) return true;
    if (impl_
            ->Exec("SELECT 1 FROM notification_deliveries WHERE id = $1 AND workspace_id = $2",
                   Params().S(rec.id).S(rec.workspace_id))
            .empty())
      return Err(NotFound("delivery '" + rec.id + "' not found"));
    return false;
  });
}

Result<DeliveryRecord> PostgresStore::GetDelivery(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<DeliveryRecord> {
    pqxx::result r = impl_->Exec(std::string("SELECT ") + kDeliveryCols +
                                     " FROM notification_deliveries WHERE id = $1 AND "
                                     "workspace_id = $2",
                                 Params().S(id).S(ws));
    if (r.empty()) return Err(NotFound("delivery '" + id + "' not found"));
    return ReadDelivery(r[0]);
  });
}

// Only the filters in use appear in the SQL, so that the planner sees plain terms it can use
// indexes for.
Result<std::vector<DeliveryRecord>> PostgresStore::ListDeliveries(const std::string& ws,
                                                                  const DeliveryFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<std::vector<DeliveryRecord>> {
    Params p;
    p.S(ws);
    int next = 2;
    auto param = [&]() { return "$" + std::to_string(next++); };
    std::string sql = std::string("SELECT ") + kDeliveryCols +
                      " FROM notification_deliveries WHERE workspace_id = $1";
    if (!f.endpoint_id.empty()) {
      sql += " AND endpoint_id = " + param();
      p.S(f.endpoint_id);
    }
    if (!f.execution_id.empty()) {
      sql += " AND execution_id = " + param();
      p.S(f.execution_id);
    }
    if (!f.status.empty()) {
      sql += " AND status = " + param();
      p.S(f.status);
    }
    if (!f.before_id.empty()) {
      const std::string gid = param();
      const std::string id = param();
      sql += " AND (event_gid, id) < (" + gid + "::bigint, " + id + "::text)";
      p.I(f.before_gid).S(f.before_id);
    }
    sql += " ORDER BY event_gid DESC, id DESC LIMIT " + param();
    p.I(LimitOf(f.limit));
    std::vector<DeliveryRecord> out;
    for (const auto& row : impl_->Exec(sql, p)) out.push_back(ReadDelivery(row));
    return out;
  });
}

}  // namespace atelier
