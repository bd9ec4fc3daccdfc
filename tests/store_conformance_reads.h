// The store contract for reads, part of StoreConformance (store_conformance.h includes this file):
// scoping to the workspace, ordering and filters, leases and claims, artifacts, JSON round trips,
// kept step versions and the result cache, and execution listings with their cursors.
#pragma once

namespace atelier {

// --- reads: scoping, ordering, filters ---

TEST_P(StoreConformance, OtherWorkspaceSeesNotFoundLikeAMissingId) {
  SeedExecution("ex_1");
  ArtifactRecord art;
  art.id = "art_1";
  art.workspace_id = kWs;
  art.execution_id = "ex_1";
  ASSERT_TRUE(CommitOne({ArtifactInsert{art}}));

  for (const std::string& id : std::vector<std::string>{"ex_1", "ex_missing"}) {
    const std::string ws = id == "ex_1" ? kOtherWs : kWs;
    const std::string message = "execution '" + id + "' not found";
    auto ex = store_->GetExecution(ws, id);
    ASSERT_FALSE(ex.has_value());
    EXPECT_EQ(ex.error().code(), Code::kNotFound);
    EXPECT_EQ(ex.error().message(), message);
    auto steps = store_->GetSteps(ws, id);
    ASSERT_FALSE(steps.has_value());
    EXPECT_EQ(steps.error().code(), Code::kNotFound);
    EXPECT_EQ(steps.error().message(), message);
    auto events = store_->ReadEvents(ws, id, 0, 10);
    ASSERT_FALSE(events.has_value());
    EXPECT_EQ(events.error().code(), Code::kNotFound);
    EXPECT_EQ(events.error().message(), message);
    auto arts = store_->ListArtifacts(ws, id);
    ASSERT_FALSE(arts.has_value());
    EXPECT_EQ(arts.error().code(), Code::kNotFound);
    EXPECT_EQ(arts.error().message(), message);
  }
  auto list = store_->ListExecutions(kOtherWs, ExecutionFilter{});
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->empty());
}

TEST_P(StoreConformance, ListExecutionsIsNewestFirstAndFiltered) {
  ExecutionRecord e1 = Exec("ex_1", ExecStatus::kCompleted, 1000);
  ExecutionRecord e2 = Exec("ex_2", ExecStatus::kRunning, 3000);
  ExecutionRecord e3 = Exec("ex_3", ExecStatus::kCompleted, 2000);
  e3.template_id = "tpl_b";
  ExecutionRecord e4 = Exec("ex_4", ExecStatus::kFailed, 4000);
  ExecutionRecord other = Exec("ex_5", ExecStatus::kCompleted, 5000, kOtherWs);
  ASSERT_TRUE(CommitOne(
      {InsertExec(e1), InsertExec(e2), InsertExec(e3), InsertExec(e4), InsertExec(other)}));
  auto ids = [](const std::vector<ExecutionRecord>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.id);
    return out;
  };
  auto all = store_->ListExecutions(kWs, ExecutionFilter{});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(ids(*all), (std::vector<std::string>{"ex_4", "ex_2", "ex_3", "ex_1"}));

  ExecutionFilter completed;
  completed.status = ExecStatus::kCompleted;
  EXPECT_EQ(ids(*store_->ListExecutions(kWs, completed)),
            (std::vector<std::string>{"ex_3", "ex_1"}));

  ExecutionFilter by_template;
  by_template.template_id = "tpl_a";
  EXPECT_EQ(ids(*store_->ListExecutions(kWs, by_template)),
            (std::vector<std::string>{"ex_4", "ex_2", "ex_1"}));

  ExecutionFilter both = completed;
  both.template_id = "tpl_b";
  EXPECT_EQ(ids(*store_->ListExecutions(kWs, both)), (std::vector<std::string>{"ex_3"}));

  ExecutionFilter limited;
  limited.limit = 2;
  EXPECT_EQ(ids(*store_->ListExecutions(kWs, limited)), (std::vector<std::string>{"ex_4", "ex_2"}));

  ExecutionFilter none_match;
  none_match.template_id = "tpl_zzz";
  EXPECT_TRUE(store_->ListExecutions(kWs, none_match)->empty());
}

