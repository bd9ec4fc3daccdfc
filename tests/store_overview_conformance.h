// The Store conformance suite, continued: the reads across executions (accounts.h:
// ExecutionOverview, WaitingStep) and the gallery's artifact filters. Included after
// store_conformance.h by each backend's test file.
#pragma once

#include "tests/store_conformance.h"

namespace atelier {

TEST_P(StoreConformance, OverviewExecutionsCountsTopStepsCurrentMapItemsAndCost) {
  ExecutionRecord x = Exec("ex_o1");
  StepRecord a = Step("ex_o1", "a", StepStatus::kSucceeded, 1, 1000);
  a.usage = {{"cost", 0.25}, {"input_tokens", 10}};
  a.output = {{"text", "big output the overview does not read"}};
  StepRecord map = Step("ex_o1", "m", StepStatus::kRunning, 1, 1001);
  map.version = 2;
  std::vector<Op> ops = {InsertExec(x), InsertStep(a), InsertStep(map)};
  // Items of the current run (version 2): one succeeded and priced, one failed for good, one
  // failed with a retry due, one running; one item of an earlier run (version 1) is left out.
  struct Item {
    int index;
    StepStatus status;
    int64_t due_at;
    int version;
  };
  for (const Item& it : {Item{0, StepStatus::kSucceeded, 0, 2}, Item{1, StepStatus::kFailed, 0, 2},
                         Item{2, StepStatus::kFailed, 5000, 3}, Item{3, StepStatus::kRunning, 0, 2},
                         Item{4, StepStatus::kSucceeded, 0, 1}}) {
    StepRecord s = Step("ex_o1", "m[" + std::to_string(it.index) + "]", it.status, 1, 1002);
    s.node_id = "m";
    s.parent_step_id = "m";
    s.item_index = it.index;
    s.due_at = it.due_at;
    s.version = it.version;
    if (it.index == 0) s.usage = {{"cost", 0.5}};
    if (it.index == 4) s.usage = {{"cost", 1}};  // an earlier run's cost still counts
    ops.push_back(InsertStep(s));
  }
  ASSERT_TRUE(CommitOne(ops));
  SeedExecution("ex_o2");
  SeedExecution("ex_theirs", kOtherWs);

  auto got = accounts_->OverviewExecutions(kWs, {"ex_o1", "ex_o2", "ex_theirs", "ex_missing"});
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  ASSERT_EQ(got->size(), 2u) << "another workspace's and unknown ids are left out";
  const ExecutionOverview* o1 = nullptr;
  const ExecutionOverview* o2 = nullptr;
  for (const auto& o : *got) (o.execution_id == "ex_o1" ? o1 : o2) = &o;
  ASSERT_NE(o1, nullptr);
  ASSERT_NE(o2, nullptr);
  EXPECT_DOUBLE_EQ(o1->cost, 1.75);
  ASSERT_EQ(o1->top.size(), 2u);
  for (const auto& s : o1->top) {
    EXPECT_TRUE(s.parent_step_id.empty());
    EXPECT_TRUE(s.output.is_null()) << "no contents";
    if (s.step_id == "m") {
      EXPECT_EQ(s.status, StepStatus::kRunning);
      EXPECT_EQ(s.version, 2);
    }
  }
  ASSERT_EQ(o1->items.size(), 1u);
  EXPECT_EQ(o1->items[0].first, "m");
  EXPECT_EQ(o1->items[0].second.total, 4);
  EXPECT_EQ(o1->items[0].second.finished, 2);
  EXPECT_EQ(o1->items[0].second.open, 2);
  EXPECT_EQ(o2->top.size(), 2u);
  EXPECT_TRUE(o2->items.empty());
  EXPECT_DOUBLE_EQ(o2->cost, 0);
  auto none = accounts_->OverviewExecutions(kWs, {});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreConformance, ListWaitingStepsPagesNewestFirstAndCarriesTheRequest) {
  // Three waiting steps in unfinished executions, one in a finished one, one elsewhere.
  auto waiting = [&](const std::string& ex, const std::string& step, int64_t at,
                     ExecStatus status = ExecStatus::kWaiting, const std::string& ws = kWs) {
    StepRecord s = Step(ex, step, StepStatus::kWaiting, 1);
    s.started_at = at;
    Event e;
    e.execution_id = ex;
    e.type = "approval_requested";
    e.step_id = step;
    e.payload = {{"message", "ok " + step + "?"}};
    Event older = e;
    older.payload = {{"message", "stale"}};
    ASSERT_TRUE(CommitOne({InsertExec(Exec(ex, status, 1000, ws)), InsertStep(s),
                           InsertStep(Step(ex, "other", StepStatus::kSucceeded, 1)),
                           EventAppend{older}, EventAppend{e}}));
  };
  waiting("ex_w1", "gate", 3000);
  waiting("ex_w2", "gate", 5000);
  waiting("ex_w3", "gate", 3000);
  waiting("ex_done", "gate", 9000, ExecStatus::kStopped);
  waiting("ex_theirs", "gate", 9000, ExecStatus::kWaiting, kOtherWs);

  WaitingStepFilter f;
  f.limit = 2;
  auto page = accounts_->ListWaitingSteps(kWs, f);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].execution.id, "ex_w2");
  EXPECT_EQ((*page)[1].execution.id, "ex_w3") << "same time: execution id descending";
  EXPECT_EQ((*page)[0].step.step_id, "gate");
  EXPECT_EQ((*page)[0].step.started_at, 5000);
  EXPECT_EQ((*page)[0].execution.status, ExecStatus::kWaiting);
  EXPECT_EQ((*page)[0].execution.inputs, (Json{{"topic", "otters"}}));
  EXPECT_EQ((*page)[0].request, (Json{{"message", "ok gate?"}})) << "the latest request";
  f.before_started_at = (*page)[1].step.started_at;
  f.before_execution_id = (*page)[1].execution.id;
  f.before_step_id = (*page)[1].step.step_id;
  auto rest = accounts_->ListWaitingSteps(kWs, f);
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].execution.id, "ex_w1");
  f.before_execution_id = "ex_w1";
  EXPECT_TRUE(accounts_->ListWaitingSteps(kWs, f)->empty());
}

