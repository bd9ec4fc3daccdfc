// The Store conformance suite: the behaviour every Store backend must show, whatever its database.
//
// Header-only and backend-agnostic. A backend's test file includes it once and instantiates it
// with a factory that returns a fresh, empty, migrated store for every test:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
//                            ::testing::Values(StoreFactory([] { return MakeTempStore(); })));
//
// Every backend implements AccountStore too (on the same object); the suite tests both.
//
// Include it in exactly one translation unit per test binary (it defines the tests).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "atelier/store/accounts.h"
#include "atelier/store/store.h"

namespace atelier {

// Returns a new store over an empty database (schema migrated), or nullptr on failure (having
// reported it, or skipped the test with GTEST_SKIP).
using StoreFactory = std::function<std::unique_ptr<Store>()>;

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  static constexpr const char* kWs = "ws_main";
  static constexpr const char* kOtherWs = "ws_other";

  void SetUp() override {
    store_ = GetParam()();
    // A factory may skip (GTEST_SKIP) when its database is not there, outside CI.
    if (IsSkipped()) return;
    ASSERT_NE(store_, nullptr) << "the store factory failed";
    accounts_ = dynamic_cast<AccountStore*>(store_.get());
    ASSERT_NE(accounts_, nullptr) << "the store does not implement AccountStore";
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

  static LedgerEntry Entry(LedgerKind kind, const std::string& key, int64_t amount,
                           const std::string& reservation_key = "",
                           const std::string& execution_id = "", const std::string& ws = kWs) {
    LedgerEntry e;
    e.workspace_id = ws;
    e.kind = kind;
    e.key = key;
    e.amount = amount;
    e.reservation_key = reservation_key;
    e.execution_id = execution_id;
    e.step_id = execution_id.empty() ? "" : "a";
    e.note = "note " + key;
    e.created_at = 5000;
    return e;
  }
  static Op Ledger(LedgerEntry e, bool require_funds = false) {
    return LedgerAppend{std::move(e), require_funds};
  }

  CreditBalance Balance(const std::string& ws = kWs) {
    auto b = accounts_->GetBalance(ws);
    EXPECT_TRUE(b.has_value()) << b.error().ToString();
    return b.value_or(CreditBalance{});
  }

  static ApiKeyRecord Key(const std::string& id, const std::string& hash, int64_t created_at,
                          const std::string& ws = kWs, Role role = Role::kEditor) {
    ApiKeyRecord k;
    k.id = id;
    k.workspace_id = ws;
    k.role = role;
    k.name = "label " + id;
    k.prefix = "atl_" + id.substr(0, 8);
    k.secret_hash = hash;
    k.created_at = created_at;
    return k;
  }

  static ArtifactRecord Art(const std::string& id, const std::string& ex, const std::string& step,
                            const std::string& kind, int64_t created_at,
                            const std::string& ws = kWs) {
    ArtifactRecord a;
    a.id = id;
    a.workspace_id = ws;
    a.execution_id = ex;
    a.step_id = step;
    a.kind = kind;
    a.mime = kind == "image" ? "image/png" : "text/markdown";
    a.name = id;
    a.created_at = created_at;
    return a;
  }

  template <class R>
  static std::vector<std::string> Ids(const std::vector<R>& v) {
    std::vector<std::string> out;
    for (const auto& r : v) out.push_back(r.id);
    return out;
  }
  static std::vector<std::string> Names(const std::vector<TemplateRecord>& v) {
    std::vector<std::string> out;
    for (const auto& t : v) out.push_back(t.name);
    return out;
  }

  std::unique_ptr<Store> store_;
  AccountStore* accounts_ = nullptr;  // the same object as store_
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

// Built-ins get new versions only from newer built-in definitions, and never replace a user's
// template of the same name (nor the other way round).
TEST_P(StoreConformance, PutTemplateKeepsBuiltinAndUserTemplatesApart) {
  TemplateRecord shipped = Tpl("blog", "h1");
  shipped.builtin = true;
  auto v1 = store_->PutTemplate(shipped);
  ASSERT_TRUE(v1.has_value()) << v1.error().ToString();
  EXPECT_TRUE(v1->builtin);
  EXPECT_TRUE(store_->GetTemplate(kWs, v1->id, 0)->builtin);
  EXPECT_TRUE(store_->FindTemplate(kWs, "blog")->builtin);
  // The same content stored as a user template is the built-in itself.
  auto same = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->id, v1->id);
  EXPECT_TRUE(same->builtin);
  // Other content under its name is refused, naming the built-in.
  auto user = store_->PutTemplate(Tpl("blog", "h2"));
  ASSERT_FALSE(user.has_value());
  EXPECT_EQ(user.error().code(), Code::kAlreadyExists);
  EXPECT_NE(user.error().message().find("built-in"), std::string::npos) << user.error().message();
  // A newer shipped definition is version 2 of the built-in.
  shipped.content_hash = "h3";
  auto v2 = store_->PutTemplate(shipped);
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->id, v1->id);
  EXPECT_EQ(v2->version, 2);
  EXPECT_TRUE(v2->builtin);
  // A user's template is not taken over by a built-in of its name.
  ASSERT_TRUE(store_->PutTemplate(Tpl("mine", "h1")).has_value());
  TemplateRecord over = Tpl("mine", "h9");
  over.builtin = true;
  auto refused = store_->PutTemplate(over);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kAlreadyExists);
  EXPECT_FALSE(store_->FindTemplate(kWs, "mine")->builtin);
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
  ASSERT_TRUE(CommitOne({InsertExec(newer), InsertExec(oldest), InsertExec(expired),
                         InsertExec(live), InsertExec(waiting), InsertExec(sub),
                         InsertExec(elsewhere),
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
  auto version = [](const std::string& ex, const std::string& step, int v, const std::string& text) {
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

// --- workspaces ---

TEST_P(StoreConformance, WorkspacesAreReadBackAndUnknownIdsAreNotFound) {
  auto ws = accounts_->GetWorkspace(kWs);
  ASSERT_TRUE(ws.has_value()) << ws.error().ToString();
  EXPECT_EQ(ws->id, kWs);
  EXPECT_EQ(ws->name, "main");
  auto missing = accounts_->GetWorkspace("ws_nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("ws_nope"), std::string::npos);

  auto all = accounts_->ListWorkspaces();
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  ASSERT_EQ(all->size(), 2u);
  std::set<std::string> ids = {(*all)[0].id, (*all)[1].id};
  EXPECT_EQ(ids, (std::set<std::string>{kWs, kOtherWs}));
  EXPECT_LE((*all)[0].created_at, (*all)[1].created_at);
}

// --- API keys ---

TEST_P(StoreConformance, ApiKeysAreInsertedFoundListedAndCounted) {
  ApiKeyRecord a = Key("key_a", "hash_a", 100, kWs, Role::kAdmin);
  ASSERT_TRUE(accounts_->InsertApiKey(a).ok());
  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_b", "hash_b", 200)).ok());
  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_c", "hash_c", 150, kOtherWs)).ok());

  auto found = accounts_->FindApiKeyByHash("hash_a");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_EQ(found->id, "key_a");
  EXPECT_EQ(found->workspace_id, kWs);
  EXPECT_EQ(found->role, Role::kAdmin);
  EXPECT_EQ(found->name, a.name);
  EXPECT_EQ(found->prefix, a.prefix);
  EXPECT_EQ(found->secret_hash, "hash_a");
  EXPECT_EQ(found->created_at, 100);
  EXPECT_EQ(found->revoked_at, 0);
  auto unknown = accounts_->FindApiKeyByHash("hash_zzz");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), Code::kNotFound);

  auto listed = accounts_->ListApiKeys(kWs);
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  EXPECT_EQ(Ids(*listed), (std::vector<std::string>{"key_a", "key_b"}));
  EXPECT_EQ((*listed)[1].role, Role::kEditor);
  EXPECT_EQ(Ids(*accounts_->ListApiKeys(kOtherWs)), (std::vector<std::string>{"key_c"}));
  EXPECT_TRUE(accounts_->ListApiKeys("ws_nope")->empty());
  EXPECT_EQ(*accounts_->CountApiKeys(), 3);
}

TEST_P(StoreConformance, ApiKeyConflictsAndUnknownWorkspacesAreRefused) {
  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_a", "hash_a", 100)).ok());
  Status same_id = accounts_->InsertApiKey(Key("key_a", "hash_other", 100));
  EXPECT_EQ(same_id.code(), Code::kAlreadyExists) << same_id.ToString();
  Status same_hash = accounts_->InsertApiKey(Key("key_b", "hash_a", 100, kOtherWs));
  EXPECT_EQ(same_hash.code(), Code::kAlreadyExists) << same_hash.ToString();
  Status no_ws = accounts_->InsertApiKey(Key("key_c", "hash_c", 100, "ws_nope"));
  EXPECT_EQ(no_ws.code(), Code::kNotFound) << no_ws.ToString();
  EXPECT_EQ(*accounts_->CountApiKeys(), 1);
  EXPECT_EQ(accounts_->FindApiKeyByHash("hash_a")->id, "key_a");
}

TEST_P(StoreConformance, RevokingAKeyKeepsTheFirstTimeAndOtherWorkspacesSeeNotFound) {
  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_a", "hash_a", 100)).ok());
  auto revoked = accounts_->RevokeApiKey(kWs, "key_a", 7000);
  ASSERT_TRUE(revoked.has_value()) << revoked.error().ToString();
  EXPECT_EQ(revoked->id, "key_a");
  EXPECT_EQ(revoked->revoked_at, 7000);
  auto again = accounts_->RevokeApiKey(kWs, "key_a", 9000);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->revoked_at, 7000);
  // Still found by its hash (so that the server can say "revoked") and still counted.
  EXPECT_EQ(accounts_->FindApiKeyByHash("hash_a")->revoked_at, 7000);
  EXPECT_EQ(accounts_->ListApiKeys(kWs)->at(0).revoked_at, 7000);
  EXPECT_EQ(*accounts_->CountApiKeys(), 1);

  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_b", "hash_b", 100)).ok());
  for (const auto& [ws, id] :
       std::vector<std::pair<std::string, std::string>>{{kOtherWs, "key_b"}, {kWs, "key_nope"}}) {
    auto r = accounts_->RevokeApiKey(ws, id, 8000);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kNotFound);
    EXPECT_NE(r.error().message().find(id), std::string::npos) << r.error().message();
  }
  EXPECT_EQ(accounts_->FindApiKeyByHash("hash_b")->revoked_at, 0);
}

// --- credits ---

TEST_P(StoreConformance, LedgerAppendSkipsAKeyAlreadyInTheLedger) {
  SeedExecution("ex_1");
  EXPECT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant-1", 1000))}));
  // A replay with another amount adds nothing, and still counts as applied.
  EXPECT_TRUE(
      CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant-1", 5000)), Ev("ex_1", "replayed")}));
  EXPECT_EQ(Seqs("ex_1"), Range(1, 2));
  EXPECT_EQ(Balance().balance, 1000);
  // The same key in another workspace is another entry.
  EXPECT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant-1", 30, "", "", kOtherWs))}));
  EXPECT_EQ(Balance(kOtherWs).balance, 30);
  EXPECT_EQ(Balance().balance, 1000);

  auto found = accounts_->FindLedgerEntry(kWs, "grant-1");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  ASSERT_TRUE(found->has_value());
  const LedgerEntry& e = **found;
  EXPECT_GT(e.id, 0);
  EXPECT_EQ(e.workspace_id, kWs);
  EXPECT_EQ(e.kind, LedgerKind::kGrant);
  EXPECT_EQ(e.amount, 1000);
  EXPECT_EQ(e.key, "grant-1");
  EXPECT_EQ(e.note, "note grant-1");
  EXPECT_EQ(e.created_at, 5000);
  EXPECT_FALSE(accounts_->FindLedgerEntry(kWs, "nope")->has_value());
  auto ledger = accounts_->ListLedger(kWs, LedgerFilter{});
  ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
  ASSERT_EQ(ledger->size(), 1u);
  EXPECT_EQ((*ledger)[0].id, e.id);
}

TEST_P(StoreConformance, ReservationWithoutFundsAppliesNothingOfItsTransition) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 50))}));
  StepRecord a = Step("ex_1", "a", StepStatus::kSucceeded, 1);
  IdempotencyRecord idem{kWs, "idem-1", "h", "ex_1", 1};
  // Writes before the refused reservation and after it: none of them may stay.
  EXPECT_FALSE(CommitOne({Ev("ex_1", "paid_step_started", "a"), UpdateStep(a, StepStatus::kRunning),
                          Ledger(Entry(LedgerKind::kReservation, "res-1", -80, "", "ex_1"), true),
                          IdempotencyPut{idem}, Ledger(Entry(LedgerKind::kGrant, "g2", 1))}));
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1));
  EXPECT_EQ(FindStep("ex_1", "a")->status, StepStatus::kRunning);
  EXPECT_FALSE(accounts_->FindLedgerEntry(kWs, "res-1")->has_value());
  EXPECT_FALSE(accounts_->FindLedgerEntry(kWs, "g2")->has_value());
  EXPECT_FALSE(accounts_->FindIdempotencyKey(kWs, "idem-1")->has_value());
  CreditBalance b = Balance();
  EXPECT_EQ(b.balance, 50);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_TRUE(accounts_->OpenReservations(kWs)->empty());

  // In a batch, the refused transition leaves its neighbours alone.
  auto r = store_->Commit(
      {Transition{{Ledger(Entry(LedgerKind::kReservation, "res-2", -30), true), Ev("ex_1", "x")}},
       Transition{{Ev("ex_1", "y"), Ledger(Entry(LedgerKind::kReservation, "res-3", -30), true)}},
       Transition{{Ledger(Entry(LedgerKind::kReservation, "res-4", -20), true), Ev("ex_1", "z")}}});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->applied, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(Seqs("ex_1"), Range(1, 3));
  b = Balance();
  EXPECT_EQ(b.balance, 0);  // exactly zero is allowed
  EXPECT_EQ(b.reserved, 50);

  // Without require_funds the balance may go below zero (a settlement over the estimate).
  EXPECT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kSettlement, "set-4", -5, "res-4"))}));
  EXPECT_EQ(Balance().balance, -5);
  // A replayed reservation is a no-op that succeeds even without funds.
  EXPECT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "res-2", -30), true)}));
  EXPECT_FALSE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "res-5", -1), true)}));
  EXPECT_EQ(Balance().balance, -5);
}

