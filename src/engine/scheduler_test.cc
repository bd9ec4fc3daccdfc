#include "scheduler.h"

#include <gtest/gtest.h>

#include <map>

#include "atelier/core/validation.h"

namespace atelier {
namespace {

constexpr int64_t kNow = 1'000'000;

// One workflow with a piece of each shape: a diamond (a, b -> join), a condition with two
// branches (check -> yes | no), an approval gate, a map and a step that retries.
const char* kWorld = R"({"name": "World", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "a", "type": "transform", "data": {"output": {"x": 1}}},
    {"id": "b", "type": "transform", "data": {"output": {"x": 2}}},
    {"id": "join", "type": "transform", "data": {"output": {"x": 3}}},
    {"id": "check", "type": "condition", "data": {"value": 1, "operator": "gte", "operand": 2}},
    {"id": "yes", "type": "transform", "data": {"output": {"x": 4}}},
    {"id": "no", "type": "transform", "data": {"output": {"x": 5}}},
    {"id": "gate", "type": "approval", "data": {"message": "ok?"}},
    {"id": "each", "type": "map", "data": {"items": [1, 2, 3],
      "node": {"type": "transform", "data": {"output": {"x": "{{item}}"}}}}},
    {"id": "flaky", "type": "generate_text", "data": {"prompt": "p", "retry": {"max_attempts": 3, "backoff_ms": 1000}}}],
  "edges": [
    {"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "start", "target": "b"},
    {"id": "3", "source": "a", "target": "join"}, {"id": "4", "source": "b", "target": "join"},
    {"id": "5", "source": "start", "target": "check"},
    {"id": "6", "source": "check", "target": "yes", "sourceHandle": "true"},
    {"id": "7", "source": "check", "target": "no", "sourceHandle": "false"},
    {"id": "8", "source": "start", "target": "gate"},
    {"id": "9", "source": "start", "target": "each"},
    {"id": "10", "source": "start", "target": "flaky"}]})";

std::shared_ptr<const Graph> World() {
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(Json::parse(kWorld), &errors);
  EXPECT_TRUE(t.has_value()) << (errors.empty() ? t.error().message() : errors[0].ToString());
  return Graph::Build(std::move(*t));
}

StepRecord Row(const std::string& id, StepStatus status, int64_t due_at = 0,
               Json output = nullptr) {
  StepRecord s;
  s.step_id = s.node_id = id;
  s.status = status;
  s.due_at = due_at;
  s.output = std::move(output);
  return s;
}

struct PlanCase {
  const char* name;
  std::vector<StepRecord> rows;  // over "start succeeded, everything else pending"
  bool failing;
  const char* step;
  StepPlan want;
};

TEST(Scheduler, PlansEachStepFromTheExecutionsState) {
  using S = StepStatus;
  using A = StepAction;
  const PlanCase cases[] = {
      {"a diamond's join waits for its second parent",
       {Row("a", S::kSucceeded), Row("b", S::kRunning)},
       false,
       "join",
       {}},
      {"a diamond's join starts once both parents succeeded",
       {Row("a", S::kSucceeded), Row("b", S::kSucceeded)},
       false,
       "join",
       {A::kStart}},
      {"a join with one parent skipped and one succeeded starts",
       {Row("a", S::kSucceeded), Row("b", S::kSkipped)},
       false,
       "join",
       {A::kStart}},
      {"the branch a condition did not take is skipped",
       {Row("check", S::kSucceeded, 0, {{"branch", "false"}})},
       false,
       "yes",
       {A::kSkip}},
      {"the branch a condition took starts",
       {Row("check", S::kSucceeded, 0, {{"branch", "false"}})},
       false,
       "no",
       {A::kStart}},
      {"a step whose only parent was skipped is skipped too",
       {Row("check", S::kSkipped)},
       false,
       "yes",
       {A::kSkip}},
      {"a failed step with retries left waits for its due time",
       {Row("flaky", S::kFailed, kNow + 60000)},
       false,
       "flaky",
       {A::kWaitUntil, kNow + 60000}},
      {"a failed step whose due time has come starts again",
       {Row("flaky", S::kFailed, kNow)},
       false,
       "flaky",
       {A::kStart}},
      {"a retry that is due starts even while another step has failed for good",
       {Row("flaky", S::kFailed, kNow - 1)},
       true,
       "flaky",
       {A::kStart}},
      {"a step failed for good stays failed", {Row("flaky", S::kFailed)}, false, "flaky", {}},
      {"an approval waiting for a decision is left to the person",
       {Row("gate", S::kWaiting)},
       false,
       "gate",
       {}},
      {"a pending approval whose parent succeeded starts (asks)", {}, false, "gate", {A::kStart}},
      {"a map in progress is followed", {Row("each", S::kRunning)}, false, "each", {A::kFollow}},
      {"a running task step is left to its worker", {Row("a", S::kRunning)}, false, "a", {}},
      {"nothing new starts once a step has failed for good", {}, true, "a", {}},
      {"a ready step (handed back by a crash) starts",
       {Row("a", S::kReady)},
       false,
       "a",
       {A::kStart}},
      {"a stale step starts again once its parents are done",
       {Row("a", S::kStale)},
       false,
       "a",
       {A::kStart}},
  };
  auto g = World();
  for (const auto& c : cases) {
    std::map<std::string, StepRecord> steps;
    for (int i = 0; i < g->size(); ++i)
      steps[g->node(i).id] = Row(g->node(i).id, StepStatus::kPending);
    steps["start"] = Row("start", StepStatus::kSucceeded);
    for (const auto& r : c.rows) steps[r.step_id] = r;
    const StepLookup find = [&](const std::string& id) -> const StepRecord* {
      auto it = steps.find(id);
      return it == steps.end() ? nullptr : &it->second;
    };
    const StepPlan got = PlanStep(*g, g->IndexOf(c.step), steps[c.step], find, c.failing, kNow);
    EXPECT_EQ(static_cast<int>(got.action), static_cast<int>(c.want.action)) << c.name;
    EXPECT_EQ(got.at, c.want.at) << c.name;
  }
}

