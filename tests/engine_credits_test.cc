// Credits end to end: reservations, settlements and refunds stay balanced under every outcome.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "atelier/engine/price_table.h"

#include "tests/engine_test_support.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// ---- credits -------------------------------------------------------------------------------------

EngineOptions WithCredits(double per_image, double per_1k = 0) {
  auto prices = std::make_shared<PriceTable>();
  prices->Set("offline", Price{per_1k, per_1k, per_image});
  EngineOptions o;
  o.credits = true;
  o.prices = prices;
  o.workers = 16;
  return o;
}

void Grant(Harness& h, int64_t micro, const std::string& key) {
  LedgerEntry e;
  e.workspace_id = Harness::kWs;
  e.kind = LedgerKind::kGrant;
  e.amount = micro;
  e.key = key;
  auto r = h.store().Commit({Transition{{LedgerAppend{e}}}});
  ASSERT_TRUE(r.has_value() && r->applied[0]);
}

// The ledger adds up: its entries sum to the balance, and what was spent equals the recorded
// cost of every step (nothing charged twice, nothing left reserved).
void ExpectLedgerMatchesSteps(Harness& h, const std::vector<std::string>& executions) {
  auto ledger = Accounts(h).ListLedger(Harness::kWs, LedgerFilter{0, "", 0});
  ASSERT_TRUE(ledger.has_value());
  int64_t sum = 0;
  for (const auto& e : *ledger) sum += e.amount;
  CreditBalance b = *Accounts(h).GetBalance(Harness::kWs);
  EXPECT_EQ(sum, b.balance);
  EXPECT_GE(b.balance, 0);
  EXPECT_EQ(b.reserved, 0) << "every reservation is settled or refunded";
  double cost = 0;
  for (const auto& id : executions)
    for (const auto& s : h.Steps(id))
      if (s.usage.is_object()) cost += s.usage.value("cost", 0.0);
  EXPECT_EQ(b.spent, static_cast<int64_t>(std::llround(cost * 1e6)));
}

const char* kOneImage = R"({"name": "One image", "nodes": [
  {"id": "start", "type": "start"},
  {"id": "img", "type": "generate_image", "data": {"prompt": "tile {{inputs.n}}", "size": "16x16", "latency_ms": 30}}],
  "inputs": {"n": {"type": "integer", "required": true}},
  "edges": [{"id": "1", "source": "start", "target": "img"}]})";

TEST(Credits, ConcurrentExecutionsNeverOverdrawAndResumeWhenCreditsAreGranted) {
  Harness h(WithCredits(1.0));
  Grant(h, 5'000'000, "g1");  // five images
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(h.Launch(kOneImage, {{"n", i}}).id);
  for (const auto& id : ids) ASSERT_TRUE(h.engine().Drive(Harness::kWs, id).ok());
  int completed = 0, paused = 0;
  for (const auto& id : ids) {
    auto r = h.engine().WaitUntilRest(Harness::kWs, id);
    ASSERT_TRUE(r.has_value());
    if (r->status == ExecStatus::kCompleted) ++completed;
    if (r->status == ExecStatus::kPaused) {
      ++paused;
      EXPECT_EQ(r->reason, kInsufficientCredits);
      EXPECT_EQ(h.Step(id, "img").attempt, 0) << "a step that cannot be paid is never called";
    }
  }
  EXPECT_EQ(completed, 5);
  EXPECT_EQ(paused, 7);
  EXPECT_EQ(Accounts(h).GetBalance(Harness::kWs)->balance, 0);

  Grant(h, 7'000'000, "g2");
  auto resumed = h.engine().ResumeAfterGrant(Harness::kWs);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(*resumed, 7);
  for (const auto& id : ids)
    EXPECT_EQ(h.engine().WaitUntilRest(Harness::kWs, id)->status, ExecStatus::kCompleted);
  ExpectLedgerMatchesSteps(h, ids);
  EXPECT_EQ(Accounts(h).GetBalance(Harness::kWs)->spent, 12'000'000);
}

TEST(Credits, AFailedAttemptIsRefundedSoARetryChargesOnce) {
  Harness h(WithCredits(0, 1.0));
  Grant(h, 100'000'000, "g");
  auto ex = h.Run(R"({"name": "Flaky", "nodes": [{"id": "start", "type": "start"},
    {"id": "t", "type": "generate_text", "data": {"prompt": "hello", "max_tokens": 200, "fail_first": 1,
      "retry": {"max_attempts": 2, "backoff_ms": 1}}}],
    "edges": [{"id": "1", "source": "start", "target": "t"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  auto ledger = *Accounts(h).ListLedger(Harness::kWs, LedgerFilter{0, ex.id, 0});
  std::map<LedgerKind, int> kinds;
  for (const auto& e : ledger) kinds[e.kind]++;
  EXPECT_EQ(kinds[LedgerKind::kReservation], 2);
  EXPECT_EQ(kinds[LedgerKind::kRefund], 1);
  EXPECT_EQ(kinds[LedgerKind::kSettlement], 1);
  ExpectLedgerMatchesSteps(h, {ex.id});
  EXPECT_GT(Accounts(h).GetBalance(Harness::kWs)->spent, 0);
}

TEST(Credits, ACacheHitReservesAndChargesNothing) {
  Harness h(WithCredits(1.0));
  Grant(h, 10'000'000, "g");
  auto a = h.Run(R"({"name": "Same", "nodes": [{"id": "start", "type": "start"},
    {"id": "img", "type": "generate_image", "data": {"prompt": "the same tile", "size": "16x16"}}],
    "edges": [{"id": "1", "source": "start", "target": "img"}]})");
  auto b = h.Run(R"({"name": "Same", "nodes": [{"id": "start", "type": "start"},
    {"id": "img", "type": "generate_image", "data": {"prompt": "the same tile", "size": "16x16"}}],
    "edges": [{"id": "1", "source": "start", "target": "img"}]})");
  ASSERT_EQ(a.status, ExecStatus::kCompleted);
  ASSERT_EQ(b.status, ExecStatus::kCompleted);
  EXPECT_TRUE(Accounts(h).ListLedger(Harness::kWs, LedgerFilter{0, b.id, 0})->empty());
  EXPECT_EQ(Accounts(h).GetBalance(Harness::kWs)->spent, 1'000'000);
}

