// The store contract for retention (atelier/store/retention.h), part of StoreConformance
// (store_conformance.h includes this file): every backend keeps the workspaces' policy rows over a
// revision, picks the same finished runs for a policy, measures and purges whole trees the same
// way (keeping a tree whole, with the same reason, while it may not go), never gives a purged
// event's gid again, and queues the purged artifacts' hashes for the blob collector.
#pragma once

namespace atelier {

// `r` finished at `finished_at` (its status says how), a run of template `tpl`.
inline ExecutionRecord Ended(ExecutionRecord r, int64_t finished_at,
                             const std::string& tpl = "tpl_a") {
  r.finished_at = finished_at;
  r.template_id = tpl;
  return r;
}

// `r` as a sub-execution, run by step "sub" of `parent`.
inline ExecutionRecord Under(ExecutionRecord r, const std::string& parent) {
  r.parent_execution_id = parent;
  r.parent_step_id = "sub";
  return r;
}

// The insert of run `x` with what a run leaves: a map step "m" with one item, two events, a kept
// version of "m" and one artifact per (sha256, size) of `blobs` ("" for a row without bytes).
inline std::vector<Op> RunWithRows(const ExecutionRecord& x,
                                   const std::vector<std::pair<std::string, int64_t>>& blobs = {}) {
  std::vector<Op> ops = {ExecWrite{x, {}, true}};
  StepRecord map;
  map.execution_id = x.id;
  map.step_id = "m";
  map.node_id = "m";
  map.status = StepStatus::kSucceeded;
  map.attempt = 1;
  map.created_at = 1000;
  StepRecord item = map;
  item.step_id = "m[0]";
  item.parent_step_id = "m";
  item.item_index = 0;
  for (const StepRecord& s : {map, item}) ops.push_back(StepWrite{s, {}, {}, true});
  for (const char* type : {"execution_started", "execution_completed"}) {
    Event e;
    e.execution_id = x.id;
    e.type = type;
    e.ts = 2000;
    e.payload = Json{{"type", type}};
    ops.push_back(EventAppend{e});
  }
  StepVersion v;
  v.execution_id = x.id;
  v.step_id = "m";
  v.output = Json{{"text", "kept"}};
  ops.push_back(StepVersionPut{v});
  for (size_t i = 0; i < blobs.size(); ++i) {
    ArtifactRecord a;
    a.id = "art_" + x.id + "_" + std::to_string(i);
    a.workspace_id = x.workspace_id;
    a.execution_id = x.id;
    a.step_id = "m";
    a.kind = "image";
    a.mime = "image/png";
    a.sha256 = blobs[i].first;
    a.size = blobs[i].second;
    a.name = a.id + ".png";
    a.created_at = 3000 + static_cast<int64_t>(i);
    ops.push_back(ArtifactInsert{a});
  }
  return ops;
}

inline CacheEntry CacheRow(const std::string& key, const std::string& ex) {
  CacheEntry c;
  c.workspace_id = "ws_main";
  c.key = key;
  c.execution_id = ex;
  c.step_id = "m";
  c.output = Json{{"text", "cached"}};
  c.created_at = 100;
  return c;
}

inline RetentionRecord RetentionRow(const std::string& ws, int days) {
  RetentionRecord r;
  r.workspace_id = ws;
  r.updated_at = 100;
  r.spec = Json{{"max_age_days", days}};
  return r;
}

// The footprint's figures in order: executions, steps, events, artifacts, blobs, bytes.
inline std::vector<int64_t> Figures(const RetentionFootprint& f) {
  return {f.executions, f.steps, f.events, f.artifacts, f.blobs, f.bytes};
}

inline std::vector<std::string> CandidateIds(AccountStore* accounts, int64_t finished_before,
                                             int keep_last, int limit = 100,
                                             const std::string& ws = "ws_main") {
  RetentionQuery q;
  q.finished_before = finished_before;
  q.keep_last = keep_last;
  q.limit = limit;
  auto got = accounts->RetentionCandidates(ws, q);
  EXPECT_TRUE(got.has_value()) << got.error().ToString();
  std::vector<std::string> ids;
  if (got) {
    for (const ExecutionRecord& e : *got) ids.push_back(e.id);
  }
  return ids;
}

inline std::vector<int64_t> Measured(AccountStore* accounts, const std::vector<std::string>& roots,
                                     const std::string& ws = "ws_main") {
  auto got = accounts->MeasureExecutions(ws, roots);
  EXPECT_TRUE(got.has_value()) << got.error().ToString();
  return Figures(got.value_or(RetentionFootprint{}));
}

inline PurgeOutcome Purge(AccountStore* accounts, const std::vector<std::string>& roots,
                          int64_t now = 5000) {
  auto got = accounts->PurgeExecutions("ws_main", roots, now);
  EXPECT_TRUE(got.has_value()) << got.error().ToString();
  return got.value_or(PurgeOutcome{});
}

inline std::vector<QueuedBlob> QueuedRows(AccountStore* accounts, int limit = 100) {
  auto got = accounts->BlobCollectionQueue(limit);
  EXPECT_TRUE(got.has_value()) << got.error().ToString();
  return got.value_or(std::vector<QueuedBlob>{});
}

inline std::vector<std::string> Queued(AccountStore* accounts, int limit = 100) {
  std::vector<std::string> out;
  for (const QueuedBlob& q : QueuedRows(accounts, limit)) out.push_back(q.sha256);
  return out;
}

// The revision the queue holds for `sha`, or 0.
inline int64_t QueuedRevision(AccountStore* accounts, const std::string& sha) {
  for (const QueuedBlob& q : QueuedRows(accounts))
    if (q.sha256 == sha) return q.revision;
  return 0;
}

using KeptList = std::vector<std::pair<std::string, std::string>>;

// A read of a purged execution's rows: NotFound (the execution is gone) or nothing.
template <class T>
::testing::AssertionResult NothingLeft(const Result<std::vector<T>>& r) {
  if (!r.has_value()) {
    if (r.error().code() == Code::kNotFound) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << r.error().ToString();
  }
  if (r->empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r->size() << " rows left";
}

// ---- the policy rows ----------------------------------------------------------------------------

TEST_P(StoreConformance, RetentionRowsAreInsertedOnceThenWrittenOverTheRevisionRead) {
  auto none = accounts_->GetRetention(kWs);
  ASSERT_TRUE(none.has_value()) << none.error().ToString();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(accounts_->ListRetention().has_value());
  EXPECT_TRUE(accounts_->ListRetention()->empty());

  ASSERT_TRUE(*accounts_->PutRetention(RetentionRow(kOtherWs, 90)));
  auto put = accounts_->PutRetention(RetentionRow(kWs, 30));
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_TRUE(*put);
  auto got = accounts_->GetRetention(kWs);
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->workspace_id, kWs);
  EXPECT_EQ((*got)->revision, 1);
  EXPECT_EQ((*got)->updated_at, 100);
  EXPECT_EQ((*got)->spec, (Json{{"max_age_days", 30}}));
  EXPECT_EQ((*got)->state, Json::object());

  // Inserting again (revision 0) finds the row: nothing written.
  EXPECT_FALSE(*accounts_->PutRetention(RetentionRow(kWs, 1)));
  EXPECT_EQ((*accounts_->GetRetention(kWs))->spec["max_age_days"], 30);

  RetentionRecord first = **got;
  RetentionRecord second = first;  // a second writer that read the same revision
  first.spec = Json{{"max_age_days", 7}};
  first.state = Json{{"last_sweep_at", 500}};
  first.updated_at = 200;
  EXPECT_TRUE(*accounts_->PutRetention(first));
  second.spec = Json{{"max_age_days", 1}};
  EXPECT_FALSE(*accounts_->PutRetention(second));
  RetentionRecord now = **accounts_->GetRetention(kWs);
  EXPECT_EQ(now.revision, 2);
  EXPECT_EQ(now.spec, (Json{{"max_age_days", 7}}));
  EXPECT_EQ(now.state, (Json{{"last_sweep_at", 500}}));
  EXPECT_EQ(now.updated_at, 200);
  now.revision = 9;
  EXPECT_FALSE(*accounts_->PutRetention(now));
  EXPECT_EQ((*accounts_->GetRetention(kWs))->revision, 2);

  // A revision over a row that is not there writes nothing either.
  ASSERT_TRUE(store_->EnsureWorkspace("ws_third", "third").ok());
  RetentionRecord ghost = RetentionRow("ws_third", 5);
  ghost.revision = 1;
  EXPECT_FALSE(*accounts_->PutRetention(ghost));
  EXPECT_FALSE(accounts_->GetRetention("ws_third")->has_value());

  auto list = accounts_->ListRetention();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].workspace_id, kWs);
  EXPECT_EQ((*list)[0].revision, 2);
  EXPECT_EQ((*list)[1].workspace_id, kOtherWs);
  EXPECT_EQ((*list)[1].spec["max_age_days"], 90);

  EXPECT_EQ(accounts_->PutRetention(RetentionRow("ws_missing", 5)).error().code(), Code::kNotFound);
  EXPECT_FALSE(accounts_->GetRetention("ws_missing")->has_value());
}

