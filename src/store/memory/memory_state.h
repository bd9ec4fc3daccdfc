// The data of a MemoryStore and the undo log its Commit uses (internal to src/store/memory).
//
// Every table of the SQLite schema is a container here, keyed as its primary key is. Whatever a
// transition changes is recorded first in `undo`, so that a transition whose guard fails later,
// or a batch that breaks a constraint, can be taken back exactly (rowid-like counters included,
// so a gid or ledger id is handed out again after a rollback, as SQLite does).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "memory_store.h"

namespace atelier {
namespace memory {

int64_t NowMs();
// What SQLite gives back for `j`: the parse of its dump (invalid UTF-8 replaced).
Json Stored(const Json& j);

struct State {
  using Key2 = std::pair<std::string, std::string>;

  struct TemplateRow {
    TemplateRecord rec;
    int64_t deleted_at = 0;  // 0 while live
  };
  struct StoredEvent {
    Event event;  // seq and gid set
    // The execution's ("" while it does not exist; an insert later in the same transition adopts
    // the event, AdoptEvents).
    std::string workspace_id;
    // Deleted by a purge (memory_retention.cc): emptied but kept in place, so that its gid is
    // never given again. No index names it; a read that walks `events` passes over it.
    bool erased = false;
  };
  struct Sums {
    int64_t balance = 0;
    int64_t granted = 0;
    int64_t reserved = 0;
  };
  struct OpenReservation {
    int64_t ledger_id = 0;
    int64_t amount = 0;
  };

  std::mutex mu;  // guards everything below, held for the whole of every call
  std::mt19937_64 rng{std::random_device{}()};

  std::vector<WorkspaceRecord> workspaces;  // in insertion (rowid) order
  std::unordered_map<std::string, size_t> workspace_index;

  std::map<std::string, std::map<int, TemplateRow>> templates;  // id -> version -> row

  std::map<std::string, ExecutionRecord> executions;
  std::unordered_map<std::string, std::map<std::string, StepRecord>> steps;  // by execution id

  std::vector<StoredEvent> events;  // gid = index + 1 (purged ones erased, never removed)
  std::unordered_map<std::string, std::vector<size_t>> events_by_execution;  // seq = index + 1
  std::unordered_map<std::string, std::vector<size_t>> events_by_workspace;  // in gid order

  std::map<std::string, ArtifactRecord> artifacts;
  std::map<std::tuple<std::string, std::string, int>, StepVersion> versions;
  std::map<Key2, CacheEntry> cache;
  std::map<Key2, IdempotencyRecord> idempotency;
  std::map<std::string, ScheduleRecord> schedules;  // by id
  std::map<std::string, TriggerRecord> triggers;    // by id

  // Outbound notifications: endpoints and deliveries by id, and how far the notifier has read
  // `events` (a gid; a new store holds no events, so it starts at 0).
  std::map<std::string, EndpointRecord> endpoints;
  std::map<std::string, DeliveryRecord> deliveries;
  int64_t notify_cursor = 0;

  // Retention (memory_retention.cc): the policy rows by workspace id, and the hashes a purge left
  // for the collector with when each was first queued.
  std::map<std::string, RetentionRecord> retention;
  struct Queued {
    int64_t queued_at = 0;
    int64_t revision = 1;
  };
  std::map<std::string, Queued> blob_queue;  // by sha256

  std::vector<ApiKeyRecord> api_keys;  // in insertion (rowid) order
  std::unordered_map<std::string, size_t> key_by_id;
  std::unordered_map<std::string, size_t> key_by_hash;

  std::vector<LedgerEntry> ledger;  // in id order
  int64_t last_ledger_id = 0;
  std::map<Key2, size_t> ledger_by_key;  // (workspace, key) -> index in `ledger`
  std::unordered_map<std::string, Sums> balances;
  std::map<Key2, OpenReservation> open_reservations;  // (workspace, reservation key)

  // What undoes each change made by the Commit under way, oldest first.
  std::vector<std::function<void()>> undo;

  // Records how to restore m[k] as it is now (absent, or its value). Call before changing it.
  template <class M>
  void SaveEntry(M& m, const typename M::key_type& k) {
    auto it = m.find(k);
    if (it == m.end()) {
      undo.emplace_back([&m, k] { m.erase(k); });
    } else {
      undo.emplace_back([&m, k, old = it->second] { m.insert_or_assign(k, old); });
    }
  }
  template <class T>
  void SaveValue(T& v) {
    undo.emplace_back([&v, old = v] { v = old; });
  }
  // Undoes the changes recorded since undo.size() was `mark`, newest first.
  void UndoTo(size_t mark) {
    while (undo.size() > mark) {
      undo.back()();
      undo.pop_back();
    }
  }

  bool ExecutionInWorkspace(const std::string& ws, const std::string& id) const {
    auto it = executions.find(id);
    return it != executions.end() && it->second.workspace_id == ws;
  }

  // Ops of a transition: false when a guard leaves it unapplied. A broken constraint throws.
  bool Apply(const ExecWrite& w);
  bool Apply(const StepWrite& w);
  bool Apply(const ExecGuard& g) const;
  void Apply(const EventAppend& a, CommitResult& out);
  void Apply(const ArtifactInsert& a);
  void Apply(const StepVersionPut& v);
  void Apply(const CachePut& c);
  bool Apply(const IdempotencyPut& p);
  bool Apply(const LedgerAppend& l);  // memory_accounts.cc
  void AdoptEvents(const std::string& exec, const std::string& ws);
};

}  // namespace memory
}  // namespace atelier
