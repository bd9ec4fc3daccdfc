// The store contract for commits (store.h, Commit), part of StoreConformance (store_conformance.h
// includes this file): the schema, inserts and their sequence numbers, guarded step and execution
// writes, and the workspace-wide event positions that streams follow.
#pragma once

namespace atelier {

// --- schema ---

TEST_P(StoreConformance, MigrateIsIdempotent) {
  auto before = store_->SchemaVersion();
  ASSERT_TRUE(before.has_value()) << before.error().ToString();
  EXPECT_GE(*before, 1);
  ASSERT_TRUE(store_->Migrate().ok());
  ASSERT_TRUE(store_->Migrate().ok());
  auto after = store_->SchemaVersion();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(*after, *before);
}

TEST_P(StoreConformance, EnsureWorkspaceIsIdempotent) {
  EXPECT_TRUE(store_->EnsureWorkspace(kWs, "main").ok());
  EXPECT_TRUE(store_->EnsureWorkspace(kWs, "renamed").ok());
}

// --- commit: inserts, sequence numbers ---

TEST_P(StoreConformance, CommitInsertsExecutionStepsAndEventsWithSeqsFromOne) {
  ExecutionRecord ex = Exec("ex_1");
  ex.owner = "worker-1";
  ex.owner_expires_at = 5000;
  ex.started_at = 1001;
  auto r = store_->Commit({Transition{
      {InsertExec(ex), InsertStep(Step("ex_1", "a")),
       InsertStep(Step("ex_1", "b", StepStatus::kPending)), Ev("ex_1", "execution_started"),
       Ev("ex_1", "step_ready", "a"), Ev("ex_1", "step_pending", "b")}}});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->applied, std::vector<bool>{true});
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events[0].seq, 1);
  EXPECT_EQ(r->events[1].seq, 2);
  EXPECT_EQ(r->events[2].seq, 3);
  EXPECT_EQ(r->events[1].type, "step_ready");
  EXPECT_EQ(r->events[1].step_id, "a");

  auto got = store_->GetExecution(kWs, "ex_1");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->workspace_id, kWs);
  EXPECT_EQ(got->template_id, "tpl_a");
  EXPECT_EQ(got->template_version, 1);
  EXPECT_EQ(got->status, ExecStatus::kRunning);
  EXPECT_EQ(got->inputs, ex.inputs);
  EXPECT_TRUE(got->error.is_null());
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->started_at, 1001);
  EXPECT_EQ(got->owner, "worker-1");
  EXPECT_EQ(got->owner_expires_at, 5000);

  auto steps = store_->GetSteps(kWs, "ex_1");
  ASSERT_TRUE(steps.has_value());
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].step_id, "a");
  EXPECT_EQ((*steps)[0].status, StepStatus::kReady);
  EXPECT_EQ((*steps)[1].step_id, "b");
  EXPECT_EQ((*steps)[1].status, StepStatus::kPending);

  auto events = store_->ReadEvents(kWs, "ex_1", 0, 100);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].type, "execution_started");
  EXPECT_EQ((*events)[0].ts, 2000);
  EXPECT_EQ((*events)[0].payload, (Json{{"type", "execution_started"}}));
  EXPECT_EQ((*events)[2].step_id, "b");
  EXPECT_EQ(Seqs("ex_1"), Range(1, 3));
}

TEST_P(StoreConformance, EventSeqContinuesAcrossCommits) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  for (int i = 0; i < 3; ++i) {
    auto r = store_->Commit({Transition{{Ev("ex_1", "tick"), Ev("ex_2", "tick")}}});
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->events.size(), 2u);
    EXPECT_EQ(r->events[0].seq, i + 2);
    EXPECT_EQ(r->events[1].seq, i + 2);
  }
  EXPECT_EQ(Seqs("ex_1"), Range(1, 4));
  EXPECT_EQ(Seqs("ex_2"), Range(1, 4));
}

TEST_P(StoreConformance, ReadEventsHonoursAfterAndLimit) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ev("ex_1", "e2"), Ev("ex_1", "e3"), Ev("ex_1", "e4"), Ev("ex_1", "e5")}));
  auto page = store_->ReadEvents(kWs, "ex_1", 2, 2);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 3);
  EXPECT_EQ((*page)[0].type, "e3");
  EXPECT_EQ((*page)[1].seq, 4);
  auto tail = store_->ReadEvents(kWs, "ex_1", 5, 10);
  ASSERT_TRUE(tail.has_value());
  EXPECT_TRUE(tail->empty());
}

