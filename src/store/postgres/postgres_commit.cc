// PostgresStore's side of the transition interpreter (atelier/store/transition_core.h): the
// statements each op runs, and Commit's transaction. A batch runs in one READ COMMITTED
// transaction, each transition all-or-nothing (a savepoint around those whose guards can fail
// after they wrote). Guards are compare-and-set UPDATEs, which PostgreSQL evaluates again on the
// newest row version after waiting for a concurrent writer; execution guards read the row FOR
// SHARE, so it cannot change before the commit. Event seqs are numbered per execution under an
// advisory lock per execution, taken for the whole batch up front in one order (no deadlock
// between two batches); the batch's gids come last, from the event_positions row, whose lock is
// held until COMMIT, so gids follow commit order.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <variant>

#include "atelier/store/transition_core.h"
#include "postgres_change_feed.h"
#include "postgres_impl.h"
#include "postgres_rows.h"

namespace atelier {

using namespace postgres;

namespace {

constexpr const char* kExecInsert =
    "INSERT INTO executions (id, workspace_id, template_id, template_version, status, reason, "
    "inputs, error, created_at, updated_at, started_at, finished_at, owner, owner_expires_at, "
    "parent_execution_id, parent_step_id, forked_from_execution_id, forked_from_step_id) VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) "
    "ON CONFLICT DO NOTHING";

constexpr const char* kStepValues =
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
    "$21)";
constexpr const char* kStepSet =
    "node_id=$3, parent_step_id=$4, item_index=$5, status=$6, attempt=$7, attempt_base=$8, "
    "version=$9, output=$10, error=$11, created_at=$12, updated_at=$13, started_at=$14, "
    "finished_at=$15, due_at=$16, lease_owner=$17, lease_expires_at=$18, session=$19, usage=$20, "
    "crashes=$21";

constexpr size_t kEventRows = 32;  // events per INSERT
constexpr int kEventCols = 8;

Params StepParams(const StepRecord& r) {
  Params p;
  p.S(r.execution_id).S(r.step_id).S(r.node_id).S(r.parent_step_id).I(r.item_index);
  p.S(StepStatusName(r.status)).I(r.attempt).I(r.attempt_base).I(r.version);
  p.J(r.output).J(r.error).I(r.created_at).I(r.updated_at).I(r.started_at).I(r.finished_at);
  p.I(r.due_at).S(r.lease_owner).I(r.lease_expires_at).J(r.session).J(r.usage).I(r.crashes);
  return p;
}

std::string EventInsertSql(size_t rows) {
  std::string sql =
      "INSERT INTO events (gid, execution_id, seq, ts, type, step_id, payload, workspace_id) "
      "VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    if (r > 0) sql += ", ";
    sql += '(';
    for (int c = 1; c <= kEventCols; ++c) {
      if (c > 1) sql += ", ";
      sql += '$' + std::to_string(static_cast<int>(r) * kEventCols + c);
    }
    sql += ')';
  }
  return sql;
}

}  // namespace

bool PostgresStore::Impl::InsertExecution(const ExecutionRecord& r) {
  Params p;
  p.S(r.id).S(r.workspace_id).S(r.template_id).I(r.template_version);
  p.S(ExecStatusName(r.status)).S(r.reason).J(r.inputs).J(r.error).I(r.created_at);
  p.I(r.updated_at).I(r.started_at).I(r.finished_at).S(r.owner).I(r.owner_expires_at);
  p.S(r.parent_execution_id).S(r.parent_step_id);
  p.S(r.forked_from_execution_id).S(r.forked_from_step_id);
  return Exec(kExecInsert, p).affected_rows() == 1;
}