TEST_P(StoreConformance, GetExecutionStatusesLeavesOutUnknownIds) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({InsertExec(Exec("ex_2", ExecStatus::kPaused, 1000, kOtherWs))}));
  auto r = store_->GetExecutionStatuses({"ex_1", "ex_missing", "ex_2"});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  std::vector<std::pair<std::string, ExecStatus>> got = *r;
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], std::make_pair(std::string("ex_1"), ExecStatus::kRunning));
  EXPECT_EQ(got[1], std::make_pair(std::string("ex_2"), ExecStatus::kPaused));
  auto none = store_->GetExecutionStatuses({});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreConformance, GetStepStatesLeavesOutTheContents) {
  ASSERT_TRUE(CommitOne({InsertExec(Exec("ex_1"))}));
  StepRecord s = Step("ex_1", "draft", StepStatus::kSucceeded, 2, 1000);
  s.output = {{"text", "hello"}};
  s.session = {{"messages", Json::array({"a", "b"})}};
  s.error = {{"code", "x"}};
  s.usage = {{"cost", 0.5}};
  ASSERT_TRUE(CommitOne({InsertStep(s)}));
  auto states = store_->GetStepStates(kWs, "ex_1");
  ASSERT_TRUE(states.has_value());
  ASSERT_EQ(states->size(), 1u);
  const StepRecord& got = (*states)[0];
  EXPECT_EQ(got.status, StepStatus::kSucceeded);
  EXPECT_EQ(got.attempt, 2);
  EXPECT_EQ(got.usage, s.usage);
  EXPECT_TRUE(got.output.is_null());
  EXPECT_TRUE(got.session.is_null());
  EXPECT_TRUE(got.error.is_null());
  EXPECT_EQ(store_->GetStepStates(kOtherWs, "ex_1").error().code(), Code::kNotFound);
}

TEST_P(StoreConformance, GetStepsOrdersByCreationThenItemIndex) {
  ASSERT_TRUE(CommitOne({InsertExec(Exec("ex_1"))}));
  StepRecord late = Step("ex_1", "late", StepStatus::kPending, 0, 3000);
  StepRecord map = Step("ex_1", "map", StepStatus::kRunning, 1, 1000);
  std::vector<Op> ops = {InsertStep(late), InsertStep(map)};
  for (int i : {10, 2, 1}) {
    StepRecord item = Step("ex_1", "map[" + std::to_string(i) + "]", StepStatus::kReady, 0, 2000);
    item.node_id = "map";
    item.parent_step_id = "map";
    item.item_index = i;
    ops.push_back(InsertStep(item));
  }
  ASSERT_TRUE(CommitOne(ops));
  auto steps = store_->GetSteps(kWs, "ex_1");
  ASSERT_TRUE(steps.has_value());
  std::vector<std::string> ids;
  for (const auto& s : *steps) ids.push_back(s.step_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"map", "map[1]", "map[2]", "map[10]", "late"}));
  EXPECT_EQ((*steps)[1].parent_step_id, "map");
  EXPECT_EQ((*steps)[1].node_id, "map");
  EXPECT_EQ((*steps)[1].item_index, 1);
  EXPECT_EQ((*steps)[0].item_index, -1);
}

// --- leases ---

TEST_P(StoreConformance, RenewLeasesExtendsRunningStepsAndOwnedExecutions) {
  ExecutionRecord mine = Exec("ex_1");
  mine.owner = "w1";
  mine.owner_expires_at = 100;
  ExecutionRecord theirs = Exec("ex_2");
  theirs.owner = "w2";
  theirs.owner_expires_at = 100;
  StepRecord running = Step("ex_1", "a", StepStatus::kRunning, 1);
  running.lease_owner = "w1";
  running.lease_expires_at = 100;
  StepRecord done = Step("ex_1", "b", StepStatus::kSucceeded, 1);
  done.lease_owner = "w1";
  done.lease_expires_at = 100;
  StepRecord other = Step("ex_2", "a", StepStatus::kRunning, 1);
  other.lease_owner = "w2";
  other.lease_expires_at = 100;
  ASSERT_TRUE(CommitOne({InsertExec(mine), InsertExec(theirs), InsertStep(running),
                         InsertStep(done), InsertStep(other)}));

  auto n = store_->RenewLeases("w1", 9000);
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(FindStep("ex_1", "a")->lease_expires_at, 9000);
  EXPECT_EQ(FindStep("ex_1", "b")->lease_expires_at, 100);
  EXPECT_EQ(store_->GetExecution(kWs, "ex_1")->owner_expires_at, 9000);
  EXPECT_EQ(store_->GetExecution(kWs, "ex_2")->owner_expires_at, 100);
  EXPECT_EQ(FindStep("ex_2", "a")->lease_expires_at, 100);
  EXPECT_EQ(*store_->RenewLeases("nobody", 9000), 0);
}