TEST_P(StoreConformance, BalanceTracksReservationsSettlementsAndRefunds) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 1000000))}));
  CreditBalance b = Balance();
  EXPECT_EQ(b.balance, 1000000);
  EXPECT_EQ(b.granted, 1000000);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.spent, 0);

  // Reserve 300, then settle at an actual cost of 200.
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r1", -300, "", "ex_1"), true)}));
  b = Balance();
  EXPECT_EQ(b.balance, 999700);
  EXPECT_EQ(b.reserved, 300);
  EXPECT_EQ(b.spent, 0);
  auto open = accounts_->OpenReservations(kWs);
  ASSERT_TRUE(open.has_value()) << open.error().ToString();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].key, "r1");
  EXPECT_EQ((*open)[0].amount, -300);
  EXPECT_EQ((*open)[0].kind, LedgerKind::kReservation);
  EXPECT_EQ((*open)[0].execution_id, "ex_1");

  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kSettlement, "s1", 100, "r1", "ex_1"))}));
  b = Balance();
  EXPECT_EQ(b.balance, 999800);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.spent, 200);
  EXPECT_TRUE(accounts_->OpenReservations(kWs)->empty());

  // Reserve 400, then refund it: nothing spent.
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r2", -400, "", "ex_1"), true)}));
  EXPECT_EQ(Balance().reserved, 400);
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kRefund, "f2", 400, "r2", "ex_1"))}));
  b = Balance();
  EXPECT_EQ(b.balance, 999800);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.spent, 200);

  // Replays of closing entries change nothing; two reservations stay open, oldest first.
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kSettlement, "s1", 100, "r1", "ex_1"))}));
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r3", -50, "", "ex_1"))}));
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r4", -70, "", "ex_1"))}));
  b = Balance();
  EXPECT_EQ(b.balance, 999680);
  EXPECT_EQ(b.granted, 1000000);
  EXPECT_EQ(b.reserved, 120);
  EXPECT_EQ(b.spent, 200);
  EXPECT_EQ(b.balance, b.granted - b.reserved - b.spent);
  open = accounts_->OpenReservations(kWs);
  ASSERT_TRUE(open.has_value());
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].key, "r3");
  EXPECT_EQ((*open)[1].key, "r4");
  EXPECT_TRUE(accounts_->OpenReservations(kOtherWs)->empty());

  CreditBalance none = Balance(kOtherWs);
  EXPECT_EQ(none.balance, 0);
  EXPECT_EQ(none.reserved, 0);
  EXPECT_EQ(none.granted, 0);
  EXPECT_EQ(none.spent, 0);
}

