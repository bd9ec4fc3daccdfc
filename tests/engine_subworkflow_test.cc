// Sub-workflows end to end: a template run as one step of another, its approvals, failures and stops.
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

// ---- subworkflows ---------------------------------------------------------------------------------

// A parent whose `sub` step runs `inner` (written inline or named) with the parent's topic.
std::string SubParent(const std::string& sub_data) {
  return R"({
  "name": "Parent",
  "inputs": {"topic": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "brief", "type": "transform", "data": {"output": {"topic": "{{inputs.topic}}"}}},
    {"id": "sub", "type": "subworkflow", "data": )" + sub_data + R"(},
    {"id": "after", "type": "transform", "data": {"output": {"title": "{{steps.sub.output.title}}"}}}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "brief"},
    {"id": "2", "source": "brief", "target": "sub"},
    {"id": "3", "source": "sub", "target": "after"}
  ]})";
}

// Inner template: one generative step, an optional gate, an end node with an output.
std::string Inner(bool gate, const std::string& draft_extra = "") {
  std::string nodes = R"(
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text", "data": {"prompt": "Title about {{inputs.subject}}")" +
                      draft_extra + R"(}},)";
  std::string edges = R"({"id": "a", "source": "start", "target": "draft"},)";
  if (gate) {
    nodes += R"({"id": "gate", "type": "approval", "data": {"message": "Keep it?"}},)";
    edges += R"({"id": "b", "source": "draft", "target": "gate"},
                {"id": "c", "source": "gate", "target": "done"})";
  } else {
    edges += R"({"id": "c", "source": "draft", "target": "done"})";
  }
  nodes += R"({"id": "done", "type": "end", "data": {"output": {"title": "{{steps.draft.text}}"}}})";
  return R"({"name": "Inner", "inputs": {"subject": {"type": "string", "required": true}},
             "nodes": [)" + nodes + R"(], "edges": [)" + edges + "]}";
}

std::string InlineSub(bool gate, const std::string& draft_extra = "") {
  return R"({"definition": )" + Inner(gate, draft_extra) +
         R"(, "inputs": {"subject": "{{steps.brief.topic}}"}})";
}