// Claims: only top-level executions of the workspace that wait for a process (queued or running,
// no owner or a lease that ran out), oldest first, at most the limit; each returned with its steps
// and the owner it had, and stored as the claimant's until its lease ends.
TEST_P(StoreConformance, ClaimExecutionsTakesTheOldestWaitingExecutionsWithTheirSteps) {
  ExecutionRecord newer = Exec("ex_newer", ExecStatus::kQueued, 1000);
  ExecutionRecord oldest = Exec("ex_oldest", ExecStatus::kQueued, 900);
  ExecutionRecord expired = Exec("ex_expired", ExecStatus::kRunning, 1100);
  expired.owner = "dead";
  expired.owner_expires_at = 500;
  ExecutionRecord live = Exec("ex_live", ExecStatus::kRunning, 800);
  live.owner = "w2";
  live.owner_expires_at = 9000;
  ExecutionRecord waiting = Exec("ex_waiting", ExecStatus::kWaiting, 700);
  ExecutionRecord sub = Exec("ex_sub", ExecStatus::kQueued, 600);
  sub.parent_execution_id = "ex_newer";
  sub.parent_step_id = "s";
  ExecutionRecord elsewhere = Exec("ex_elsewhere", ExecStatus::kQueued, 500, kOtherWs);
  ASSERT_TRUE(
      CommitOne({InsertExec(newer), InsertExec(oldest), InsertExec(expired), InsertExec(live),
                 InsertExec(waiting), InsertExec(sub), InsertExec(elsewhere),
                 InsertStep(Step("ex_oldest", "b", StepStatus::kPending, 0, 1200)),
                 InsertStep(Step("ex_oldest", "a", StepStatus::kReady, 0, 1100)),
                 InsertStep(Step("ex_expired", "a", StepStatus::kRunning, 1))}));

  ClaimRequest c{kWs, "w1", /*now=*/1000, /*lease_until=*/5000, /*limit=*/2};
  auto first = store_->ClaimExecutions(c);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].rec.id, "ex_oldest");
  EXPECT_EQ((*first)[1].rec.id, "ex_newer");
  EXPECT_EQ((*first)[0].previous_owner, "");
  EXPECT_EQ((*first)[0].rec.owner, "w1");
  EXPECT_EQ((*first)[0].rec.owner_expires_at, 5000);
  EXPECT_EQ((*first)[0].rec.status, ExecStatus::kQueued);
  ASSERT_EQ((*first)[0].steps.size(), 2u);
  EXPECT_EQ((*first)[0].steps[0].step_id, "a");
  EXPECT_EQ((*first)[0].steps[1].step_id, "b");
  EXPECT_TRUE((*first)[1].steps.empty());
  auto stored = store_->GetExecution(kWs, "ex_oldest");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->owner, "w1");
  EXPECT_EQ(stored->owner_expires_at, 5000);

  // The expired lease is next; then nothing waits (the claimed ones are leased now).
  auto second = store_->ClaimExecutions(c);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].rec.id, "ex_expired");
  EXPECT_EQ((*second)[0].previous_owner, "dead");
  ASSERT_EQ((*second)[0].steps.size(), 1u);
  EXPECT_EQ((*second)[0].steps[0].status, StepStatus::kRunning);
  auto none = store_->ClaimExecutions(c);
  ASSERT_TRUE(none.has_value()) << none.error().ToString();
  EXPECT_TRUE(none->empty());

  // Once w1's leases end, another claimant takes them, w1 named as the previous owner; the live
  // lease, the waiting execution and the sub-execution stay untouched.
  auto later = store_->ClaimExecutions(ClaimRequest{kWs, "w3", 6000, 20000, 10});
  ASSERT_TRUE(later.has_value()) << later.error().ToString();
  std::vector<std::string> ids;
  for (const auto& e : *later) {
    ids.push_back(e.rec.id);
    EXPECT_EQ(e.previous_owner, "w1") << e.rec.id;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"ex_oldest", "ex_newer", "ex_expired"}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_live")->owner, "w2");
  EXPECT_EQ(store_->GetExecution(kWs, "ex_sub")->owner, "");
  EXPECT_EQ(store_->GetExecution(kOtherWs, "ex_elsewhere")->owner, "");
}

// --- artifacts ---