TEST_P(StoreConformance, AReservationClosesOnceAndClosingNothingAddsNothing) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 1000))}));
  // A refund of a reservation that was never made adds nothing (the engine refunds blindly
  // when it recovers or stops a step).
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kRefund, "f0", 300, "r0", "ex_1"))}));
  EXPECT_EQ(Balance().balance, 1000);
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r1", -300, "", "ex_1"), true)}));
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kSettlement, "s1", 100, "r1", "ex_1"))}));
  // A refund under another key after the settlement: the reservation is already closed.
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kRefund, "f1", 300, "r1", "ex_1"))}));
  CreditBalance b = Balance();
  EXPECT_EQ(b.balance, 800);
  EXPECT_EQ(b.spent, 200);
  EXPECT_EQ(b.reserved, 0);
}

TEST_P(StoreConformance, CommitSaysWhichTransitionsLackedFunds) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 100))}));
  std::vector<Transition> batch(3);
  batch[0].ops.push_back(Ledger(Entry(LedgerKind::kReservation, "a", -60, "", "ex_1"), true));
  batch[1].ops.push_back(Ledger(Entry(LedgerKind::kReservation, "b", -60, "", "ex_1"), true));
  batch[2].ops.push_back(ExecGuard{"ex_1", {ExecStatus::kPaused}});
  auto r = store_->Commit(batch);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->applied, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(r->short_of_funds, (std::vector<bool>{false, true, false}));
  std::vector<Transition> one(1);
  one[0].ops.push_back(Ledger(Entry(LedgerKind::kReservation, "c", -60, "", "ex_1"), true));
  r = store_->Commit(one);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->short_of_funds, (std::vector<bool>{true}));
}