bool PostgresStore::Impl::UpdateExecution(const ExecWrite& w) {
  const ExecutionRecord& r = w.row;
  Params p;
  p.S(r.id).S(ExecStatusName(r.status)).S(r.reason).J(r.error).I(r.updated_at);
  p.I(r.started_at).I(r.finished_at).S(r.owner).I(r.owner_expires_at);
  std::string sql =
      "UPDATE executions SET status=$2, reason=$3, error=$4, updated_at=$5, started_at=$6, "
      "finished_at=$7, owner=$8, owner_expires_at=$9 WHERE id = $1";
  int next = 10;
  if (!w.expected.empty()) {
    sql += " AND status IN (";
    for (size_t i = 0; i < w.expected.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += '$' + std::to_string(next++);
      p.S(ExecStatusName(w.expected[i]));
    }
    sql += ')';
  }
  if (w.expected_owner) {
    sql += " AND owner = $" + std::to_string(next++);
    p.S(*w.expected_owner);
  }
  return Exec(sql, p).affected_rows() == 1;
}

bool PostgresStore::Impl::WriteStep(const StepWrite& w) {
  Params p = StepParams(w.row);
  if (w.replace) {
    Exec(std::string("INSERT INTO steps (") + kStepCols + ") VALUES " + kStepValues +
             " ON CONFLICT (execution_id, step_id) DO UPDATE SET " + kStepSet,
         p);
    return true;
  }
  if (w.insert) {
    return Exec(std::string("INSERT INTO steps (") + kStepCols + ") VALUES " + kStepValues +
                    " ON CONFLICT DO NOTHING",
                p)
               .affected_rows() == 1;
  }
  std::string sql =
      std::string("UPDATE steps SET ") + kStepSet + " WHERE execution_id = $1 AND step_id = $2";
  if (w.expected) {
    sql += " AND status = $22";
    p.S(StepStatusName(*w.expected));
  }
  if (w.expected_attempt) {
    sql += w.expected ? " AND attempt = $23" : " AND attempt = $22";
    p.I(*w.expected_attempt);
  }
  return Exec(sql, p).affected_rows() == 1;
}

// FOR SHARE keeps the row as read until the transaction ends.
std::optional<std::string> PostgresStore::Impl::ExecStatusOf(const std::string& id) {
  pqxx::result r = Exec("SELECT status FROM executions WHERE id = $1 FOR SHARE", Params().S(id));
  if (r.empty()) return std::nullopt;
  return Str(r[0][0]);
}

// No other batch appends to this execution until this one commits (the advisory lock taken in
// CommitBatch), so the stored tail is the last.
transition_core::EventTail PostgresStore::Impl::ReadTail(const std::string& id) {
  pqxx::result r = Exec(
      "SELECT COALESCE(MAX(seq), 0), (SELECT workspace_id FROM executions WHERE id = $1) FROM "
      "events WHERE execution_id = $1",
      Params().S(id));
  return {I64(r[0][0]), Str(r[0][1])};
}

std::string PostgresStore::Impl::ExecWorkspace(const std::string& id) {
  pqxx::result r = Exec("SELECT workspace_id FROM executions WHERE id = $1", Params().S(id));
  return r.empty() ? std::string() : Str(r[0][0]);
}

// The events of the applied transitions, in order. Their gids are taken here, as the batch's last
// statements: the event_positions row stays locked from this UPDATE to COMMIT, so the next batch
// to take positions waits for this one to commit (or roll back, giving them back), and positions
// are visible in the order they were handed out.
void PostgresStore::Impl::WriteEvents(CommitResult& out,
                                      const transition_core::EventNumbering& tails) {
  const size_t n = out.events.size();
  if (n == 0) return;
  pqxx::result pos =
      Exec("UPDATE event_positions SET last_gid = last_gid + $1 WHERE id = 1 RETURNING last_gid",
           Params().I(static_cast<int64_t>(n)));
  if (pos.empty()) throw std::runtime_error("the event_positions row is missing");
  const int64_t first = I64(pos[0][0]) - static_cast<int64_t>(n) + 1;
  for (size_t i = 0; i < n; ++i) out.events[i].gid = first + static_cast<int64_t>(i);
  for (size_t begin = 0; begin < n; begin += kEventRows) {
    const size_t rows = std::min(kEventRows, n - begin);
    Params p;
    for (size_t r = 0; r < rows; ++r) {
      const Event& e = out.events[begin + r];
      p.I(e.gid).S(e.execution_id).I(e.seq).I(e.ts).S(e.type).S(e.step_id).J(e.payload);
      p.S(tails.Workspace(begin + r));
    }
    Exec(EventInsertSql(rows), p);
  }
}

