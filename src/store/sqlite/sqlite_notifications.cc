// SqliteStore's outbound notifications (atelier/store/automations.h): endpoints, the deliveries to
// send and the notifier's cursor over the event log. Endpoints are rows of the automation tables'
// shape (sqlite_automation_rows.h). Writes go through the writer's connection under its mutex;
// reads of events, deliveries and the cursor through the read pool, so the notifier's scans and
// the listings never wait for a Commit. A stale read is harmless: every write is a compare-and-set
// (the cursor's position, a delivery's revision).
//
// Gids are the events table's rowids, handed out in commit order by serialised write transactions
// (sqlite_store.h), so the largest one has every smaller one committed before it.
#include "sqlite_automation_rows.h"
#include "sqlite_read_pool.h"

namespace atelier {

using namespace sqlite;
using namespace sqlite::rows;

namespace {

constexpr const char* kDeliveryCols =
    "id, workspace_id, endpoint_id, execution_id, event_gid, event_type, url, status, attempts, "
    "next_attempt_at, revision, created_at, updated_at, body, state";

DeliveryRecord ReadDelivery(const SQLite::Statement& st) {
  DeliveryRecord d;
  d.id = ColumnString(st, 0);
  d.workspace_id = ColumnString(st, 1);
  d.endpoint_id = ColumnString(st, 2);
  d.execution_id = ColumnString(st, 3);
  d.event_gid = st.getColumn(4).getInt64();
  d.event_type = ColumnString(st, 5);
  d.url = ColumnString(st, 6);
  d.status = ColumnString(st, 7);
  d.attempts = st.getColumn(8).getInt();
  d.next_attempt_at = st.getColumn(9).getInt64();
  d.revision = st.getColumn(10).getInt64();
  d.created_at = st.getColumn(11).getInt64();
  d.updated_at = st.getColumn(12).getInt64();
  d.body = ColumnString(st, 13);
  d.state = ColumnJson(st, 14);
  return d;
}

// A stored document: a null one is kept as an empty object, as the columns' default.
JsonText DocText(const Json& j) { return JsonText(j.is_null() ? Json::object() : j); }

}  // namespace

// ---- endpoints --------------------------------------------------------------------------------

Status SqliteStore::InsertEndpoint(const EndpointRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Insert(*impl_, kEndpoints, rec);
}

Result<EndpointRecord> SqliteStore::GetEndpoint(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  // An empty workspace would mean "any" to One; no endpoint belongs to it.
  if (ws.empty()) return Err(NotFound("endpoint '" + id + "' not found"));
  return One<EndpointRecord>(*impl_, kEndpoints, ws, id);
}

Result<std::vector<EndpointRecord>> SqliteStore::ListEndpoints(const std::string& ws) {
  std::lock_guard lock(impl_->mu);
  return Select<EndpointRecord>(*impl_, kEndpoints, "workspace_id = ? ORDER BY name, id", ws);
}

Result<bool> SqliteStore::UpdateEndpoint(const EndpointRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return Update(*impl_, kEndpoints, rec);
}

Status SqliteStore::DeleteEndpoint(const std::string& ws, const std::string& id) {
  std::lock_guard lock(impl_->mu);
  return Delete(*impl_, kEndpoints, ws, id);
}

// ---- the event log ----------------------------------------------------------------------------

Result<int64_t> SqliteStore::LastEventId() {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<int64_t> {
    StmtUse st(c.Sql("SELECT COALESCE(MAX(gid), 0) FROM events"));
    st->executeStep();
    return st->getColumn(0).getInt64();
  });
}

// A range of the rowid, whose types travel as one JSON array (json_each).
Result<std::vector<WorkspaceEvent>> SqliteStore::ReadEventsOfTypes(
    int64_t after_gid, int64_t upto_gid, const std::vector<std::string>& types, int limit) {
  if (types.empty() || upto_gid <= after_gid) return std::vector<WorkspaceEvent>();
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<WorkspaceEvent>> {
    const std::string type_list = Json(types).dump();
    StmtUse st(
        c.Sql("SELECT workspace_id, execution_id, seq, ts, type, step_id, payload, gid FROM events "
              "WHERE gid > ?1 AND gid <= ?2 AND type IN (SELECT value FROM json_each(?3)) "
              "ORDER BY gid LIMIT ?4"));
    st->bind(1, after_gid);
    st->bind(2, upto_gid);
    st->bindNoCopy(3, type_list);
    st->bind(4, limit > 0 ? limit : -1);
    std::vector<WorkspaceEvent> out;
    while (st->executeStep()) {
      WorkspaceEvent w;
      w.workspace_id = ColumnString(*st, 0);
      Event& e = w.event;
      e.execution_id = ColumnString(*st, 1);
      e.seq = st->getColumn(2).getInt64();
      e.ts = st->getColumn(3).getInt64();
      e.type = ColumnString(*st, 4);
      e.step_id = ColumnString(*st, 5);
      e.payload = ColumnJson(*st, 6);
      e.gid = st->getColumn(7).getInt64();
      out.push_back(std::move(w));
    }
    return out;
  });
}

// ---- the cursor and the deliveries ------------------------------------------------------------

Result<int64_t> SqliteStore::NotifyCursor() {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<int64_t> {
    StmtUse st(c.Sql("SELECT last_gid FROM notify_cursor WHERE id = 1"));
    if (!st->executeStep()) return Err(Internal("the notify_cursor row is missing"));
    return st->getColumn(0).getInt64();
  });
}