TEST(Scheduler, PlansTheItemsOfAMapInProgress) {
  using S = StepStatus;
  using A = StepAction;
  const struct {
    const char* name;
    StepRecord item;
    StepPlan want;
  } cases[] = {
      {"an item not yet started starts", Row("each[2]", S::kPending), {A::kStart}},
      {"an item handed back starts", Row("each[2]", S::kReady), {A::kStart}},
      {"a running item is left to its worker", Row("each[0]", S::kRunning), {}},
      {"a succeeded item is done", Row("each[0]", S::kSucceeded), {}},
      {"an item whose retry is due later waits",
       Row("each[1]", S::kFailed, kNow + 5),
       {A::kWaitUntil, kNow + 5}},
      {"an item whose retry is due starts", Row("each[1]", S::kFailed, kNow), {A::kStart}},
      {"an item failed for good stays failed", Row("each[1]", S::kFailed), {}},
  };
  for (const auto& c : cases) EXPECT_TRUE(PlanItem(c.item, kNow) == c.want) << c.name;
}

TEST(Scheduler, AConcurrencyLimitLetsTwoOfThreeReadyStepsTakeASlot) {
  auto g = World();
  std::map<std::string, StepRecord> steps;
  for (int i = 0; i < g->size(); ++i)
    steps[g->node(i).id] = Row(g->node(i).id, StepStatus::kPending);
  steps["start"] = Row("start", StepStatus::kSucceeded);
  const StepLookup find = [&](const std::string& id) { return &steps[id]; };
  Slots slots{0, 2};
  std::vector<std::string> started, blocked;
  for (const char* id : {"a", "b", "flaky"}) {
    ASSERT_EQ(PlanStep(*g, g->IndexOf(id), steps[id], find, false, kNow).action,
              StepAction::kStart);
    if (slots.full()) {
      blocked.push_back(id);
      continue;
    }
    slots.Take();
    started.push_back(id);
  }
  EXPECT_EQ(started, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(blocked, (std::vector<std::string>{"flaky"}));
}

TEST(Scheduler, ConcludesAnExecutionOnceNothingMoreCanStart) {
  using S = StepStatus;
  const struct {
    const char* name;
    std::vector<StepRecord> steps;
    Outcome want;
    const char* step;  // the step the conclusion names, or nullptr
  } cases[] = {
      {"every step settled: completed",
       {Row("start", S::kSucceeded), Row("yes", S::kSkipped), Row("no", S::kSucceeded)},
       Outcome::kCompleted,
       nullptr},
      {"a step failed for good: failed, naming it",
       {Row("start", S::kSucceeded), Row("a", S::kFailed), Row("b", S::kCancelled)},
       Outcome::kFailed,
       "a"},
      {"an approval waits: waiting, naming it",
       {Row("start", S::kSucceeded), Row("gate", S::kWaiting), Row("a", S::kSucceeded)},
       Outcome::kWaiting,
       "gate"},
      {"an approval waits but a retry is due later: still open",
       {Row("gate", S::kWaiting), Row("flaky", S::kFailed, kNow + 1000)},
       Outcome::kOpen,
       nullptr},
      {"a failed map item does not decide for its map",
       {Row("start", S::kSucceeded), Row("each", S::kSucceeded),
        [] {
          StepRecord item = Row("each[1]", S::kFailed);
          item.parent_step_id = "each";
          return item;
        }()},
       Outcome::kCompleted,
       nullptr},
  };
  for (const auto& c : cases) {
    const Conclusion got = Conclude(c.steps);
    EXPECT_EQ(static_cast<int>(got.outcome), static_cast<int>(c.want)) << c.name;
    EXPECT_EQ(got.step ? got.step->step_id : std::string(), c.step ? c.step : "") << c.name;
  }
}

}  // namespace
}  // namespace atelier