// ---- candidates ---------------------------------------------------------------------------------

TEST_P(StoreConformance, RetentionCandidatesByAgeAreFinishedTopLevelRunsOldestFirst) {
  ASSERT_TRUE(CommitOne({
      InsertExec(Ended(Exec("ex_a", ExecStatus::kCompleted, 100), 150)),
      InsertExec(Ended(Exec("ex_b2", ExecStatus::kFailed, 200), 260)),
      InsertExec(Ended(Exec("ex_b", ExecStatus::kFailed, 200), 250)),
      InsertExec(Ended(Exec("ex_c", ExecStatus::kStopped, 300), 350)),
      InsertExec(Ended(Exec("ex_d", ExecStatus::kCompleted, 400), 500)),  // not before 500
      // Not finished, however old.
      InsertExec(Exec("ex_queued", ExecStatus::kQueued, 40)),
      InsertExec(Exec("ex_running", ExecStatus::kRunning, 50)),
      InsertExec(Exec("ex_paused", ExecStatus::kPaused, 60)),
      InsertExec(Exec("ex_waiting", ExecStatus::kWaiting, 70)),
      // A sub-execution goes with its root, never alone.
      InsertExec(Under(Ended(Exec("ex_sub", ExecStatus::kCompleted, 120), 140), "ex_a")),
      InsertExec(Ended(Exec("ex_theirs", ExecStatus::kCompleted, 90, kOtherWs), 100)),
  }));
  EXPECT_EQ(CandidateIds(accounts_, 500, 0),
            (std::vector<std::string>{"ex_a", "ex_b", "ex_b2", "ex_c"}));
  EXPECT_EQ(CandidateIds(accounts_, 251, 0), (std::vector<std::string>{"ex_a", "ex_b"}));
  EXPECT_EQ(CandidateIds(accounts_, 150, 0), (std::vector<std::string>{}));
  EXPECT_EQ(CandidateIds(accounts_, 500, 0, 2), (std::vector<std::string>{"ex_a", "ex_b"}));
  EXPECT_EQ(CandidateIds(accounts_, 500, 0, 0).size(), 4u) << "limit 0: no limit";
  EXPECT_EQ(CandidateIds(accounts_, 500, 0, 100, kOtherWs),
            (std::vector<std::string>{"ex_theirs"}));

  RetentionQuery q;
  q.finished_before = 200;
  auto got = accounts_->RetentionCandidates(kWs, q);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].status, ExecStatus::kCompleted);
  EXPECT_EQ((*got)[0].created_at, 100);
  EXPECT_EQ((*got)[0].finished_at, 150);
  EXPECT_EQ((*got)[0].template_id, "tpl_a");
}

