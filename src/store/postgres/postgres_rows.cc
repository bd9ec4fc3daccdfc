#include "postgres_rows.h"

#include <stdexcept>

#include "postgres_impl.h"

namespace atelier::postgres {

ExecutionRecord ReadExecution(const pqxx::row& row) {
  ExecutionRecord r;
  r.id = Str(row[0]);
  r.workspace_id = Str(row[1]);
  r.template_id = Str(row[2]);
  r.template_version = I32(row[3]);
  r.status = ParseExecStatus(Str(row[4]));
  r.reason = Str(row[5]);
  r.inputs = ColumnJson(row[6]);
  r.error = ColumnJson(row[7]);
  r.created_at = I64(row[8]);
  r.updated_at = I64(row[9]);
  r.started_at = I64(row[10]);
  r.finished_at = I64(row[11]);
  r.owner = Str(row[12]);
  r.owner_expires_at = I64(row[13]);
  r.parent_execution_id = Str(row[14]);
  r.parent_step_id = Str(row[15]);
  r.forked_from_execution_id = Str(row[16]);
  r.forked_from_step_id = Str(row[17]);
  return r;
}

StepRecord ReadStep(const pqxx::row& row, bool contents) {
  StepRecord r;
  r.execution_id = Str(row[0]);
  r.step_id = Str(row[1]);
  r.node_id = Str(row[2]);
  r.parent_step_id = Str(row[3]);
  r.item_index = I32(row[4]);
  r.status = ParseStepStatus(Str(row[5]));
  r.attempt = I32(row[6]);
  r.attempt_base = I32(row[7]);
  r.version = I32(row[8]);
  if (contents) {
    r.output = ColumnJson(row[9]);
    r.error = ColumnJson(row[10]);
    r.session = ColumnJson(row[18]);
  }
  r.created_at = I64(row[11]);
  r.updated_at = I64(row[12]);
  r.started_at = I64(row[13]);
  r.finished_at = I64(row[14]);
  r.due_at = I64(row[15]);
  r.lease_owner = Str(row[16]);
  r.lease_expires_at = I64(row[17]);
  r.usage = ColumnJson(row[19]);
  r.crashes = I32(row[20]);
  return r;
}

Event ReadEvent(const pqxx::row& row) {
  Event e;
  e.execution_id = Str(row[0]);
  e.seq = I64(row[1]);
  e.ts = I64(row[2]);
  e.type = Str(row[3]);
  e.step_id = Str(row[4]);
  e.payload = ColumnJson(row[5]);
  e.gid = I64(row[6]);
  return e;
}

ArtifactRecord ReadArtifact(const pqxx::row& row) {
  ArtifactRecord a;
  a.id = Str(row[0]);
  a.workspace_id = Str(row[1]);
  a.execution_id = Str(row[2]);
  a.step_id = Str(row[3]);
  a.step_version = I32(row[4]);
  a.kind = Str(row[5]);
  a.mime = Str(row[6]);
  a.sha256 = Str(row[7]);
  a.size = I64(row[8]);
  a.name = Str(row[9]);
  a.meta = ColumnJson(row[10]);
  a.created_at = I64(row[11]);
  return a;
}

TemplateRecord ReadTemplate(const pqxx::row& row) {
  TemplateRecord t;
  t.workspace_id = Str(row[0]);
  t.id = Str(row[1]);
  t.version = I32(row[2]);
  t.name = Str(row[3]);
  t.category = Str(row[4]);
  t.description = Str(row[5]);
  t.definition = ColumnJson(row[6]);
  t.content_hash = Str(row[7]);
  t.created_at = I64(row[8]);
  t.builtin = I32(row[9]) != 0;
  return t;
}

LedgerEntry ReadLedgerEntry(const pqxx::row& row) {
  LedgerEntry e;
  e.id = I64(row[0]);
  e.workspace_id = Str(row[1]);
  const std::string kind = Str(row[2]);
  auto k = LedgerKindFromName(kind);
  if (!k) throw std::runtime_error("unknown ledger kind '" + kind + "' in the database");
  e.kind = *k;
  e.amount = I64(row[3]);
  e.key = Str(row[4]);
  e.reservation_key = Str(row[5]);
  e.execution_id = Str(row[6]);
  e.step_id = Str(row[7]);
  e.note = Str(row[8]);
  e.created_at = I64(row[9]);
  return e;
}

ApiKeyRecord ReadApiKey(const pqxx::row& row) {
  ApiKeyRecord k;
  k.id = Str(row[0]);
  k.workspace_id = Str(row[1]);
  const std::string role = Str(row[2]);
  auto r = RoleFromName(role);
  if (!r) throw std::runtime_error("unknown role '" + role + "' in the database");
  k.role = *r;
  k.name = Str(row[3]);
  k.prefix = Str(row[4]);
  k.secret_hash = Str(row[5]);
  k.created_at = I64(row[6]);
  k.revoked_at = I64(row[7]);
  return k;
}

}  // namespace atelier::postgres
