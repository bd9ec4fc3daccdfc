// SqliteStore's side of the transition interpreter (atelier/store/transition_core.h): the
// statements each op runs, bound without copies to cached prepared statements, events written in
// multi-row INSERTs whose rowids are their gids, and Commit's transaction, which first runs a batch
// without savepoints and only when a late guard fails runs it again with them (see CommitBatch).
#include <algorithm>
#include <optional>
#include <string>

#include "atelier/store/transition_core.h"
#include "sqlite_impl.h"

namespace atelier {

using namespace sqlite;

namespace {

void BindExecution(SQLite::Statement& st, const ExecutionRecord& r, const JsonText& inputs,
                   const JsonText& error) {
  st.bindNoCopy(1, r.id);
  st.bindNoCopy(2, r.workspace_id);
  st.bindNoCopy(3, r.template_id);
  st.bind(4, r.template_version);
  st.bindNoCopy(5, ExecStatusName(r.status));
  st.bindNoCopy(6, r.reason);
  inputs.Bind(st, 7);
  error.Bind(st, 8);
  st.bind(9, r.created_at);
  st.bind(10, r.updated_at);
  st.bind(11, r.started_at);
  st.bind(12, r.finished_at);
  st.bindNoCopy(13, r.owner);
  st.bind(14, r.owner_expires_at);
  st.bindNoCopy(15, r.parent_execution_id);
  st.bindNoCopy(16, r.parent_step_id);
  st.bindNoCopy(17, r.forked_from_execution_id);
  st.bindNoCopy(18, r.forked_from_step_id);
}

// The columns of kExecSet (an update), numbered as BindExecution numbers them.
void BindExecutionUpdate(SQLite::Statement& st, const ExecutionRecord& r, const JsonText& error) {
  st.bindNoCopy(1, r.id);
  st.bindNoCopy(5, ExecStatusName(r.status));
  st.bindNoCopy(6, r.reason);
  error.Bind(st, 8);
  st.bind(10, r.updated_at);
  st.bind(11, r.started_at);
  st.bind(12, r.finished_at);
  st.bindNoCopy(13, r.owner);
  st.bind(14, r.owner_expires_at);
}

void BindStep(SQLite::Statement& st, const StepRecord& r, const JsonText& output,
              const JsonText& error, const JsonText& session, const JsonText& usage) {
  session.Bind(st, 21);
  usage.Bind(st, 22);
  st.bindNoCopy(1, r.execution_id);
  st.bindNoCopy(2, r.step_id);
  st.bindNoCopy(3, r.node_id);
  st.bindNoCopy(4, r.parent_step_id);
  st.bind(5, r.item_index);
  st.bindNoCopy(6, StepStatusName(r.status));
  st.bind(7, r.attempt);
  st.bind(8, r.attempt_base);
  st.bind(9, r.version);
  output.Bind(st, 10);
  error.Bind(st, 11);
  st.bind(12, r.created_at);
  st.bind(13, r.updated_at);
  st.bind(14, r.started_at);
  st.bind(15, r.finished_at);
  st.bind(16, r.due_at);
  st.bindNoCopy(17, r.lease_owner);
  st.bind(18, r.lease_expires_at);
  st.bind(23, r.crashes);
}

}  // namespace

bool SqliteStore::Impl::InsertExecution(const ExecutionRecord& r) {
  const JsonText error(r.error);
  const JsonText inputs(r.inputs);
  StmtUse st(Get(kExecInsert));
  BindExecution(*st, r, inputs, error);
  return st->exec() == 1;
}

bool SqliteStore::Impl::UpdateExecution(const ExecWrite& w) {
  const JsonText error(w.row.error);
  StmtUse st(ExecUpdate(w.expected.size(), w.expected_owner.has_value()));
  BindExecutionUpdate(*st, w.row, error);
  for (size_t i = 0; i < w.expected.size(); ++i) {
    st->bindNoCopy(static_cast<int>(17 + i), ExecStatusName(w.expected[i]));
  }
  if (w.expected_owner) st->bindNoCopy(100, *w.expected_owner);
  return st->exec() == 1;
}

bool SqliteStore::Impl::WriteStep(const StepWrite& w) {
  const JsonText output(w.row.output);
  const JsonText error(w.row.error);
  const JsonText session(w.row.session);
  const JsonText usage(w.row.usage);
  if (w.replace) {
    StmtUse st(Get(kStepReplace));
    BindStep(*st, w.row, output, error, session, usage);
    st->exec();
    return true;
  }
  if (w.insert) {
    StmtUse st(Get(kStepInsert));
    BindStep(*st, w.row, output, error, session, usage);
    return st->exec() == 1;
  }
  StmtId id = kStepUpdate;
  if (w.expected && w.expected_attempt) {
    id = kStepUpdateBoth;
  } else if (w.expected) {
    id = kStepUpdateStatus;
  } else if (w.expected_attempt) {
    id = kStepUpdateAttempt;
  }
  StmtUse st(Get(id));
  BindStep(*st, w.row, output, error, session, usage);
  if (w.expected) st->bindNoCopy(19, StepStatusName(*w.expected));
  if (w.expected_attempt) st->bind(20, *w.expected_attempt);
  return st->exec() == 1;
}

std::optional<std::string> SqliteStore::Impl::ExecStatusOf(const std::string& id) {
  StmtUse st(Get(kExecStatus));
  st->bindNoCopy(1, id);
  if (!st->executeStep()) return std::nullopt;
  return ColumnString(*st, 0);
}

transition_core::EventTail SqliteStore::Impl::ReadTail(const std::string& id) {
  StmtUse st(Get(kEventMaxSeq));
  st->bindNoCopy(1, id);
  st->executeStep();
  return {st->getColumn(0).getInt64(), ColumnString(*st, 1)};
}

std::string SqliteStore::Impl::ExecWorkspace(const std::string& id) {
  StmtUse st(Get(kExecWorkspace));
  st->bindNoCopy(1, id);
  return st->executeStep() ? ColumnString(*st, 0) : std::string();
}

// The events of the applied transitions, in order, as multi-row INSERTs of up to kEventRows rows:
// one statement execution (cursors opened, the VDBE program run, the statement reset) per chunk
// instead of per event. Nothing in a batch reads the events table after its first append to an
// execution (the tail is kept), so writing them last changes no result. gids are the rowids
// SQLite assigns: a multi-row INSERT gives its rows max(rowid)+1, +2, ... in order, and the single
// writer commits them in that order.
//
// The chunk's payloads are serialised one after another, each ended by a NUL, into one buffer
// (event_text, whose capacity is kept) by one serializer, rather than into a new string each:
// DumpJson's setup and allocations were most of its cost for payloads of a few dozen bytes. Same
// text as DumpJson.
void SqliteStore::Impl::WriteEvents(CommitResult& out,
                                    const transition_core::EventNumbering& tails) {
  constexpr int kCols = 7;
  constexpr size_t kNull = static_cast<size_t>(-1);
  std::array<size_t, kEventRows> spans;  // where each payload starts in event_text
  const size_t n = out.events.size();
  for (size_t begin = 0; begin < n; begin += kEventRows) {
    const size_t rows = std::min(kEventRows, n - begin);
    event_text.clear();
    {
      nlohmann::detail::serializer<Json> dump(nlohmann::detail::output_adapter<char>(event_text),
                                              ' ', Json::error_handler_t::replace);
      for (size_t r = 0; r < rows; ++r) {
        const Json& payload = out.events[begin + r].payload;
        if (payload.is_null()) {
          spans[r] = kNull;
          continue;
        }
        spans[r] = event_text.size();
        dump.dump(payload, /*pretty_print=*/false, /*ensure_ascii=*/false, /*indent_step=*/0);
        // JSON text has no NUL of its own (control characters are escaped).
        event_text.push_back('\0');
      }
    }
    StmtUse st(EventInsert(rows));
    for (size_t r = 0; r < rows; ++r) {
      const Event& e = out.events[begin + r];
      const int at = static_cast<int>(r) * kCols;
      st->bindNoCopy(at + 1, e.execution_id);
      st->bind(at + 2, e.seq);
      st->bind(at + 3, e.ts);
      st->bindNoCopy(at + 4, e.type);
      st->bindNoCopy(at + 5, e.step_id);
      if (spans[r] == kNull) {
        st->bind(at + 6);
      } else {
        st->bindNoCopy(at + 6, event_text.c_str() + spans[r]);
      }
      st->bindNoCopy(at + 7, tails.Workspace(begin + r));
    }
    st->exec();
    const int64_t last = db.getLastInsertRowid();
    for (size_t r = 0; r < rows; ++r) {
      out.events[begin + r].gid = last - static_cast<int64_t>(rows - 1 - r);
    }
  }
}

bool SqliteStore::Impl::LedgerKeyExists(const std::string& ws, const std::string& key) {
  StmtUse st(Get(kLedgerByKey));
  st->bindNoCopy(1, ws);
  st->bindNoCopy(2, key);
  return st->executeStep();
}

std::optional<int64_t> SqliteStore::Impl::OpenReservation(const std::string& ws,
                                                          const std::string& key) {
  StmtUse st(Get(kOpenReservationGet));
  st->bindNoCopy(1, ws);
  st->bindNoCopy(2, key);
  if (!st->executeStep()) return std::nullopt;
  return st->getColumn(0).getInt64();
}

int64_t SqliteStore::Impl::Balance(const std::string& ws) {
  StmtUse st(Get(kBalanceGet));
  st->bindNoCopy(1, ws);
  return st->executeStep() ? st->getColumn(0).getInt64() : 0;
}

// The single writer checked the key in this transaction (LedgerKeyExists): the insert is new.
std::optional<int64_t> SqliteStore::Impl::InsertLedger(const LedgerEntry& e) {
  StmtUse st(Get(kLedgerInsert));
  st->bindNoCopy(1, e.workspace_id);
  st->bindNoCopy(2, LedgerKindName(e.kind));
  st->bind(3, e.amount);
  st->bindNoCopy(4, e.key);
  st->bindNoCopy(5, e.reservation_key);
  st->bindNoCopy(6, e.execution_id);
  st->bindNoCopy(7, e.step_id);
  st->bindNoCopy(8, e.note);
  st->bind(9, e.created_at);
  st->exec();
  return db.getLastInsertRowid();
}

void SqliteStore::Impl::InsertOpenReservation(const std::string& ws, const std::string& key,
                                              int64_t ledger_id, int64_t amount) {
  StmtUse st(Get(kOpenReservationInsert));
  st->bindNoCopy(1, ws);
  st->bindNoCopy(2, key);
  st->bind(3, ledger_id);
  st->bind(4, amount);
  st->exec();
}

void SqliteStore::Impl::DeleteOpenReservation(const std::string& ws, const std::string& key) {
  StmtUse st(Get(kOpenReservationDelete));
  st->bindNoCopy(1, ws);
  st->bindNoCopy(2, key);
  st->exec();
}

void SqliteStore::Impl::AddBalance(const std::string& ws, int64_t amount, int64_t granted,
                                   int64_t reserved) {
  StmtUse st(Get(kBalanceAdd));
  st->bindNoCopy(1, ws);
  st->bind(2, amount);
  st->bind(3, granted);
  st->bind(4, reserved);
  st->exec();
}

bool SqliteStore::Impl::PutIdempotency(const IdempotencyRecord& r) {
  StmtUse st(Get(kIdempotencyPut));
  st->bindNoCopy(1, r.workspace_id);
  st->bindNoCopy(2, r.key);
  st->bindNoCopy(3, r.request_hash);
  st->bindNoCopy(4, r.execution_id);
  st->bind(5, r.created_at);
  return st->exec() == 1;
}

void SqliteStore::Impl::PutVersion(const StepVersion& r) {
  const JsonText output(r.output), session(r.session), meta(r.meta);
  StmtUse st(Get(kVersionPut));
  st->bindNoCopy(1, r.execution_id);
  st->bindNoCopy(2, r.step_id);
  st->bind(3, r.version);
  output.Bind(*st, 4);
  session.Bind(*st, 5);
  meta.Bind(*st, 6);
  st->bind(7, r.created_at);
  st->exec();
}

void SqliteStore::Impl::PutCache(const CacheEntry& r) {
  const JsonText output(r.output), session(r.session);
  StmtUse st(Get(kCachePut));
  st->bindNoCopy(1, r.workspace_id);
  st->bindNoCopy(2, r.key);
  st->bindNoCopy(3, r.execution_id);
  st->bindNoCopy(4, r.step_id);
  st->bind(5, r.version);
  output.Bind(*st, 6);
  session.Bind(*st, 7);
  st->bind(8, r.created_at);
  st->exec();
}

void SqliteStore::Impl::InsertArtifact(const ArtifactRecord& r) {
  const JsonText meta(r.meta);
  StmtUse st(Get(kArtifactInsert));
  st->bindNoCopy(1, r.id);
  st->bindNoCopy(2, r.workspace_id);
  st->bindNoCopy(3, r.execution_id);
  st->bindNoCopy(4, r.step_id);
  st->bind(5, r.step_version);
  st->bindNoCopy(6, r.kind);
  st->bindNoCopy(7, r.mime);
  st->bindNoCopy(8, r.sha256);
  st->bind(9, r.size);
  st->bindNoCopy(10, r.name);
  meta.Bind(*st, 11);
  st->bind(12, r.created_at);
  st->exec();
}

// Savepoints cost about as much as a write each, and a guard that fails after its transition
// has written is rare (the engine checks state before it commits; only lost races get here).
// So the batch first runs without savepoints; if such a late guard fails, the whole transaction
// is rolled back and the batch runs again with a savepoint around every transition that needs
// one. Either way each transition is all-or-nothing and the seqs have no gaps.
CommitResult SqliteStore::Impl::CommitBatch(const std::vector<Transition>& batch) {
  CommitResult out;
  if (batch.empty()) return out;
  {
    Txn txn(*this, /*write=*/true);
    const int64_t version = KeepTailsIfCurrent();
    if (transition_core::ApplyBatch(*this, numbering, batch, /*careful=*/false, out)) {
      txn.Commit();
      tails_version = version;
      return out;
    }
  }  // rolled back, and with it the seqs the tails hold
  numbering.Clear();
  if (batch.size() == 1) {  // the rollback already undid the one transition
    const bool funds = !out.short_of_funds.empty() && out.short_of_funds.back();
    out.short_of_funds.assign(1, funds);
    out.applied.assign(1, false);
    out.events.clear();
    return out;
  }
  Txn txn(*this, /*write=*/true);
  const int64_t version = KeepTailsIfCurrent();
  transition_core::ApplyBatch(*this, numbering, batch, /*careful=*/true, out);
  txn.Commit();
  tails_version = version;
  return out;
}

// Inside the write transaction: the tails are current when no other connection has committed
// since this one last did (PRAGMA data_version does not count this connection's own commits, and
// only Commit writes events). Until this transaction commits they are not: an exception or a
// rollback leaves tails_version at -1, so the next Commit starts afresh.
int64_t SqliteStore::Impl::KeepTailsIfCurrent() {
  int64_t version = 0;
  {
    if (!data_version)
      data_version = std::make_unique<SQLite::Statement>(db, "PRAGMA data_version");
    StmtUse st(*data_version);
    if (st->executeStep()) version = st->getColumn(0).getInt64();
  }
  if (version != tails_version || numbering.Tails() > kMaxTails) numbering.Clear();
  tails_version = -1;
  return version;
}

Result<CommitResult> SqliteStore::Commit(const std::vector<Transition>& batch) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<CommitResult> { return impl_->CommitBatch(batch); });
}

}  // namespace atelier