TEST_P(StoreConformance, EmptyBatchCommitsNothing) {
  auto r = store_->Commit({});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->applied.empty());
  EXPECT_TRUE(r->events.empty());
}

// --- commit: guarded step writes ---

TEST_P(StoreConformance, GuardedStepUpdateAppliesWhenStatusAndAttemptMatch) {
  SeedExecution("ex_1");
  StepRecord a = Step("ex_1", "a", StepStatus::kSucceeded, 1);
  a.output = Json{{"text", "hello"}};
  a.finished_at = 3000;
  ASSERT_TRUE(
      CommitOne({UpdateStep(a, StepStatus::kRunning, 1), Ev("ex_1", "step_succeeded", "a")}));
  auto got = FindStep("ex_1", "a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, StepStatus::kSucceeded);
  EXPECT_EQ(got->output, a.output);
  EXPECT_EQ(got->finished_at, 3000);
  EXPECT_EQ(Seqs("ex_1"), Range(1, 2));
}

TEST_P(StoreConformance, GuardedStepUpdateWithWrongStatusAppliesNothing) {
  SeedExecution("ex_1");
  // Writes come first, then the failing guard: all of them must vanish.
  StepRecord b = Step("ex_1", "b", StepStatus::kReady);
  StepRecord c = Step("ex_1", "c", StepStatus::kPending);
  StepRecord a = Step("ex_1", "a", StepStatus::kSucceeded, 1);
  ExecutionRecord ex = Exec("ex_1", ExecStatus::kCompleted);
  EXPECT_FALSE(CommitOne({UpdateStep(b, StepStatus::kPending), InsertStep(c),
                          Ev("ex_1", "step_ready", "b"), UpdateExec(ex, {ExecStatus::kRunning}),
                          UpdateStep(a, StepStatus::kReady /* it is running */)}));
  EXPECT_EQ(FindStep("ex_1", "b")->status, StepStatus::kPending);
  EXPECT_FALSE(FindStep("ex_1", "c").has_value());
  EXPECT_EQ(FindStep("ex_1", "a")->status, StepStatus::kRunning);
  EXPECT_EQ(store_->GetExecution(kWs, "ex_1")->status, ExecStatus::kRunning);
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1));

  // No gap: the next event takes the seq the rejected one would have had.
  auto r = store_->Commit({Transition{{Ev("ex_1", "next")}}});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].seq, 2);
  EXPECT_EQ(Seqs("ex_1"), Range(1, 2));
}

TEST_P(StoreConformance, GuardedStepUpdateWithWrongAttemptAppliesNothing) {
  SeedExecution("ex_1");
  StepRecord a = Step("ex_1", "a", StepStatus::kSucceeded, 1);
  EXPECT_FALSE(
      CommitOne({Ev("ex_1", "step_succeeded", "a"), UpdateStep(a, StepStatus::kRunning, 2)}));
  EXPECT_EQ(FindStep("ex_1", "a")->status, StepStatus::kRunning);
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1));
  // The attempt guard alone.
  EXPECT_FALSE(CommitOne({UpdateStep(a, std::nullopt, 0)}));
  EXPECT_TRUE(CommitOne({UpdateStep(a, std::nullopt, 1)}));
  EXPECT_EQ(FindStep("ex_1", "a")->status, StepStatus::kSucceeded);
}

TEST_P(StoreConformance, UnguardedStepUpdateNeedsAnExistingRow) {
  SeedExecution("ex_1");
  StepRecord b = Step("ex_1", "b", StepStatus::kReady);
  EXPECT_TRUE(CommitOne({UpdateStep(b, std::nullopt)}));
  EXPECT_EQ(FindStep("ex_1", "b")->status, StepStatus::kReady);
  EXPECT_FALSE(CommitOne({Ev("ex_1", "x"), UpdateStep(Step("ex_1", "zz"), std::nullopt)}));
  EXPECT_FALSE(FindStep("ex_1", "zz").has_value());
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1));
}

TEST_P(StoreConformance, StepInsertOfExistingRowIsNotApplied) {
  SeedExecution("ex_1");
  StepRecord a = Step("ex_1", "a", StepStatus::kReady, 5);
  EXPECT_FALSE(CommitOne({Ev("ex_1", "dup"), InsertStep(a)}));
  auto got = FindStep("ex_1", "a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, StepStatus::kRunning);
  EXPECT_EQ(got->attempt, 1);
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1));
}

// --- commit: guarded execution writes ---