TEST_P(StoreConformance, ArtifactsAreListedInCreationOrder) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  auto art = [](const std::string& id, const std::string& ex, int64_t created_at) {
    ArtifactRecord a;
    a.id = id;
    a.workspace_id = kWs;
    a.execution_id = ex;
    a.step_id = "a";
    a.step_version = 2;
    a.kind = "image";
    a.mime = "image/png";
    a.sha256 = "abc123";
    a.size = 4096;
    a.name = id + ".png";
    a.meta = Json{{"width", 512}, {"height", 256}};
    a.created_at = created_at;
    return a;
  };
  ASSERT_TRUE(CommitOne(
      {ArtifactInsert{art("art_c", "ex_1", 2000)}, ArtifactInsert{art("art_b", "ex_1", 1000)},
       ArtifactInsert{art("art_a", "ex_1", 2000)}, ArtifactInsert{art("art_z", "ex_2", 500)}}));
  auto list = store_->ListArtifacts(kWs, "ex_1");
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id, "art_b");
  EXPECT_EQ((*list)[1].id, "art_a");
  EXPECT_EQ((*list)[2].id, "art_c");
  const ArtifactRecord& a = (*list)[1];
  EXPECT_EQ(a.workspace_id, kWs);
  EXPECT_EQ(a.execution_id, "ex_1");
  EXPECT_EQ(a.step_id, "a");
  EXPECT_EQ(a.step_version, 2);
  EXPECT_EQ(a.kind, "image");
  EXPECT_EQ(a.mime, "image/png");
  EXPECT_EQ(a.sha256, "abc123");
  EXPECT_EQ(a.size, 4096);
  EXPECT_EQ(a.name, "art_a.png");
  EXPECT_EQ(a.meta, (Json{{"width", 512}, {"height", 256}}));
  EXPECT_EQ(a.created_at, 2000);
  auto of_ex2 = store_->ListArtifacts(kWs, "ex_2");
  ASSERT_TRUE(of_ex2.has_value());
  ASSERT_EQ(of_ex2->size(), 1u);
  EXPECT_EQ((*of_ex2)[0].id, "art_z");
}

// --- JSON ---

TEST_P(StoreConformance, JsonValuesRoundTrip) {
  ExecutionRecord ex = Exec("ex_1", ExecStatus::kFailed);
  ex.inputs = Json{{"list", {1, 2.5, "three", nullptr, true}}, {"nested", {{"k", "v"}}}};
  ex.error = Json{{"code", "internal"}, {"message", "boom"}, {"step", "a"}};
  StepRecord a = Step("ex_1", "a", StepStatus::kSucceeded, 1);
  a.output =
      Json{{"text", "caf\u00e9 \u2603 \"quoted\"\n"}, {"n", 42}, {"big", 9007199254740993LL}};
  a.error = Json();  // null
  StepRecord b = Step("ex_1", "b", StepStatus::kFailed, 2);
  b.output = Json();
  b.error = Json{{"code", "unavailable"}, {"message", "try later"}};
  StepRecord c = Step("ex_1", "c", StepStatus::kSucceeded, 1);
  c.output = Json::array({"x", Json::object()});
  Event e;
  e.execution_id = "ex_1";
  e.type = "null_payload";
  e.payload = Json();
  ASSERT_TRUE(
      CommitOne({InsertExec(ex), InsertStep(a), InsertStep(b), InsertStep(c), EventAppend{e}}));

  auto got_ex = store_->GetExecution(kWs, "ex_1");
  ASSERT_TRUE(got_ex.has_value());
  EXPECT_EQ(got_ex->inputs, ex.inputs);
  EXPECT_EQ(got_ex->error, ex.error);
  auto got_a = FindStep("ex_1", "a");
  ASSERT_TRUE(got_a.has_value());
  EXPECT_EQ(got_a->output, a.output);
  EXPECT_TRUE(got_a->error.is_null());
  auto got_b = FindStep("ex_1", "b");
  EXPECT_TRUE(got_b->output.is_null());
  EXPECT_EQ(got_b->error, b.error);
  EXPECT_EQ(FindStep("ex_1", "c")->output, c.output);
  auto events = store_->ReadEvents(kWs, "ex_1", 0, 10);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_TRUE((*events)[0].payload.is_null());
  EXPECT_EQ((*events)[0].step_id, "");
}