TEST_P(StoreConformance, RetentionCandidatesByCountKeepTheNewestFinishedRunsOfEachTemplate) {
  ASSERT_TRUE(CommitOne({
      InsertExec(Ended(Exec("ex_a1", ExecStatus::kCompleted, 100), 110)),
      InsertExec(Ended(Exec("ex_a2", ExecStatus::kFailed, 200), 210)),
      InsertExec(Ended(Exec("ex_a3", ExecStatus::kCompleted, 300), 310)),
      InsertExec(Ended(Exec("ex_a4", ExecStatus::kStopped, 400), 410)),
      // Newer, but neither takes one of the places kept: one is running, one is a sub-execution.
      InsertExec(Exec("ex_a5", ExecStatus::kRunning, 500)),
      InsertExec(Under(Ended(Exec("ex_a6", ExecStatus::kCompleted, 600), 610), "ex_a4")),
      InsertExec(Ended(Exec("ex_b1", ExecStatus::kCompleted, 150), 160, "tpl_b")),
      InsertExec(Ended(Exec("ex_b2", ExecStatus::kCompleted, 250), 260, "tpl_b")),
      // Created at the same time: the larger id is the newer.
      InsertExec(Ended(Exec("ex_t2", ExecStatus::kCompleted, 700), 710, "tpl_c")),
      InsertExec(Ended(Exec("ex_t1", ExecStatus::kCompleted, 700), 720, "tpl_c")),
  }));
  EXPECT_EQ(CandidateIds(accounts_, 0, 2), (std::vector<std::string>{"ex_a1", "ex_a2"}));
  EXPECT_EQ(CandidateIds(accounts_, 0, 1),
            (std::vector<std::string>{"ex_a1", "ex_b1", "ex_a2", "ex_a3", "ex_t1"}));
  EXPECT_EQ(CandidateIds(accounts_, 0, 1, 2), (std::vector<std::string>{"ex_a1", "ex_b1"}));
  EXPECT_TRUE(CandidateIds(accounts_, 0, 4).empty());
  EXPECT_TRUE(CandidateIds(accounts_, 0, 1, 100, kOtherWs).empty());
}

TEST_P(StoreConformance, RetentionCandidatesGoOnlyWhenBothRulesLetThemAndNoneWithoutRules) {
  ASSERT_TRUE(CommitOne({
      InsertExec(Ended(Exec("ex_1", ExecStatus::kCompleted, 100), 110)),
      InsertExec(Ended(Exec("ex_2", ExecStatus::kCompleted, 200), 900)),  // finished late
      InsertExec(Ended(Exec("ex_3", ExecStatus::kCompleted, 300), 310)),
      InsertExec(Ended(Exec("ex_4", ExecStatus::kCompleted, 400), 410)),  // the newest
  }));
  EXPECT_EQ(CandidateIds(accounts_, 500, 0), (std::vector<std::string>{"ex_1", "ex_3", "ex_4"}));
  EXPECT_EQ(CandidateIds(accounts_, 0, 1), (std::vector<std::string>{"ex_1", "ex_2", "ex_3"}));
  EXPECT_EQ(CandidateIds(accounts_, 500, 1), (std::vector<std::string>{"ex_1", "ex_3"}));
  EXPECT_EQ(CandidateIds(accounts_, 500, 1, 1), (std::vector<std::string>{"ex_1"}));
  EXPECT_TRUE(CandidateIds(accounts_, 0, 0).empty()) << "no rule: everything is kept";
  EXPECT_TRUE(CandidateIds(accounts_, 0, 0, 0).empty());
}