TEST_P(StoreConformance, ExecInsertOfExistingIdIsNotApplied) {
  SeedExecution("ex_1");
  EXPECT_FALSE(CommitOne({InsertExec(Exec("ex_1", ExecStatus::kQueued))}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_1")->status, ExecStatus::kRunning);
}

TEST_P(StoreConformance, GuardedExecWritesKeepTheSubExecutionLink) {
  ExecutionRecord child = Exec("ex_1.sub.v1", ExecStatus::kRunning);
  child.parent_execution_id = "ex_1";
  child.parent_step_id = "sub";
  ASSERT_TRUE(CommitOne({InsertExec(child)}));
  child.status = ExecStatus::kWaiting;
  ASSERT_TRUE(CommitOne({UpdateExec(child, {ExecStatus::kRunning, ExecStatus::kPaused})}));
  auto got = store_->GetExecution(kWs, "ex_1.sub.v1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, ExecStatus::kWaiting);
  EXPECT_EQ(got->parent_execution_id, "ex_1");
  EXPECT_EQ(got->parent_step_id, "sub");
}

TEST_P(StoreConformance, AForkKeepsWhereItWasForkedFromThroughUpdatesAndLists) {
  ExecutionRecord fork = Exec("ex_2", ExecStatus::kQueued);
  fork.forked_from_execution_id = "ex_1";
  fork.forked_from_step_id = "draft";
  ASSERT_TRUE(CommitOne({InsertExec(fork)}));
  fork.status = ExecStatus::kRunning;
  fork.forked_from_execution_id = "ex_other";  // an update does not move the origin
  ASSERT_TRUE(CommitOne({UpdateExec(fork, {ExecStatus::kQueued})}));
  auto got = store_->GetExecution(kWs, "ex_2");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->status, ExecStatus::kRunning);
  EXPECT_EQ(got->forked_from_execution_id, "ex_1");
  EXPECT_EQ(got->forked_from_step_id, "draft");
  auto listed = store_->ListExecutions(kWs, ExecutionFilter{});
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].forked_from_execution_id, "ex_1");
  EXPECT_EQ((*listed)[0].forked_from_step_id, "draft");
}

TEST_P(StoreConformance, ExecUpdateWritesWhatChangesAndKeepsWhatTheLaunchFixed) {
  SeedExecution("ex_1");
  ExecutionRecord changed = Exec("ex_1", ExecStatus::kFailed, 5000, kOtherWs);
  changed.template_id = "tpl_other";
  changed.template_version = 7;
  changed.inputs = Json{{"topic", "badgers"}};
  changed.parent_execution_id = "ex_0";
  changed.parent_step_id = "sub";
  changed.reason = "step 'a' failed";
  changed.error = Json{{"code", "internal"}};
  changed.updated_at = 6000;
  changed.started_at = 1500;
  changed.finished_at = 6000;
  changed.owner = "host:1:n";
  changed.owner_expires_at = 9000;
  ASSERT_TRUE(CommitOne({UpdateExec(changed, {ExecStatus::kRunning})}));
  EXPECT_EQ(store_->GetExecution(kOtherWs, "ex_1").error().code(), Code::kNotFound);
  auto got = store_->GetExecution(kWs, "ex_1");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->status, ExecStatus::kFailed);
  EXPECT_EQ(got->reason, "step 'a' failed");
  EXPECT_EQ(got->error, (Json{{"code", "internal"}}));
  EXPECT_EQ(got->updated_at, 6000);
  EXPECT_EQ(got->started_at, 1500);
  EXPECT_EQ(got->finished_at, 6000);
  EXPECT_EQ(got->owner, "host:1:n");
  EXPECT_EQ(got->owner_expires_at, 9000);
  // Fixed at launch.
  EXPECT_EQ(got->workspace_id, kWs);
  EXPECT_EQ(got->template_id, "tpl_a");
  EXPECT_EQ(got->template_version, 1);
  EXPECT_EQ(got->inputs, (Json{{"topic", "otters"}}));
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->parent_execution_id, "");
  EXPECT_EQ(got->parent_step_id, "");
}