TEST_P(StoreConformance, UnguardedWritesRoundTripEveryStepField) {
  ASSERT_TRUE(CommitOne({InsertExec(Exec("ex_1"))}));
  StepRecord s = Step("ex_1", "s", StepStatus::kFailed, 3);
  s.node_id = "node";
  s.parent_step_id = "parent";
  s.item_index = 4;
  s.attempt_base = 2;
  s.version = 5;
  s.created_at = 11;
  s.updated_at = 12;
  s.started_at = 13;
  s.finished_at = 14;
  s.due_at = 15;
  s.lease_owner = "w9";
  s.lease_expires_at = 16;
  s.crashes = 2;
  ASSERT_TRUE(CommitOne({InsertStep(s)}));
  auto got = FindStep("ex_1", "s");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->execution_id, "ex_1");
  EXPECT_EQ(got->node_id, "node");
  EXPECT_EQ(got->parent_step_id, "parent");
  EXPECT_EQ(got->item_index, 4);
  EXPECT_EQ(got->status, StepStatus::kFailed);
  EXPECT_EQ(got->attempt, 3);
  EXPECT_EQ(got->attempt_base, 2);
  EXPECT_EQ(got->version, 5);
  EXPECT_EQ(got->created_at, 11);
  EXPECT_EQ(got->updated_at, 12);
  EXPECT_EQ(got->started_at, 13);
  EXPECT_EQ(got->finished_at, 14);
  EXPECT_EQ(got->due_at, 15);
  EXPECT_EQ(got->lease_owner, "w9");
  EXPECT_EQ(got->lease_expires_at, 16);
  EXPECT_EQ(got->crashes, 2);
}

// The engine counts a step's crashes in the row it writes back whole (the poison-pill guard), so
// every kind of write keeps the count: guarded updates, replacements, and the light read.
TEST_P(StoreConformance, StepCrashCountIsKeptByEveryWriteAndRead) {
  ASSERT_TRUE(CommitOne({InsertExec(Exec("ex_1"))}));
  StepRecord s = Step("ex_1", "s", StepStatus::kRunning, 1);
  ASSERT_TRUE(CommitOne({InsertStep(s)}));
  EXPECT_EQ(FindStep("ex_1", "s")->crashes, 0) << "a new step has not crashed";
  s.status = StepStatus::kReady;
  s.crashes = 1;
  ASSERT_TRUE(CommitOne({UpdateStep(s, StepStatus::kRunning, 1)}));
  EXPECT_EQ(FindStep("ex_1", "s")->crashes, 1);
  s.status = StepStatus::kFailed;
  s.crashes = 3;
  ASSERT_TRUE(CommitOne({UpdateStep(s, StepStatus::kReady)}));
  auto states = store_->GetStepStates(kWs, "ex_1");
  ASSERT_TRUE(states.has_value());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].crashes, 3);
  s.crashes = 0;
  StepWrite replace{s, std::nullopt, std::nullopt, false};
  replace.replace = true;
  ASSERT_TRUE(CommitOne({replace}));
  EXPECT_EQ(FindStep("ex_1", "s")->crashes, 0) << "cleared, as a manual retry does";
}

// --- kept step versions and the result cache ---