// ---- measuring ----------------------------------------------------------------------------------

TEST_P(StoreConformance, MeasureExecutionsCountsWholeTreesAndTheBlobsNothingElseNames) {
  // A tree of three (whatever their statuses): sha_in is named twice inside it, sha_out by a run
  // outside it, sha_g by a run of another workspace; one row has no bytes.
  ASSERT_TRUE(CommitOne(
      RunWithRows(Exec("ex_root", ExecStatus::kRunning, 100), {{"sha_r", 10}, {"sha_in", 40}})));
  ASSERT_TRUE(CommitOne(RunWithRows(Under(Exec("ex_child", ExecStatus::kCompleted, 110), "ex_root"),
                                    {{"sha_in", 40}, {"sha_out", 70}, {"", 0}})));
  ASSERT_TRUE(CommitOne(RunWithRows(Under(Exec("ex_grand", ExecStatus::kWaiting, 120), "ex_child"),
                                    {{"sha_g", 5}, {"sha_g2", 8}})));
  ASSERT_TRUE(CommitOne(
      RunWithRows(Ended(Exec("ex_other", ExecStatus::kCompleted, 200), 210), {{"sha_out", 70}})));
  ASSERT_TRUE(CommitOne(RunWithRows(
      Ended(Exec("ex_theirs", ExecStatus::kCompleted, 300, kOtherWs), 310), {{"sha_g", 5}})));

  // Executions, steps, events, artifacts, blobs, bytes.
  EXPECT_EQ(Measured(accounts_, {"ex_root"}), (std::vector<int64_t>{3, 6, 6, 7, 3, 58}));
  EXPECT_EQ(Measured(accounts_, {"ex_root", "ex_other"}),
            (std::vector<int64_t>{4, 8, 8, 8, 4, 128}));
  EXPECT_EQ(Measured(accounts_, {"ex_other"}), (std::vector<int64_t>{1, 2, 2, 1, 0, 0}));
  EXPECT_EQ(Measured(accounts_, {"ex_theirs"}, kOtherWs), (std::vector<int64_t>{1, 2, 2, 1, 0, 0}));
  // Only top-level executions of the workspace are roots; other ids are left out.
  EXPECT_EQ(Measured(accounts_, {"ex_child", "ex_theirs", "ex_missing"}),
            (std::vector<int64_t>(6, 0)));
  EXPECT_EQ(Measured(accounts_, {"ex_other", "ex_child"}), Measured(accounts_, {"ex_other"}));
  EXPECT_EQ(Measured(accounts_, {}), (std::vector<int64_t>(6, 0)));
  // Measuring deletes nothing.
  EXPECT_TRUE(store_->GetExecution(kWs, "ex_grand").has_value());
}

// ---- purging ------------------------------------------------------------------------------------

