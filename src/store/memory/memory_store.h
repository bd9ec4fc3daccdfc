// MemoryStore: a Store and AccountStore held in the process's memory, for tests and for trying
// the engine without a database file. The contract is the one tests/store_conformance.h checks
// for every backend; this one passes it like SqliteStore does.
//
// Threads: every method is thread-safe. One mutex guards all the data and is held for the whole
// of each call, so a Commit batch is serialised against every other call exactly like a write
// transaction (readers never see half a batch). Nothing blocks on I/O.
//
// Transitions: a batch applies its transitions in order, each all-or-nothing (an undo log takes
// back what a transition wrote when a later guard in it fails), and gives event seqs with no gap
// and gids in commit order. A broken constraint (a duplicate artifact id, a ledger entry without
// a key) fails the whole batch with Internal and leaves nothing of it, as SQLite's rollback does.
//
// JSON: values are stored as SQLite stores them, i.e. as what parsing their dump gives back
// (invalid UTF-8 replaced, NaN and infinities as null, non-negative integers unsigned), so a read
// returns what it would return from SqliteStore.
//
// Differences that are inherent to keeping everything in one process's memory:
//   - Nothing survives the object: there is no file, and a second process cannot share it (two
//     engines in one process can, over the same MemoryStore instance).
//   - Migrate() has nothing to do and SchemaVersion() is always kSchemaVersion.
//   - Stored JSON is not checked for depth when it is read (SqliteStore checks rows against
//     kMaxStoredJsonDepth because a row may come from an older version or a hand edit; here every
//     value came through Commit in this process, and the engine bounds what it writes).
//   - Nothing fails for I/O, so there is no Unavailable. Running out of memory inside Commit or
//     PutTemplate is reported as Internal with nothing of the call applied; in a read, the
//     std::bad_alloc of copying the result out propagates (SqliteStore never throws).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "atelier/store/accounts.h"
#include "atelier/store/store.h"

namespace atelier {
namespace memory {
struct State;  // memory_state.h
}  // namespace memory

class MemoryStore final : public Store, public AccountStore {
 public:
  // What SchemaVersion() answers: the one shape of the in-memory data.
  static constexpr int kSchemaVersion = 1;

  MemoryStore();
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

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

  // reads across executions (memory_overview.cc)
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

  // outbound notifications (memory_notifications.cc)
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
  std::unique_ptr<memory::State> s_;
};

}  // namespace atelier
