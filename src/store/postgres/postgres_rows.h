// The column lists PostgresStore selects and the functions that turn a row of them into a record;
// one place for the order of columns that several files read.
#pragma once

#include <pqxx/pqxx>

#include "atelier/store/accounts.h"
#include "atelier/store/store.h"

namespace atelier::postgres {

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

ExecutionRecord ReadExecution(const pqxx::row& row);
// With `contents` false, output, error and session stay null (not parsed).
StepRecord ReadStep(const pqxx::row& row, bool contents = true);
Event ReadEvent(const pqxx::row& row);
ArtifactRecord ReadArtifact(const pqxx::row& row);
TemplateRecord ReadTemplate(const pqxx::row& row);
LedgerEntry ReadLedgerEntry(const pqxx::row& row);
ApiKeyRecord ReadApiKey(const pqxx::row& row);

}  // namespace atelier::postgres
