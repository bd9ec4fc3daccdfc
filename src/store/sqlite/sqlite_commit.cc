// SqliteStore's transition interpreter: Commit applies a batch of transitions in one write
// transaction, each all-or-nothing. It evaluates every op kind (execution and step writes with
// their status/attempt/owner guards, execution guards, event appends that number seqs per
// execution and take gids from the rowid, artifact, step-version and cache inserts, credit ledger
// appends with reservations and funds checks, idempotency keys), with savepoints only when a late
// guard fails (see CommitBatch).
#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <variant>

#include "atelier/store/transition_rules.h"
#include "sqlite_impl.h"

namespace atelier {

using namespace sqlite;
namespace rules = transition_rules;

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

bool SqliteStore::Impl::Apply(const ExecWrite& w) {
  const JsonText error(w.row.error);
  if (w.insert) {
    const JsonText inputs(w.row.inputs);
    StmtUse st(Get(kExecInsert));
    BindExecution(*st, w.row, inputs, error);
    if (st->exec() != 1) return false;
    // A new execution has no events yet: its first append needs no look-up. Forgotten if this
    // transition is undone (ApplyBatch).
    auto [it, fresh] = last_seq.try_emplace(w.row.id);
    if (fresh) {
      it->second.workspace_id = w.row.workspace_id;
      tails_seeded.push_back(w.row.id);
    }
    return true;
  }
  StmtUse st(ExecUpdate(w.expected.size(), w.expected_owner.has_value()));
  BindExecutionUpdate(*st, w.row, error);
  for (size_t i = 0; i < w.expected.size(); ++i) {
    st->bindNoCopy(static_cast<int>(17 + i), ExecStatusName(w.expected[i]));
  }
  if (w.expected_owner) st->bindNoCopy(100, *w.expected_owner);
  return st->exec() == 1;
}

bool SqliteStore::Impl::Apply(const StepWrite& w) {
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

// An empty status list only requires that the execution exists.
bool SqliteStore::Impl::Apply(const ExecGuard& g) {
  StmtUse st(Get(kExecStatus));
  st->bindNoCopy(1, g.execution_id);
  if (!st->executeStep()) return false;
  if (g.statuses.empty()) return true;
  const char* stored = st->getColumn(0).getText();
  for (ExecStatus s : g.statuses) {
    if (std::strcmp(stored, ExecStatusName(s)) == 0) return true;
  }
  return false;
}

void SqliteStore::Impl::Apply(const EventAppend& a, CommitResult& out) {
  auto [it, inserted] = last_seq.try_emplace(a.event.execution_id);
  EventTail& tail = it->second;
  if (inserted) {
    StmtUse st(Get(kEventMaxSeq));
    st->bindNoCopy(1, a.event.execution_id);
    st->executeStep();
    tail.seq = st->getColumn(0).getInt64();
    tail.workspace_id = ColumnString(*st, 1);
  } else if (tail.workspace_id.empty()) {  // appended before its execution was inserted
    StmtUse st(Get(kExecWorkspace));
    st->bindNoCopy(1, a.event.execution_id);
    if (st->executeStep()) tail.workspace_id = ColumnString(*st, 0);
  }
  seq_undo.emplace_back(&tail.seq, tail.seq);
  Event& e = out.events.emplace_back(a.event);
  e.seq = ++tail.seq;
  // The row is written by FlushEvents with the batch's other events. The workspace is the one
  // known now (a non-empty one never changes within the batch, so the tail's is kept by address).
  static const std::string kNoWorkspace;
  event_ws.push_back(tail.workspace_id.empty() ? &kNoWorkspace : &tail.workspace_id);
}

// The events of the applied transitions, in order, as multi-row INSERTs of up to kEventRows rows:
// one statement execution (cursors opened, the VDBE program run, the statement reset) per chunk
// instead of per event. Nothing in a batch reads the events table after its first append to an
// execution (the tail is kept in last_seq), so writing them last changes no result. gids are the
// rowids SQLite assigns: a multi-row INSERT gives its rows max(rowid)+1, +2, ... in order.
//
// The chunk's payloads are serialised one after another, each ended by a NUL, into one buffer
// (event_text, whose capacity is kept) by one serializer, rather than into a new string each:
// DumpJson's setup and allocations were most of its cost for payloads of a few dozen bytes. Same
// text as DumpJson.
void SqliteStore::Impl::FlushEvents(CommitResult& out) {
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
      st->bindNoCopy(at + 7, *event_ws[begin + r]);
    }
    st->exec();
    const int64_t last = db.getLastInsertRowid();
    for (size_t r = 0; r < rows; ++r) {
      out.events[begin + r].gid = last - static_cast<int64_t>(rows - 1 - r);
    }
  }
}

