// Starting executions (Engine::Start: pure steps run before the launch commits) and taking many
// over at once (Engine::DriveMany).
#include "tests/engine_test_support.h"

namespace atelier::testing {
namespace {

// start -> transform -> condition -> (yes: end, no: transform): every step pure.
const char* kPure = R"({
  "name": "Pure",
  "inputs": {"n": {"type": "integer", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "double", "type": "transform", "data": {"output": {"v": "{{inputs.n}}"}}},
    {"id": "big", "type": "condition", "data": {"value": "{{inputs.n}}", "operator": "gt", "operand": 10}},
    {"id": "done", "type": "end", "data": {"output": {"v": "{{steps.double.v}}"}}},
    {"id": "small", "type": "transform", "data": {"output": {}}}
  ],
  "edges": [
    {"id": "e1", "source": "start", "target": "double"},
    {"id": "e2", "source": "double", "target": "big"},
    {"id": "e3", "source": "big", "sourceHandle": "true", "target": "done"},
    {"id": "e4", "source": "big", "sourceHandle": "false", "target": "small"}
  ]})";

TemplateRecord Register(Harness& h, const char* text) {
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(text, &errors);
  EXPECT_TRUE(t.has_value()) << (errors.empty() ? "" : errors.front().ToString());
  auto rec = h.engine().RegisterTemplate(Harness::kWs, *t);
  EXPECT_TRUE(rec.has_value());
  return *rec;
}

std::vector<std::string> Types(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type + (e.step_id.empty() ? "" : ":" + e.step_id));
  return out;
}

TEST(EngineStart, APureExecutionIsCommittedFinishedWithEveryEventInOrder) {
  Harness h;
  auto tmpl = Register(h, kPure);
  auto started = h.engine().Start(Harness::kWs, tmpl, {{"n", 42}}).get();
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  // The record the future holds is the one committed: already finished.
  EXPECT_EQ(started->status, ExecStatus::kCompleted);
  auto rec = h.engine().WaitUntilRest(Harness::kWs, started->id);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->status, ExecStatus::kCompleted);
  EXPECT_TRUE(rec->owner.empty()) << "a finished execution holds no lease";
  EXPECT_EQ(h.Step(started->id, "done").output["v"], h.Step(started->id, "double").output["v"]);
  EXPECT_EQ(h.Step(started->id, "small").status, StepStatus::kSkipped);

  auto events = h.Events(started->id);
  ExpectGapFreeEvents(events);
  const std::vector<std::string> want = {
      "execution_created",      "execution_started",      "step_succeeded:start",
      "step_succeeded:double",  "step_succeeded:big",     "step_skipped:small",
      "step_succeeded:done",    "execution_completed"};
  std::vector<std::string> got = Types(events);
  // The skip and the end step are decided in the same round; their order there is the graph's.
  std::vector<std::string> sorted_got = got, sorted_want = want;
  std::sort(sorted_got.begin(), sorted_got.end());
  std::sort(sorted_want.begin(), sorted_want.end());
  EXPECT_EQ(sorted_got, sorted_want);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front(), "execution_created");
  EXPECT_EQ(got.back(), "execution_completed");
  EXPECT_TRUE(events.back().payload.contains("progress")) << events.back().payload.dump();
}

TEST(EngineStart, AnExecutionWithWorkForThePoolStillRunsThere) {
  Harness h;
  auto tmpl = Register(h, kLinear);
  auto started = h.engine().Start(Harness::kWs, tmpl, {{"product", "tea"}}).get();
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  EXPECT_EQ(started->status, ExecStatus::kRunning);
  auto rec = h.engine().WaitUntilRest(Harness::kWs, started->id);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->status, ExecStatus::kCompleted) << rec->reason;
  auto events = h.Events(started->id);
  ExpectGapFreeEvents(events);
  auto counts = SucceededCounts(events);
  for (const char* s : {"start", "caption", "hero", "done"}) EXPECT_EQ(counts[s], 1) << s;
}

TEST(EngineStart, AFailingPureStepFailsTheExecutionInItsLaunch) {
  Harness h;
  auto tmpl = Register(h, R"({"name": "Bad", "inputs": {"x": {"type": "string"}},
    "nodes": [{"id": "start", "type": "start"},
    {"id": "t", "type": "transform", "data": {"output": {"v": "{{inputs.x}}"}}}],
    "edges": [{"id": "e", "source": "start", "target": "t"}]})");
  auto started = h.engine().Start(Harness::kWs, tmpl, Json::object()).get();
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  auto rec = h.engine().WaitUntilRest(Harness::kWs, started->id);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->status, ExecStatus::kFailed);
  EXPECT_NE(rec->reason.find("'t'"), std::string::npos) << rec->reason;
  ExpectGapFreeEvents(h.Events(started->id));
}

TEST(EngineDriveMany, TakesEveryQueuedExecutionOverAndAnswersForEachId) {
  EngineOptions o;
  o.max_batch = 2;  // several database transactions
  Harness h(o);
  auto tmpl = Register(h, kPure);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto ex = h.engine().Launch(Harness::kWs, tmpl, {{"n", i}});
    ASSERT_TRUE(ex.has_value());
    ids.push_back(ex->id);
  }
  // Another live process holds this one.
  auto held = h.engine().Launch(Harness::kWs, tmpl, {{"n", 1}});
  ASSERT_TRUE(held.has_value());
  ExecutionRecord row = *held;
  row.owner = "elsewhere:1:1";
  row.owner_expires_at = WallMs() + 60000;
  auto r = h.store().Commit({Transition{{ExecWrite{row, {ExecStatus::kQueued}, false}}}});
  ASSERT_TRUE(r.has_value() && r->applied[0]);

  std::vector<std::string> asked = ids;
  asked.push_back("ex_nobody");
  asked.push_back(held->id);
  const std::vector<Status> got = h.engine().DriveMany(Harness::kWs, asked);
  ASSERT_EQ(got.size(), asked.size());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_TRUE(got[i].ok()) << got[i].ToString();
  EXPECT_EQ(got[ids.size()].code(), Code::kNotFound);
  EXPECT_EQ(got[ids.size() + 1].code(), Code::kFailedPrecondition);
  EXPECT_NE(got[ids.size() + 1].message().find("elsewhere:1:1"), std::string::npos);

  for (const auto& id : ids) {
    auto rec = h.engine().WaitUntilRest(Harness::kWs, id);
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->status, ExecStatus::kCompleted) << id;
    auto events = h.Events(id);
    ExpectGapFreeEvents(events);
    EXPECT_EQ(std::count_if(events.begin(), events.end(),
                            [](const Event& e) { return e.type == "execution_started"; }),
              1)
        << id;
  }
  auto untouched = h.store().GetExecution(Harness::kWs, held->id);
  ASSERT_TRUE(untouched.has_value());
  EXPECT_EQ(untouched->status, ExecStatus::kQueued);
  EXPECT_EQ(untouched->owner, "elsewhere:1:1");
}

}  // namespace
}  // namespace atelier::testing