TEST_P(StoreConformance, ExecWriteIsGuardedByStatusList) {
  SeedExecution("ex_1");
  ExecutionRecord paused = Exec("ex_1", ExecStatus::kPaused);
  paused.reason = "user";
  EXPECT_FALSE(CommitOne({UpdateExec(paused, {ExecStatus::kQueued, ExecStatus::kWaiting})}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_1")->status, ExecStatus::kRunning);

  EXPECT_TRUE(CommitOne({UpdateExec(paused, {ExecStatus::kQueued, ExecStatus::kRunning})}));
  auto got = store_->GetExecution(kWs, "ex_1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, ExecStatus::kPaused);
  EXPECT_EQ(got->reason, "user");

  // No expected statuses: any status will do, but the row must exist.
  EXPECT_TRUE(CommitOne({UpdateExec(Exec("ex_1", ExecStatus::kRunning), {})}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_1")->status, ExecStatus::kRunning);
  EXPECT_FALSE(CommitOne({UpdateExec(Exec("ex_missing"), {})}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_missing").error().code(), Code::kNotFound);
}

TEST_P(StoreConformance, ExecWriteCanBeGuardedByOwner) {
  SeedExecution("ex_1");
  ExecutionRecord mine = Exec("ex_1", ExecStatus::kRunning);
  mine.owner = "a";
  // The stored owner is "": a takeover that expects "ghost" loses, one that expects "" wins.
  ExecWrite lost{mine, {ExecStatus::kRunning}, false, std::string("ghost")};
  EXPECT_FALSE(CommitOne({lost, Ev("ex_1", "lost")}));
  ExecWrite won{mine, {ExecStatus::kRunning}, false, std::string("")};
  EXPECT_TRUE(CommitOne({won, Ev("ex_1", "won")}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_1")->owner, "a");
  ExecutionRecord theirs = mine;
  theirs.owner = "b";
  ExecWrite second{theirs, {ExecStatus::kRunning}, false, std::string("")};
  EXPECT_FALSE(CommitOne({second})) << "b read the owner before a took it";
  EXPECT_EQ(store_->GetExecution(kWs, "ex_1")->owner, "a");
  EXPECT_EQ(Seqs("ex_1"), Range(1, 2));
}

TEST_P(StoreConformance, ExecGuardPassesOrBlocksTheTransition) {
  SeedExecution("ex_1");
  EXPECT_FALSE(CommitOne({ExecGuard{"ex_1", {ExecStatus::kPaused}}, Ev("ex_1", "blocked")}));
  EXPECT_FALSE(CommitOne({Ev("ex_1", "blocked"), ExecGuard{"ex_1", {ExecStatus::kPaused}}}));
  EXPECT_FALSE(CommitOne({ExecGuard{"ex_missing", {ExecStatus::kRunning}}}));
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1));
  EXPECT_TRUE(CommitOne(
      {ExecGuard{"ex_1", {ExecStatus::kPaused, ExecStatus::kRunning}}, Ev("ex_1", "allowed")}));
  EXPECT_EQ(Seqs("ex_1"), Range(1, 2));
}

TEST_P(StoreConformance, BatchMixesAppliedAndRejectedTransitions) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  StepRecord a1 = Step("ex_1", "a", StepStatus::kSucceeded, 1);
  StepRecord b1 = Step("ex_1", "b", StepStatus::kReady);
  StepRecord a2 = Step("ex_2", "a", StepStatus::kFailed, 1);
  std::vector<Transition> batch = {
      Transition{{UpdateStep(a1, StepStatus::kRunning, 1), Ev("ex_1", "step_succeeded", "a")}},
      // Rejected after appending to both executions: b is pending, not running.
      Transition{{Ev("ex_1", "step_started", "b"), Ev("ex_2", "noise"),
                  UpdateStep(b1, StepStatus::kRunning)}},
      Transition{{UpdateStep(a2, StepStatus::kRunning, 1), Ev("ex_2", "step_failed", "a"),
                  Ev("ex_1", "after")}},
      Transition{{InsertStep(Step("ex_2", "b"))}},  // exists: rejected
  };
  auto r = store_->Commit(batch);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->applied, (std::vector<bool>{true, false, true, false}));
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events[0].type, "step_succeeded");
  EXPECT_EQ(r->events[0].seq, 2);
  EXPECT_EQ(r->events[1].type, "step_failed");
  EXPECT_EQ(r->events[1].execution_id, "ex_2");
  EXPECT_EQ(r->events[1].seq, 2);
  EXPECT_EQ(r->events[2].type, "after");
  EXPECT_EQ(r->events[2].seq, 3);

  EXPECT_EQ(Seqs("ex_1"), Range(1, 3));
  EXPECT_EQ(Seqs("ex_2"), Range(1, 2));
  EXPECT_EQ(FindStep("ex_1", "a")->status, StepStatus::kSucceeded);
  EXPECT_EQ(FindStep("ex_1", "b")->status, StepStatus::kPending);
  auto steps2 = store_->GetSteps(kWs, "ex_2");
  ASSERT_TRUE(steps2.has_value());
  EXPECT_EQ((*steps2)[0].status, StepStatus::kFailed);
  EXPECT_EQ((*steps2)[1].status, StepStatus::kPending);
}

TEST_P(StoreConformance, LargeBatchWithScatteredRejectionsKeepsSeqsContiguous) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  std::vector<Transition> batch;
  std::vector<bool> expected;
  for (int i = 0; i < 200; ++i) {
    const std::string ex = i % 2 == 0 ? "ex_1" : "ex_2";
    const bool reject = i % 7 == 3;
    StepRecord s = Step(ex, "s" + std::to_string(i), StepStatus::kReady);
    Transition t{{InsertStep(s), Ev(ex, "step_ready", s.step_id)}};
    // Rejected late, after writing: the step "a" is running, not pending.
    if (reject)
      t.ops.push_back(UpdateStep(Step(ex, "a", StepStatus::kReady), StepStatus::kPending));
    batch.push_back(std::move(t));
    expected.push_back(!reject);
  }
  auto r = store_->Commit(batch);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->applied, expected);
  const auto applied_per_exec = [&](int parity) {
    int n = 0;
    for (int i = parity; i < 200; i += 2) n += expected[i] ? 1 : 0;
    return n;
  };
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1 + applied_per_exec(0)));
  EXPECT_EQ(Seqs("ex_2"), Range(1, 1 + applied_per_exec(1)));
  ASSERT_EQ(r->events.size(), static_cast<size_t>(applied_per_exec(0) + applied_per_exec(1)));
  auto steps = store_->GetSteps(kWs, "ex_1");
  ASSERT_TRUE(steps.has_value());
  EXPECT_EQ(steps->size(), static_cast<size_t>(2 + applied_per_exec(0)));
  EXPECT_FALSE(FindStep("ex_1", "s10").has_value());  // 10 % 7 == 3
  EXPECT_TRUE(FindStep("ex_1", "s12").has_value());
}

