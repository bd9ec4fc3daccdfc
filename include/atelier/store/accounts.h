// What the server needs from the store beyond what the engine uses: workspaces, API keys, the
// credits ledger, template catalog queries, artifact queries and workspace-wide event reads.
//
// AccountStore is implemented by the same backends as Store (SqliteStore implements both), so
// everything here is scoped by workspace exactly as Store is: another workspace's ids behave as
// ids that do not exist (NotFound). Every method is thread-safe and may block on I/O.
//
// Credits are integer micro-credits (1 credit = 1,000,000) so that sums are exact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/engine/progress.h"
#include "atelier/engine/records.h"
#include "atelier/store/automations.h"
#include "atelier/store/retention.h"

namespace atelier {

enum class Role { kViewer = 1, kEditor = 2, kAdmin = 3 };  // ordered: admin can do all
const char* RoleName(Role r);                              // "viewer" | "editor" | "admin"
std::optional<Role> RoleFromName(std::string_view name);

struct WorkspaceRecord {
  std::string id;  // "ws_..." (the CLI's default workspace is "default")
  std::string name;
  int64_t created_at = 0;
};

struct ApiKeyRecord {
  std::string id;  // "key_..."
  std::string workspace_id;
  Role role = Role::kViewer;
  std::string name;         // a label given at creation ("ci", "alice")
  std::string prefix;       // the first 12 characters of the secret, shown in listings
  std::string secret_hash;  // lowercase hex SHA-256 of the whole secret; the secret is never stored
  int64_t created_at = 0;
  int64_t revoked_at = 0;  // 0 while active
};

enum class LedgerKind { kGrant, kReservation, kSettlement, kRefund };
const char* LedgerKindName(LedgerKind k);  // "grant" | "reservation" | "settlement" | "refund"
std::optional<LedgerKind> LedgerKindFromName(std::string_view name);

// One append-only ledger line. The balance of a workspace is the sum of its amounts.
// A paid step reserves its estimate (amount = -estimate), then either settles (amount =
// estimate - actual, so reservation + settlement = -actual) or is refunded (amount = +estimate).
struct LedgerEntry {
  int64_t id = 0;  // assigned by the store on insert: increasing across the database
  std::string workspace_id;
  LedgerKind kind = LedgerKind::kGrant;
  int64_t amount = 0;  // micro-credits, signed
  // Unique within the workspace: appending an entry whose key is already in the ledger adds
  // nothing (so a replayed reservation, settlement or refund never counts twice). Required.
  std::string key;
  // For settlements and refunds: the key of the reservation they close ("" otherwise).
  std::string reservation_key;
  std::string execution_id;  // "" for grants
  std::string step_id;
  std::string note;  // free text ("granted by key_...", "gpt-4o: 812 in / 90 out tokens")
  int64_t created_at = 0;
};

struct CreditBalance {
  int64_t balance = 0;   // sum of all amounts
  int64_t reserved = 0;  // sum of -amount over reservations that no settlement or refund closes
  int64_t granted = 0;   // sum of grants
  // -(sum of closed reservations and of the settlements and refunds that close them), i.e. the
  // actual cost of settled steps (a refunded reservation spends nothing). Always
  // balance = granted - reserved - spent.
  int64_t spent = 0;
};

struct LedgerFilter {
  int64_t after_id = 0;      // entries with id > after_id (cursor), oldest first
  std::string execution_id;  // "" = any
  int limit = 100;           // <= 0: no limit
  // Newest first instead: entries with id < before_id (0 = from the newest); after_id is unused.
  bool newest_first = false;
  int64_t before_id = 0;
};

struct TemplateFilter {
  std::string category;       // "" = any; exact match
  std::string name_contains;  // "" = any; case-insensitive substring of the name
  std::string after_name;     // cursor: templates whose name sorts after this ("" = from start)
  int limit = 100;            // <= 0: no limit
};

struct ArtifactFilter {
  std::string execution_id;   // "" = any execution of the workspace
  std::string step_id;        // "" = any
  std::string kind;           // "" = any; "document" | "image"
  int64_t created_after = 0;  // only artifacts with created_at > this (ms); 0 = any
  int limit = 1000;           // <= 0: no limit
  // Only artifacts made by their step's current version (artifact step_version = the step's
  // version now): what a gallery shows, without the images a tweak replaced.
  bool current_only = false;
  std::string template_id;  // "" = any; else only artifacts of executions of this template
};

// An Idempotency-Key bound to the execution its launch created.
struct IdempotencyRecord {
  std::string workspace_id;
  std::string key;           // as the client sent it
  std::string request_hash;  // hash of what was asked (template and inputs), to refuse reuse
  std::string execution_id;
  int64_t created_at = 0;
};

// ---- reads across executions, for lists a person scans ---------------------------------------
// The figures of a page of runs (progress and cost without the steps' contents) and the steps
// waiting for a person: each backend answers them in a bounded number of queries however many
// executions the page holds, reading no step outputs or sessions.

// What a list row needs of one execution to show its progress and cost.
struct ExecutionOverview {
  std::string execution_id;
  // Its top-level steps (no map items) without contents: output, error, session and usage are
  // null. What ComputeProgress (the overload over map item counts) reads.
  std::vector<StepRecord> top;
  // Per map step id: its current run's items, counted as progress counts them (IsCurrentItem,
  // CountsAsFinished, CountsAsOpen). A map with no items is absent.
  std::vector<std::pair<std::string, MapItemCounts>> items;
  // The sum of usage.cost over every step row (map items included), as UsageTotals sums it.
  double cost = 0;
};

// A page of the steps of a workspace that wait for a person (status waiting), newest first by
// the time the step started waiting (started_at), then by execution id and step id descending.
struct WaitingStepFilter {
  // Cursor: only steps ordered after (before_started_at, before_execution_id, before_step_id).
  // Unused while before_execution_id is "".
  int64_t before_started_at = 0;
  std::string before_execution_id;
  std::string before_step_id;
  int limit = 50;  // <= 0: no limit
};

struct WaitingStep {
  ExecutionRecord execution;
  StepRecord step;  // without contents (as in ExecutionOverview::top)
  // The payload of the step's latest `approval_requested` event (the rendered message and
  // show), or null when it has none.
  Json request;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // ---- workspaces --------------------------------------------------------------------------
  virtual Result<WorkspaceRecord> GetWorkspace(const std::string& id) = 0;  // NotFound
  virtual Result<std::vector<WorkspaceRecord>> ListWorkspaces() = 0;        // oldest first

