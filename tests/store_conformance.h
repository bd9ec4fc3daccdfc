// The Store conformance suite: the behaviour every Store backend must show, whatever its database.
//
// Header-only and backend-agnostic. A backend's test file includes it once and instantiates it
// with a factory that returns a fresh, empty, migrated store for every test:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
//                            ::testing::Values(StoreFactory([] { return MakeTempStore(); })));
//
// Include it in exactly one translation unit per test binary (it defines the tests).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "atelier/engine/store.h"

namespace atelier {

// Returns a new store over an empty database (schema migrated), or nullptr on failure.
using StoreFactory = std::function<std::unique_ptr<Store>()>;

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  static constexpr const char* kWs = "ws_main";
  static constexpr const char* kOtherWs = "ws_other";

  void SetUp() override {
    store_ = GetParam()();
    ASSERT_NE(store_, nullptr) << "the store factory failed";
    ASSERT_TRUE(store_->EnsureWorkspace(kWs, "main").ok());
    ASSERT_TRUE(store_->EnsureWorkspace(kOtherWs, "other").ok());
  }

  static ExecutionRecord Exec(const std::string& id, ExecStatus status = ExecStatus::kRunning,
                              int64_t created_at = 1000, const std::string& ws = kWs) {
    ExecutionRecord r;
    r.id = id;
    r.workspace_id = ws;
    r.template_id = "tpl_a";
    r.template_version = 1;
    r.status = status;
    r.inputs = Json{{"topic", "otters"}};
    r.created_at = created_at;
    r.updated_at = created_at;
    return r;
  }

  static StepRecord Step(const std::string& exec, const std::string& step,
                         StepStatus status = StepStatus::kReady, int attempt = 0,
                         int64_t created_at = 1000) {
    StepRecord r;
    r.execution_id = exec;
    r.step_id = step;
    r.node_id = step;
    r.status = status;
    r.attempt = attempt;
    r.created_at = created_at;
    r.updated_at = created_at;
    return r;
  }

  static Op Ev(const std::string& exec, const std::string& type, const std::string& step = "") {
    Event e;
    e.execution_id = exec;
    e.type = type;
    e.step_id = step;
    e.ts = 2000;
    e.payload = Json{{"type", type}};
    return EventAppend{e};
  }

  static Op InsertExec(ExecutionRecord r) { return ExecWrite{std::move(r), {}, true}; }
  static Op UpdateExec(ExecutionRecord r, std::vector<ExecStatus> expected) {
    return ExecWrite{std::move(r), std::move(expected), false};
  }
  static Op InsertStep(StepRecord r) {
    return StepWrite{std::move(r), std::nullopt, std::nullopt, true};
  }
  static Op UpdateStep(StepRecord r, std::optional<StepStatus> expected,
                       std::optional<int> expected_attempt = std::nullopt) {
    return StepWrite{std::move(r), expected, expected_attempt, false};
  }

  // Commits one transition and returns whether it was applied (failing the test on an error).
  bool CommitOne(std::vector<Op> ops) {
    auto r = store_->Commit({Transition{std::move(ops)}});
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    if (!r.has_value()) return false;
    EXPECT_EQ(r->applied.size(), 1u);
    return r->applied.size() == 1 && r->applied[0];
  }

  // An execution with steps a (running, attempt 1) and b (pending) and one event.
  void SeedExecution(const std::string& id, const std::string& ws = kWs) {
    ASSERT_TRUE(
        CommitOne({InsertExec(Exec(id, ExecStatus::kRunning, 1000, ws)),
                   InsertStep(Step(id, "a", StepStatus::kRunning, 1)),
                   InsertStep(Step(id, "b", StepStatus::kPending)), Ev(id, "execution_started")}));
  }

  std::vector<int64_t> Seqs(const std::string& exec, const std::string& ws = kWs) {
    std::vector<int64_t> seqs;
    auto events = store_->ReadEvents(ws, exec, 0, 1000);
    EXPECT_TRUE(events.has_value()) << events.error().ToString();
    if (events) {
      for (const Event& e : *events) seqs.push_back(e.seq);
    }
    return seqs;
  }

  std::optional<StepRecord> FindStep(const std::string& exec, const std::string& step) {
    auto steps = store_->GetSteps(kWs, exec);
    EXPECT_TRUE(steps.has_value()) << steps.error().ToString();
    if (!steps) return std::nullopt;
    for (const StepRecord& s : *steps) {
      if (s.step_id == step) return s;
    }
    return std::nullopt;
  }

