// PostgresStore: the Store and AccountStore backend on PostgreSQL (15 or later), for several
// processes sharing one database.
//
// Ownership: Open() returns the sole owner of one database connection (libpq, through libpqxx);
// any number of processes may open stores on the same database. The schema is migrated by
// versioned scripts under a transaction-scoped advisory lock, so processes starting together
// apply each migration once.
//
// Threads: every method is thread-safe (one connection behind a mutex) and blocks on the network.
// Nothing throws: a lost connection, a deadlock or a serialisation failure comes back as
// Unavailable (retry), anything else as Internal, with PostgreSQL's message. A connection found
// broken is opened again on the next call.
//
// Event positions (gid): assigned at the end of each Commit's transaction from one counter row
// (event_positions), whose row lock is held until the transaction commits. So positions are
// handed out in commit order, gap-free, and a reader that follows them never skips an event
// committed late with a lower number (docs/architecture.md, "PostgreSQL").
//
// This header names no libpq type: the app includes it without linking libpq itself.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "atelier/store/accounts.h"
#include "atelier/store/store.h"

namespace atelier {

namespace postgres {
class PostgresLimitCounter;  // postgres_limit_counter.cc: runs on the store's connection
}  // namespace postgres

class PostgresStore final : public Store, public AccountStore {
 public:
  // Connects to `url` (a libpq connection URI, postgres://user@host:port/db?options, or any
  // conninfo string; what it leaves out comes from the PG* environment variables) and migrates
  // the schema to the latest version. Unavailable when the server cannot be reached, Internal on
  // other failures; the message names the server (never the password).
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url);

  // Whether `db` names a PostgreSQL database (postgres:// or postgresql://) rather than a file.
  static bool IsUrl(const std::string& db);

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  Status Migrate() override;
  Result<int> SchemaVersion() override;

  // LISTEN/NOTIFY: every commit that appends events NOTIFYs the schema's events channel, every
  // one that leaves an execution for a process to drive (launched by a process that runs no
  // steps, handed back at shutdown) its work channel.
  std::unique_ptr<ChangeFeed> OpenChangeFeed() override;
  // provider_calls, counted on a connection of the counter's own (it may outlive the store).
  std::shared_ptr<LimitCounter> OpenLimitCounter(const std::string& owner,
                                                 int64_t lease_ms) override;

  Status EnsureWorkspace(const std::string& id, const std::string& name) override;

  Result<TemplateRecord> PutTemplate(const TemplateRecord& rec) override;
  Result<TemplateRecord> GetTemplate(const std::string& ws, const std::string& id,
                                     int version) override;
  Result<TemplateRecord> FindTemplate(const std::string& ws, const std::string& name) override;

  Result<CommitResult> Commit(const std::vector<Transition>& batch) override;

  Result<ExecutionRecord> GetExecution(const std::string& ws, const std::string& id) override;
  Result<std::vector<ExecutionRecord>> ListExecutions(const std::string& ws,
                                                      const ExecutionFilter& f) override;
  Result<std::vector<std::pair<std::string, ExecStatus>>> GetExecutionStatuses(
      const std::vector<std::string>& ids) override;
  Result<std::vector<StepRecord>> GetSteps(const std::string& ws,
                                           const std::string& execution_id) override;
  Result<std::vector<StepRecord>> GetStepStates(const std::string& ws,
                                                const std::string& execution_id) override;
  Result<std::vector<Event>> ReadEvents(const std::string& ws, const std::string& execution_id,
                                        int64_t after, int limit) override;
  Result<std::optional<CacheEntry>> LookupCache(const std::string& ws,
                                                const std::string& key) override;
  Result<std::vector<StepVersion>> ListStepVersions(const std::string& ws,
                                                    const std::string& execution_id,
                                                    const std::string& step_id) override;
  Result<std::vector<ArtifactRecord>> ListArtifacts(const std::string& ws,
                                                    const std::string& execution_id) override;

  Result<int> RenewLeases(const std::string& owner, int64_t until) override;
  Result<std::vector<ClaimedExecution>> ClaimExecutions(const ClaimRequest& c) override;

  // AccountStore
  Result<WorkspaceRecord> GetWorkspace(const std::string& id) override;
  Result<std::vector<WorkspaceRecord>> ListWorkspaces() override;

  Status InsertApiKey(const ApiKeyRecord& key) override;
  Result<ApiKeyRecord> FindApiKeyByHash(const std::string& secret_hash) override;
  Result<std::vector<ApiKeyRecord>> ListApiKeys(const std::string& ws) override;
  Result<ApiKeyRecord> RevokeApiKey(const std::string& ws, const std::string& id,
                                    int64_t now) override;
  Result<int64_t> CountApiKeys() override;

