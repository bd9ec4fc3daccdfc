// The tables' rows as both SQL backends read them: the column list of each SELECT and the reader
// that turns a row in that order into a record. One copy, so SQLite and PostgreSQL cannot read a
// column into the wrong field of one record and not the other's. A reader takes any `Row` that
// offers, for a column index (0-based):
//   std::string Text(int) const   // "" for NULL
//   int64_t Int(int) const        // 0 for NULL
//   Json JsonAt(int) const        // checked, parsed JSON; null for NULL
//   bool Flag(int) const          // a boolean column (an integer in SQLite); false for NULL
// (SqliteRow in sqlite_impl.h, PgRow in postgres_impl.h). A stored name that this version does
// not know (a status, a ledger kind, a role) throws std::runtime_error naming it: each backend's
// guard turns that into an error of the call, never a crash. Header-only, no I/O.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "atelier/store/accounts.h"
#include "atelier/store/automations.h"
#include "atelier/store/store.h"

namespace atelier::record_rows {

inline constexpr const char* kExecCols =
    "id, workspace_id, template_id, template_version, status, reason, inputs, error, "
    "created_at, updated_at, started_at, finished_at, owner, owner_expires_at, "
    "parent_execution_id, parent_step_id, forked_from_execution_id, forked_from_step_id";
inline constexpr const char* kStepCols =
    "execution_id, step_id, node_id, parent_step_id, item_index, status, attempt, "
    "attempt_base, version, output, error, created_at, updated_at, started_at, finished_at, "
    "due_at, lease_owner, lease_expires_at, session, usage, crashes";
inline constexpr const char* kEventCols = "execution_id, seq, ts, type, step_id, payload, gid";
inline constexpr const char* kArtifactCols =
    "id, workspace_id, execution_id, step_id, step_version, kind, mime, sha256, size, name, "
    "meta, created_at";
inline constexpr const char* kTemplateCols =
    "workspace_id, id, version, name, category, description, definition, content_hash, "
    "created_at, builtin";
inline constexpr const char* kLedgerCols =
    "id, workspace_id, kind, amount, key, reservation_key, execution_id, step_id, note, "
    "created_at";
inline constexpr const char* kApiKeyCols =
    "id, workspace_id, role, name, prefix, secret_hash, created_at, revoked_at";

inline ExecStatus ParseExecStatus(const std::string& name) {
  auto s = ExecStatusFromName(name);
  if (!s) throw std::runtime_error("unknown execution status '" + name + "' in the database");
  return *s;
}

inline StepStatus ParseStepStatus(const std::string& name) {
  auto s = StepStatusFromName(name);
  if (!s) throw std::runtime_error("unknown step status '" + name + "' in the database");
  return *s;
}

// kExecCols, from column `at`.
template <class Row>
ExecutionRecord ReadExecution(const Row& row, int at = 0) {
  ExecutionRecord r;
  r.id = row.Text(at + 0);
  r.workspace_id = row.Text(at + 1);
  r.template_id = row.Text(at + 2);
  r.template_version = static_cast<int>(row.Int(at + 3));
  r.status = ParseExecStatus(row.Text(at + 4));
  r.reason = row.Text(at + 5);
  r.inputs = row.JsonAt(at + 6);
  r.error = row.JsonAt(at + 7);
  r.created_at = row.Int(at + 8);
  r.updated_at = row.Int(at + 9);
  r.started_at = row.Int(at + 10);
  r.finished_at = row.Int(at + 11);
  r.owner = row.Text(at + 12);
  r.owner_expires_at = row.Int(at + 13);
  r.parent_execution_id = row.Text(at + 14);
  r.parent_step_id = row.Text(at + 15);
  r.forked_from_execution_id = row.Text(at + 16);
  r.forked_from_step_id = row.Text(at + 17);
  return r;
}

// kStepCols; without `contents`, output, error and session are left empty (not parsed).
template <class Row>
StepRecord ReadStep(const Row& row, bool contents = true) {
  StepRecord r;
  r.execution_id = row.Text(0);
  r.step_id = row.Text(1);
  r.node_id = row.Text(2);
  r.parent_step_id = row.Text(3);
  r.item_index = static_cast<int>(row.Int(4));
  r.status = ParseStepStatus(row.Text(5));
  r.attempt = static_cast<int>(row.Int(6));
  r.attempt_base = static_cast<int>(row.Int(7));
  r.version = static_cast<int>(row.Int(8));
  if (contents) {
    r.output = row.JsonAt(9);
    r.error = row.JsonAt(10);
    r.session = row.JsonAt(18);
  }
  r.created_at = row.Int(11);
  r.updated_at = row.Int(12);
  r.started_at = row.Int(13);
  r.finished_at = row.Int(14);
  r.due_at = row.Int(15);
  r.lease_owner = row.Text(16);
  r.lease_expires_at = row.Int(17);
  r.usage = row.JsonAt(19);
  r.crashes = static_cast<int>(row.Int(20));
  return r;
}

// kEventCols.
template <class Row>
Event ReadEvent(const Row& row) {
  Event e;
  e.execution_id = row.Text(0);
  e.seq = row.Int(1);
  e.ts = row.Int(2);
  e.type = row.Text(3);
  e.step_id = row.Text(4);
  e.payload = row.JsonAt(5);
  e.gid = row.Int(6);
  return e;
}

// kArtifactCols.
template <class Row>
ArtifactRecord ReadArtifact(const Row& row) {
  ArtifactRecord a;
  a.id = row.Text(0);
  a.workspace_id = row.Text(1);
  a.execution_id = row.Text(2);
  a.step_id = row.Text(3);
  a.step_version = static_cast<int>(row.Int(4));
  a.kind = row.Text(5);
  a.mime = row.Text(6);
  a.sha256 = row.Text(7);
  a.size = row.Int(8);
  a.name = row.Text(9);
  a.meta = row.JsonAt(10);
  a.created_at = row.Int(11);
  return a;
}

// kTemplateCols.
template <class Row>
TemplateRecord ReadTemplate(const Row& row) {
  TemplateRecord t;
  t.workspace_id = row.Text(0);
  t.id = row.Text(1);
  t.version = static_cast<int>(row.Int(2));
  t.name = row.Text(3);
  t.category = row.Text(4);
  t.description = row.Text(5);
  t.definition = row.JsonAt(6);
  t.content_hash = row.Text(7);
  t.created_at = row.Int(8);
  t.builtin = row.Int(9) != 0;
  return t;
}

// kLedgerCols.
template <class Row>
LedgerEntry ReadLedgerEntry(const Row& row) {
  LedgerEntry e;
  e.id = row.Int(0);
  e.workspace_id = row.Text(1);
  const std::string kind = row.Text(2);
  auto k = LedgerKindFromName(kind);
  if (!k) throw std::runtime_error("unknown ledger kind '" + kind + "' in the database");
  e.kind = *k;
  e.amount = row.Int(3);
  e.key = row.Text(4);
  e.reservation_key = row.Text(5);
  e.execution_id = row.Text(6);
  e.step_id = row.Text(7);
  e.note = row.Text(8);
  e.created_at = row.Int(9);
  return e;
}

// kApiKeyCols.
template <class Row>
ApiKeyRecord ReadApiKey(const Row& row) {
  ApiKeyRecord k;
  k.id = row.Text(0);
  k.workspace_id = row.Text(1);
  const std::string role = row.Text(2);
  auto r = RoleFromName(role);
  if (!r) throw std::runtime_error("unknown role '" + role + "' in the database");
  k.role = *r;
  k.name = row.Text(3);
  k.prefix = row.Text(4);
  k.secret_hash = row.Text(5);
  k.created_at = row.Int(6);
  k.revoked_at = row.Int(7);
  return k;
}

// The automation tables (atelier/store/automations.h): schedules, webhook triggers and
// notification endpoints have the same shape but for one column of their own (a schedule's next
// due time, a trigger's or an endpoint's secret). A table: its name, what a row is called in
// messages (alone and with its article), and its own column.
struct AutomationTable {
  const char* name;
  const char* noun;
  const char* a_noun;
  const char* own;
};
inline constexpr AutomationTable kSchedules{"schedules", "schedule", "a schedule", "next_due_at"};
inline constexpr AutomationTable kTriggers{"triggers", "trigger", "a trigger", "secret"};
inline constexpr AutomationTable kEndpoints{"notification_endpoints", "endpoint", "an endpoint",
                                            "secret"};

// The columns of `t`; column 4 is the table's own.
inline std::string AutomationCols(const AutomationTable& t) {
  return std::string("id, workspace_id, name, paused, ") + t.own +
         ", revision, created_at, updated_at, spec, state";
}

template <class Row>
void ReadOwn(const Row& row, ScheduleRecord* r) {
  r->next_due_at = row.Int(4);
}
template <class Row>
void ReadOwn(const Row& row, TriggerRecord* r) {
  r->secret = row.Text(4);
}
template <class Row>
void ReadOwn(const Row& row, EndpointRecord* r) {
  r->secret = row.Text(4);
}

// AutomationCols of the table of `Rec` (ScheduleRecord, TriggerRecord, EndpointRecord).
template <class Rec, class Row>
Rec ReadAutomation(const Row& row) {
  Rec r;
  r.id = row.Text(0);
  r.workspace_id = row.Text(1);
  r.name = row.Text(2);
  r.paused = row.Flag(3);
  ReadOwn(row, &r);
  r.revision = row.Int(5);
  r.created_at = row.Int(6);
  r.updated_at = row.Int(7);
  r.spec = row.JsonAt(8);
  r.state = row.JsonAt(9);
  return r;
}

}  // namespace atelier::record_rows
