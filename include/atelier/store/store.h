// Store persists templates, executions, steps, event logs and artifact metadata.
//
// Every method is thread-safe and may block on I/O. Implementations: SqliteStore (embedded
// default) and MemoryStore (in memory, for tests); a PostgreSQL one follows the same contract,
// which tests/store_conformance.h checks for every backend. Nothing here assumes SQLite: guards are
// compare-and-set on status, sequence numbers are assigned inside the transaction, and a batch
// is one transaction with per-transition all-or-nothing semantics.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "atelier/engine/limit_counter.h"
#include "atelier/engine/records.h"
#include "atelier/store/accounts.h"

namespace atelier {

// Guarded write of an execution row. Applied only if the stored status is one of `expected` (any
// status when empty) and, when `expected_owner` is set, the stored owner equals it (so two
// processes cannot both take an execution over); inserted when `insert` is set (AlreadyExists-style
// conflicts make the transition not applied). An update writes what changes over an execution's
// life (status, reason, error, updated/started/finished times, owner and its expiry); what a
// launch fixes (workspace, template and version, inputs, created_at, parent execution and step)
// stays as inserted, so a backend neither re-serialises the inputs nor rewrites the indexes on
// those columns.
struct ExecWrite {
  ExecutionRecord row;
  std::vector<ExecStatus> expected;
  bool insert = false;
  std::optional<std::string> expected_owner;
};

// Guarded write of a whole step row. Applied only if the stored row has status `expected`
// (when set) and attempt `expected_attempt` (when set); inserted when `insert` is set.
struct StepWrite {
  StepRecord row;
  std::optional<StepStatus> expected;
  std::optional<int> expected_attempt;
  bool insert = false;
  bool replace = false;  // insert, or overwrite an existing row unconditionally (map items anew)
};

// Requires that the execution's stored status is one of `statuses`, writes nothing.
struct ExecGuard {
  std::string execution_id;
  std::vector<ExecStatus> statuses;
};

// Appends an event; the store assigns seq (one more than the execution's last event).
struct EventAppend {
  Event event;
};

struct ArtifactInsert {
  ArtifactRecord row;
};

// Keeps a version of a step (replacing a kept row with the same version).
struct StepVersionPut {
  StepVersion row;
};

// Records a reusable result (replacing an entry with the same workspace and key).
struct CachePut {
  CacheEntry row;
};

// Appends a credits ledger entry (the store assigns its id). An entry whose (workspace, key) is
// already in the ledger is skipped: the op succeeds and adds nothing. With `require_funds`, the
// transition is not applied when the workspace balance plus `entry.amount` would be below zero
// (checked inside the transaction, so concurrent reservations never overdraw). An entry without a
// key is a bug in the caller: the whole Commit fails (Internal), as for a broken constraint.
//
// With `against_reservation` (settlements and refunds), `entry.amount` is what the step actually
// cost (>= 0; 0 for a refund) and the store records what the open reservation named by
// `entry.reservation_key` held minus that cost, so reservation + closing entry = -cost. A
// settlement or refund whose reservation is not open (never made, or already closed) adds
// nothing, so a step's reservation is closed exactly once.
struct LedgerAppend {
  LedgerEntry entry;
  bool require_funds = false;
  bool against_reservation = false;
};

// Binds an Idempotency-Key to the execution a launch creates. The transition is not applied
// when the key is already bound in the workspace.
struct IdempotencyPut {
  IdempotencyRecord row;
};

using Op = std::variant<ExecWrite, StepWrite, ExecGuard, EventAppend, ArtifactInsert,
                        StepVersionPut, CachePut, LedgerAppend, IdempotencyPut>;

// A set of ops applied all-or-nothing: if any guard fails, none of its ops are applied.
struct Transition {
  std::vector<Op> ops;
};

struct CommitResult {
  std::vector<bool> applied;  // one per transition, in order
  // One per transition: not applied because a LedgerAppend with require_funds found too few
  // credits (as opposed to a guard that failed).
  std::vector<bool> short_of_funds;
  // The events of applied transitions, with seq and gid, in append order.
  std::vector<Event> events;
};

struct ExecutionFilter {
  std::optional<ExecStatus> status;
  std::string template_id;     // "" = any
  int64_t created_after = 0;   // created_at >= this (ms); 0 = no bound
  int64_t created_before = 0;  // created_at < this (ms); 0 = no bound
  // Cursor for the next page (newest first): only executions ordered after (before_created_at,
  // before_id), i.e. created_at < before_created_at, or equal and id < before_id. Unused when
  // before_id is "".
  int64_t before_created_at = 0;
  std::string before_id;
  bool top_level_only = false;      // leave out sub-executions (those with a parent)
  std::string parent_execution_id;  // "" = any; else only sub-executions of this execution
  int limit = 100;
};

// What Store::ClaimExecutions claims.
struct ClaimRequest {
  std::string ws;
  std::string owner;        // the claimant
  int64_t now = 0;          // leases that ended at or before this are over
  int64_t lease_until = 0;  // the claimant's lease
  int limit = 64;
};

// An execution claimed by Store::ClaimExecutions.
struct ClaimedExecution {
  ExecutionRecord rec;          // as stored after the claim: owner is the claimant
  std::string previous_owner;   // who held it before ("" = nobody: queued by a launch)
  std::vector<StepRecord> steps;  // as GetSteps orders them
};

// What a ChangeFeed rings for (bits).
enum ChangeKind : unsigned {
  kChangeEvents = 1,  // events were appended
  kChangeWork = 2,    // an execution waits for a process to drive it (launched or handed back)
  kChangeAll = kChangeEvents | kChangeWork,
};

// A doorbell for commits made by any process on the same database: never the truth (read the
// tables), only a hint to look now rather than at the next poll. A ring may be late or lost (a
// reconnection rings everything, since what rang meanwhile is unknown), so a waiter still looks
// on a slow timer.
class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Waits at most `timeout_ms` for a ring; returns the ChangeKind bits rung since the last call,
  // 0 when none (the time ran out, or Interrupt). Called from one thread at a time.
  virtual unsigned Wait(int64_t timeout_ms) = 0;
  // Makes a Wait under way (or the next one) return at once. Any thread.
  virtual void Interrupt() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates or upgrades the schema to the latest version (idempotent). Internal on failure.
  virtual Status Migrate() = 0;
  // The schema version now in the database.
  virtual Result<int> SchemaVersion() = 0;

