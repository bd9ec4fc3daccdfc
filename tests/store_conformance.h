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

}  // namespace atelier

#include "store_conformance_accounts.h"
#include "store_conformance_automations.h"
#include "store_conformance_commit.h"
#include "store_conformance_notifications.h"
#include "store_conformance_reads.h"
#include "store_conformance_retention.h"
#include "store_conformance_templates.h"