  // ---- API keys ----------------------------------------------------------------------------
  // AlreadyExists when the id or the secret hash is already stored; NotFound when the
  // workspace does not exist.
  virtual Status InsertApiKey(const ApiKeyRecord& key) = 0;
  // The key whose secret hashes to `secret_hash`, revoked or not; NotFound when none.
  virtual Result<ApiKeyRecord> FindApiKeyByHash(const std::string& secret_hash) = 0;
  // Keys of the workspace, revoked ones included, oldest first.
  virtual Result<std::vector<ApiKeyRecord>> ListApiKeys(const std::string& ws) = 0;
  // Sets revoked_at (once: revoking a revoked key keeps the first time). NotFound for an unknown
  // id or another workspace's key.
  virtual Result<ApiKeyRecord> RevokeApiKey(const std::string& ws, const std::string& id,
                                            int64_t now) = 0;
  // How many keys exist in the whole database (revoked included).
  virtual Result<int64_t> CountApiKeys() = 0;

  // ---- credits -----------------------------------------------------------------------------
  virtual Result<CreditBalance> GetBalance(const std::string& ws) = 0;
  virtual Result<std::vector<LedgerEntry>> ListLedger(const std::string& ws,
                                                      const LedgerFilter& f) = 0;
  // The entry with this key, or nullopt.
  virtual Result<std::optional<LedgerEntry>> FindLedgerEntry(const std::string& ws,
                                                             const std::string& key) = 0;
  // Reservations of the workspace that nothing has closed yet, oldest first.
  virtual Result<std::vector<LedgerEntry>> OpenReservations(const std::string& ws) = 0;

  // ---- templates ---------------------------------------------------------------------------
  // The latest version of each template that is not deleted, ordered by name then id.
  virtual Result<std::vector<TemplateRecord>> ListTemplates(const std::string& ws,
                                                            const TemplateFilter& f) = 0;
  // Every version of one template, oldest first. NotFound for an unknown or deleted id.
  virtual Result<std::vector<TemplateRecord>> ListTemplateVersions(const std::string& ws,
                                                                   const std::string& id) = 0;
  // Marks the template deleted: it leaves listings, GetTemplate(version 0) and FindTemplate
  // answer NotFound, and PutTemplate with its name starts a new template (new id, version 1).
  // Explicit versions stay readable (GetTemplate with version > 0), because executions refer
  // to them. NotFound for an unknown or already deleted id.
  virtual Status DeleteTemplate(const std::string& ws, const std::string& id, int64_t now) = 0;
  // Distinct non-empty categories of the listed templates with how many templates each has,
  // ordered by category.
  virtual Result<std::vector<std::pair<std::string, int>>> ListCategories(
      const std::string& ws) = 0;