TEST(Credits, AStepHandedBackAtShutdownIsRefunded) {
  std::string id;
  auto opts = WithCredits(1.0);
  {
    Harness h(opts);
    Grant(h, 3'000'000, "g");
    auto ex = h.Launch(R"({"name": "Slow", "nodes": [{"id": "start", "type": "start"},
      {"id": "img", "type": "generate_image", "data": {"prompt": "slow", "size": "16x16", "latency_ms": 2000}}],
      "edges": [{"id": "1", "source": "start", "target": "img"}]})");
    id = ex.id;
    ASSERT_TRUE(h.engine().Drive(Harness::kWs, id).ok());
    for (int i = 0; i < 200 && h.Step(id, "img").status != StepStatus::kRunning; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(Accounts(h).GetBalance(Harness::kWs)->reserved, 1'000'000);
    h.engine().Shutdown(0);  // hands the running step back
    EXPECT_EQ(h.Step(id, "img").status, StepStatus::kReady);
    CreditBalance b = *Accounts(h).GetBalance(Harness::kWs);
    EXPECT_EQ(b.reserved, 0);
    EXPECT_EQ(b.balance, 3'000'000) << "the handed-back attempt was refunded";
  }
}

TEST(Credits, AStepFailedForCrashingItsProcessIsRefunded) {
  Harness h(GhostsAreDead(WithCredits(1.0)));
  Grant(h, 5'000'000, "g");
  auto ex = h.Launch(kOneImage, {{"n", 1}});
  LeaveRunning(h, ex, "img", 2);
  // The dead process had reserved its attempt's estimate.
  LedgerEntry e;
  e.workspace_id = Harness::kWs;
  e.kind = LedgerKind::kReservation;
  e.amount = -1'000'000;
  e.key = "reserve:" + ex.id + "/img/v1/a1";
  e.execution_id = ex.id;
  e.step_id = "img";
  auto r = h.store().Commit({Transition{{LedgerAppend{e, true}}}});
  ASSERT_TRUE(r && r->applied[0]);
  ASSERT_EQ(Accounts(h).GetBalance(Harness::kWs)->reserved, 1'000'000);
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kFailed);
  CreditBalance b = *Accounts(h).GetBalance(Harness::kWs);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.balance, 5'000'000) << "the crashed attempt was refunded";
  EXPECT_EQ(b.spent, 0);
}

TEST(Credits, ASubExecutionShortOfCreditsMakesItsParentWaitAndAGrantFinishesBoth) {
  Harness h(WithCredits(1.0));
  auto ex = h.Run(R"({"name": "Paid parent", "nodes": [{"id": "start", "type": "start"},
    {"id": "sub", "type": "subworkflow", "data": {"definition": {"name": "Paid child", "nodes": [
       {"id": "start", "type": "start"},
       {"id": "img", "type": "generate_image", "data": {"prompt": "p", "size": "16x16"}},
       {"id": "done", "type": "end", "data": {"output": {"image": "{{steps.img.image}}"}}}],
     "edges": [{"id": "1", "source": "start", "target": "img"}, {"id": "2", "source": "img", "target": "done"}]}}}],
    "edges": [{"id": "1", "source": "start", "target": "sub"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  const std::string child = ex.id + ".sub.v1";
  auto inner = h.store().GetExecution(Harness::kWs, child);
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->status, ExecStatus::kPaused);
  EXPECT_EQ(inner->reason, kInsufficientCredits);

  Grant(h, 1'000'000, "g");
  auto resumed = h.engine().ResumeAfterGrant(Harness::kWs);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(*resumed, 1);
  EXPECT_EQ(h.engine().WaitUntilRest(Harness::kWs, child)->status, ExecStatus::kCompleted);
  auto parent = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(parent.has_value());
  EXPECT_EQ(parent->status, ExecStatus::kCompleted) << parent->reason;
  ExpectLedgerMatchesSteps(h, {child});
  EXPECT_EQ(Accounts(h).GetBalance(Harness::kWs)->balance, 0);
}

}  // namespace
}  // namespace atelier::testing