  // A number that changes whenever something this store reads may have changed (any commit, by
  // this process or another), so that a caller may keep what it rendered from reads made after
  // it took the token, for as long as the token stays the same. -1 (the default): the backend
  // cannot tell; keep nothing. Never waits for a writer.
  virtual int64_t ChangeToken() { return -1; }

  // A feed of the database's commits by every process, for a process that shares the database
  // with others (PostgreSQL: LISTEN/NOTIFY). nullptr (the default): the backend has none; other
  // processes' commits are found by polling.
  virtual std::unique_ptr<ChangeFeed> OpenChangeFeed() { return nullptr; }
  // Where the processes sharing this database count their calls to each provider against its
  // limits, so that a cluster holds the providers file's limits together; null when the database
  // is one process's (SQLite, memory): LimitedProvider then counts in the process. `owner` holds
  // its calls in flight under a lease of `lease_ms`, renewed by RenewLeases; a call of a process
  // that died stops counting when its lease runs out.
  virtual std::shared_ptr<LimitCounter> OpenLimitCounter(const std::string& owner,
                                                         int64_t lease_ms) {
    (void)owner;
    (void)lease_ms;
    return nullptr;
  }

  // Makes sure a workspace with this id exists (creating it with `name`).
  virtual Status EnsureWorkspace(const std::string& id, const std::string& name) = 0;