TEST_P(StoreConformance, StepVersionsAreKeptPerStepOldestFirstAndReplacedByVersion) {
  SeedExecution("ex_1");
  SeedExecution("ex_2", kOtherWs);
  auto version = [](const std::string& ex, const std::string& step, int v,
                    const std::string& text) {
    StepVersion r;
    r.execution_id = ex;
    r.step_id = step;
    r.version = v;
    r.output = Json{{"text", text}};
    r.session = Json{{"messages", Json::array({"turn " + text})}};
    r.meta = Json{{"source", v == 1 ? "run" : "tweak"}};
    r.created_at = 100 * v;
    return r;
  };
  // Put out of order, and another step's and another execution's alongside.
  ASSERT_TRUE(CommitOne({StepVersionPut{version("ex_1", "a", 2, "two")},
                         StepVersionPut{version("ex_1", "a", 1, "one")},
                         StepVersionPut{version("ex_1", "b", 1, "b one")},
                         StepVersionPut{version("ex_2", "a", 1, "other")}}));
  auto kept = store_->ListStepVersions(kWs, "ex_1", "a");
  ASSERT_TRUE(kept.has_value()) << kept.error().ToString();
  ASSERT_EQ(kept->size(), 2u);
  EXPECT_EQ((*kept)[0].version, 1);
  EXPECT_EQ((*kept)[0].execution_id, "ex_1");
  EXPECT_EQ((*kept)[0].step_id, "a");
  EXPECT_EQ((*kept)[0].output, (Json{{"text", "one"}}));
  EXPECT_EQ((*kept)[0].session, (Json{{"messages", Json::array({"turn one"})}}));
  EXPECT_EQ((*kept)[0].meta, (Json{{"source", "run"}}));
  EXPECT_EQ((*kept)[0].created_at, 100);
  EXPECT_EQ((*kept)[1].version, 2);

  // The same version again replaces the kept one; a refused transition keeps nothing.
  ASSERT_TRUE(CommitOne({StepVersionPut{version("ex_1", "a", 2, "two again")}}));
  EXPECT_FALSE(CommitOne({StepVersionPut{version("ex_1", "a", 3, "three")},
                          ExecGuard{"ex_1", {ExecStatus::kPaused}}}));
  kept = store_->ListStepVersions(kWs, "ex_1", "a");
  ASSERT_TRUE(kept.has_value());
  ASSERT_EQ(kept->size(), 2u);
  EXPECT_EQ((*kept)[1].output, (Json{{"text", "two again"}}));
  EXPECT_TRUE(store_->ListStepVersions(kWs, "ex_1", "nope")->empty());

  for (const auto& [ws, id] :
       std::vector<std::pair<std::string, std::string>>{{kWs, "ex_2"}, {kWs, "ex_missing"}}) {
    auto r = store_->ListStepVersions(ws, id, "a");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kNotFound);
    EXPECT_EQ(r.error().message(), "execution '" + id + "' not found");
  }
}

TEST_P(StoreConformance, CacheEntriesAreScopedToTheWorkspaceAndReplacedByKey) {
  SeedExecution("ex_1");
  auto entry = [](const std::string& ws, const std::string& key, const std::string& text) {
    CacheEntry c;
    c.workspace_id = ws;
    c.key = key;
    c.execution_id = "ex_1";
    c.step_id = "a";
    c.version = 2;
    c.output = Json{{"text", text}};
    c.session = Json{{"handle", "h-" + text}};
    c.created_at = 4000;
    return c;
  };
  EXPECT_FALSE(store_->LookupCache(kWs, "k1")->has_value());
  ASSERT_TRUE(CommitOne({CachePut{entry(kWs, "k1", "first")}}));
  auto hit = store_->LookupCache(kWs, "k1");
  ASSERT_TRUE(hit.has_value()) << hit.error().ToString();
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->workspace_id, kWs);
  EXPECT_EQ((*hit)->key, "k1");
  EXPECT_EQ((*hit)->execution_id, "ex_1");
  EXPECT_EQ((*hit)->step_id, "a");
  EXPECT_EQ((*hit)->version, 2);
  EXPECT_EQ((*hit)->output, (Json{{"text", "first"}}));
  EXPECT_EQ((*hit)->session, (Json{{"handle", "h-first"}}));
  EXPECT_EQ((*hit)->created_at, 4000);
  EXPECT_FALSE(store_->LookupCache(kOtherWs, "k1")->has_value());

  ASSERT_TRUE(CommitOne({CachePut{entry(kWs, "k1", "second")}}));
  EXPECT_EQ((*store_->LookupCache(kWs, "k1"))->output, (Json{{"text", "second"}}));
  // A refused transition caches nothing.
  EXPECT_FALSE(CommitOne({CachePut{entry(kWs, "k2", "never")}, ExecGuard{"ex_missing", {}}}));
  EXPECT_FALSE(store_->LookupCache(kWs, "k2")->has_value());
}

// store.h: a ledger entry without a key is a bug in the caller, and the whole Commit fails
// (Internal) as for a broken constraint: nothing of the batch stays, and the store goes on.
TEST_P(StoreConformance, ALedgerEntryWithoutAKeyFailsTheWholeCommit) {
  SeedExecution("ex_1");
  LedgerEntry keyless = Entry(LedgerKind::kGrant, "", 10);
  auto r = store_->Commit({Transition{{Ev("ex_1", "before")}},
                           Transition{{Ledger(Entry(LedgerKind::kGrant, "g1", 5))}},
                           Transition{{Ledger(keyless)}}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInternal);
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1));
  EXPECT_EQ(Balance().balance, 0);
  EXPECT_FALSE(accounts_->FindLedgerEntry(kWs, "g1")->has_value());
  auto next = store_->Commit({Transition{{Ev("ex_1", "after")}}});
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  ASSERT_EQ(next->events.size(), 1u);
  EXPECT_EQ(next->events[0].seq, 2);
}