TEST_P(StoreConformance, ListLedgerPagesOldestFirstAndFiltersByExecution) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "g", 1000))}));
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r1-" + n, -10, "", "ex_1")),
                           Ledger(Entry(LedgerKind::kReservation, "r2-" + n, -10, "", "ex_2"))}));
  }
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "other", 5, "", "", kOtherWs))}));
  auto keys = [](const std::vector<LedgerEntry>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.key);
    return out;
  };
  auto all = accounts_->ListLedger(kWs, LedgerFilter{});
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_EQ(keys(*all),
            (std::vector<std::string>{"g", "r1-0", "r2-0", "r1-1", "r2-1", "r1-2", "r2-2"}));
  for (size_t i = 1; i < all->size(); ++i) EXPECT_GT((*all)[i].id, (*all)[i - 1].id);
  int64_t sum = 0;
  for (const auto& e : *all) sum += e.amount;
  EXPECT_EQ(sum, Balance().balance);

  LedgerFilter page;
  page.limit = 3;
  std::vector<std::string> seen;
  for (int guard = 0; guard < 10; ++guard) {
    auto p = accounts_->ListLedger(kWs, page);
    ASSERT_TRUE(p.has_value());
    if (p->empty()) break;
    for (const auto& k : keys(*p)) seen.push_back(k);
    page.after_id = p->back().id;
  }
  EXPECT_EQ(seen, keys(*all));

  LedgerFilter ex2;
  ex2.execution_id = "ex_2";
  EXPECT_EQ(keys(*accounts_->ListLedger(kWs, ex2)),
            (std::vector<std::string>{"r2-0", "r2-1", "r2-2"}));
  ex2.after_id = (*all)[2].id;  // r2-0
  ex2.limit = 1;
  EXPECT_EQ(keys(*accounts_->ListLedger(kWs, ex2)), (std::vector<std::string>{"r2-1"}));
  EXPECT_EQ(keys(*accounts_->ListLedger(kOtherWs, LedgerFilter{})),
            (std::vector<std::string>{"other"}));

  // Newest first, in pages from the other end, and by execution.
  LedgerFilter newest;
  newest.newest_first = true;
  newest.limit = 3;
  std::vector<std::string> back;
  for (int guard = 0; guard < 10; ++guard) {
    auto p = accounts_->ListLedger(kWs, newest);
    ASSERT_TRUE(p.has_value());
    if (p->empty()) break;
    for (const auto& k : keys(*p)) back.push_back(k);
    newest.before_id = p->back().id;
  }
  EXPECT_EQ(back, (std::vector<std::string>{"r2-2", "r1-2", "r2-1", "r1-1", "r2-0", "r1-0", "g"}));
  LedgerFilter newest_ex1;
  newest_ex1.newest_first = true;
  newest_ex1.execution_id = "ex_1";
  newest_ex1.before_id = (*all)[5].id;  // r1-2: only what came before it
  EXPECT_EQ(keys(*accounts_->ListLedger(kWs, newest_ex1)),
            (std::vector<std::string>{"r1-1", "r1-0"}));
}