// A replayed key is a successful no-op, checked before the funds so that a replay never fails.
bool SqliteStore::Impl::Apply(const LedgerAppend& l) {
  LedgerEntry relative;  // the entry to write when its amount is relative to the reservation
  const LedgerEntry* entry = &l.entry;
  if (l.entry.key.empty()) throw std::invalid_argument("a ledger entry needs a key");
  {
    StmtUse st(Get(kLedgerByKey));
    st->bindNoCopy(1, l.entry.workspace_id);
    st->bindNoCopy(2, l.entry.key);
    if (st->executeStep()) return true;
  }
  // A settlement or refund closes its reservation once: with none open under that key (never
  // made, or already closed) it adds nothing.
  std::optional<int64_t> open;
  if (rules::ClosesReservation(l.entry)) {
    StmtUse st(Get(kOpenReservationGet));
    st->bindNoCopy(1, l.entry.workspace_id);
    st->bindNoCopy(2, l.entry.reservation_key);
    if (!st->executeStep()) return true;
    open = st->getColumn(0).getInt64();
    if (l.against_reservation) {
      relative = l.entry;
      relative.amount = rules::ClosingAmount(*open, l.entry.amount);
      entry = &relative;
    }
  }
  const LedgerEntry& e = *entry;
  if (l.require_funds) {
    StmtUse st(Get(kBalanceGet));
    st->bindNoCopy(1, e.workspace_id);
    const int64_t balance = st->executeStep() ? st->getColumn(0).getInt64() : 0;
    if (balance + e.amount < 0) return false;
  }
  {
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
  }
  const int64_t id = db.getLastInsertRowid();
  if (e.kind == LedgerKind::kReservation) {
    StmtUse st(Get(kOpenReservationInsert));
    st->bindNoCopy(1, e.workspace_id);
    st->bindNoCopy(2, e.key);
    st->bind(3, id);
    st->bind(4, e.amount);
    st->exec();
  } else if (open) {
    StmtUse st(Get(kOpenReservationDelete));
    st->bindNoCopy(1, e.workspace_id);
    st->bindNoCopy(2, e.reservation_key);
    st->exec();
  }
  StmtUse st(Get(kBalanceAdd));
  st->bindNoCopy(1, e.workspace_id);
  st->bind(2, e.amount);
  st->bind(3, rules::GrantedDelta(e));
  st->bind(4, rules::ReservedDelta(e, open ? &*open : nullptr));
  st->exec();
  return true;
}

bool SqliteStore::Impl::Apply(const IdempotencyPut& p) {
  const IdempotencyRecord& r = p.row;
  StmtUse st(Get(kIdempotencyPut));
  st->bindNoCopy(1, r.workspace_id);
  st->bindNoCopy(2, r.key);
  st->bindNoCopy(3, r.request_hash);
  st->bindNoCopy(4, r.execution_id);
  st->bind(5, r.created_at);
  return st->exec() == 1;
}

void SqliteStore::Impl::Apply(const StepVersionPut& v) {
  const StepVersion& r = v.row;
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

void SqliteStore::Impl::Apply(const CachePut& c) {
  const CacheEntry& r = c.row;
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

void SqliteStore::Impl::Apply(const ArtifactInsert& a) {
  const ArtifactRecord& r = a.row;
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

bool SqliteStore::Impl::ApplyBatch(const std::vector<Transition>& batch, bool careful,
                                   CommitResult& out) {
  out.applied.clear();
  out.applied.reserve(batch.size());
  out.short_of_funds.clear();
  out.events.clear();
  event_ws.clear();
  for (const Transition& t : batch) {
    const bool savepoint = careful && rules::NeedsSavepoint(t);
    if (savepoint) Run(kSavepoint);
    const size_t events_before = out.events.size();
    seq_undo.clear();
    tails_seeded.clear();
    const rules::OpsRun run = rules::RunOps(*this, t, out);
    const bool ok = run.ok;
    const bool wrote = run.wrote;
    const bool funds = run.short_of_funds;
    if (!ok && wrote && !savepoint) {  // only without `careful`
      out.short_of_funds.push_back(funds);
      return false;
    }
    if (ok) {
      if (savepoint) Run(kRelease);
    } else {
      if (savepoint) {
        Run(kRollbackTo);
        Run(kRelease);
      }
      // Give the rolled-back events' seqs back so the next transition leaves no gap.
      for (auto u = seq_undo.rbegin(); u != seq_undo.rend(); ++u) *u->first = u->second;
      for (const std::string& id : tails_seeded) last_seq.erase(id);
      out.events.resize(events_before);
      event_ws.resize(events_before);
    }
    out.applied.push_back(ok);
    out.short_of_funds.push_back(!ok && funds);
  }
  FlushEvents(out);
  return true;
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
    if (ApplyBatch(batch, /*careful=*/false, out)) {
      txn.Commit();
      tails_version = version;
      return out;
    }
  }  // rolled back, and with it the seqs the tails hold
  last_seq.clear();
  if (batch.size() == 1) {  // the rollback already undid the one transition
    const bool funds = !out.short_of_funds.empty() && out.short_of_funds.back();
    out.short_of_funds.assign(1, funds);
    out.applied.assign(1, false);
    out.events.clear();
    return out;
  }
  Txn txn(*this, /*write=*/true);
  const int64_t version = KeepTailsIfCurrent();
  ApplyBatch(batch, /*careful=*/true, out);
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
  if (version != tails_version || last_seq.size() > kMaxTails) last_seq.clear();
  tails_version = -1;
  return version;
}

Result<CommitResult> SqliteStore::Commit(const std::vector<Transition>& batch) {
  std::lock_guard lock(impl_->mu);
  return impl_->Guarded([&]() -> Result<CommitResult> { return impl_->CommitBatch(batch); });
}

}  // namespace atelier