  // ---- artifacts and events ----------------------------------------------------------------
  // Ordered by (created_at, id). NotFound when filter.execution_id names no execution of `ws`.
  virtual Result<std::vector<ArtifactRecord>> QueryArtifacts(const std::string& ws,
                                                             const ArtifactFilter& f) = 0;
  virtual Result<ArtifactRecord> GetArtifact(const std::string& ws, const std::string& id) = 0;
  // Events of every execution of the workspace with gid > after_gid, in commit (gid) order,
  // at most `limit` (<= 0: no limit); each with gid set.
  virtual Result<std::vector<Event>> ReadWorkspaceEvents(const std::string& ws, int64_t after_gid,
                                                         int limit) = 0;
  // The largest gid in the workspace (0 when it has no events).
  virtual Result<int64_t> LastWorkspaceEventId(const std::string& ws) = 0;

  // ---- reads across executions (ExecutionOverview, WaitingStep) -----------------------------
  // One entry per id of `ids` that names an execution of `ws` (others are left out), in no
  // particular order. A bounded number of queries whatever the number of ids.
  virtual Result<std::vector<ExecutionOverview>> OverviewExecutions(
      const std::string& ws, const std::vector<std::string>& ids) = 0;
  // Steps of the workspace's executions that are not finished (queued, running, paused,
  // waiting) whose status is waiting, in WaitingStepFilter's order; map items included.
  virtual Result<std::vector<WaitingStep>> ListWaitingSteps(const std::string& ws,
                                                            const WaitingStepFilter& f) = 0;

  // ---- schedules (automations.h) ---------------------------------------------------------
  // Inserts with revision 1. AlreadyExists when the id, or the name within the workspace, is
  // taken; NotFound when the workspace does not exist.
  virtual Status InsertSchedule(const ScheduleRecord& rec) = 0;
  // NotFound for an unknown id or another workspace's id.
  virtual Result<ScheduleRecord> GetSchedule(const std::string& ws, const std::string& id) = 0;
  // Every schedule of the workspace, ordered by name.
  virtual Result<std::vector<ScheduleRecord>> ListSchedules(const std::string& ws) = 0;
  // Writes name, paused, next_due_at, updated_at, spec and state of the row (workspace, id) if
  // its stored revision equals rec.revision, and makes it rec.revision + 1. False when the
  // revision moved on (another writer was first; read it again). NotFound when there is no such
  // schedule; AlreadyExists when the new name is another schedule's.
  virtual Result<bool> UpdateSchedule(const ScheduleRecord& rec) = 0;
  // NotFound for an unknown id or another workspace's id.
  virtual Status DeleteSchedule(const std::string& ws, const std::string& id) = 0;
  // Schedules of every workspace that are not paused and due by `now` (next_due_at <= now),
  // earliest first, at most `limit`.
  virtual Result<std::vector<ScheduleRecord>> DueSchedules(int64_t now, int limit) = 0;

  // ---- inbound webhook triggers (automations.h) ------------------------------------------
  // As the schedule methods: inserted with revision 1; AlreadyExists for a taken id or name,
  // NotFound for an unknown workspace; UpdateTrigger writes name, secret, paused, updated_at, spec
  // and state over the revision read, false when it moved on.
  virtual Status InsertTrigger(const TriggerRecord& rec) = 0;
  virtual Result<TriggerRecord> GetTrigger(const std::string& ws, const std::string& id) = 0;
  // By id alone, whatever its workspace: what a delivery's URL names. NotFound when absent.
  virtual Result<TriggerRecord> FindTrigger(const std::string& id) = 0;
  // Every trigger of the workspace, ordered by name.
  virtual Result<std::vector<TriggerRecord>> ListTriggers(const std::string& ws) = 0;
  virtual Result<bool> UpdateTrigger(const TriggerRecord& rec) = 0;
  virtual Status DeleteTrigger(const std::string& ws, const std::string& id) = 0;

  // ---- outbound notifications (automations.h) -------------------------------------------
  // Endpoints, as the trigger methods: inserted with revision 1; AlreadyExists for a taken id or
  // name, NotFound for an unknown workspace; UpdateEndpoint writes name, secret, paused,
  // updated_at, spec and state over the revision read (false when it moved on); ListEndpoints
  // orders by name. Deleting an endpoint keeps its deliveries.
  virtual Status InsertEndpoint(const EndpointRecord& rec) = 0;
  virtual Result<EndpointRecord> GetEndpoint(const std::string& ws, const std::string& id) = 0;
  virtual Result<std::vector<EndpointRecord>> ListEndpoints(const std::string& ws) = 0;
  virtual Result<bool> UpdateEndpoint(const EndpointRecord& rec) = 0;
  virtual Status DeleteEndpoint(const std::string& ws, const std::string& id) = 0;

