#include <gtest/gtest.h>

#include "atelier/core/validation.h"
#include "atelier/engine/progress.h"

namespace atelier {
namespace {

// start -> a -> (b, c) -> d -> end
std::shared_ptr<const Graph> Diamond() {
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(R"({"name": "d", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "a", "type": "transform", "data": {"output": {}}},
      {"id": "b", "type": "transform", "data": {"output": {}}},
      {"id": "c", "type": "transform", "data": {"output": {}}},
      {"id": "d", "type": "transform", "data": {"output": {}}},
      {"id": "end", "type": "end"}],
    "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
              {"id": "3", "source": "a", "target": "c"}, {"id": "4", "source": "b", "target": "d"},
              {"id": "5", "source": "c", "target": "d"}, {"id": "6", "source": "d", "target": "end"}]})",
                             &errors);
  EXPECT_TRUE(t.has_value());
  return Graph::Build(*t);
}

std::vector<StepRecord> Steps(std::initializer_list<std::pair<const char*, StepStatus>> s) {
  std::vector<StepRecord> out;
  for (auto& [id, st] : s) {
    StepRecord r;
    r.step_id = r.node_id = id;
    r.status = st;
    out.push_back(r);
  }
  return out;
}

using S = StepStatus;

TEST(Progress, StartsAtStageOneOfM) {
  auto g = Diamond();
  auto p = ComputeProgress(*g, Steps({{"start", S::kSucceeded}, {"a", S::kPending}, {"b", S::kPending},
                                      {"c", S::kPending}, {"d", S::kPending}, {"end", S::kPending}}));
  EXPECT_EQ(p.stage, 1);
  EXPECT_EQ(p.stages, 3);
  EXPECT_EQ(p.percent, 0);
  EXPECT_EQ(p.total, 4);
}

TEST(Progress, StageAdvancesWhenEveryStepOfTheStageFinished) {
  auto g = Diamond();
  auto p = ComputeProgress(*g, Steps({{"start", S::kSucceeded}, {"a", S::kSucceeded}, {"b", S::kSucceeded},
                                      {"c", S::kRunning}, {"d", S::kPending}, {"end", S::kPending}}));
  EXPECT_EQ(p.stage, 2) << "c is still running in stage 2";
  EXPECT_EQ(p.percent, 50);
  EXPECT_EQ(p.running, std::vector<std::string>{"c"});
}

TEST(Progress, ReachesMofMExactlyWhenTheLastStepFinishes) {
  auto g = Diamond();
  auto running = ComputeProgress(*g, Steps({{"start", S::kSucceeded}, {"a", S::kSucceeded},
                                            {"b", S::kSucceeded}, {"c", S::kSucceeded},
                                            {"d", S::kRunning}, {"end", S::kPending}}));
  EXPECT_EQ(running.stage, 3);
  EXPECT_LT(running.percent, 100);
  auto done = ComputeProgress(*g, Steps({{"start", S::kSucceeded}, {"a", S::kSucceeded}, {"b", S::kSucceeded},
                                         {"c", S::kSucceeded}, {"d", S::kSucceeded}, {"end", S::kSucceeded}}));
  EXPECT_EQ(done.stage, 3);
  EXPECT_EQ(done.stages, 3);
  EXPECT_EQ(done.percent, 100);
}

TEST(Progress, ATemplateWithNoWorkStepsEndsAt100) {
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(R"({"name": "e", "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
    "edges": [{"id": "1", "source": "start", "target": "end"}]})",
                             &errors);
  ASSERT_TRUE(t.has_value());
  auto g = Graph::Build(*t);
  auto before = ComputeProgress(*g, Steps({{"start", S::kSucceeded}, {"end", S::kPending}}));
  EXPECT_EQ(before.percent, 0);
  auto done = ComputeProgress(*g, Steps({{"start", S::kSucceeded}, {"end", S::kSucceeded}}));
  EXPECT_EQ(done.percent, 100);
  EXPECT_EQ(done.total, 0);
}

TEST(Progress, SkippedStepsLeaveTheCount) {
  auto g = Diamond();
  auto p = ComputeProgress(*g, Steps({{"start", S::kSucceeded}, {"a", S::kSucceeded}, {"b", S::kSkipped},
                                      {"c", S::kSucceeded}, {"d", S::kPending}, {"end", S::kPending}}));
  EXPECT_EQ(p.total, 3);
  EXPECT_EQ(p.finished, 2);
  EXPECT_EQ(p.stage, 3);
}

TEST(Progress, AMapCountsByItsFinishedItems) {
  auto g = Diamond();
  auto steps = Steps({{"start", S::kSucceeded}, {"a", S::kRunning}, {"b", S::kPending},
                      {"c", S::kPending}, {"d", S::kPending}, {"end", S::kPending}});
  for (int i = 0; i < 4; ++i) {
    StepRecord item;
    item.step_id = "a[" + std::to_string(i) + "]";
    item.node_id = "a";
    item.parent_step_id = "a";
    item.item_index = i;
    item.status = i == 0 ? S::kSucceeded : S::kRunning;
    steps.push_back(item);
  }
  auto p = ComputeProgress(*g, steps);
  EXPECT_DOUBLE_EQ(p.percent, 100.0 * 0.25 / 4);
  EXPECT_EQ(p.running, std::vector<std::string>{"a 1/4"});
}

TEST(Progress, NeverClaims100WhileAnythingCanStillRun) {
  auto g = Diamond();
  // Paused before the end step: every work step finished, the end still pending.
  auto paused = ComputeProgress(*g, Steps({{"start", S::kSucceeded}, {"a", S::kSucceeded},
                                           {"b", S::kSucceeded}, {"c", S::kSucceeded},
                                           {"d", S::kSucceeded}, {"end", S::kPending}}));
  EXPECT_LT(paused.percent, 100);
  EXPECT_EQ(paused.finished, paused.total);
  // A map item reset by a retry while its map step has succeeded.
  auto steps = Steps({{"start", S::kSucceeded}, {"a", S::kSucceeded}, {"b", S::kSucceeded},
                      {"c", S::kSucceeded}, {"d", S::kSucceeded}, {"end", S::kSucceeded}});
  StepRecord item;
  item.step_id = "a[1]";
  item.node_id = "a";
  item.parent_step_id = "a";
  item.item_index = 1;
  item.status = S::kPending;
  steps.push_back(item);
  EXPECT_LT(ComputeProgress(*g, steps).percent, 100);
  steps.back().status = S::kSucceeded;
  EXPECT_EQ(ComputeProgress(*g, steps).percent, 100);
}

}  // namespace
}  // namespace atelier