TEST_P(StoreConformance, PurgeDeletesEveryRowOfATreeButItsLedgerEntries) {
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_root", ExecStatus::kCompleted, 100), 150),
                                    {{"sha_1root", 10}, {"sha_5shared", 20}})));
  ASSERT_TRUE(
      CommitOne(RunWithRows(Under(Ended(Exec("ex_sub", ExecStatus::kFailed, 110), 140), "ex_root"),
                            {{"sha_3sub", 30}, {"", 0}})));
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_keep", ExecStatus::kCompleted, 200), 250),
                                    {{"sha_5shared", 20}})));
  ASSERT_TRUE(
      CommitOne({CachePut{CacheRow("k_root", "ex_root")}, CachePut{CacheRow("k_sub", "ex_sub")},
                 CachePut{CacheRow("k_keep", "ex_keep")},
                 IdempotencyPut{IdempotencyRecord{kWs, "idem_root", "h1", "ex_root", 100}},
                 IdempotencyPut{IdempotencyRecord{kWs, "idem_keep", "h2", "ex_keep", 200}},
                 Ledger(Entry(LedgerKind::kGrant, "g1", 1000)),
                 Ledger(Entry(LedgerKind::kReservation, "r1", -100, "", "ex_root"))}));
  // A sent delivery of the sub-execution goes with it; a pending one of another run keeps only
  // that run.
  DeliveryRecord sent = DeliveryRow("dlv_sub", 1, 1000);
  sent.execution_id = "ex_sub";
  DeliveryRecord pending = DeliveryRow("dlv_keep", 2, 1000);
  pending.execution_id = "ex_keep";
  ASSERT_NO_FATAL_FAILURE(StoreDeliveries(accounts_, {sent, pending}));
  sent = *accounts_->GetDelivery(kWs, "dlv_sub");
  sent.status = "delivered";
  ASSERT_TRUE(*accounts_->UpdateDelivery(sent));
  const CreditBalance before = Balance();

  const std::vector<int64_t> measured = Measured(accounts_, {"ex_root"});
  EXPECT_EQ(measured, (std::vector<int64_t>{2, 4, 4, 4, 2, 40}));
  PurgeOutcome out = Purge(accounts_, {"ex_root"}, 7000);
  EXPECT_EQ(out.deleted, (std::vector<std::string>{"ex_root"}));
  EXPECT_TRUE(out.kept.empty());
  EXPECT_EQ(Figures(out.freed), measured);

  for (const char* ex : {"ex_root", "ex_sub"}) {
    SCOPED_TRACE(ex);
    EXPECT_EQ(store_->GetExecution(kWs, ex).error().code(), Code::kNotFound);
    EXPECT_TRUE(NothingLeft(store_->GetSteps(kWs, ex)));
    EXPECT_TRUE(NothingLeft(store_->ReadEvents(kWs, ex, 0, 1000)));
    EXPECT_TRUE(NothingLeft(store_->ListArtifacts(kWs, ex)));
    EXPECT_TRUE(NothingLeft(store_->ListStepVersions(kWs, ex, "m")));
  }
  EXPECT_EQ(accounts_->GetArtifact(kWs, "art_ex_root_0").error().code(), Code::kNotFound);
  EXPECT_EQ(Ids(*store_->ListExecutions(kWs, ExecutionFilter{})),
            (std::vector<std::string>{"ex_keep"}));
  EXPECT_EQ(Ids(*accounts_->QueryArtifacts(kWs, ArtifactFilter{})),
            (std::vector<std::string>{"art_ex_keep_0"}));
  auto events = accounts_->ReadWorkspaceEvents(kWs, 0, 0);
  ASSERT_TRUE(events.has_value()) << events.error().ToString();
  ASSERT_EQ(events->size(), 2u);
  for (const Event& e : *events) EXPECT_EQ(e.execution_id, "ex_keep");
  EXPECT_FALSE(store_->LookupCache(kWs, "k_root")->has_value());
  EXPECT_FALSE(store_->LookupCache(kWs, "k_sub")->has_value());
  EXPECT_TRUE(store_->LookupCache(kWs, "k_keep")->has_value());
  EXPECT_FALSE(accounts_->FindIdempotencyKey(kWs, "idem_root")->has_value());
  EXPECT_TRUE(accounts_->FindIdempotencyKey(kWs, "idem_keep")->has_value());
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_sub").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_keep")->status, "pending");

  // The ledger is the account's history: it keeps the purged run's entries.
  LedgerFilter of_root;
  of_root.execution_id = "ex_root";
  EXPECT_EQ(accounts_->ListLedger(kWs, of_root)->size(), 1u);
  EXPECT_TRUE(accounts_->FindLedgerEntry(kWs, "r1")->has_value());
  EXPECT_EQ(Balance().balance, before.balance);
  EXPECT_EQ(Balance().reserved, before.reserved);

  // The other run is whole.
  EXPECT_EQ(store_->GetSteps(kWs, "ex_keep")->size(), 2u);
  EXPECT_EQ(Seqs("ex_keep"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(store_->ListStepVersions(kWs, "ex_keep", "m")->size(), 1u);

  // Every hash the deleted rows named is queued, once; the one still named is referenced.
  EXPECT_EQ(Queued(accounts_), (std::vector<std::string>{"sha_1root", "sha_3sub", "sha_5shared"}));
  EXPECT_TRUE(*accounts_->BlobReferenced("sha_5shared"));
  EXPECT_FALSE(*accounts_->BlobReferenced("sha_1root"));
  EXPECT_FALSE(*accounts_->BlobReferenced("sha_3sub"));
}

TEST_P(StoreConformance, PurgeKeepsATreeWithAnUnfinishedExecutionWhole) {
  ASSERT_TRUE(CommitOne(
      RunWithRows(Ended(Exec("ex_root", ExecStatus::kCompleted, 100), 150), {{"sha_root", 10}})));
  ExecutionRecord waiting = Under(Exec("ex_sub", ExecStatus::kWaiting, 110), "ex_root");
  ASSERT_TRUE(CommitOne(RunWithRows(waiting, {{"sha_sub", 20}})));
  ASSERT_TRUE(CommitOne(RunWithRows(
      Under(Ended(Exec("ex_grand", ExecStatus::kCompleted, 120), 130), "ex_sub"), {{"sha_g", 5}})));
  ASSERT_TRUE(CommitOne(RunWithRows(Exec("ex_running", ExecStatus::kRunning, 200))));
  ASSERT_TRUE(CommitOne(
      RunWithRows(Ended(Exec("ex_done", ExecStatus::kCompleted, 300), 310), {{"sha_done", 30}})));

  PurgeOutcome out = Purge(accounts_, {"ex_root", "ex_running", "ex_done"});
  EXPECT_EQ(out.deleted, (std::vector<std::string>{"ex_done"}));
  EXPECT_EQ(out.kept, (KeptList{{"ex_root", kKeptUnfinished}, {"ex_running", kKeptUnfinished}}));
  EXPECT_EQ(Figures(out.freed), (std::vector<int64_t>{1, 2, 2, 1, 1, 30}));
  for (const char* ex : {"ex_root", "ex_sub", "ex_grand", "ex_running"}) {
    SCOPED_TRACE(ex);
    EXPECT_TRUE(store_->GetExecution(kWs, ex).has_value());
    EXPECT_EQ(store_->GetSteps(kWs, ex)->size(), 2u);
    EXPECT_EQ(Seqs(ex), (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(store_->ListStepVersions(kWs, ex, "m")->size(), 1u);
  }
  EXPECT_EQ(store_->ListArtifacts(kWs, "ex_grand")->size(), 1u);
  EXPECT_EQ(Queued(accounts_), (std::vector<std::string>{"sha_done"}));
  EXPECT_TRUE(*accounts_->BlobReferenced("sha_g"));

  // Once the sub-execution is done, the tree goes, all of it.
  ExecutionRecord done = Ended(waiting, 160);
  done.status = ExecStatus::kCompleted;
  ASSERT_TRUE(CommitOne({UpdateExec(done, {ExecStatus::kWaiting})}));
  out = Purge(accounts_, {"ex_root"}, 6000);
  EXPECT_EQ(out.deleted, (std::vector<std::string>{"ex_root"}));
  EXPECT_EQ(Figures(out.freed), (std::vector<int64_t>{3, 6, 6, 3, 3, 35}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_grand").error().code(), Code::kNotFound);
}

TEST_P(StoreConformance, PurgeKeepsATreeWhileADeliveryOfItIsPending) {
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_root", ExecStatus::kCompleted, 100), 150))));
  ASSERT_TRUE(CommitOne(
      RunWithRows(Under(Ended(Exec("ex_sub", ExecStatus::kCompleted, 110), 140), "ex_root"))));
  DeliveryRecord d = DeliveryRow("dlv_1", 1, 1000);
  d.execution_id = "ex_sub";
  ASSERT_NO_FATAL_FAILURE(StoreDeliveries(accounts_, {d}));

  PurgeOutcome out = Purge(accounts_, {"ex_root"});
  EXPECT_TRUE(out.deleted.empty());
  EXPECT_EQ(out.kept, (KeptList{{"ex_root", kKeptNotifying}}));
  EXPECT_EQ(Figures(out.freed), (std::vector<int64_t>(6, 0)));
  EXPECT_TRUE(store_->GetExecution(kWs, "ex_sub").has_value());
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_1")->status, "pending");

  DeliveryRecord sent = *accounts_->GetDelivery(kWs, "dlv_1");
  sent.status = "delivered";
  ASSERT_TRUE(*accounts_->UpdateDelivery(sent));
  out = Purge(accounts_, {"ex_root"});
  EXPECT_EQ(out.deleted, (std::vector<std::string>{"ex_root"}));
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_1").error().code(), Code::kNotFound);
}

TEST_P(StoreConformance, PurgeKeepsRunsTheNotifierHasNotReadWhileTheWorkspaceHasEndpoints) {
  // Another workspace's endpoint does not hold this one's runs.
  ASSERT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_theirs", "crm", kOtherWs)).ok());
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_1", ExecStatus::kCompleted, 100), 150))));
  ASSERT_GT(*accounts_->LastEventId(), *accounts_->NotifyCursor());
  EXPECT_EQ(Purge(accounts_, {"ex_1"}).deleted, (std::vector<std::string>{"ex_1"}));

  ASSERT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_a", "crm")).ok());
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_2", ExecStatus::kCompleted, 200), 250))));
  PurgeOutcome out = Purge(accounts_, {"ex_2"});
  EXPECT_TRUE(out.deleted.empty());
  EXPECT_EQ(out.kept, (KeptList{{"ex_2", kKeptUnread}}));
  EXPECT_TRUE(store_->GetExecution(kWs, "ex_2").has_value());

  // The notifier reads past its events: it may go.
  int64_t cursor = *accounts_->NotifyCursor();
  ASSERT_TRUE(*accounts_->AdvanceNotifyCursor(cursor, *accounts_->LastEventId(), {}));
  EXPECT_EQ(Purge(accounts_, {"ex_2"}).deleted, (std::vector<std::string>{"ex_2"}));

  // A cursor between two runs' events lets the first go only.
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_3", ExecStatus::kCompleted, 300), 350))));
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_4", ExecStatus::kCompleted, 400), 450))));
  auto third = store_->ReadEvents(kWs, "ex_3", 0, 1000);
  ASSERT_TRUE(third.has_value() && !third->empty());
  cursor = *accounts_->NotifyCursor();
  ASSERT_TRUE(*accounts_->AdvanceNotifyCursor(cursor, third->back().gid, {}));
  out = Purge(accounts_, {"ex_3", "ex_4"});
  EXPECT_EQ(out.deleted, (std::vector<std::string>{"ex_3"}));
  EXPECT_EQ(out.kept, (KeptList{{"ex_4", kKeptUnread}}));
}

TEST_P(StoreConformance, PurgeLeavesOtherWorkspacesSubExecutionsAndUnknownIdsAlone) {
  ASSERT_TRUE(
      CommitOne(RunWithRows(Ended(Exec("ex_theirs", ExecStatus::kCompleted, 50, kOtherWs), 60))));
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_root", ExecStatus::kCompleted, 100), 150))));
  ASSERT_TRUE(CommitOne(
      RunWithRows(Under(Ended(Exec("ex_sub", ExecStatus::kCompleted, 110), 140), "ex_root"))));
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_ok", ExecStatus::kCompleted, 200), 250))));

  // Listed twice, a root goes once: the second time it is no longer there.
  PurgeOutcome out = Purge(accounts_, {"ex_theirs", "ex_missing", "ex_sub", "ex_ok", "ex_ok"});
  EXPECT_EQ(out.deleted, (std::vector<std::string>{"ex_ok"}));
  EXPECT_EQ(out.kept, (KeptList{{"ex_theirs", kKeptNotFound},
                                {"ex_missing", kKeptNotFound},
                                {"ex_sub", kKeptNotFound},
                                {"ex_ok", kKeptNotFound}}));
  EXPECT_EQ(Figures(out.freed), (std::vector<int64_t>{1, 2, 2, 0, 0, 0}));
  EXPECT_TRUE(store_->GetExecution(kOtherWs, "ex_theirs").has_value());
  EXPECT_EQ(Seqs("ex_theirs", kOtherWs), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(store_->GetExecution(kWs, "ex_root").has_value());
  EXPECT_TRUE(store_->GetExecution(kWs, "ex_sub").has_value());

  out = Purge(accounts_, {});
  EXPECT_TRUE(out.deleted.empty());
  EXPECT_TRUE(out.kept.empty());
  EXPECT_EQ(Figures(out.freed), (std::vector<int64_t>(6, 0)));
}

// ---- the blob queue -----------------------------------------------------------------------------

TEST_P(StoreConformance, TheBlobQueueHoldsPurgedHashesFirstQueuedFirstUntilForgotten) {
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_a", ExecStatus::kCompleted, 100), 110),
                                    {{"sha_1a", 10}, {"sha_9shared", 20}})));
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_b", ExecStatus::kCompleted, 200), 210),
                                    {{"sha_9shared", 20}, {"sha_5b", 30}})));
  EXPECT_TRUE(Queued(accounts_).empty());

  PurgeOutcome out = Purge(accounts_, {"ex_a"}, 1000);
  EXPECT_EQ(out.freed.blobs, 1);
  EXPECT_EQ(out.freed.bytes, 10);
  EXPECT_EQ(Queued(accounts_), (std::vector<std::string>{"sha_1a", "sha_9shared"}));
  const int64_t shared_revision = QueuedRevision(accounts_, "sha_9shared");
  EXPECT_TRUE(*accounts_->BlobReferenced("sha_9shared")) << "ex_b still names it";
  EXPECT_FALSE(*accounts_->BlobReferenced("sha_1a"));

  // Queued again, a hash keeps its first place and its revision moves on: a collector that read
  // it before (and saw ex_b still naming it) cannot take it off the queue.
  out = Purge(accounts_, {"ex_b"}, 2000);
  EXPECT_NE(QueuedRevision(accounts_, "sha_9shared"), shared_revision);
  EXPECT_TRUE(accounts_->ForgetQueuedBlob("sha_9shared", shared_revision).ok());
  EXPECT_NE(QueuedRevision(accounts_, "sha_9shared"), 0) << "forgotten over a stale revision";
  EXPECT_EQ(out.freed.blobs, 2);
  EXPECT_EQ(out.freed.bytes, 50);
  EXPECT_EQ(Queued(accounts_), (std::vector<std::string>{"sha_1a", "sha_9shared", "sha_5b"}));
  EXPECT_EQ(Queued(accounts_, 2), (std::vector<std::string>{"sha_1a", "sha_9shared"}));
  EXPECT_FALSE(*accounts_->BlobReferenced("sha_9shared"));
  EXPECT_FALSE(*accounts_->BlobReferenced("sha_never"));

  const int64_t now_revision = QueuedRevision(accounts_, "sha_9shared");
  EXPECT_TRUE(accounts_->ForgetQueuedBlob("sha_9shared", now_revision).ok());
  EXPECT_TRUE(accounts_->ForgetQueuedBlob("sha_9shared", now_revision).ok());
  EXPECT_TRUE(accounts_->ForgetQueuedBlob("sha_never", 1).ok());
  EXPECT_EQ(Queued(accounts_), (std::vector<std::string>{"sha_1a", "sha_5b"}));

  // Two trees purged together over the same bytes free them once.
  ASSERT_TRUE(CommitOne(
      RunWithRows(Ended(Exec("ex_c", ExecStatus::kCompleted, 300), 310), {{"sha_7pair", 40}})));
  ASSERT_TRUE(CommitOne(
      RunWithRows(Ended(Exec("ex_d", ExecStatus::kCompleted, 400), 410), {{"sha_7pair", 40}})));
  EXPECT_EQ(Measured(accounts_, {"ex_c", "ex_d"}), (std::vector<int64_t>{2, 4, 4, 2, 1, 40}));
  out = Purge(accounts_, {"ex_c", "ex_d"}, 3000);
  EXPECT_EQ(out.deleted, (std::vector<std::string>{"ex_c", "ex_d"}));
  EXPECT_EQ(Figures(out.freed), (std::vector<int64_t>{2, 4, 4, 2, 1, 40}));
  EXPECT_EQ(Queued(accounts_), (std::vector<std::string>{"sha_1a", "sha_5b", "sha_7pair"}));
}