  Result<CreditBalance> GetBalance(const std::string& ws) override;
  Result<std::vector<LedgerEntry>> ListLedger(const std::string& ws,
                                              const LedgerFilter& f) override;
  Result<std::optional<LedgerEntry>> FindLedgerEntry(const std::string& ws,
                                                     const std::string& key) override;
  Result<std::vector<LedgerEntry>> OpenReservations(const std::string& ws) override;

  Result<std::vector<TemplateRecord>> ListTemplates(const std::string& ws,
                                                    const TemplateFilter& f) override;
  Result<std::vector<TemplateRecord>> ListTemplateVersions(const std::string& ws,
                                                           const std::string& id) override;
  Status DeleteTemplate(const std::string& ws, const std::string& id, int64_t now) override;
  Result<std::vector<std::pair<std::string, int>>> ListCategories(const std::string& ws) override;

  Result<std::vector<ArtifactRecord>> QueryArtifacts(const std::string& ws,
                                                     const ArtifactFilter& f) override;
  Result<ArtifactRecord> GetArtifact(const std::string& ws, const std::string& id) override;
  Result<std::vector<Event>> ReadWorkspaceEvents(const std::string& ws, int64_t after_gid,
                                                 int limit) override;
  Result<int64_t> LastWorkspaceEventId(const std::string& ws) override;

  // reads across executions (postgres_overview.cc)
  Result<std::vector<ExecutionOverview>> OverviewExecutions(
      const std::string& ws, const std::vector<std::string>& ids) override;
  Result<std::vector<WaitingStep>> ListWaitingSteps(const std::string& ws,
                                                    const WaitingStepFilter& f) override;
  Result<std::optional<RetentionRecord>> GetRetention(const std::string& ws) override;
  Result<bool> PutRetention(const RetentionRecord& rec) override;
  Result<std::vector<RetentionRecord>> ListRetention() override;
  Result<std::vector<ExecutionRecord>> RetentionCandidates(const std::string& ws,
                                                           const RetentionQuery& q) override;
  Result<RetentionFootprint> MeasureExecutions(const std::string& ws,
                                               const std::vector<std::string>& roots) override;
  Result<PurgeOutcome> PurgeExecutions(const std::string& ws,
                                       const std::vector<std::string>& roots,
                                       int64_t now) override;
  Result<std::vector<QueuedBlob>> BlobCollectionQueue(int limit) override;
  Result<bool> BlobReferenced(const std::string& sha256) override;
  Status ForgetQueuedBlob(const std::string& sha256, int64_t revision) override;

  Status InsertSchedule(const ScheduleRecord& rec) override;
  Result<ScheduleRecord> GetSchedule(const std::string& ws, const std::string& id) override;
  Result<std::vector<ScheduleRecord>> ListSchedules(const std::string& ws) override;
  Result<bool> UpdateSchedule(const ScheduleRecord& rec) override;
  Status DeleteSchedule(const std::string& ws, const std::string& id) override;
  Result<std::vector<ScheduleRecord>> DueSchedules(int64_t now, int limit) override;

  Status InsertTrigger(const TriggerRecord& rec) override;
  Result<TriggerRecord> GetTrigger(const std::string& ws, const std::string& id) override;
  Result<TriggerRecord> FindTrigger(const std::string& id) override;
  Result<std::vector<TriggerRecord>> ListTriggers(const std::string& ws) override;
  Result<bool> UpdateTrigger(const TriggerRecord& rec) override;
  Status DeleteTrigger(const std::string& ws, const std::string& id) override;

  // outbound notifications (postgres_notifications.cc)
  Status InsertEndpoint(const EndpointRecord& rec) override;
  Result<EndpointRecord> GetEndpoint(const std::string& ws, const std::string& id) override;
  Result<std::vector<EndpointRecord>> ListEndpoints(const std::string& ws) override;
  Result<bool> UpdateEndpoint(const EndpointRecord& rec) override;
  Status DeleteEndpoint(const std::string& ws, const std::string& id) override;
  Result<int64_t> LastEventId() override;
  Result<std::vector<WorkspaceEvent>> ReadEventsOfTypes(int64_t after_gid, int64_t upto_gid,
                                                        const std::vector<std::string>& types,
                                                        int limit) override;
  Result<int64_t> NotifyCursor() override;
  Result<bool> AdvanceNotifyCursor(int64_t from, int64_t to,
                                   const std::vector<DeliveryRecord>& deliveries) override;
  Result<std::vector<DeliveryRecord>> DueDeliveries(int64_t now, int limit) override;
  Result<bool> UpdateDelivery(const DeliveryRecord& rec) override;
  Result<DeliveryRecord> GetDelivery(const std::string& ws, const std::string& id) override;
  Result<std::vector<DeliveryRecord>> ListDeliveries(const std::string& ws,
                                                     const DeliveryFilter& f) override;

  Result<std::optional<IdempotencyRecord>> FindIdempotencyKey(const std::string& ws,
                                                              const std::string& key) override;

 private:
  friend class postgres::PostgresLimitCounter;
  struct Impl;
  explicit PostgresStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace atelier