// The cursor's compare-and-set first: of two processes that read the same stretch, the second
// waits for the first's write transaction (BEGIN IMMEDIATE), then finds the cursor moved and
// writes nothing.
Result<bool> SqliteStore::AdvanceNotifyCursor(int64_t from, int64_t to,
                                              const std::vector<DeliveryRecord>& deliveries) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<bool> {
    Impl::Txn txn(*impl_, /*write=*/true);
    {
      SQLite::Statement st(impl_->db,
                           "UPDATE notify_cursor SET last_gid = ? WHERE id = 1 AND last_gid = ?");
      st.bind(1, to);
      st.bind(2, from);
      if (st.exec() == 0) return false;
    }
    if (!deliveries.empty()) {
      SQLite::Statement st(
          impl_->db, std::string("INSERT OR IGNORE INTO notification_deliveries (") +
                         kDeliveryCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)");
      for (const DeliveryRecord& d : deliveries) {
        st.bind(1, d.id);
        st.bind(2, d.workspace_id);
        st.bind(3, d.endpoint_id);
        st.bind(4, d.execution_id);
        st.bind(5, d.event_gid);
        st.bind(6, d.event_type);
        st.bind(7, d.url);
        st.bind(8, d.status);
        st.bind(9, d.attempts);
        st.bind(10, d.next_attempt_at);
        st.bind(11, d.created_at);
        st.bind(12, d.updated_at);
        st.bind(13, d.body);
        JsonText state = DocText(d.state);
        state.Bind(st, 14);
        st.exec();
        st.reset();
      }
    }
    txn.Commit();
    return true;
  });
}

Result<std::vector<DeliveryRecord>> SqliteStore::DueDeliveries(int64_t now, int limit) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<DeliveryRecord>> {
    StmtUse st(c.Sql(std::string("SELECT ") + kDeliveryCols +
                     " FROM notification_deliveries WHERE status = 'pending' AND "
                     "next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"));
    st->bind(1, now);
    st->bind(2, limit > 0 ? limit : -1);
    std::vector<DeliveryRecord> out;
    while (st->executeStep()) out.push_back(ReadDelivery(*st));
    return out;
  });
}

// One guarded UPDATE; only when it changes nothing is the row looked for, to tell a stale revision
// (false) from a missing delivery (NotFound).
Result<bool> SqliteStore::UpdateDelivery(const DeliveryRecord& rec) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<bool> {
    Impl::Txn txn(*impl_, /*write=*/true);
    SQLite::Statement st(impl_->db,
                         "UPDATE notification_deliveries SET status = ?, attempts = ?, "
                         "next_attempt_at = ?, updated_at = ?, state = ?, revision = revision + 1 "
                         "WHERE id = ? AND workspace_id = ? AND revision = ?");
    st.bind(1, rec.status);
    st.bind(2, rec.attempts);
    st.bind(3, rec.next_attempt_at);
    st.bind(4, rec.updated_at);
    JsonText state = DocText(rec.state);
    state.Bind(st, 5);
    st.bind(6, rec.id);
    st.bind(7, rec.workspace_id);
    st.bind(8, rec.revision);
    if (st.exec() == 1) {
      txn.Commit();
      return true;
    }
    SQLite::Statement found(
        impl_->db, "SELECT 1 FROM notification_deliveries WHERE id = ? AND workspace_id = ?");
    found.bind(1, rec.id);
    found.bind(2, rec.workspace_id);
    if (!found.executeStep()) return Err(NotFound("delivery '" + rec.id + "' not found"));
    return false;
  });
}

Result<DeliveryRecord> SqliteStore::GetDelivery(const std::string& ws, const std::string& id) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<DeliveryRecord> {
    StmtUse st(c.Sql(std::string("SELECT ") + kDeliveryCols +
                     " FROM notification_deliveries WHERE id = ?1 AND workspace_id = ?2"));
    st->bindNoCopy(1, id);
    st->bindNoCopy(2, ws);
    if (!st->executeStep()) return Err(NotFound("delivery '" + id + "' not found"));
    return ReadDelivery(*st);
  });
}

// One statement per set of filters (at most 16), cached by its text on each read connection.
Result<std::vector<DeliveryRecord>> SqliteStore::ListDeliveries(const std::string& ws,
                                                                const DeliveryFilter& f) {
  return WithReader(*impl_->readers, [&](ReadConn& c) -> Result<std::vector<DeliveryRecord>> {
    std::string sql = std::string("SELECT ") + kDeliveryCols +
                      " FROM notification_deliveries WHERE workspace_id = ?1";
    if (!f.endpoint_id.empty()) sql += " AND endpoint_id = ?2";
    if (!f.execution_id.empty()) sql += " AND execution_id = ?3";
    if (!f.status.empty()) sql += " AND status = ?4";
    const bool cursor = !f.before_id.empty();
    if (cursor) sql += " AND (event_gid < ?5 OR (event_gid = ?5 AND id < ?6))";
    sql += " ORDER BY event_gid DESC, id DESC LIMIT ?7";
    StmtUse st(c.Sql(sql));
    st->bindNoCopy(1, ws);
    if (!f.endpoint_id.empty()) st->bindNoCopy(2, f.endpoint_id);
    if (!f.execution_id.empty()) st->bindNoCopy(3, f.execution_id);
    if (!f.status.empty()) st->bindNoCopy(4, f.status);
    if (cursor) {
      st->bind(5, f.before_gid);
      st->bindNoCopy(6, f.before_id);
    }
    st->bind(7, f.limit > 0 ? f.limit : -1);
    std::vector<DeliveryRecord> out;
    while (st->executeStep()) out.push_back(ReadDelivery(*st));
    return out;
  });
}

}  // namespace atelier