TEST_P(StoreConformance, ConcurrentReservationsNeverOverdraw) {
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 1000))}));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20;
  constexpr int64_t kCost = 30;
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &applied] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "res-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = store_->Commit(
            {Transition{{Ledger(Entry(LedgerKind::kReservation, key, -kCost), true)}}});
        EXPECT_TRUE(r.has_value()) << r.error().ToString();
        if (r.has_value() && r->applied.at(0)) applied.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 1000 / kCost);
  CreditBalance b = Balance();
  EXPECT_GE(b.balance, 0);
  EXPECT_EQ(b.balance, 1000 - kCost * applied.load());
  EXPECT_EQ(b.reserved, kCost * applied.load());
  auto ledger = accounts_->ListLedger(kWs, LedgerFilter{0, "", 0});
  ASSERT_TRUE(ledger.has_value());
  int64_t sum = 0;
  for (const auto& e : *ledger) sum += e.amount;
  EXPECT_EQ(sum, b.balance);
  EXPECT_EQ(ledger->size(), static_cast<size_t>(1 + applied.load()));
}

// --- launch idempotency ---

TEST_P(StoreConformance, IdempotencyKeyBindsOnceAndAConflictRefusesTheLaunch) {
  IdempotencyRecord first{kWs, "launch-1", "hash-a", "ex_1", 1234};
  EXPECT_TRUE(CommitOne({InsertExec(Exec("ex_1")), IdempotencyPut{first}, Ev("ex_1", "created")}));
  auto found = accounts_->FindIdempotencyKey(kWs, "launch-1");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->workspace_id, kWs);
  EXPECT_EQ((*found)->key, "launch-1");
  EXPECT_EQ((*found)->request_hash, "hash-a");
  EXPECT_EQ((*found)->execution_id, "ex_1");
  EXPECT_EQ((*found)->created_at, 1234);

  // A second launch with the same key: nothing of it is applied.
  IdempotencyRecord second{kWs, "launch-1", "hash-b", "ex_2", 2000};
  EXPECT_FALSE(
      CommitOne({InsertExec(Exec("ex_2")), Ev("ex_2", "created"), IdempotencyPut{second}}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_2").error().code(), Code::kNotFound);
  EXPECT_EQ((*accounts_->FindIdempotencyKey(kWs, "launch-1"))->execution_id, "ex_1");

  // Keys are per workspace.
  IdempotencyRecord other{kOtherWs, "launch-1", "hash-c", "ex_3", 3000};
  EXPECT_TRUE(CommitOne(
      {InsertExec(Exec("ex_3", ExecStatus::kQueued, 1000, kOtherWs)), IdempotencyPut{other}}));
  EXPECT_EQ((*accounts_->FindIdempotencyKey(kOtherWs, "launch-1"))->execution_id, "ex_3");
  EXPECT_FALSE(accounts_->FindIdempotencyKey(kWs, "launch-2")->has_value());
}

// --- template catalog ---

TEST_P(StoreConformance, ListTemplatesGivesLatestVersionsFilteredAndPaged) {
  auto blog1 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(blog1.has_value());
  TemplateRecord blog2 = Tpl("blog", "h2");
  blog2.category = "marketing";
  ASSERT_TRUE(store_->PutTemplate(blog2).has_value());
  TemplateRecord news = Tpl("news 100%", "h3");
  TemplateRecord thread = Tpl("tweet_thread", "h4");
  thread.category = "social";
  TemplateRecord plain = Tpl("xyz", "h5");
  plain.category = "";
  for (const auto& t : {news, thread, plain, Tpl("blog", "h6", kOtherWs)}) {
    ASSERT_TRUE(store_->PutTemplate(t).has_value());
  }

  auto all = accounts_->ListTemplates(kWs, TemplateFilter{});
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_EQ(Names(*all), (std::vector<std::string>{"blog", "news 100%", "tweet_thread", "xyz"}));
  EXPECT_EQ((*all)[0].id, blog1->id);
  EXPECT_EQ((*all)[0].version, 2);
  EXPECT_EQ((*all)[0].category, "marketing");
  EXPECT_EQ((*all)[0].definition, blog2.definition);

  TemplateFilter f;
  f.category = "writing";  // blog's latest version moved to marketing
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"news 100%"}));
  f = TemplateFilter{};
  f.name_contains = "BLO";
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"blog"}));
  f.name_contains = "%";  // wildcards in the searched text match only themselves
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"news 100%"}));
  f.name_contains = "_";
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"tweet_thread"}));
  f.name_contains = "t";
  f.category = "social";
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, f)), (std::vector<std::string>{"tweet_thread"}));

  f = TemplateFilter{};
  f.limit = 2;
  std::vector<std::string> paged;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = accounts_->ListTemplates(kWs, f);
    ASSERT_TRUE(page.has_value());
    if (page->empty()) break;
    EXPECT_LE(page->size(), 2u);
    for (const auto& t : *page) paged.push_back(t.name);
    f.after_name = page->back().name;
  }
  EXPECT_EQ(paged, Names(*all));
  EXPECT_EQ(Names(*accounts_->ListTemplates(kOtherWs, TemplateFilter{})),
            (std::vector<std::string>{"blog"}));
}

