// Poison pills end to end: steps whose process dies every time they run.
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

std::vector<Event> EventsOf(Harness& h, const std::string& id, const std::string& type,
                            const std::string& step) {
  std::vector<Event> out;
  for (auto& e : h.Events(id))
    if (e.type == type && e.step_id == step) out.push_back(e);
  return out;
}

TEST(PoisonPill, ACrashIsCountedWhenTheStepIsTakenOverAndClearedWhenItSucceeds) {
  Harness h(GhostsAreDead());
  auto ex = h.Launch(kLinear, {{"product", "tea"}});
  LeaveRunning(h, ex, "caption", 0);
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  auto recovered = EventsOf(h, ex.id, "step_recovered", "caption");
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].payload["crashes"], 1);
  EXPECT_EQ(recovered[0].payload["previous_owner"], "ghost:1:dead");
  EXPECT_EQ(recovered[0].payload["lease_expired"], false) << "freed because its owner is gone";
  StepRecord caption = h.Step(ex.id, "caption");
  EXPECT_EQ(caption.attempt, 2);
  EXPECT_EQ(caption.crashes, 0) << "an attempt that finishes clears the count";
}

TEST(PoisonPill, AFailedAttemptClearsTheCountToo) {
  Harness h(GhostsAreDead());
  auto ex = h.Launch(R"({"name": "F", "nodes": [{"id": "start", "type": "start"},
    {"id": "t", "type": "generate_text", "data": {"prompt": "x", "fail_first": 2, "retry": {"max_attempts": 1, "backoff_ms": 1}}}],
    "edges": [{"id": "1", "source": "start", "target": "t"}]})");
  LeaveRunning(h, ex, "t", 1);
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kFailed);
  StepRecord t = h.Step(ex.id, "t");
  EXPECT_EQ(t.error.value("code", ""), "unavailable") << "its own failure, not a crash";
  EXPECT_EQ(t.crashes, 0);
}

TEST(PoisonPill, TheThirdCrashInARowFailsTheStepAndItsExecutionInsteadOfRunningIt) {
  Harness h(GhostsAreDead());
  auto ex = h.Launch(kLinear, {{"product", "tea"}});
  LeaveRunning(h, ex, "caption", 2);
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kFailed);
  StepRecord caption = h.Step(ex.id, "caption");
  EXPECT_EQ(caption.status, StepStatus::kFailed);
  EXPECT_EQ(caption.attempt, 1) << "not started again";
  EXPECT_EQ(caption.crashes, 3);
  EXPECT_EQ(caption.due_at, 0) << "not retried by its policy";
  EXPECT_TRUE(caption.lease_owner.empty());
  const std::string message = caption.error.value("message", "");
  EXPECT_EQ(caption.error.value("code", ""), "internal");
  EXPECT_EQ(caption.error.value("crashes", 0), 3);
  EXPECT_NE(message.find("died 3 times in a row"), std::string::npos) << message;
  EXPECT_NE(message.find("ghost:1:dead"), std::string::npos) << message;
  EXPECT_NE(message.find("`atelier retry " + ex.id + "`"), std::string::npos) << message;
  EXPECT_EQ(done.error.value("step", ""), "caption");
  EXPECT_NE(done.reason.find("died 3 times in a row"), std::string::npos) << done.reason;
  EXPECT_EQ(h.Step(ex.id, "hero").status, StepStatus::kPending);

  auto events = h.Events(ex.id);
  ExpectGapFreeEvents(events);
  auto failed = EventsOf(h, ex.id, "step_failed", "caption");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].payload["will_retry"], false);
  EXPECT_EQ(failed[0].payload["crashes"], 3);
  EXPECT_EQ(failed[0].payload["error"], caption.error);
  EXPECT_TRUE(EventsOf(h, ex.id, "step_started", "caption").empty());
  EXPECT_TRUE(EventsOf(h, ex.id, "step_recovered", "caption").empty());
  EXPECT_EQ(events.back().type, "execution_failed");
}

TEST(PoisonPill, ARetryClearsTheCountAndRunsTheStepAgain) {
  Harness h(GhostsAreDead());
  auto ex = h.Launch(kLinear, {{"product", "tea"}});
  LeaveRunning(h, ex, "caption", 2);
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kFailed);
  ASSERT_TRUE(h.engine().Retry(Harness::kWs, ex.id).ok());
  StepRecord reset = h.Step(ex.id, "caption");
  EXPECT_EQ(reset.status, StepStatus::kPending);
  EXPECT_EQ(reset.crashes, 0);
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  EXPECT_EQ(h.Step(ex.id, "caption").attempt, 2);
  EXPECT_EQ(h.Step(ex.id, "caption").crashes, 0);
  ExpectGapFreeEvents(h.Events(ex.id));
}

TEST(PoisonPill, ALeaseThatRanOutCountsAsACrashToo) {
  Harness h(GhostsAreDead());
  auto ex = h.Launch(kLinear, {{"product", "tea"}});
  LeaveRunning(h, ex, "caption", 2, "elsewhere:7:live", /*lease_until=*/1);
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kFailed);
  const std::string message = h.Step(ex.id, "caption").error.value("message", "");
  EXPECT_NE(message.find("lost its lease 3 times in a row"), std::string::npos) << message;
}

