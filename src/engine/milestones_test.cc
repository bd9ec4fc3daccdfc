#include "atelier/engine/milestones.h"

#include <gtest/gtest.h>

#include "atelier/core/validation.h"
#include "atelier/engine/timestamp.h"

namespace atelier {
namespace {

// start -> a -> gate (approval) -> (b, c) -> d -> end, and the milestones: drafted (a), branch
// (b, c), done (d), completed (manual), submitted (manual).
Template Doc() {
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(R"({"name": "m", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "a", "type": "transform", "data": {"output": {}}},
      {"id": "gate", "type": "approval", "data": {"message": "ok?"}},
      {"id": "b", "type": "transform", "data": {"output": {}}},
      {"id": "c", "type": "transform", "data": {"output": {}}},
      {"id": "d", "type": "transform", "data": {"output": {}}},
      {"id": "end", "type": "end"}],
    "edges": [{"id": "1", "source": "start", "target": "a"},
              {"id": "2", "source": "a", "target": "gate"},
              {"id": "3", "source": "gate", "target": "b"},
              {"id": "4", "source": "gate", "target": "c"},
              {"id": "5", "source": "b", "target": "d"}, {"id": "6", "source": "c", "target": "d"},
              {"id": "7", "source": "d", "target": "end"}],
    "milestones": [
      {"id": "drafted", "label": "Drafted", "when": ["a"]},
      {"id": "branch", "when": ["b", "c"]},
      {"id": "done", "label": "Document ready", "when": ["d"]},
      {"id": "completed", "label": "Completed", "manual": true},
      {"id": "submitted", "label": "Submitted to client", "manual": true}]})",
                             &errors);
  EXPECT_TRUE(t.has_value()) << (errors.empty() ? "" : errors[0].ToString());
  return *t;
}

using S = StepStatus;

std::vector<StepRecord> Steps(std::initializer_list<std::pair<const char*, StepStatus>> s) {
  std::vector<StepRecord> out;
  int64_t t = 1000;
  for (auto& [id, st] : s) {
    StepRecord r;
    r.step_id = r.node_id = id;
    r.status = st;
    r.finished_at = st == S::kSucceeded || st == S::kSkipped ? (t += 10) : 0;
    out.push_back(r);
  }
  return out;
}

TEST(Milestones, NothingReachedWhileTheFirstStepsRun) {
  auto v = ComputeMilestones(Doc(), ExecStatus::kRunning, "",
                             Steps({{"start", S::kSucceeded}, {"a", S::kRunning}}), {});
  EXPECT_EQ(v.current, -1);
  EXPECT_EQ(v.next, 0);
  EXPECT_EQ(v.action, "waiting for steps: a");
  EXPECT_TRUE(v.can_proceed);
  ASSERT_EQ(v.list.size(), 5u);
  EXPECT_FALSE(v.list[0].reached);
}

TEST(Milestones, AGateAsksForTheApproval) {
  auto v = ComputeMilestones(
      Doc(), ExecStatus::kWaiting, "waiting for a decision on step 'gate'",
      Steps({{"start", S::kSucceeded}, {"a", S::kSucceeded}, {"gate", S::kWaiting}}), {});
  EXPECT_EQ(v.current, 0);
  EXPECT_EQ(v.list[0].reached_at, 1020);
  EXPECT_EQ(v.next, 1);
  EXPECT_EQ(v.action, "approve step 'gate'");
  EXPECT_TRUE(v.can_proceed);
}

TEST(Milestones, ASkippedBranchCountsWhenAnotherSucceeded) {
  auto v = ComputeMilestones(Doc(), ExecStatus::kRunning, "",
                             Steps({{"start", S::kSucceeded},
                                    {"a", S::kSucceeded},
                                    {"gate", S::kSucceeded},
                                    {"b", S::kSkipped},
                                    {"c", S::kSucceeded},
                                    {"d", S::kRunning}}),
                             {});
  EXPECT_TRUE(v.list[1].reached);
  EXPECT_FALSE(v.list[1].skipped);
  EXPECT_EQ(v.current, 1);
  EXPECT_EQ(v.next, 2);
  EXPECT_EQ(v.action, "waiting for steps: d");
}

TEST(Milestones, AMilestoneWhoseStepsAllSkippedDoesNotHoldUpTheNext) {
  auto v = ComputeMilestones(Doc(), ExecStatus::kRunning, "",
                             Steps({{"start", S::kSucceeded},
                                    {"a", S::kSucceeded},
                                    {"gate", S::kSucceeded},
                                    {"b", S::kSkipped},
                                    {"c", S::kSkipped},
                                    {"d", S::kRunning}}),
                             {});
  EXPECT_FALSE(v.list[1].reached);
  EXPECT_TRUE(v.list[1].skipped);
  EXPECT_EQ(v.current, 0);
  EXPECT_EQ(v.next, 2);
}

std::vector<StepRecord> AllDone() {
  return Steps({{"start", S::kSucceeded},
                {"a", S::kSucceeded},
                {"gate", S::kSucceeded},
                {"b", S::kSucceeded},
                {"c", S::kSkipped},
                {"d", S::kSucceeded},
                {"end", S::kSucceeded}});
}

