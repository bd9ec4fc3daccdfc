// The transition interpreter the SQL backends share: what each op of a transition does, in terms
// of statements a backend supplies. SqliteStore and PostgresStore differ in their SQL text, how
// they bind values, how gids are handed out and how a batch's transaction is opened and committed
// (locks, doorbells, retry policy); the rest is here, once: guarded writes and what makes them
// fail, event numbering per execution (looked up once, given back when a transition is undone, so
// seqs have no gaps), the credit ledger's steps (replays, reservations, funds, balances), and the
// batch loop (savepoints, applied and short-of-funds flags). The decisions themselves are in
// transition_rules.h.
//
// A Backend supplies, inside the transaction its CommitBatch opened:
//   bool InsertExecution(const ExecutionRecord&)      false when the id exists
//   bool UpdateExecution(const ExecWrite&)            false when a guard (status, owner) fails
//   bool WriteStep(const StepWrite&)                  insert/replace/guarded update; false: guard
//   std::optional<std::string> ExecStatusOf(id)       the stored status, held until the commit
//   EventTail ReadTail(id)                            last stored seq and workspace ("" if none)
//   std::string ExecWorkspace(id)                     "" when the execution does not exist
//   void WriteEvents(CommitResult&, const EventNumbering&)   writes out.events, sets their gids
//   bool LedgerKeyExists(ws, key)
//   std::optional<int64_t> OpenReservation(ws, key)   amount of the open reservation, held
//   int64_t Balance(ws)                               0 for a workspace without one, held
//   std::optional<int64_t> InsertLedger(const LedgerEntry&)   its id; none if the key exists
//   void InsertOpenReservation(ws, key, ledger_id, amount), DeleteOpenReservation(ws, key)
//   void AddBalance(ws, amount, granted_delta, reserved_delta)
//   bool PutIdempotency(const IdempotencyRecord&)     false when the key exists
//   void PutVersion(const StepVersion&), PutCache(const CacheEntry&),
//        InsertArtifact(const ArtifactRecord&)
//   void Savepoint(), RollbackToSavepoint(), ReleaseSavepoint()
// Statements throw on errors; the backend's boundary rolls the transaction back.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "atelier/store/store.h"
#include "atelier/store/transition_rules.h"

namespace atelier::transition_core {

// An execution's last event seq and its workspace ("" while the execution does not exist).
struct EventTail {
  int64_t seq = 0;
  std::string workspace_id;
};

// Numbers events per execution. Each execution's tail is read from the store the first time a
// batch appends to it and kept; a backend may keep the tails across batches for as long as it
// knows nobody else appended (SQLite's single writer), or Clear() them per batch (PostgreSQL).
// The workspace of each queued event points into its tail (element addresses of an unordered_map
// survive rehashing), so an execution inserted after its first event still gives it its workspace.
class EventNumbering {
 public:
  // A batch starts: no events queued.
  void StartBatch() { workspaces_.clear(); }
  // A transition starts: Undo gives back only what it numbers from here.
  void StartTransition() {
    undo_.clear();
    seeded_.clear();
  }
  // `execution_id` was inserted by this transition: it has no events yet, so its first append
  // needs no look-up.
  void Seed(const std::string& execution_id, const std::string& workspace_id) {
    auto [it, fresh] = tails_.try_emplace(execution_id);
    if (fresh) {
      it->second.workspace_id = workspace_id;
      seeded_.push_back(execution_id);
    }
  }
  // Gives `e` the next seq of its execution; `read_tail(id)` reads a tail not known yet.
  template <class ReadTail>
  void Number(Event& e, ReadTail&& read_tail) {
    auto [it, fresh] = tails_.try_emplace(e.execution_id);
    if (fresh) it->second = read_tail(e.execution_id);
    EventTail& tail = it->second;
    undo_.emplace_back(&tail.seq, tail.seq);
    e.seq = ++tail.seq;
    workspaces_.push_back(&tail.workspace_id);
  }
  // The current transition was rolled back: its seqs are given back (the next transition leaves
  // no gap) and its queued events beyond the first `events_kept` dropped.
  void Undo(size_t events_kept) {
    workspaces_.resize(events_kept);
    for (auto u = undo_.rbegin(); u != undo_.rend(); ++u) *u->first = u->second;
    for (const std::string& id : seeded_) tails_.erase(id);
    undo_.clear();
    seeded_.clear();
  }
  // Before the queued events are written: a workspace still unknown (an event appended before its
  // execution was inserted) is read again, `read_workspace(id)` giving "" for none.
  template <class ReadWorkspace>
  void ResolveWorkspaces(const std::vector<Event>& events, ReadWorkspace&& read_workspace) {
    for (size_t i = 0; i < workspaces_.size(); ++i) {
      if (workspaces_[i]->empty()) *workspaces_[i] = read_workspace(events[i].execution_id);
    }
  }
  // The workspace of the i-th queued event.
  const std::string& Workspace(size_t i) const { return *workspaces_[i]; }

  size_t Tails() const { return tails_.size(); }
  void Clear() {
    tails_.clear();
    workspaces_.clear();
    undo_.clear();
    seeded_.clear();
  }

