// The row functions of PostgresStore's automation tables (atelier/store/automations.h): schedules,
// webhook triggers and notification endpoints. The three tables have the same shape but for one
// column of their own (a schedule's next due time, a trigger's or an endpoint's secret), so one set
// of templates serves them all (postgres_automations.cc, postgres_notifications.cc). The revision
// check of an update is one guarded UPDATE: under READ COMMITTED it is evaluated again on the
// newest row version after waiting for a concurrent writer, so of two processes advancing the same
// row only one wins. Include only from src/store/postgres.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "postgres_impl.h"
#include "postgres_rows.h"

namespace atelier::postgres::rows {

using Table = record_rows::AutomationTable;
using record_rows::kEndpoints;
using record_rows::kSchedules;
using record_rows::kTriggers;
inline std::string Cols(const Table& t) { return record_rows::AutomationCols(t); }

inline void AddOwn(Params& p, const ScheduleRecord& r) { p.I(r.next_due_at); }
inline void AddOwn(Params& p, const TriggerRecord& r) { p.S(r.secret); }
inline void AddOwn(Params& p, const EndpointRecord& r) { p.S(r.secret); }
template <class Rec>
Rec ReadRow(const pqxx::row& row) {
  return record_rows::ReadAutomation<Rec>(PgRow{row});
}

inline const Json& Doc(const Json& j) {
  static const Json kEmpty = Json::object();
  return j.is_null() ? kEmpty : j;
}

// `Impl` is PostgresStore::Impl, deduced (the callers are its members).
template <class Impl, class Rec>
Status Insert(Impl& impl, const Table& t, const Rec& rec) {
  return impl.Guarded([&]() -> Status {
    typename Impl::Txn txn(impl, /*write=*/true);
    if (impl.Exec("SELECT 1 FROM workspaces WHERE id = $1", Params().S(rec.workspace_id)).empty())
      return NotFound("workspace '" + rec.workspace_id + "' not found");
    Params p;
    p.S(rec.id).S(rec.workspace_id).S(rec.name).S(rec.paused ? "true" : "false");
    AddOwn(p, rec);
    p.I(rec.created_at).I(rec.updated_at).J(Doc(rec.spec)).J(Doc(rec.state));
    pqxx::result r = impl.Exec(std::string("INSERT INTO ") + t.name + " (" + Cols(t) +
                                   ") VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9) "
                                   "ON CONFLICT DO NOTHING",
                               p);
    if (r.affected_rows() == 0) {
      if (!impl.Exec(std::string("SELECT 1 FROM ") + t.name + " WHERE id = $1",
                     Params().S(rec.id))
               .empty())
        return AlreadyExists(std::string(t.noun) + " '" + rec.id + "' already exists");
      return AlreadyExists(std::string(t.a_noun) + " named '" + rec.name + "' already exists");
    }
    txn.Commit();
    return Status::Ok();
  });
}

// Rows of `t` WHERE `where`, whose parameters are `p`.
template <class Rec, class Impl>
Result<std::vector<Rec>> Select(Impl& impl, const Table& t, const std::string& where,
                                const Params& p) {
  return impl.Guarded([&]() -> Result<std::vector<Rec>> {
    std::vector<Rec> out;
    for (const auto& row : impl.Exec("SELECT " + Cols(t) + " FROM " + t.name + " WHERE " + where, p))
      out.push_back(ReadRow<Rec>(row));
    return out;
  });
}

// The row `id` of `t`, in workspace `ws` (any workspace when `ws` is empty).
template <class Rec, class Impl>
Result<Rec> One(Impl& impl, const Table& t, const std::string& ws, const std::string& id) {
  auto rows = Select<Rec>(impl, t, "id = $1", Params().S(id));
  if (!rows) return Err(rows.error());
  if (rows->empty() || (!ws.empty() && rows->front().workspace_id != ws))
    return Err(NotFound(std::string(t.noun) + " '" + id + "' not found"));
  return std::move(rows->front());
}

// The revision compare-and-set: false when the row moved on since `rec` was read.
template <class Impl, class Rec>
Result<bool> Update(Impl& impl, const Table& t, const Rec& rec) {
  return impl.Guarded([&]() -> Result<bool> {
    typename Impl::Txn txn(impl, /*write=*/true);
    if (impl.Exec(std::string("SELECT 1 FROM ") + t.name + " WHERE id = $1 AND workspace_id = $2",
                  Params().S(rec.id).S(rec.workspace_id))
            .empty())
      return Err(NotFound(std::string(t.noun) + " '" + rec.id + "' not found"));
    if (!impl.Exec(std::string("SELECT 1 FROM ") + t.name +
                       " WHERE workspace_id = $1 AND name = $2 AND id <> $3",
                   Params().S(rec.workspace_id).S(rec.name).S(rec.id))
             .empty())
      return Err(
          AlreadyExists(std::string(t.a_noun) + " named '" + rec.name + "' already exists"));
    Params p;
    p.S(rec.name).S(rec.paused ? "true" : "false");
    AddOwn(p, rec);
    p.I(rec.updated_at).J(Doc(rec.spec)).J(Doc(rec.state)).S(rec.id).S(rec.workspace_id).I(
        rec.revision);
    pqxx::result r = impl.Exec(std::string("UPDATE ") + t.name + " SET name = $1, paused = $2, " +
                                   t.own +
                                   " = $3, updated_at = $4, spec = $5, state = $6, "
                                   "revision = revision + 1 "
                                   "WHERE id = $7 AND workspace_id = $8 AND revision = $9",
                               p);
    const bool applied = r.affected_rows() == 1;
    txn.Commit();
    return applied;
  });
}

template <class Impl>
Status Delete(Impl& impl, const Table& t, const std::string& ws, const std::string& id) {
  return impl.Guarded([&]() -> Status {
    pqxx::result r = impl.Exec(
        std::string("DELETE FROM ") + t.name + " WHERE id = $1 AND workspace_id = $2",
        Params().S(id).S(ws));
    if (r.affected_rows() == 0) return NotFound(std::string(t.noun) + " '" + id + "' not found");
    return Status::Ok();
  });
}

}  // namespace atelier::postgres::rows