TEST_P(StoreConformance, ConcurrentCommitsLeaveNoSeqGap) {
  SeedExecution("ex_1");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = store_->Commit({Transition{{Ev("ex_1", "tick")}}});
        EXPECT_TRUE(r.has_value());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1 + kThreads * kPerThread));
}

// --- workspace event streams ---

TEST_P(StoreConformance, EventGidsIncreaseInCommitOrderAndReadBackTheSame) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  SeedExecution("ex_3", kOtherWs);
  std::vector<Event> committed;
  auto seed = store_->ReadEvents(kWs, "ex_1", 0, 100);
  ASSERT_TRUE(seed.has_value());
  ASSERT_EQ(seed->size(), 1u);
  EXPECT_GT((*seed)[0].gid, 0);
  for (int i = 0; i < 3; ++i) {
    auto r = store_->Commit({Transition{{Ev("ex_2", "a"), Ev("ex_1", "b")}},
                             Transition{{Ev("ex_1", "c"), Ev("ex_3", "x"),
                                         UpdateStep(Step("ex_1", "b"), StepStatus::kFailed)}},
                             Transition{{Ev("ex_3", "y")}}, Transition{{Ev("ex_1", "d")}}});
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->applied, (std::vector<bool>{true, false, true, true}));
    for (const Event& e : r->events) committed.push_back(e);
  }
  ASSERT_EQ(committed.size(), 12u);
  for (size_t i = 1; i < committed.size(); ++i) {
    EXPECT_GT(committed[i].gid, committed[i - 1].gid) << i;
  }

  // Every read gives the gids the commit returned.
  std::vector<Event> mine;
  for (const Event& e : committed) {
    if (e.execution_id != "ex_3") mine.push_back(e);
  }
  auto stream = accounts_->ReadWorkspaceEvents(kWs, (*seed)[0].gid, 0);
  ASSERT_TRUE(stream.has_value()) << stream.error().ToString();
  // The stream also has ex_2's first event, which came after ex_1's.
  ASSERT_EQ(stream->size(), mine.size() + 1);
  EXPECT_EQ((*stream)[0].execution_id, "ex_2");
  EXPECT_EQ((*stream)[0].seq, 1);
  for (size_t i = 0; i < mine.size(); ++i) {
    const Event& got = (*stream)[i + 1];
    EXPECT_EQ(got.gid, mine[i].gid);
    EXPECT_EQ(got.execution_id, mine[i].execution_id);
    EXPECT_EQ(got.seq, mine[i].seq);
    EXPECT_EQ(got.type, mine[i].type);
    EXPECT_EQ(got.payload, mine[i].payload);
  }
  auto ex1 = store_->ReadEvents(kWs, "ex_1", 1, 100);
  ASSERT_TRUE(ex1.has_value());
  std::vector<int64_t> ex1_gids, want;
  for (const Event& e : *ex1) ex1_gids.push_back(e.gid);
  for (const Event& e : committed) {
    if (e.execution_id == "ex_1") want.push_back(e.gid);
  }
  EXPECT_EQ(ex1_gids, want);

  // after_gid and limit page through the stream.
  auto page = accounts_->ReadWorkspaceEvents(kWs, mine[2].gid, 2);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].gid, mine[3].gid);
  EXPECT_EQ((*page)[1].gid, mine[4].gid);
  auto last = accounts_->LastWorkspaceEventId(kWs);
  ASSERT_TRUE(last.has_value()) << last.error().ToString();
  EXPECT_EQ(*last, mine.back().gid);
  EXPECT_TRUE(accounts_->ReadWorkspaceEvents(kWs, *last, 10)->empty());

  auto other = accounts_->ReadWorkspaceEvents(kOtherWs, 0, 0);
  ASSERT_TRUE(other.has_value());
  ASSERT_EQ(other->size(), 4u);  // seed + y in each round (x's transition is refused)
  for (const Event& e : *other) EXPECT_EQ(e.execution_id, "ex_3");
  EXPECT_EQ(*accounts_->LastWorkspaceEventId(kOtherWs), other->back().gid);
  EXPECT_EQ(*accounts_->LastWorkspaceEventId("ws_empty"), 0);
  EXPECT_TRUE(accounts_->ReadWorkspaceEvents("ws_empty", 0, 0)->empty());
}