// --- artifacts ---

TEST_P(StoreConformance, QueryArtifactsFiltersWithinTheWorkspace) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  SeedExecution("ex_3", kOtherWs);
  ASSERT_TRUE(CommitOne({ArtifactInsert{Art("art_1", "ex_1", "a", "document", 1000)},
                         ArtifactInsert{Art("art_2", "ex_1", "b", "image", 2000)},
                         ArtifactInsert{Art("art_3", "ex_2", "a", "image", 1500)},
                         ArtifactInsert{Art("art_0", "ex_2", "a", "document", 2000)},
                         ArtifactInsert{Art("art_9", "ex_3", "a", "image", 1200, kOtherWs)}}));
  auto query = [&](ArtifactFilter f) {
    auto r = accounts_->QueryArtifacts(kWs, f);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? Ids(*r) : std::vector<std::string>{};
  };
  ArtifactFilter f;
  EXPECT_EQ(query(f), (std::vector<std::string>{"art_1", "art_3", "art_0", "art_2"}));
  f.execution_id = "ex_1";
  EXPECT_EQ(query(f), (std::vector<std::string>{"art_1", "art_2"}));
  f.step_id = "b";
  EXPECT_EQ(query(f), (std::vector<std::string>{"art_2"}));
  f = ArtifactFilter{};
  f.kind = "image";
  EXPECT_EQ(query(f), (std::vector<std::string>{"art_3", "art_2"}));
  f.step_id = "a";
  EXPECT_EQ(query(f), (std::vector<std::string>{"art_3"}));
  f = ArtifactFilter{};
  f.created_after = 1500;  // strictly after
  EXPECT_EQ(query(f), (std::vector<std::string>{"art_0", "art_2"}));
  f.limit = 1;
  EXPECT_EQ(query(f), (std::vector<std::string>{"art_0"}));

  for (const std::string ex : {"ex_3", "ex_nope"}) {
    ArtifactFilter bad;
    bad.execution_id = ex;
    auto r = accounts_->QueryArtifacts(kWs, bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kNotFound);
    EXPECT_NE(r.error().message().find(ex), std::string::npos);
  }
  EXPECT_EQ(Ids(*accounts_->QueryArtifacts(kOtherWs, ArtifactFilter{})),
            (std::vector<std::string>{"art_9"}));
}

TEST_P(StoreConformance, GetArtifactIsScopedToTheWorkspace) {
  SeedExecution("ex_1");
  ArtifactRecord art = Art("art_1", "ex_1", "a", "image", 1000);
  art.sha256 = "abc";
  art.size = 77;
  art.meta = Json{{"width", 64}};
  ASSERT_TRUE(CommitOne({ArtifactInsert{art}}));
  auto got = accounts_->GetArtifact(kWs, "art_1");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->execution_id, "ex_1");
  EXPECT_EQ(got->kind, "image");
  EXPECT_EQ(got->sha256, "abc");
  EXPECT_EQ(got->size, 77);
  EXPECT_EQ(got->meta, art.meta);
  for (const auto& [ws, id] :
       std::vector<std::pair<std::string, std::string>>{{kOtherWs, "art_1"}, {kWs, "art_nope"}}) {
    auto r = accounts_->GetArtifact(ws, id);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kNotFound);
    EXPECT_NE(r.error().message().find(id), std::string::npos);
  }
}

// --- execution listing: ranges, cursors, sub-executions ---

TEST_P(StoreConformance, ListExecutionsFiltersByCreationTime) {
  std::vector<Op> ops;
  for (int i = 1; i <= 5; ++i) {
    ops.push_back(InsertExec(Exec("ex_" + std::to_string(i), ExecStatus::kRunning, i * 1000)));
  }
  ASSERT_TRUE(CommitOne(ops));
  ExecutionFilter f;
  f.created_after = 2000;   // inclusive
  f.created_before = 4000;  // exclusive
  auto r = store_->ListExecutions(kWs, f);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(Ids(*r), (std::vector<std::string>{"ex_3", "ex_2"}));
  f.created_before = 0;
  EXPECT_EQ(Ids(*store_->ListExecutions(kWs, f)),
            (std::vector<std::string>{"ex_5", "ex_4", "ex_3", "ex_2"}));
  f.created_after = 0;
  f.created_before = 2001;
  EXPECT_EQ(Ids(*store_->ListExecutions(kWs, f)), (std::vector<std::string>{"ex_2", "ex_1"}));
}

