// What a store keeps and does for retention: deleting finished executions a workspace's policy no
// longer wants kept (RetentionService, atelier/app/retention.h, owns the policy's meaning).
//
// The unit deleted is a tree: a top-level execution with every sub-execution under it, at any
// depth. A tree goes all at once or not at all, and only while every execution in it is finished
// (completed, failed or stopped), so nothing running, waiting or paused loses a row, and neither
// does a parent that still waits for a child. With an execution go its steps, events, kept
// versions, artifact rows, the cache entries that would copy its results, its launch idempotency
// keys and its sent notification deliveries. Ledger entries stay: the ledger is the account's
// history.
//
// Blobs are shared by hash (a cache hit or a fork copies artifact rows over the same bytes), so a
// purge deletes no blob: it queues the hashes of the artifact rows it deleted, in the same
// transaction, and the collector (RetentionService) removes a queued blob only when no artifact
// row of any workspace names it and it was not stored again lately (BlobStore::RemoveUnlessUsed).
// A crash between the two leaves the hash queued, never a row pointing at missing bytes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "atelier/engine/records.h"

namespace atelier {

// A workspace's retention row: `spec` is the policy asked for and `state` what the sweeps did
// (documents the store never interprets). Inserted with revision 1; each write over the revision
// read makes it one more.
struct RetentionRecord {
  std::string workspace_id;
  int64_t revision = 0;
  int64_t updated_at = 0;
  Json spec = Json::object();
  Json state = Json::object();
};

// Which finished top-level executions of a workspace a policy lets go (RetentionCandidates).
// Finished: completed, failed or stopped. With both rules set, an execution goes only when both
// let it (older than the age AND not among the newest `keep_last` of its template); with one,
// when that one does; with neither, none goes.
struct RetentionQuery {
  // Finished before this time (finished_at < finished_before, ms since the epoch); 0 = no age rule.
  int64_t finished_before = 0;
  // The newest `keep_last` finished top-level executions of each template (by created_at, then
  // id) stay; 0 = no count rule.
  int keep_last = 0;
  int limit = 100;  // at most this many, oldest first (created_at, then id)
};

// What deleting some executions deletes and frees.
struct RetentionFootprint {
  int64_t executions = 0;  // sub-executions included
  int64_t steps = 0;       // map items included
  int64_t events = 0;
  int64_t artifacts = 0;
  // Distinct blobs that no artifact row outside the set names (what the collector can remove),
  // and the sum of their sizes.
  int64_t blobs = 0;
  int64_t bytes = 0;

  RetentionFootprint& operator+=(const RetentionFootprint& f) {
    executions += f.executions;
    steps += f.steps;
    events += f.events;
    artifacts += f.artifacts;
    blobs += f.blobs;
    bytes += f.bytes;
    return *this;
  }
};

// Why PurgeExecutions kept a tree.
inline constexpr const char* kKeptUnfinished = "unfinished";  // an execution of it is not finished
inline constexpr const char* kKeptNotifying = "notifying";    // a delivery of it is still pending
// The workspace has notification endpoints and the notifier has not yet read all of its events.
inline constexpr const char* kKeptUnread = "unread";
inline constexpr const char* kKeptNotFound = "not_found";  // no such top-level execution in ws

// A hash in the collector's queue. `revision` moves on whenever a purge queues the hash again
// (another artifact row over the same bytes went), so the collector takes off the queue only what
// it judged (ForgetQueuedBlob).
struct QueuedBlob {
  std::string sha256;
  int64_t revision = 0;
  bool operator==(const QueuedBlob&) const = default;
};

struct PurgeOutcome {
  std::vector<std::string> deleted;                       // the roots whose trees went
  std::vector<std::pair<std::string, std::string>> kept;  // (root, one of kKept*)
  RetentionFootprint freed;                               // over the deleted trees
};

}  // namespace atelier