  static std::vector<int64_t> Range(int64_t from, int64_t to) {
    std::vector<int64_t> v;
    for (int64_t i = from; i <= to; ++i) v.push_back(i);
    return v;
  }

  static TemplateRecord Tpl(const std::string& name, const std::string& hash,
                            const std::string& ws = kWs) {
    TemplateRecord t;
    t.workspace_id = ws;
    t.name = name;
    t.category = "writing";
    t.description = "a test template";
    t.definition = Json{{"name", name}, {"nodes", Json::array({Json{{"id", "n1"}}})}};
    t.content_hash = hash;
    return t;
  }

  std::unique_ptr<Store> store_;
};

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

// --- templates ---

TEST_P(StoreConformance, PutTemplateCreatesVersionOneWithNewId) {
  auto put = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_EQ(put->id.rfind("tpl_", 0), 0u) << put->id;
  EXPECT_EQ(put->version, 1);
  EXPECT_EQ(put->name, "blog");
  EXPECT_EQ(put->workspace_id, kWs);

  auto got = store_->GetTemplate(kWs, put->id, 0);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->id, put->id);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->name, "blog");
  EXPECT_EQ(got->category, "writing");
  EXPECT_EQ(got->description, "a test template");
  EXPECT_EQ(got->content_hash, "h1");
  EXPECT_EQ(got->definition, Tpl("blog", "h1").definition);
  EXPECT_EQ(got->created_at, put->created_at);
}

TEST_P(StoreConformance, PutTemplateWithSameHashReturnsExistingVersion) {
  auto first = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(first.has_value());
  auto again = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->version, 1);
}

TEST_P(StoreConformance, PutTemplateWithNewHashAddsVersionUnderSameId) {
  auto v1 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(v1.has_value());
  TemplateRecord changed = Tpl("blog", "h2");
  changed.definition["nodes"].push_back(Json{{"id", "n2"}});
  auto v2 = store_->PutTemplate(changed);
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->id, v1->id);
  EXPECT_EQ(v2->version, 2);

  auto latest = store_->GetTemplate(kWs, v1->id, 0);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->definition, changed.definition);
  auto old = store_->GetTemplate(kWs, v1->id, 1);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->version, 1);
  EXPECT_EQ(old->content_hash, "h1");

  // Going back to an earlier definition is a new version too: only the latest is compared.
  auto v3 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(v3.has_value());
  EXPECT_EQ(v3->version, 3);
}

TEST_P(StoreConformance, PutTemplateWithNewNameGetsNewId) {
  auto a = store_->PutTemplate(Tpl("blog", "h1"));
  auto b = store_->PutTemplate(Tpl("tweet", "h1"));
  auto c = store_->PutTemplate(Tpl("blog", "h1", kOtherWs));
  ASSERT_TRUE(a.has_value() && b.has_value() && c.has_value());
  EXPECT_NE(a->id, b->id);
  EXPECT_NE(a->id, c->id);
  EXPECT_EQ(b->version, 1);
  EXPECT_EQ(c->version, 1);
}

TEST_P(StoreConformance, FindTemplateGivesTheLatestVersionOfANameInTheWorkspace) {
  ASSERT_TRUE(store_->PutTemplate(Tpl("blog", "h1")).has_value());
  auto v2 = store_->PutTemplate(Tpl("blog", "h2"));
  ASSERT_TRUE(v2.has_value());
  auto found = store_->FindTemplate(kWs, "blog");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, v2->id);
  EXPECT_EQ(found->version, 2);
  auto other = store_->FindTemplate(kOtherWs, "blog");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), Code::kNotFound);
  EXPECT_NE(other.error().message().find("'blog'"), std::string::npos);
}

TEST_P(StoreConformance, GetTemplateNotFoundNamesTheId) {
  auto missing = store_->GetTemplate(kWs, "tpl_nope", 0);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("tpl_nope"), std::string::npos);

  auto put = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(put.has_value());
  auto no_version = store_->GetTemplate(kWs, put->id, 7);
  ASSERT_FALSE(no_version.has_value());
  EXPECT_EQ(no_version.error().code(), Code::kNotFound);
  EXPECT_NE(no_version.error().message().find(put->id), std::string::npos);

  auto other_ws = store_->GetTemplate(kOtherWs, put->id, 0);
  ASSERT_FALSE(other_ws.has_value());
  EXPECT_EQ(other_ws.error().code(), Code::kNotFound);
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
}

}  // namespace atelier