TEST_P(StoreConformance, QueryArtifactsKeepsCurrentVersionsAndOneTemplateWhenAsked) {
  ExecutionRecord other = Exec("ex_b");
  other.template_id = "tpl_b";
  StepRecord img = Step("ex_a", "img", StepStatus::kSucceeded, 2);
  img.version = 2;
  ArtifactRecord old_art = Art("art_1", "ex_a", "img", "image", 100);
  ArtifactRecord new_art = Art("art_2", "ex_a", "img", "image", 200);
  new_art.step_version = 2;
  ArtifactRecord b_art = Art("art_3", "ex_b", "pic", "image", 300);
  ASSERT_TRUE(CommitOne({InsertExec(Exec("ex_a")), InsertExec(other), InsertStep(img),
                         InsertStep(Step("ex_b", "pic", StepStatus::kSucceeded, 1)),
                         ArtifactInsert{old_art}, ArtifactInsert{new_art}, ArtifactInsert{b_art}}));
  ArtifactFilter f;
  EXPECT_EQ(Ids(*accounts_->QueryArtifacts(kWs, f)),
            (std::vector<std::string>{"art_1", "art_2", "art_3"}));
  f.current_only = true;
  EXPECT_EQ(Ids(*accounts_->QueryArtifacts(kWs, f)), (std::vector<std::string>{"art_2", "art_3"}));
  f.execution_id = "ex_a";
  EXPECT_EQ(Ids(*accounts_->QueryArtifacts(kWs, f)), (std::vector<std::string>{"art_2"}));
  f = ArtifactFilter{};
  f.template_id = "tpl_b";
  EXPECT_EQ(Ids(*accounts_->QueryArtifacts(kWs, f)), (std::vector<std::string>{"art_3"}));
  f.template_id = "tpl_a";
  f.execution_id = "ex_a";
  EXPECT_EQ(Ids(*accounts_->QueryArtifacts(kWs, f)), (std::vector<std::string>{"art_1", "art_2"}));
  f.template_id = "tpl_b";
  EXPECT_TRUE(accounts_->QueryArtifacts(kWs, f)->empty());
}

}  // namespace atelier