TEST(Subworkflow, RunsTheInnerTemplateAsOneStepAndPassesItsEndOutputOn) {
  Harness h;
  auto ex = h.Run(SubParent(InlineSub(false)), {{"topic", "tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  StepRecord sub = h.Step(ex.id, "sub");
  const std::string child = sub.output["execution_id"];
  EXPECT_EQ(child, ex.id + ".sub.v1");
  std::string title = sub.output["output"]["title"];
  EXPECT_NE(title.find("Tea"), std::string::npos) << title;
  EXPECT_EQ(h.Step(ex.id, "after").output["title"], title);

  auto inner = h.store().GetExecution(Harness::kWs, child);
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->status, ExecStatus::kCompleted);
  EXPECT_EQ(inner->parent_execution_id, ex.id);
  EXPECT_EQ(inner->parent_step_id, "sub");
  EXPECT_EQ(inner->inputs["subject"], "tea");
  EXPECT_EQ(h.Step(child, "draft").status, StepStatus::kSucceeded);
  ExpectGapFreeEvents(h.Events(child));
  ExpectGapFreeEvents(h.Events(ex.id));
  // The parent's log says which sub-execution its step runs.
  bool started = false;
  for (const auto& e : h.Events(ex.id))
    if (e.type == "step_started" && e.step_id == "sub") started = e.payload["execution_id"] == child;
  EXPECT_TRUE(started);
}

TEST(Subworkflow, RunsAStoredTemplateByNameAndFailsClearlyWhenItIsMissing) {
  Harness h;
  auto missing = h.Run(SubParent(R"({"template": "Inner", "inputs": {"subject": "x"}})"),
                       {{"topic", "tea"}});
  ASSERT_EQ(missing.status, ExecStatus::kFailed);
  EXPECT_NE(missing.reason.find("'Inner' is not stored"), std::string::npos) << missing.reason;

  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(Inner(false), &errors);
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(h.engine().RegisterTemplate(Harness::kWs, *t).has_value());
  auto ok = h.Run(SubParent(R"({"template": "Inner", "inputs": {"subject": "{{steps.brief.topic}}"}})"),
                  {{"topic", "tea"}});
  ASSERT_EQ(ok.status, ExecStatus::kCompleted) << ok.reason;
  EXPECT_NE(h.Step(ok.id, "after").output["title"].get<std::string>().find("Tea"),
            std::string::npos);
}

TEST(Subworkflow, AnApprovalInsideMakesTheParentWaitAndADecisionOnTheStepCarriesBothOn) {
  Harness h;
  auto ex = h.Run(SubParent(InlineSub(true)), {{"topic", "tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kWaiting);
  const std::string child = ex.id + ".sub.v1";
  EXPECT_NE(ex.reason.find(child), std::string::npos) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "sub").status, StepStatus::kWaiting);
  auto inner = h.store().GetExecution(Harness::kWs, child);
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->status, ExecStatus::kWaiting);

  Status resume = h.engine().Resume(Harness::kWs, ex.id);
  EXPECT_EQ(resume.code(), Code::kFailedPrecondition);
  EXPECT_NE(resume.message().find("gate"), std::string::npos) << resume.message();

  // Deciding on the parent's step decides the sub-execution's approval.
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "sub", {"approve", "fine"}).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  EXPECT_EQ(h.Step(child, "gate").output["comment"], "fine");
  EXPECT_EQ(h.store().GetExecution(Harness::kWs, child)->status, ExecStatus::kCompleted);
}

TEST(Subworkflow, DecidingOnTheSubExecutionItselfAlsoFinishesTheParent) {
  Harness h;
  auto ex = h.Run(SubParent(InlineSub(true)), {{"topic", "tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kWaiting);
  const std::string child = ex.id + ".sub.v1";
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, child, "gate", {"approve", ""}).ok());
  auto inner = h.RunToRest(child);  // waits for the parent it woke as well
  ASSERT_EQ(inner.status, ExecStatus::kCompleted);
  auto parent = h.store().GetExecution(Harness::kWs, ex.id);
  ASSERT_TRUE(parent.has_value());
  EXPECT_EQ(parent->status, ExecStatus::kCompleted) << parent->reason;
  EXPECT_EQ(h.Step(ex.id, "after").status, StepStatus::kSucceeded);
}

TEST(Subworkflow, AFailedSubExecutionFailsTheStepAndRetryRerunsOnlyItsFailedSteps) {
  Harness h;
  auto ex = h.Run(SubParent(InlineSub(false, R"(, "fail_first": 1, "retry": {"max_attempts": 1, "backoff_ms": 1})")),
                  {{"topic", "tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  const std::string child = ex.id + ".sub.v1";
  EXPECT_NE(ex.reason.find(child), std::string::npos) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "sub").error["execution_id"], child);
  EXPECT_EQ(h.store().GetExecution(Harness::kWs, child)->status, ExecStatus::kFailed);

  ASSERT_TRUE(h.engine().Retry(Harness::kWs, ex.id).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  // The same sub-execution carried on: its start ran once, its draft succeeded once.
  auto counts = SucceededCounts(h.Events(child));
  EXPECT_EQ(counts["start"], 1);
  EXPECT_EQ(counts["draft"], 1);
  EXPECT_EQ(SucceededCounts(h.Events(ex.id))["brief"], 1);
  ExpectGapFreeEvents(h.Events(child));
}

TEST(Subworkflow, StoppingTheParentStopsTheSubExecution) {
  Harness h;
  auto ex = h.Launch(SubParent(InlineSub(false, R"(, "latency_ms": 3000)")), {{"topic", "tea"}});
  ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex.id).ok());
  const std::string child = ex.id + ".sub.v1";
  for (int i = 0; i < 200; ++i) {
    auto c = h.store().GetExecution(Harness::kWs, child);
    if (c && h.Step(child, "draft").status == StepStatus::kRunning) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(h.Step(child, "draft").status, StepStatus::kRunning);
  ASSERT_TRUE(h.engine().Stop(Harness::kWs, ex.id).ok());
  auto parent = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(parent.has_value());
  EXPECT_EQ(parent->status, ExecStatus::kStopped);
  auto inner = h.engine().WaitUntilRest(Harness::kWs, child);
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->status, ExecStatus::kStopped);
  EXPECT_EQ(h.Step(child, "draft").status, StepStatus::kCancelled);
}

TEST(Subworkflow, AnUpstreamTweakRunsANewSubExecutionAndKeepsTheOldOne) {
  const char* kTweakParent = R"({
  "name": "TweakParent",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "idea", "type": "generate_text", "data": {"prompt": "An idea"}},
    {"id": "sub", "type": "subworkflow", "data": {"definition": {"name": "Echo",
      "inputs": {"idea": {"type": "string", "required": true}},
      "nodes": [{"id": "start", "type": "start"},
                {"id": "done", "type": "end", "data": {"output": {"echo": "{{inputs.idea}}"}}}],
      "edges": [{"id": "a", "source": "start", "target": "done"}]},
      "inputs": {"idea": "{{steps.idea.text}}"}}}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "idea"},
    {"id": "2", "source": "idea", "target": "sub"}
  ]})";
  Harness h;
  auto ex = h.Run(kTweakParent);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  ASSERT_TRUE(h.engine().Tweak(Harness::kWs, ex.id, "idea", "make it about ships").ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  StepRecord sub = h.Step(ex.id, "sub");
  EXPECT_EQ(sub.version, 2);
  EXPECT_EQ(sub.output["execution_id"], ex.id + ".sub.v2");
  EXPECT_EQ(sub.output["output"]["echo"], h.Step(ex.id, "idea").output["text"]);
  EXPECT_TRUE(h.store().GetExecution(Harness::kWs, ex.id + ".sub.v1").has_value());
}

}  // namespace
}  // namespace atelier::testing
