// SqliteStore: the embedded Store and AccountStore backend, one SQLite database file in WAL mode.
//
// Ownership: Open() returns the sole owner of one database connection; the file itself may be
// opened by several processes at once (a CLI `pause` while `run` runs). Write transactions start
// with BEGIN IMMEDIATE so that writers queue on the file lock (busy_timeout 10 s) instead of
// failing on a lock upgrade; a writer that still cannot get the lock gets Unavailable.
//
// Threads: every method is thread-safe (one connection behind a mutex) and blocks on file I/O.
// Nothing throws: SQLite errors come back as Unavailable (SQLITE_BUSY / SQLITE_LOCKED) or
// Internal (anything else), with SQLite's message.
//
// Limits: ListExecutions, ReadEvents, ReadEventsOfTypes, DueDeliveries and ListDeliveries treat
// a limit <= 0 as "no limit".
//
// Event gids are the events table's rowids: max + 1 inside the write transaction, which BEGIN
// IMMEDIATE serialises across connections and processes, so they increase in commit order.
// Nothing deletes events; a feature that does must keep the newest event of the database (or
// switch the table to AUTOINCREMENT), or gids could be handed out again.
//
// Durability: synchronous=NORMAL in WAL mode, so a committed transaction survives a crash of the
// process (not necessarily a power loss before the next checkpoint).
//
// This header deliberately names no SQLite type: the engine and the app include it without
// linking SQLite themselves.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "atelier/store/accounts.h"
#include "atelier/store/store.h"

namespace atelier {

class SqliteStore final : public Store, public AccountStore {
 public:
  // Opens (creating when absent) the database at `path`, sets the connection's pragmas and
  // migrates the schema to the latest version. ":memory:" gives a private in-memory database.
  // Internal or Unavailable on failure.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status Migrate() override;
  Result<int> SchemaVersion() override;

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
  // PRAGMA data_version of a read-only connection (every commit is another connection's); -1 for
  // an in-memory database, or when it cannot be read.
  int64_t ChangeToken() override;
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

  // reads across executions (sqlite_overview.cc)
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

  // outbound notifications (sqlite_notifications.cc)
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
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace atelier