  // The largest gid in the whole database (0 when there are no events). Every event with a gid
  // up to it is committed and readable: gids follow commit order.
  virtual Result<int64_t> LastEventId() = 0;
  // Events of every workspace with after_gid < gid <= upto_gid whose type is one of `types`, in
  // gid order, at most `limit`; each with gid and its workspace.
  virtual Result<std::vector<WorkspaceEvent>> ReadEventsOfTypes(
      int64_t after_gid, int64_t upto_gid, const std::vector<std::string>& types, int limit) = 0;
  // How far the notifier has read the event log (a gid). Schema creation starts it at the
  // largest gid then stored, so events from before notifications existed are not reported.
  virtual Result<int64_t> NotifyCursor() = 0;
  // In one transaction: when the cursor is `from`, inserts `deliveries` (one whose id is already
  // stored is skipped) and moves the cursor to `to`, and answers true; else writes nothing and
  // answers false (another process read that stretch first).
  virtual Result<bool> AdvanceNotifyCursor(int64_t from, int64_t to,
                                           const std::vector<DeliveryRecord>& deliveries) = 0;
  // Pending deliveries of every workspace with next_attempt_at <= now, earliest first (ties by
  // id), at most `limit`.
  virtual Result<std::vector<DeliveryRecord>> DueDeliveries(int64_t now, int limit) = 0;
  // Writes status, attempts, next_attempt_at, updated_at and state of the row (workspace, id) if
  // its stored revision equals rec.revision, and makes it rec.revision + 1. False when the
  // revision moved on; NotFound when there is no such delivery.
  virtual Result<bool> UpdateDelivery(const DeliveryRecord& rec) = 0;
  // NotFound for an unknown id or another workspace's id.
  virtual Result<DeliveryRecord> GetDelivery(const std::string& ws, const std::string& id) = 0;
  // The workspace's deliveries matching `f`, in DeliveryFilter's order, at most f.limit.
  virtual Result<std::vector<DeliveryRecord>> ListDeliveries(const std::string& ws,
                                                             const DeliveryFilter& f) = 0;

  // ---- retention (retention.h) ----------------------------------------------------------------
  // The workspace's row, or nullopt when it has none (keep everything).
  virtual Result<std::optional<RetentionRecord>> GetRetention(const std::string& ws) = 0;
  // Inserts the row when rec.revision is 0 and the workspace has none, or writes spec, state and
  // updated_at over the stored rec.revision; the stored revision becomes one more. False when
  // the revision moved on (or a row appeared); NotFound when the workspace does not exist.
  virtual Result<bool> PutRetention(const RetentionRecord& rec) = 0;
  // Every workspace's row, ordered by workspace id.
  virtual Result<std::vector<RetentionRecord>> ListRetention() = 0;
  // Finished top-level executions of `ws` that `q` lets go, oldest first (RetentionQuery).
  virtual Result<std::vector<ExecutionRecord>> RetentionCandidates(const std::string& ws,
                                                                   const RetentionQuery& q) = 0;
  // What deleting the trees of `roots` (top-level executions of `ws`, with their sub-executions;
  // other ids are left out) would delete and free, whatever their statuses.
  virtual Result<RetentionFootprint> MeasureExecutions(const std::string& ws,
                                                       const std::vector<std::string>& roots) = 0;
  // In ONE transaction, deletes the tree of each of `roots` that may go now, each all or nothing
  // (retention.h), and queues the hashes of the artifact rows it deletes for collection. A tree
  // is kept, with its reason, when its root is no top-level execution of `ws` (kKeptNotFound),
  // an execution of it is not finished (kKeptUnfinished), a notification delivery of it is
  // pending (kKeptNotifying), or the workspace has endpoints and an event of the tree lies beyond
  // the notifier's cursor (kKeptUnread). Event positions (gids) of deleted events are never given
  // to a later event. `now` is when the hashes were queued.
  virtual Result<PurgeOutcome> PurgeExecutions(const std::string& ws,
                                               const std::vector<std::string>& roots,
                                               int64_t now) = 0;
  // Queued blob hashes, first queued first (ties by hash), at most `limit` (<= 0: all). A hash
  // queued again keeps its place and moves its revision on.
  virtual Result<std::vector<QueuedBlob>> BlobCollectionQueue(int limit) = 0;
  // Whether an artifact row of any workspace names this hash.
  virtual Result<bool> BlobReferenced(const std::string& sha256) = 0;
  // Takes the hash off the queue when its revision is still `revision` (no error when it is not
  // queued, or was queued again since: then it stays, for the next pass to judge afresh).
  virtual Status ForgetQueuedBlob(const std::string& sha256, int64_t revision) = 0;

  // ---- launch idempotency --------------------------------------------------------------------
  // The binding made by an IdempotencyPut op (store.h), or nullopt.
  virtual Result<std::optional<IdempotencyRecord>> FindIdempotencyKey(const std::string& ws,
                                                                      const std::string& key) = 0;
};

}  // namespace atelier