 private:
  std::unordered_map<std::string, EventTail> tails_;
  std::vector<std::string*> workspaces_;            // of the queued events, in order
  std::vector<std::pair<int64_t*, int64_t>> undo_;  // this transition's seq increments
  std::vector<std::string> seeded_;                 // this transition's new executions
};

// What each op does, for transition_rules::RunOps.
template <class Backend>
class Interpreter {
 public:
  Interpreter(Backend& backend, EventNumbering& numbering)
      : backend_(backend), numbering_(numbering) {}

  bool Apply(const ExecWrite& w) {
    if (!w.insert) return backend_.UpdateExecution(w);
    if (!backend_.InsertExecution(w.row)) return false;
    numbering_.Seed(w.row.id, w.row.workspace_id);
    return true;
  }

  bool Apply(const StepWrite& w) { return backend_.WriteStep(w); }

  // An empty status list only requires that the execution exists.
  bool Apply(const ExecGuard& g) {
    const std::optional<std::string> stored = backend_.ExecStatusOf(g.execution_id);
    if (!stored) return false;
    if (g.statuses.empty()) return true;
    for (ExecStatus s : g.statuses) {
      if (*stored == ExecStatusName(s)) return true;
    }
    return false;
  }

  // Numbered now, written with the batch's other events by the backend's WriteEvents.
  void Apply(const EventAppend& a, CommitResult& out) {
    Event& e = out.events.emplace_back(a.event);
    numbering_.Number(e, [&](const std::string& id) { return backend_.ReadTail(id); });
  }

  // A replayed key is a successful no-op, checked before the funds so that a replay never fails.
  // A settlement or refund closes its reservation once: with none open under that key (never
  // made, or already closed) it adds nothing.
  bool Apply(const LedgerAppend& l) {
    if (l.entry.key.empty()) throw std::invalid_argument("a ledger entry needs a key");
    if (backend_.LedgerKeyExists(l.entry.workspace_id, l.entry.key)) return true;
    std::optional<int64_t> open;
    LedgerEntry relative;  // the entry written when its amount is relative to the reservation
    const LedgerEntry* entry = &l.entry;
    if (transition_rules::ClosesReservation(l.entry)) {
      open = backend_.OpenReservation(l.entry.workspace_id, l.entry.reservation_key);
      if (!open) return true;
      if (l.against_reservation) {
        relative = l.entry;
        relative.amount = transition_rules::ClosingAmount(*open, l.entry.amount);
        entry = &relative;
      }
    }
    const LedgerEntry& e = *entry;
    if (l.require_funds && backend_.Balance(e.workspace_id) + e.amount < 0) return false;
    const std::optional<int64_t> id = backend_.InsertLedger(e);
    if (!id) return true;  // a concurrent transaction wrote the same key first
    if (e.kind == LedgerKind::kReservation) {
      backend_.InsertOpenReservation(e.workspace_id, e.key, *id, e.amount);
    } else if (open) {
      backend_.DeleteOpenReservation(e.workspace_id, e.reservation_key);
    }
    backend_.AddBalance(e.workspace_id, e.amount, transition_rules::GrantedDelta(e),
                        transition_rules::ReservedDelta(e, open ? &*open : nullptr));
    return true;
  }

  bool Apply(const IdempotencyPut& p) { return backend_.PutIdempotency(p.row); }
  void Apply(const StepVersionPut& v) { backend_.PutVersion(v.row); }
  void Apply(const CachePut& c) { backend_.PutCache(c.row); }
  void Apply(const ArtifactInsert& a) { backend_.InsertArtifact(a.row); }

 private:
  Backend& backend_;
  EventNumbering& numbering_;
};

// Applies every transition of `batch` in order inside the backend's open transaction, each
// all-or-nothing, then writes the events of those applied. With `careful`, a transition whose
// guard may fail after it wrote runs inside a savepoint, and this always returns true. Without it
// there are no savepoints, and it returns false as soon as such a guard fails (the caller rolls
// the transaction back and may run the batch again carefully): a cheaper first try where
// savepoints cost about a write each and late guard failures are rare (lost races).
template <class Backend>
bool ApplyBatch(Backend& backend, EventNumbering& numbering, const std::vector<Transition>& batch,
                bool careful, CommitResult& out) {
  out.applied.clear();
  out.applied.reserve(batch.size());
  out.short_of_funds.clear();
  out.events.clear();
  numbering.StartBatch();
  Interpreter<Backend> interpreter(backend, numbering);
  for (const Transition& t : batch) {
    const bool savepoint = careful && transition_rules::NeedsSavepoint(t);
    if (savepoint) backend.Savepoint();
    const size_t events_before = out.events.size();
    numbering.StartTransition();
    const transition_rules::OpsRun run = transition_rules::RunOps(interpreter, t, out);
    if (!run.ok && run.wrote && !savepoint) {  // only without `careful`
      out.short_of_funds.push_back(run.short_of_funds);
      return false;
    }
    if (run.ok) {
      if (savepoint) backend.ReleaseSavepoint();
    } else {
      if (savepoint) {
        backend.RollbackToSavepoint();
        backend.ReleaseSavepoint();
      }
      numbering.Undo(events_before);
      out.events.resize(events_before);
    }
    out.applied.push_back(run.ok);
    out.short_of_funds.push_back(!run.ok && run.short_of_funds);
  }
  numbering.ResolveWorkspaces(out.events,
                              [&](const std::string& id) { return backend.ExecWorkspace(id); });
  backend.WriteEvents(out, numbering);
  return true;
}

}  // namespace atelier::transition_core