TEST(Milestones, ManualMilestonesAreMarkedInOrder) {
  const Template t = Doc();
  auto v = ComputeMilestones(t, ExecStatus::kCompleted, "", AllDone(), {});
  EXPECT_EQ(v.current, 2);
  EXPECT_EQ(v.next, 3);
  EXPECT_EQ(v.action, "mark 'completed' (Completed)");
  EXPECT_TRUE(v.can_proceed);
  EXPECT_TRUE(CheckMarkable(t, v, "completed").ok());
  Status early = CheckMarkable(t, v, "submitted");
  EXPECT_EQ(early.code(), Code::kFailedPrecondition);
  EXPECT_EQ(early.message(),
            "milestone 'submitted' cannot be marked before 'completed' (Completed) is reached "
            "(next: mark 'completed' (Completed))");

  std::vector<MilestoneMark> marks = {{"completed", "ana", "checked", 5000}};
  v = ComputeMilestones(t, ExecStatus::kCompleted, "", AllDone(), marks);
  EXPECT_EQ(v.current, 3);
  EXPECT_EQ(v.list[3].by, "ana");
  EXPECT_EQ(v.list[3].note, "checked");
  EXPECT_EQ(v.list[3].reached_at, 5000);
  EXPECT_EQ(v.action, "mark 'submitted' (Submitted to client)");
  Status twice = CheckMarkable(t, v, "completed");
  EXPECT_EQ(twice.code(), Code::kFailedPrecondition);
  EXPECT_EQ(twice.message(),
            "milestone 'completed' was already marked by ana at 1970-01-01T00:00:05.000Z");
  EXPECT_TRUE(CheckMarkable(t, v, "submitted").ok());

  marks.push_back({"submitted", "bob", "sent to ACME", 6000});
  v = ComputeMilestones(t, ExecStatus::kCompleted, "", AllDone(), marks);
  EXPECT_EQ(v.current, 4);
  EXPECT_EQ(v.next, -1);
  EXPECT_EQ(v.action, "");
  EXPECT_FALSE(v.can_proceed);
  EXPECT_EQ(v.list[4].by, "bob");
  EXPECT_EQ(v.list[4].note, "sent to ACME");
  EXPECT_EQ(v.list[4].reached_at, 6000);
}

TEST(Milestones, AutomaticAndUnknownMilestonesCannotBeMarked) {
  const Template t = Doc();
  auto v = ComputeMilestones(t, ExecStatus::kCompleted, "", AllDone(), {});
  EXPECT_EQ(CheckMarkable(t, v, "done").code(), Code::kFailedPrecondition);
  EXPECT_EQ(CheckMarkable(t, v, "done").message(),
            "milestone 'done' is reached when steps d finish; only manual milestones are marked");
  EXPECT_EQ(CheckMarkable(t, v, "nope").code(), Code::kNotFound);
}

TEST(Milestones, AStoppedOrPausedExecutionCannotProceed) {
  auto steps = Steps({{"start", S::kSucceeded}, {"a", S::kCancelled}});
  auto v = ComputeMilestones(Doc(), ExecStatus::kStopped, "stopped by user", steps, {});
  EXPECT_EQ(v.action, "retry the execution (stopped: stopped by user)");
  EXPECT_FALSE(v.can_proceed);
  v = ComputeMilestones(Doc(), ExecStatus::kPaused, "insufficient_credits", steps, {});
  EXPECT_EQ(v.action, "resume the execution (paused: insufficient_credits)");
  EXPECT_FALSE(v.can_proceed);
  v = ComputeMilestones(Doc(), ExecStatus::kCompleted, "", steps, {});
  EXPECT_EQ(v.action, "cannot be reached: steps a did not run");
  EXPECT_FALSE(v.can_proceed);
}

TEST(Milestones, MarksFromEventsKeepTheFirstMarkOfEach) {
  std::vector<Event> events(3);
  events[0].type = "step_succeeded";
  events[1].type = kMilestoneMarked;
  events[1].ts = 10;
  events[1].payload = {{"milestone", "submitted"}, {"by", "ana"}, {"note", "n"}};
  events[2] = events[1];
  events[2].payload["by"] = "bob";
  auto marks = MarksFromEvents(events);
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].by, "ana");
  EXPECT_EQ(marks[0].at, 10);
}

TEST(Milestones, ReachedByTheStepThatFinishesTheirWhenList) {
  const Template t = Doc();
  auto steps = Steps({{"start", S::kSucceeded},
                      {"a", S::kSucceeded},
                      {"gate", S::kSucceeded},
                      {"b", S::kSucceeded},
                      {"c", S::kRunning}});
  auto find = [&](const std::string& id) -> const StepRecord* {
    for (const auto& s : steps)
      if (s.step_id == id) return &s;
    return nullptr;
  };
  StepRecord c = steps[4];
  c.status = S::kRunning;
  EXPECT_TRUE(MilestonesReachedBy(t, c, find).empty());  // not finished
  c.status = S::kSkipped;
  auto r = MilestonesReachedBy(t, c, find);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]->id, "branch");
  StepRecord item = c;
  item.parent_step_id = "c";  // map items never reach milestones
  EXPECT_TRUE(MilestonesReachedBy(t, item, find).empty());
  StepRecord gate = steps[2];
  EXPECT_TRUE(MilestonesReachedBy(t, gate, find).empty());  // in no `when`
}

}  // namespace
}  // namespace atelier