TEST_P(StoreConformance, ListTemplateVersionsIsOldestFirstAndScoped) {
  auto v1 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(v1.has_value());
  ASSERT_TRUE(store_->PutTemplate(Tpl("blog", "h2")).has_value());
  ASSERT_TRUE(store_->PutTemplate(Tpl("blog", "h3")).has_value());
  auto versions = accounts_->ListTemplateVersions(kWs, v1->id);
  ASSERT_TRUE(versions.has_value()) << versions.error().ToString();
  ASSERT_EQ(versions->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*versions)[i].version, i + 1);
    EXPECT_EQ((*versions)[i].content_hash, "h" + std::to_string(i + 1));
    EXPECT_EQ((*versions)[i].id, v1->id);
  }
  for (const auto& [ws, id] :
       std::vector<std::pair<std::string, std::string>>{{kOtherWs, v1->id}, {kWs, "tpl_nope"}}) {
    auto r = accounts_->ListTemplateVersions(ws, id);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kNotFound);
    EXPECT_NE(r.error().message().find(id), std::string::npos);
  }
}

TEST_P(StoreConformance, DeletedTemplateLeavesListingsButKeepsExplicitVersions) {
  auto v1 = store_->PutTemplate(Tpl("blog", "h1"));
  ASSERT_TRUE(v1.has_value());
  ASSERT_TRUE(store_->PutTemplate(Tpl("blog", "h2")).has_value());
  ASSERT_TRUE(store_->PutTemplate(Tpl("news", "h3")).has_value());
  const std::string id = v1->id;

  Status other = accounts_->DeleteTemplate(kOtherWs, id, 9000);
  EXPECT_EQ(other.code(), Code::kNotFound);
  ASSERT_TRUE(store_->GetTemplate(kWs, id, 0).has_value());

  ASSERT_TRUE(accounts_->DeleteTemplate(kWs, id, 9000).ok());
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, TemplateFilter{})),
            (std::vector<std::string>{"news"}));
  auto latest = store_->GetTemplate(kWs, id, 0);
  ASSERT_FALSE(latest.has_value());
  EXPECT_EQ(latest.error().code(), Code::kNotFound);
  EXPECT_NE(latest.error().message().find(id), std::string::npos);
  EXPECT_EQ(store_->FindTemplate(kWs, "blog").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->ListTemplateVersions(kWs, id).error().code(), Code::kNotFound);
  // Executions refer to explicit versions: those stay readable.
  auto old = store_->GetTemplate(kWs, id, 1);
  ASSERT_TRUE(old.has_value()) << old.error().ToString();
  EXPECT_EQ(old->content_hash, "h1");
  EXPECT_EQ(store_->GetTemplate(kWs, id, 2)->content_hash, "h2");

  Status twice = accounts_->DeleteTemplate(kWs, id, 9500);
  EXPECT_EQ(twice.code(), Code::kNotFound);
  EXPECT_NE(twice.message().find(id), std::string::npos);
  EXPECT_EQ(accounts_->DeleteTemplate(kWs, "tpl_nope", 9500).code(), Code::kNotFound);

  // The name is free again: storing it starts a new template, even with the same content.
  auto reborn = store_->PutTemplate(Tpl("blog", "h2"));
  ASSERT_TRUE(reborn.has_value()) << reborn.error().ToString();
  EXPECT_NE(reborn->id, id);
  EXPECT_EQ(reborn->version, 1);
  EXPECT_EQ(store_->FindTemplate(kWs, "blog")->id, reborn->id);
  EXPECT_EQ(store_->GetTemplate(kWs, reborn->id, 0)->version, 1);
  EXPECT_EQ(Names(*accounts_->ListTemplates(kWs, TemplateFilter{})),
            (std::vector<std::string>{"blog", "news"}));
}