TEST_P(StoreConformance, ListExecutionsCursorVisitsEveryExecutionOnce) {
  std::vector<Op> ops;
  for (int i = 0; i < 23; ++i) {
    // Runs of equal created_at, so that the cursor's id tiebreak matters.
    ExecutionRecord e =
        Exec("ex_" + std::to_string(100 + i), ExecStatus::kRunning, 1000 + (i / 4) * 10);
    if (i % 5 == 0) e.status = ExecStatus::kCompleted;
    ops.push_back(InsertExec(e));
  }
  ops.push_back(InsertExec(Exec("ex_other", ExecStatus::kRunning, 1010, kOtherWs)));
  ASSERT_TRUE(CommitOne(ops));
  auto full = store_->ListExecutions(kWs, ExecutionFilter{});
  ASSERT_TRUE(full.has_value()) << full.error().ToString();
  ASSERT_EQ(full->size(), 23u);

  for (int limit : {1, 3, 4, 10}) {
    ExecutionFilter f;
    f.limit = limit;
    std::vector<std::string> seen;
    for (int guard = 0; guard < 30; ++guard) {
      auto page = store_->ListExecutions(kWs, f);
      ASSERT_TRUE(page.has_value()) << page.error().ToString();
      if (page->empty()) break;
      EXPECT_LE(page->size(), static_cast<size_t>(limit));
      for (const auto& e : *page) seen.push_back(e.id);
      f.before_created_at = page->back().created_at;
      f.before_id = page->back().id;
    }
    EXPECT_EQ(seen, Ids(*full)) << "limit " << limit;
  }

  // The cursor combines with the other filters.
  ExecutionFilter done;
  done.status = ExecStatus::kCompleted;
  auto all_done = store_->ListExecutions(kWs, done);
  ASSERT_TRUE(all_done.has_value());
  ASSERT_EQ(all_done->size(), 5u);
  done.limit = 2;
  done.before_created_at = (*all_done)[1].created_at;
  done.before_id = (*all_done)[1].id;
  EXPECT_EQ(Ids(*store_->ListExecutions(kWs, done)),
            (std::vector<std::string>{(*all_done)[2].id, (*all_done)[3].id}));
}

TEST_P(StoreConformance, ListExecutionsSeparatesSubExecutions) {
  ExecutionRecord parent = Exec("ex_p", ExecStatus::kRunning, 1000);
  ExecutionRecord other_parent = Exec("ex_q", ExecStatus::kRunning, 1100);
  ExecutionRecord c1 = Exec("ex_c1", ExecStatus::kRunning, 1200);
  c1.parent_execution_id = "ex_p";
  c1.parent_step_id = "sub";
  ExecutionRecord c2 = Exec("ex_c2", ExecStatus::kCompleted, 1300);
  c2.parent_execution_id = "ex_p";
  c2.parent_step_id = "sub";
  ExecutionRecord c3 = Exec("ex_c3", ExecStatus::kRunning, 1400);
  c3.parent_execution_id = "ex_q";
  c3.parent_step_id = "sub";
  ASSERT_TRUE(CommitOne({InsertExec(parent), InsertExec(other_parent), InsertExec(c1),
                         InsertExec(c2), InsertExec(c3)}));
  ExecutionFilter top;
  top.top_level_only = true;
  EXPECT_EQ(Ids(*store_->ListExecutions(kWs, top)), (std::vector<std::string>{"ex_q", "ex_p"}));
  ExecutionFilter children;
  children.parent_execution_id = "ex_p";
  auto kids = store_->ListExecutions(kWs, children);
  ASSERT_TRUE(kids.has_value()) << kids.error().ToString();
  EXPECT_EQ(Ids(*kids), (std::vector<std::string>{"ex_c2", "ex_c1"}));
  EXPECT_EQ((*kids)[0].parent_step_id, "sub");
  children.status = ExecStatus::kRunning;
  EXPECT_EQ(Ids(*store_->ListExecutions(kWs, children)), (std::vector<std::string>{"ex_c1"}));
  children.status.reset();
  EXPECT_TRUE(store_->ListExecutions(kOtherWs, children)->empty());
  EXPECT_EQ(store_->ListExecutions(kWs, ExecutionFilter{})->size(), 5u);
}

}  // namespace atelier