// ---- the event log ------------------------------------------------------------------------------

TEST_P(StoreConformance, APurgedEventsGidIsNeverGivenAgain) {
  SeedExecution("ex_keep");
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_gone", ExecStatus::kCompleted, 100), 150))));
  auto kept = store_->ReadEvents(kWs, "ex_keep", 0, 1000);
  auto gone = store_->ReadEvents(kWs, "ex_gone", 0, 1000);
  ASSERT_TRUE(kept.has_value() && gone.has_value());
  ASSERT_EQ(kept->size(), 1u);
  ASSERT_EQ(gone->size(), 2u);
  const int64_t kept_gid = kept->back().gid;
  const int64_t newest = gone->back().gid;
  ASSERT_EQ(*accounts_->LastEventId(), newest) << "the purged run holds the newest event";

  ASSERT_EQ(Purge(accounts_, {"ex_gone"}).deleted, (std::vector<std::string>{"ex_gone"}));
  EXPECT_EQ(*accounts_->LastWorkspaceEventId(kWs), kept_gid);
  auto left = accounts_->ReadWorkspaceEvents(kWs, 0, 0);
  ASSERT_TRUE(left.has_value()) << left.error().ToString();
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].gid, kept_gid);
  auto typed =
      accounts_->ReadEventsOfTypes(0, newest, {"execution_started", "execution_completed"}, 0);
  ASSERT_TRUE(typed.has_value()) << typed.error().ToString();
  ASSERT_EQ(typed->size(), 1u);
  EXPECT_EQ((*typed)[0].event.execution_id, "ex_keep");

  auto r = store_->Commit({Transition{{Ev("ex_keep", "tick")}}});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->events.size(), 1u);
  const int64_t next = r->events[0].gid;
  EXPECT_GT(next, newest);
  EXPECT_EQ(r->events[0].seq, 2);
  EXPECT_EQ(*accounts_->LastEventId(), next);
  EXPECT_EQ(*accounts_->LastWorkspaceEventId(kWs), next);
  auto after = accounts_->ReadWorkspaceEvents(kWs, kept_gid, 0);
  ASSERT_TRUE(after.has_value()) << after.error().ToString();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].gid, next);
  EXPECT_EQ((*after)[0].type, "tick");
  EXPECT_EQ(accounts_->ReadWorkspaceEvents(kWs, newest, 0)->size(), 1u);
  EXPECT_EQ(accounts_->ReadWorkspaceEvents(kWs, 0, 0)->size(), 2u);
  EXPECT_EQ(Seqs("ex_keep"), (std::vector<int64_t>{1, 2}));

  // Nor after another purge of runs holding the newest events.
  ASSERT_TRUE(CommitOne(RunWithRows(Ended(Exec("ex_late", ExecStatus::kCompleted, 300), 350))));
  const int64_t late = *accounts_->LastEventId();
  ASSERT_EQ(Purge(accounts_, {"ex_late"}).deleted, (std::vector<std::string>{"ex_late"}));
  SeedExecution("ex_new");
  auto fresh = store_->ReadEvents(kWs, "ex_new", 0, 1000);
  ASSERT_TRUE(fresh.has_value() && fresh->size() == 1u);
  EXPECT_GT((*fresh)[0].gid, late);
  EXPECT_EQ((*fresh)[0].seq, 1);
  EXPECT_EQ(*accounts_->LastWorkspaceEventId(kWs), (*fresh)[0].gid);
}

}  // namespace atelier