  // Stores a template definition under `name` in the workspace: returns the latest version when
  // its content_hash equals `rec.content_hash`, else inserts version latest+1 (version 1 and a
  // new id for a new name). `rec.id`/`rec.version`/`rec.created_at` are filled by the store.
  // A built-in and a user template never share a name: AlreadyExists when the latest version's
  // `builtin` differs from `rec.builtin` (and the content differs; equal content returns it).
  virtual Result<TemplateRecord> PutTemplate(const TemplateRecord& rec) = 0;
  // NotFound when absent. version 0 = latest.
  virtual Result<TemplateRecord> GetTemplate(const std::string& ws, const std::string& id,
                                             int version) = 0;
  // The latest version of the workspace's template named `name`; NotFound when there is none.
  virtual Result<TemplateRecord> FindTemplate(const std::string& ws, const std::string& name) = 0;

  // Applies the transitions in ONE database transaction, each all-or-nothing. Returns which
  // were applied and the events appended. Unavailable/Internal when the transaction itself
  // failed (then nothing at all was applied).
  virtual Result<CommitResult> Commit(const std::vector<Transition>& batch) = 0;

  // NotFound for an unknown id or another workspace's id.
  virtual Result<ExecutionRecord> GetExecution(const std::string& ws, const std::string& id) = 0;
  // Newest first.
  virtual Result<std::vector<ExecutionRecord>> ListExecutions(const std::string& ws,
                                                              const ExecutionFilter& f) = 0;
  // Current statuses of the given executions (ids that do not exist are left out).
  virtual Result<std::vector<std::pair<std::string, ExecStatus>>> GetExecutionStatuses(
      const std::vector<std::string>& ids) = 0;
  // All steps of an execution, map items included, ordered by (created_at, item_index, step_id).
  virtual Result<std::vector<StepRecord>> GetSteps(const std::string& ws,
                                                   const std::string& execution_id) = 0;
  // Like GetSteps, without the step contents: output, error and session are left null. What
  // status, progress and totals need, at a fraction of the cost (sessions hold whole
  // conversations).
  virtual Result<std::vector<StepRecord>> GetStepStates(const std::string& ws,
                                                        const std::string& execution_id) = 0;
  // Events with seq > after, oldest first, at most `limit` (each with gid set).
  virtual Result<std::vector<Event>> ReadEvents(const std::string& ws,
                                                const std::string& execution_id, int64_t after,
                                                int limit) = 0;
  virtual Result<std::vector<ArtifactRecord>> ListArtifacts(const std::string& ws,
                                                            const std::string& execution_id) = 0;
  // The cached result for `key` in the workspace, or nullopt.
  virtual Result<std::optional<CacheEntry>> LookupCache(const std::string& ws,
                                                        const std::string& key) = 0;
  // Kept versions of one step, oldest first. NotFound for an unknown execution.
  virtual Result<std::vector<StepVersion>> ListStepVersions(const std::string& ws,
                                                            const std::string& execution_id,
                                                            const std::string& step_id) = 0;

  // Extends the leases of every running step of `owner`, and of the executions it owns, to
  // `until`. Returns how many rows were extended.
  virtual Result<int> RenewLeases(const std::string& owner, int64_t until) = 0;

  // Claims up to `c.limit` top-level executions of workspace `c.ws` that wait for a process:
  // queued or running, with no owner or one whose lease ended at or before `c.now`, oldest first
  // (created_at, id). Each becomes `c.owner`'s until `c.lease_until`, and is returned with its
  // steps, in one round trip where the backend allows. Claimants at the same time never get the
  // same execution and do not wait for each other (PostgreSQL: FOR UPDATE SKIP LOCKED). A claim
  // only holds the execution: the claimant then commits its take-over (an ExecWrite expecting
  // owner == c.owner); if it dies first, the lease runs out and another process claims it.
  virtual Result<std::vector<ClaimedExecution>> ClaimExecutions(const ClaimRequest& c) = 0;
};

}  // namespace atelier
