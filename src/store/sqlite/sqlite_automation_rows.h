// The row functions of SqliteStore's automation tables (atelier/store/automations.h): schedules,
// webhook triggers and notification endpoints. The three tables have the same shape but for one
// column of their own (a schedule's next due time, a trigger's or an endpoint's secret), so one set
// of templates serves them all (sqlite_automations.cc, sqlite_notifications.cc). Rows are written
// and read on the writer's connection under its mutex: they change a few times a minute at most,
// so their statements are prepared per call rather than cached. Include only from
// src/store/sqlite.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sqlite_impl.h"

namespace atelier::sqlite::rows {

using Table = record_rows::AutomationTable;
using record_rows::kEndpoints;
using record_rows::kSchedules;
using record_rows::kTriggers;
inline std::string Cols(const Table& t) { return record_rows::AutomationCols(t); }

inline void BindOwn(SQLite::Statement& st, int i, const ScheduleRecord& r) {
  st.bind(i, static_cast<int64_t>(r.next_due_at));
}
inline void BindOwn(SQLite::Statement& st, int i, const TriggerRecord& r) { st.bind(i, r.secret); }
inline void BindOwn(SQLite::Statement& st, int i, const EndpointRecord& r) { st.bind(i, r.secret); }
template <class Rec>
Rec ReadRow(const SQLite::Statement& st) {
  return record_rows::ReadAutomation<Rec>(SqliteRow{st});
}

template <class Rec>
bool NameTaken(SQLite::Database& db, const Table& t, const Rec& rec) {
  SQLite::Statement st(db, std::string("SELECT 1 FROM ") + t.name +
                               " WHERE workspace_id = ? AND name = ? AND id <> ?");
  st.bind(1, rec.workspace_id);
  st.bind(2, rec.name);
  st.bind(3, rec.id);
  return st.executeStep();
}

// `Impl` is SqliteStore::Impl, deduced (the callers are its members).
template <class Impl, class Rec>
Status Insert(Impl& impl, const Table& t, const Rec& rec) {
  return impl.Guarded([&]() -> Status {
    typename Impl::Txn txn(impl, /*write=*/true);
    {
      StmtUse st(impl.Get(kWorkspaceGet));
      st->bindNoCopy(1, rec.workspace_id);
      if (!st->executeStep()) return NotFound("workspace '" + rec.workspace_id + "' not found");
    }
    {
      SQLite::Statement st(impl.db, std::string("SELECT 1 FROM ") + t.name + " WHERE id = ?");
      st.bind(1, rec.id);
      if (st.executeStep())
        return AlreadyExists(std::string(t.noun) + " '" + rec.id + "' already exists");
    }
    if (NameTaken(impl.db, t, rec))
      return AlreadyExists(std::string(t.a_noun) + " named '" + rec.name + "' already exists");
    SQLite::Statement st(impl.db, std::string("INSERT INTO ") + t.name + " (" + Cols(t) +
                                      ") VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)");
    st.bind(1, rec.id);
    st.bind(2, rec.workspace_id);
    st.bind(3, rec.name);
    st.bind(4, rec.paused ? 1 : 0);
    BindOwn(st, 5, rec);
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

// Rows of `t` WHERE `where`, whose one parameter is `key`.
template <class Rec, class Impl>
Result<std::vector<Rec>> Select(Impl& impl, const Table& t, const std::string& where,
                                const std::string& key) {
  return impl.Guarded([&]() -> Result<std::vector<Rec>> {
    SQLite::Statement st(impl.db, "SELECT " + Cols(t) + " FROM " + t.name + " WHERE " + where);
    st.bind(1, key);
    std::vector<Rec> out;
    while (st.executeStep()) out.push_back(ReadRow<Rec>(st));
    return out;
  });
}

// The revision compare-and-set: false when the row moved on since `rec` was read.
template <class Impl, class Rec>
Result<bool> Update(Impl& impl, const Table& t, const Rec& rec) {
  return impl.Guarded([&]() -> Result<bool> {
    typename Impl::Txn txn(impl, /*write=*/true);
    {
      SQLite::Statement st(
          impl.db, std::string("SELECT 1 FROM ") + t.name + " WHERE id = ? AND workspace_id = ?");
      st.bind(1, rec.id);
      st.bind(2, rec.workspace_id);
      if (!st.executeStep())
        return Err(NotFound(std::string(t.noun) + " '" + rec.id + "' not found"));
    }
    if (NameTaken(impl.db, t, rec))
      return Err(
          AlreadyExists(std::string(t.a_noun) + " named '" + rec.name + "' already exists"));
    SQLite::Statement st(impl.db, std::string("UPDATE ") + t.name + " SET name = ?, paused = ?, " +
                                      t.own +
                                      " = ?, updated_at = ?, spec = ?, state = ?, "
                                      "revision = revision + 1 "
                                      "WHERE id = ? AND workspace_id = ? AND revision = ?");
    st.bind(1, rec.name);
    st.bind(2, rec.paused ? 1 : 0);
    BindOwn(st, 3, rec);
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

template <class Impl>
Status Delete(Impl& impl, const Table& t, const std::string& ws, const std::string& id) {
  return impl.Guarded([&]() -> Status {
    typename Impl::Txn txn(impl, /*write=*/true);
    SQLite::Statement st(
        impl.db, std::string("DELETE FROM ") + t.name + " WHERE id = ? AND workspace_id = ?");
    st.bind(1, id);
    st.bind(2, ws);
    if (st.exec() == 0) return NotFound(std::string(t.noun) + " '" + id + "' not found");
    txn.Commit();
    return Status::Ok();
  });
}

// The row `id` of `t`, in workspace `ws` (any workspace when `ws` is empty).
template <class Rec, class Impl>
Result<Rec> One(Impl& impl, const Table& t, const std::string& ws, const std::string& id) {
  auto rows = Select<Rec>(impl, t, "id = ?", id);
  if (!rows) return Err(rows.error());
  if (rows->empty() || (!ws.empty() && rows->front().workspace_id != ws))
    return Err(NotFound(std::string(t.noun) + " '" + id + "' not found"));
  return std::move(rows->front());
}

}  // namespace atelier::sqlite::rows