bool PostgresStore::Impl::LedgerKeyExists(const std::string& ws, const std::string& key) {
  return !Exec("SELECT 1 FROM credit_ledger WHERE workspace_id = $1 AND key = $2",
               Params().S(ws).S(key))
              .empty();
}

// FOR UPDATE: two transactions closing the same reservation take turns.
std::optional<int64_t> PostgresStore::Impl::OpenReservation(const std::string& ws,
                                                            const std::string& key) {
  pqxx::result r = Exec(
      "SELECT amount FROM credit_open_reservations WHERE workspace_id = $1 AND key = $2 FOR "
      "UPDATE",
      Params().S(ws).S(key));
  if (r.empty()) return std::nullopt;
  return I64(r[0][0]);
}

// FOR UPDATE: two transactions reserving against the same balance take turns.
int64_t PostgresStore::Impl::Balance(const std::string& ws) {
  pqxx::result r = Exec("SELECT balance FROM credit_balances WHERE workspace_id = $1 FOR UPDATE",
                        Params().S(ws));
  return r.empty() ? 0 : I64(r[0][0]);
}

// None when a concurrent transaction wrote the same key after LedgerKeyExists looked.
std::optional<int64_t> PostgresStore::Impl::InsertLedger(const LedgerEntry& e) {
  pqxx::result ins = Exec(
      "INSERT INTO credit_ledger (workspace_id, kind, amount, key, reservation_key, "
      "execution_id, step_id, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON "
      "CONFLICT (workspace_id, key) DO NOTHING RETURNING id",
      Params()
          .S(e.workspace_id)
          .S(LedgerKindName(e.kind))
          .I(e.amount)
          .S(e.key)
          .S(e.reservation_key)
          .S(e.execution_id)
          .S(e.step_id)
          .S(e.note)
          .I(e.created_at));
  if (ins.empty()) return std::nullopt;
  return I64(ins[0][0]);
}

void PostgresStore::Impl::InsertOpenReservation(const std::string& ws, const std::string& key,
                                                int64_t ledger_id, int64_t amount) {
  Exec(
      "INSERT INTO credit_open_reservations (workspace_id, key, ledger_id, amount) VALUES ($1, "
      "$2, $3, $4)",
      Params().S(ws).S(key).I(ledger_id).I(amount));
}

void PostgresStore::Impl::DeleteOpenReservation(const std::string& ws, const std::string& key) {
  Exec("DELETE FROM credit_open_reservations WHERE workspace_id = $1 AND key = $2",
       Params().S(ws).S(key));
}

void PostgresStore::Impl::AddBalance(const std::string& ws, int64_t amount, int64_t granted,
                                     int64_t reserved) {
  Exec(
      "INSERT INTO credit_balances (workspace_id, balance, granted, reserved) VALUES ($1, $2, $3, "
      "$4) ON CONFLICT (workspace_id) DO UPDATE SET balance = credit_balances.balance + "
      "excluded.balance, granted = credit_balances.granted + excluded.granted, reserved = "
      "credit_balances.reserved + excluded.reserved",
      Params().S(ws).I(amount).I(granted).I(reserved));
}

bool PostgresStore::Impl::PutIdempotency(const IdempotencyRecord& r) {
  return Exec(
             "INSERT INTO idempotency_keys (workspace_id, key, request_hash, execution_id, "
             "created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
             Params()
                 .S(r.workspace_id)
                 .S(r.key)
                 .S(r.request_hash)
                 .S(r.execution_id)
                 .I(r.created_at))
             .affected_rows() == 1;
}