// An event appended earlier in the transition that inserts its execution still belongs to the
// execution's workspace: its stream shows it, in order, and another workspace's does not.
TEST_P(StoreConformance, AnEventAppendedBeforeItsExecutionIsInsertedJoinsItsWorkspace) {
  auto r = store_->Commit(
      {Transition{{Ev("ex_late", "first"), InsertExec(Exec("ex_late", ExecStatus::kRunning)),
                   Ev("ex_late", "second")}},
       Transition{{Ev("ex_other", "x"),
                   InsertExec(Exec("ex_other", ExecStatus::kRunning, 1000, kOtherWs))}}});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->applied, (std::vector<bool>{true, true}));
  auto stream = accounts_->ReadWorkspaceEvents(kWs, 0, 0);
  ASSERT_TRUE(stream.has_value()) << stream.error().ToString();
  ASSERT_EQ(stream->size(), 2u);
  EXPECT_EQ((*stream)[0].type, "first");
  EXPECT_EQ((*stream)[0].seq, 1);
  EXPECT_EQ((*stream)[1].type, "second");
  EXPECT_EQ((*stream)[1].seq, 2);
  auto other = accounts_->ReadWorkspaceEvents(kOtherWs, 0, 0);
  ASSERT_TRUE(other.has_value()) << other.error().ToString();
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].execution_id, "ex_other");
  EXPECT_EQ(Seqs("ex_late"), (std::vector<int64_t>{1, 2}));
}

TEST_P(StoreConformance, ConcurrentCommitsGiveDistinctIncreasingGids) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20;
  std::vector<std::vector<int64_t>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &per_thread] {
      const std::string ex = t % 2 == 0 ? "ex_1" : "ex_2";
      for (int i = 0; i < kPerThread; ++i) {
        auto r = store_->Commit({Transition{{Ev(ex, "tick")}}});
        EXPECT_TRUE(r.has_value());
        if (r && !r->events.empty()) per_thread[t].push_back(r->events[0].gid);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> all;
  for (const auto& v : per_thread) {
    for (size_t i = 1; i < v.size(); ++i) EXPECT_GT(v[i], v[i - 1]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  auto stream = accounts_->ReadWorkspaceEvents(kWs, 0, 0);
  ASSERT_TRUE(stream.has_value());
  ASSERT_EQ(stream->size(), static_cast<size_t>(2 + kThreads * kPerThread));
  for (size_t i = 1; i < stream->size(); ++i) EXPECT_GT((*stream)[i].gid, (*stream)[i - 1].gid);
}

}  // namespace atelier