TEST(PoisonPill, ZeroMaxStepCrashesNeverFailsAStepForCrashing) {
  EngineOptions o = GhostsAreDead();
  o.max_step_crashes = 0;
  Harness h(o);
  auto ex = h.Launch(kLinear, {{"product", "tea"}});
  LeaveRunning(h, ex, "caption", 10);
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
}

TEST(PoisonPill, AMapItemThatCrashesIsCollectedAsAnItemErrorUnderContinue) {
  Harness h(GhostsAreDead());
  auto ex = h.Launch(MapTemplate(R"(["a", "b", "c"])",
                                 R"({"type": "generate_text", "data": {"prompt": "{{item}}"}})", 2,
                                 "continue"));
  // The map had started its items; item 0 succeeded and item 1 was running when its process
  // died for the second time.
  const int64_t lease = WallMs() + 3'600'000;
  Transition t;
  ExecutionRecord row = ex;
  row.status = ExecStatus::kRunning;
  row.owner = "ghost:2:dead";
  row.owner_expires_at = lease;
  t.ops.push_back(ExecWrite{row, {ExecStatus::kQueued}, false});
  for (auto s : h.Steps(ex.id)) {
    if (s.step_id != "each") continue;
    s.status = StepStatus::kRunning;
    s.attempt = 1;
    s.output = {{"items", {"a", "b", "c"}}, {"concurrency", 2}, {"on_item_error", "continue"}};
    t.ops.push_back(StepWrite{s, StepStatus::kPending, std::nullopt, false});
    for (int i = 0; i < 3; ++i) {
      StepRecord item;
      item.execution_id = ex.id;
      item.step_id = "each[" + std::to_string(i) + "]";
      item.node_id = "each";
      item.parent_step_id = "each";
      item.item_index = i;
      item.status = i == 0   ? StepStatus::kSucceeded
                    : i == 1 ? StepStatus::kRunning
                             : StepStatus::kReady;
      item.attempt = i < 2 ? 1 : 0;
      if (i == 0) item.output = {{"text", "a!"}};
      if (i == 1) {
        item.lease_owner = "ghost:2:dead";
        item.lease_expires_at = lease;
        item.crashes = 2;
      }
      item.created_at = item.updated_at = s.created_at;
      t.ops.push_back(StepWrite{item, std::nullopt, std::nullopt, true});
    }
  }
  auto r = h.store().Commit({t});
  ASSERT_TRUE(r && r->applied[0]);
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  auto map = h.Step(ex.id, "each");
  EXPECT_EQ(map.output["succeeded"], 2);
  EXPECT_EQ(map.output["failed"], 1);
  ASSERT_EQ(map.output["errors"].size(), 1u);
  EXPECT_EQ(map.output["errors"][0]["index"], 1);
  EXPECT_NE(map.output["errors"][0]["message"].get<std::string>().find("died 3 times in a row"),
            std::string::npos);
  EXPECT_EQ(h.Step(ex.id, "each[1]").status, StepStatus::kFailed);
  EXPECT_EQ(h.Step(ex.id, "each[2]").status, StepStatus::kSucceeded);
  ExpectGapFreeEvents(h.Events(ex.id));
}

TEST(PoisonPill, StepsOnTheirLastChanceRunOneAtATimeBesideOrdinarySteps) {
  Harness h(GhostsAreDead());
  const char* kSlow = R"({"name": "Slow", "nodes": [{"id": "start", "type": "start"},
    {"id": "s", "type": "generate_text", "data": {"prompt": "slow {{inputs.n}}", "latency_ms": 250}}],
    "inputs": {"n": {"type": "integer", "required": true}},
    "edges": [{"id": "1", "source": "start", "target": "s"}]})";
  // Two steps ran beside each other when their process died twice (the next crash fails them);
  // a third had not crashed before.
  std::vector<std::string> ids;
  for (int n = 0; n < 3; ++n) {
    auto ex = h.Launch(kSlow, {{"n", n}});
    LeaveRunning(h, ex, "s", n < 2 ? 1 : 0, "ghost:3:dead");
    ids.push_back(ex.id);
  }
  for (const auto& id : ids) ASSERT_TRUE(h.engine().Drive(Harness::kWs, id).ok());
  std::vector<StepRecord> last_chance, all;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto rec = h.engine().WaitUntilRest(Harness::kWs, ids[i]);
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->status, ExecStatus::kCompleted) << rec->reason;
    StepRecord s = h.Step(ids[i], "s");
    EXPECT_EQ(s.crashes, 0);
    if (i < 2) last_chance.push_back(s);
    all.push_back(s);
  }
  EXPECT_EQ(MaxOverlap(last_chance), 1) << "one last chance at a time";
  EXPECT_EQ(MaxOverlap(all), 2) << "ordinary steps do not wait for them";
}

}  // namespace
}  // namespace atelier::testing