void PostgresStore::Impl::PutVersion(const StepVersion& r) {
  Exec(
      "INSERT INTO step_versions (execution_id, step_id, version, output, session, meta, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (execution_id, step_id, "
      "version) DO UPDATE SET output = excluded.output, session = excluded.session, meta = "
      "excluded.meta, created_at = excluded.created_at",
      Params()
          .S(r.execution_id)
          .S(r.step_id)
          .I(r.version)
          .J(r.output)
          .J(r.session)
          .J(r.meta)
          .I(r.created_at));
}

void PostgresStore::Impl::PutCache(const CacheEntry& r) {
  Exec(
      "INSERT INTO step_cache (workspace_id, key, execution_id, step_id, version, output, "
      "session, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workspace_id, "
      "key) DO UPDATE SET execution_id = excluded.execution_id, step_id = excluded.step_id, "
      "version = excluded.version, output = excluded.output, session = excluded.session, "
      "created_at = excluded.created_at",
      Params()
          .S(r.workspace_id)
          .S(r.key)
          .S(r.execution_id)
          .S(r.step_id)
          .I(r.version)
          .J(r.output)
          .J(r.session)
          .I(r.created_at));
}

void PostgresStore::Impl::InsertArtifact(const ArtifactRecord& r) {
  Exec(
      "INSERT INTO artifacts (id, workspace_id, execution_id, step_id, step_version, kind, mime, "
      "sha256, size, name, meta, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11, $12)",
      Params()
          .S(r.id)
          .S(r.workspace_id)
          .S(r.execution_id)
          .S(r.step_id)
          .I(r.step_version)
          .S(r.kind)
          .S(r.mime)
          .S(r.sha256)
          .I(r.size)
          .S(r.name)
          .J(r.meta)
          .I(r.created_at));
}

CommitResult PostgresStore::Impl::CommitBatch(const std::vector<Transition>& batch) {
  CommitResult out;
  if (batch.empty()) return out;
  numbering.Clear();
  Txn txn(*this, /*write=*/true);
  // Every execution the batch appends events to, locked in one order (by key) before anything
  // else, so that two batches numbering seqs of the same executions never wait on each other in
  // a cycle. The locks end with the transaction.
  {
    std::vector<std::string> ids;
    for (const Transition& t : batch) {
      for (const Op& op : t.ops) {
        if (const auto* a = std::get_if<EventAppend>(&op)) ids.push_back(a->event.execution_id);
      }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (!ids.empty()) {
      Exec(
          "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT "
          "hashtextextended('atelier.events.' "
          "|| x, 0) AS k FROM unnest($1::text[]) AS x ORDER BY 1) AS keys",
          Params().S(TextArray(ids)));
    }
  }
  transition_core::ApplyBatch(*this, numbering, batch, /*careful=*/true, out);
  // The doorbells (postgres_change_feed.h), delivered when the transaction commits; one per
  // channel however many transitions rang it.
  // Work: a top-level execution left queued or running with no owner, for a process to take.
  auto leaves_work = [](const Op& op) {
    const auto* w = std::get_if<ExecWrite>(&op);
    if (w == nullptr || !w->row.owner.empty() || !w->row.parent_execution_id.empty()) return false;
    return w->row.status == ExecStatus::kQueued || w->row.status == ExecStatus::kRunning;
  };
  bool work = false;
  for (size_t i = 0; i < batch.size() && !work; ++i)
    work = out.applied[i] && std::any_of(batch[i].ops.begin(), batch[i].ops.end(), leaves_work);
  if (!out.events.empty()) Exec(std::string("SELECT pg_notify(") + kEventsChannelSql + ", '')");
  if (work) Exec(std::string("SELECT pg_notify(") + kWorkChannelSql + ", '')");
  txn.Commit();
  return out;
}

Result<CommitResult> PostgresStore::Commit(const std::vector<Transition>& batch) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<CommitResult> { return impl_->CommitBatch(batch); });
}

}  // namespace atelier