TEST_P(StoreConformance, ListCategoriesCountsListedTemplates) {
  TemplateRecord a = Tpl("a", "h1");  // writing
  TemplateRecord b = Tpl("b", "h2");
  b.category = "social";
  TemplateRecord c = Tpl("c", "h3");  // writing, then moved to social
  TemplateRecord c2 = Tpl("c", "h4");
  c2.category = "social";
  TemplateRecord d = Tpl("d", "h5");
  d.category = "";
  TemplateRecord e = Tpl("e", "h6");
  e.category = "gone";
  for (const auto& t : {a, b, c, c2, d, Tpl("x", "h7", kOtherWs)}) {
    ASSERT_TRUE(store_->PutTemplate(t).has_value());
  }
  auto put_e = store_->PutTemplate(e);
  ASSERT_TRUE(put_e.has_value());
  ASSERT_TRUE(accounts_->DeleteTemplate(kWs, put_e->id, 100).ok());

  auto cats = accounts_->ListCategories(kWs);
  ASSERT_TRUE(cats.has_value()) << cats.error().ToString();
  EXPECT_EQ(*cats, (std::vector<std::pair<std::string, int>>{{"social", 2}, {"writing", 1}}));
  EXPECT_EQ(*accounts_->ListCategories(kOtherWs),
            (std::vector<std::pair<std::string, int>>{{"writing", 1}}));
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

#include "store_conformance_automations.h"
#include "store_conformance_notifications.h"
#include "store_conformance_retention.h"
