// The engine end to end over real SQLite, the local blob store and the offline provider.
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

TEST(Engine, LinearTemplateCompletesWithArtifactsAndGapFreeEvents) {
  Harness h;
  auto ex = h.Run(kLinear, {{"product", "green tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  EXPECT_GT(ex.finished_at, 0);
  EXPECT_TRUE(ex.owner.empty()) << "a finished execution holds no lease";

  auto caption = h.Step(ex.id, "caption");
  EXPECT_EQ(caption.status, StepStatus::kSucceeded);
  EXPECT_NE(caption.output["text"].get<std::string>().find("Green"), std::string::npos)
      << caption.output.dump();
  auto done = h.Step(ex.id, "done");
  EXPECT_EQ(done.output["caption"], caption.output["text"]);
  EXPECT_EQ(done.output["image"]["mime"], "image/png");

  auto arts = h.store().ListArtifacts(Harness::kWs, ex.id);
  ASSERT_TRUE(arts.has_value());
  ASSERT_EQ(arts->size(), 2u);
  std::set<std::string> kinds;
  for (const auto& a : *arts) {
    kinds.insert(a.kind);
    auto bytes = h.blobs().Get(a.sha256);
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(static_cast<int64_t>(bytes->size()), a.size);
    if (a.kind == "image") {
      EXPECT_EQ(bytes->substr(1, 3), "PNG");
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"document", "image"}));

  auto events = h.Events(ex.id);
  ExpectGapFreeEvents(events);
  auto counts = SucceededCounts(events);
  for (const char* s : {"start", "caption", "hero", "done"}) EXPECT_EQ(counts[s], 1) << s;
  EXPECT_EQ(events.front().type, "execution_created");
  EXPECT_EQ(events.back().type, "execution_completed");
}

TEST(Engine, LaunchRejectsMissingAndMistypedInputs) {
  Harness h;
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(kLinear, &errors);
  ASSERT_TRUE(t.has_value());
  auto rec = h.engine().RegisterTemplate(Harness::kWs, *t);
  ASSERT_TRUE(rec.has_value());
  auto missing = h.engine().Launch(Harness::kWs, *rec, Json::object());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kInvalidArgument);
  EXPECT_NE(missing.error().message().find("product"), std::string::npos);
  auto wrong = h.engine().Launch(Harness::kWs, *rec, {{"product", 42}});
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message().find("product"), std::string::npos);
}

TEST(Engine, RegisteringAnUnchangedTemplateKeepsItsVersion) {
  Harness h;
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(kLinear, &errors);
  ASSERT_TRUE(t.has_value());
  auto a = h.engine().RegisterTemplate(Harness::kWs, *t);
  auto b = h.engine().RegisterTemplate(Harness::kWs, *t);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->version, b->version);
  t->description = "changed";
  auto c = h.engine().RegisterTemplate(Harness::kWs, *t);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->id, a->id);
  EXPECT_EQ(c->version, a->version + 1);
}

const char* kParallel = R"({
  "name": "Parallel",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "a", "type": "generate_text", "data": {"prompt": "a", "latency_ms": 150}},
    {"id": "b", "type": "generate_text", "data": {"prompt": "b", "latency_ms": 150}},
    {"id": "c", "type": "generate_text", "data": {"prompt": "c", "latency_ms": 150}},
    {"id": "d", "type": "generate_text", "data": {"prompt": "d", "latency_ms": 150}},
    {"id": "e", "type": "generate_text", "data": {"prompt": "e", "latency_ms": 150}},
    {"id": "f", "type": "generate_text", "data": {"prompt": "f", "latency_ms": 150}},
    {"id": "join", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "start", "target": "b"},
    {"id": "3", "source": "start", "target": "c"}, {"id": "4", "source": "start", "target": "d"},
    {"id": "5", "source": "start", "target": "e"}, {"id": "6", "source": "start", "target": "f"},
    {"id": "7", "source": "a", "target": "join"}, {"id": "8", "source": "b", "target": "join"},
    {"id": "9", "source": "c", "target": "join"}, {"id": "10", "source": "d", "target": "join"},
    {"id": "11", "source": "e", "target": "join"}, {"id": "12", "source": "f", "target": "join"}
  ]})";

TEST(Engine, IndependentBranchesRunInParallel) {
  Harness h;
  auto ex = h.Run(kParallel);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  auto steps = h.Steps(ex.id);
  steps.erase(std::remove_if(steps.begin(), steps.end(),
                             [](auto& s) { return s.step_id == "start" || s.step_id == "join"; }),
              steps.end());
  EXPECT_EQ(MaxOverlap(steps), 6);
  auto join = h.Step(ex.id, "join");
  for (const auto& s : steps) EXPECT_LE(s.finished_at, join.finished_at);
}

TEST(Engine, PerExecutionConcurrencyLimitIsHonoured) {
  EngineOptions o;
  o.max_concurrency = 2;
  Harness h(o);
  auto ex = h.Run(kParallel);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  EXPECT_LE(MaxOverlap(h.Steps(ex.id)), 2);
}

std::string OneStep(const std::string& data, const std::string& type = "generate_text") {
  return R"({"name": "One", "nodes": [{"id": "start", "type": "start"},
    {"id": "s", "type": ")" + type + R"(", "data": )" + data + R"(}],
    "edges": [{"id": "e", "source": "start", "target": "s"}]})";
}

TEST(Engine, RetryableFailuresAreRetriedWithBackoffUntilSuccess) {
  Harness h;
  auto ex = h.Run(OneStep(R"({"prompt": "x", "fail_first": 2, "retry": {"max_attempts": 3, "backoff_ms": 20}})"));
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  auto s = h.Step(ex.id, "s");
  EXPECT_EQ(s.attempt, 3);
  int failed = 0;
  int64_t first_fail = 0, second_start = 0;
  for (const auto& e : h.Events(ex.id)) {
    if (e.type == "step_failed") {
      ++failed;
      EXPECT_TRUE(e.payload["will_retry"].get<bool>());
      EXPECT_EQ(e.payload["error"]["code"], "unavailable");
      if (!first_fail) first_fail = e.ts;
    }
    if (e.type == "step_started" && e.payload["attempt"] == 2) second_start = e.ts;
  }
  EXPECT_EQ(failed, 2);
  EXPECT_GE(second_start - first_fail, 10) << "backoff of at least half of 20 ms";
}

TEST(Engine, RetryWaitsForItsBackoffOnTheEngineClock) {
  FakeClock clock(SystemClock().NowMs());
  Harness h({}, &clock);
  auto ex = h.Launch(OneStep(R"({"prompt": "x", "fail_first": 1, "retry": {"max_attempts": 2, "backoff_ms": 60000}})"));
  ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex.id).ok());
  StepRecord s;
  for (int i = 0; i < 500; ++i) {
    s = h.Step(ex.id, "s");
    if (s.status == StepStatus::kFailed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(s.status, StepStatus::kFailed);
  EXPECT_GE(s.due_at - clock.NowMs(), 30000) << "backoff of at least half of 60 s";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(h.Step(ex.id, "s").attempt, 1) << "no retry before the clock reaches the due time";
  clock.Advance(61000);
  auto done = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_EQ(done->status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(ex.id, "s").attempt, 2);
}

TEST(Engine, ExhaustedRetriesFailTheExecutionNamingTheStep) {
  Harness h;
  auto ex = h.Run(OneStep(R"({"prompt": "x", "fail_first": 5, "retry": {"max_attempts": 2, "backoff_ms": 1}})"));
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  EXPECT_EQ(ex.error["step"], "s");
  EXPECT_NE(ex.reason.find("'s'"), std::string::npos) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "s").attempt, 2);
}

TEST(Engine, NonRetryableErrorsFailAtOnce) {
  Harness h;
  auto ex = h.Run(R"({"name": "Bad size", "inputs": {"size": {"type": "string"}},
    "nodes": [{"id": "start", "type": "start"},
              {"id": "s", "type": "generate_image", "data": {"prompt": "x", "size": "{{inputs.size}}"}}],
    "edges": [{"id": "e", "source": "start", "target": "s"}]})",
                  {{"size", "huge"}});
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  auto s = h.Step(ex.id, "s");
  EXPECT_EQ(s.attempt, 1);
  EXPECT_EQ(s.error["code"], "invalid_argument");
  EXPECT_NE(s.error["message"].get<std::string>().find("size"), std::string::npos);
}

// Peak resident memory of this process so far (VmHWM), in bytes.
int64_t PeakRss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return 0;
}

// Four sections over inputs.l around `body`: the security issue's template repeats 16 bytes
// 10^8 times over a 100-item list (1.6 GB). It validates; running it grew the server until
// bad_alloc or the OOM killer.
std::string Nested(const std::string& type, const std::string& field, const std::string& body) {
  std::string text;
  for (int i = 0; i < 4; ++i) text += "{{#inputs.l}}";
  text += body;
  for (int i = 0; i < 4; ++i) text += "{{/inputs.l}}";
  const std::string data =
      type == "transform" ? R"({"output": {"ok": "fine", ")" + field + R"(": ")" + text + R"("}})"
                          : R"({")" + field + R"(": ")" + text + R"("})";
  return R"({"name": "Nested", "inputs": {"l": {"type": "list"}},
    "nodes": [{"id": "start", "type": "start"}, {"id": "s", "type": ")" + type + R"(", "data": )" +
         data + R"(}], "edges": [{"id": "e", "source": "start", "target": "s"}]})";
}

Json Numbers(int n) {
  Json l = Json::array();
  for (int i = 0; i < n; ++i) l.push_back(i);
  return l;
}

TEST(Engine, AStepWhoseTemplateRendersTooMuchFailsAndOthersStillRun) {
  Harness h;
  const int64_t peak_before = PeakRss();
  const auto start = std::chrono::steady_clock::now();
  // Rendered on the engine's thread (transform): the issue's template, which runs out of work
  // first, and one with a longer body, which runs out of output first; on a worker: a prompt that
  // outputs nothing but would iterate 10^12 times. Next to them, an ordinary execution.
  auto issue = h.Launch(Nested("transform", "text", "xxxxxxxxxxxxxxxx"), {{"l", Numbers(100)}});
  auto output = h.Launch(Nested("transform", "text", std::string(64, 'x')), {{"l", Numbers(100)}});
  auto prompt = h.Launch(Nested("generate_text", "prompt", ""), {{"l", Numbers(1000)}});
  auto good = h.Launch(kLinear, {{"product", "green tea"}});
  for (const auto* ex : {&issue, &output, &prompt, &good})
    ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex->id).ok());
  std::map<std::string, ExecutionRecord> done;
  for (const auto* ex : {&issue, &output, &prompt, &good}) {
    auto rec = h.engine().WaitUntilRest(Harness::kWs, ex->id);
    ASSERT_TRUE(rec.has_value());
    done[ex->id] = *rec;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  EXPECT_EQ(done[good.id].status, ExecStatus::kCompleted) << done[good.id].reason;
  const std::pair<const ExecutionRecord*, std::string> failed[] = {
      {&issue,
       "output: render work limit exceeded at .text: more than 250000 tag lookups and section "
       "iterations (a section renders its body once per list item, so sections nested over long "
       "lists multiply)"},
      {&output, "output: render output limit exceeded at .text: more than 8388608 bytes (8 MiB)"},
      {&prompt,
       "prompt: render work limit exceeded: more than 250000 tag lookups and section iterations"}};
  for (const auto& [ex, message] : failed) {
    ASSERT_EQ(done[ex->id].status, ExecStatus::kFailed);
    EXPECT_NE(done[ex->id].reason.find("'s'"), std::string::npos) << done[ex->id].reason;
    auto s = h.Step(ex->id, "s");
    EXPECT_EQ(s.status, StepStatus::kFailed);
    EXPECT_EQ(s.attempt, 1) << "the same template fails the same way: not retried";
    EXPECT_EQ(s.error["code"], "invalid_argument");
    EXPECT_EQ(s.error["message"].get<std::string>().rfind(message, 0), 0u) << s.error.dump();
  }
  EXPECT_LT(seconds, 10.0);
  EXPECT_LT(PeakRss() - peak_before, int64_t{512} << 20) << "peak memory grew by gigabytes";
}

TEST(Engine, AStepResultOverTheOutputLimitFailsTheStep) {
  EngineOptions o;
  o.max_step_output_bytes = 1000;
  Harness h(o);
  const char* copy = R"({"name": "Copy", "inputs": {"text": {"type": "string"}},
    "nodes": [{"id": "start", "type": "start"},
              {"id": "s", "type": "transform", "data": {"output": {"copy": "{{inputs.text}}"}}}],
    "edges": [{"id": "e", "source": "start", "target": "s"}]})";
  auto small = h.Run(copy, {{"text", std::string(900, 'a')}});
  EXPECT_EQ(small.status, ExecStatus::kCompleted) << small.reason;
  auto big = h.Run(copy, {{"text", std::string(2000, 'a')}});
  ASSERT_EQ(big.status, ExecStatus::kFailed);
  auto s = h.Step(big.id, "s");
  EXPECT_EQ(s.error["code"], "invalid_argument");
  EXPECT_EQ(s.error["message"], "the step's output is larger than 1000 bytes, the limit on one step");
  EXPECT_EQ(s.attempt, 1);
  EXPECT_TRUE(s.output.is_null()) << "nothing of it is kept";
}

TEST(Engine, StepTimeoutCancelsTheAttempt) {
  Harness h;
  auto start = std::chrono::steady_clock::now();
  auto ex = h.Run(OneStep(R"({"prompt": "x", "latency_ms": 30000, "timeout_ms": 100, "retry": {"max_attempts": 1, "backoff_ms": 1}})"));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  EXPECT_EQ(h.Step(ex.id, "s").error["code"], "deadline_exceeded");
  EXPECT_LT(took, std::chrono::seconds(20)) << "the 30 s call was cut short";
}

TEST(Engine, AStepWithoutATimeoutIsStoppedAtItsTypesDefault) {
  // The code type's default time limit (60 s) is the engine's too: on the engine's clock the
  // attempt is cancelled when it passes, whatever the script is doing.
  FakeClock clock(SystemClock().NowMs());
  Harness h({}, &clock);
  auto ex = h.Launch(R"({"name": "Spin",
    "nodes": [{"id": "start", "type": "start"},
              {"id": "s", "type": "code",
               "data": {"source": "while true do end", "max_instructions": 1000000000}}],
    "edges": [{"id": "e", "source": "start", "target": "s"}]})");
  const auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex.id).ok());
  for (int i = 0; i < 500 && h.Step(ex.id, "s").status != StepStatus::kRunning; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(h.Step(ex.id, "s").status, StepStatus::kRunning);
  clock.Advance(59000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(h.Step(ex.id, "s").status, StepStatus::kRunning) << "not before its 60 s";
  clock.Advance(2000);
  auto done = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, ExecStatus::kFailed);
  auto s = h.Step(ex.id, "s");
  EXPECT_EQ(s.error["code"], "deadline_exceeded");
  EXPECT_EQ(s.error["message"], "step exceeded its time limit of 60000 ms") << s.error.dump();
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(30))
      << "stopped by the engine's clock, not by the script's own minute of real time";
}

const char* kBranch = R"({
  "name": "Branch", "inputs": {"score": {"type": "integer", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "check", "type": "condition", "data": {"value": "{{inputs.score}}", "operator": "gte", "operand": 80}},
    {"id": "publish", "type": "transform", "data": {"output": {"msg": "ship it"}}},
    {"id": "rewrite", "type": "transform", "data": {"output": {"msg": "rewrite"}}},
    {"id": "rewrite2", "type": "transform", "data": {"output": {"msg": "again"}}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "check"},
    {"id": "2", "source": "check", "target": "publish", "sourceHandle": "true"},
    {"id": "3", "source": "check", "target": "rewrite", "sourceHandle": "false"},
    {"id": "4", "source": "rewrite", "target": "rewrite2"},
    {"id": "5", "source": "publish", "target": "done"},
    {"id": "6", "source": "rewrite2", "target": "done"}
  ]})";

TEST(Engine, ConditionSkipsTheBranchNotTakenAndWhatOnlyItReaches) {
  Harness h;
  auto ex = h.Run(kBranch, {{"score", 91}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(ex.id, "publish").status, StepStatus::kSucceeded);
  EXPECT_EQ(h.Step(ex.id, "rewrite").status, StepStatus::kSkipped);
  EXPECT_EQ(h.Step(ex.id, "rewrite2").status, StepStatus::kSkipped);
  EXPECT_EQ(h.Step(ex.id, "done").status, StepStatus::kSucceeded);

  auto low = h.Run(kBranch, {{"score", 12}});
  ASSERT_EQ(low.status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(low.id, "publish").status, StepStatus::kSkipped);
  EXPECT_EQ(h.Step(low.id, "rewrite2").status, StepStatus::kSucceeded);
}

// Milestones across a condition: one whose `when` lists both branches is reached once, by
// whichever finishes last; one on the branch not taken is skipped; a step run again reaches its
// milestone again.
TEST(Engine, MilestonesFollowTheBranchTakenAndAreReachedAgainByARerun) {
  Json doc = Json::parse(kBranch);
  doc["milestones"] = Json::parse(R"([
    {"id": "decided", "label": "Outcome written", "when": ["publish", "rewrite2"]},
    {"id": "rewritten", "when": ["rewrite"]},
    {"id": "finished", "when": ["done"]},
    {"id": "sent", "manual": true}])");
  auto reached = [](Harness& h, const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : h.Events(id))
      if (e.type == kMilestoneReached) out.push_back(e.payload["milestone"]);
    return out;
  };
  Harness h;
  auto high = h.Run(doc.dump(), {{"score", 91}});
  ASSERT_EQ(high.status, ExecStatus::kCompleted);
  EXPECT_EQ(reached(h, high.id), (std::vector<std::string>{"decided", "finished"}));
  auto v = h.engine().Milestones(Harness::kWs, high.id);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->list[1].skipped);
  EXPECT_EQ(v->list[v->current].id, "finished");
  EXPECT_EQ(v->action, "mark 'sent'");

  auto low = h.Run(doc.dump(), {{"score", 12}});
  ASSERT_EQ(low.status, ExecStatus::kCompleted);
  EXPECT_EQ(reached(h, low.id), (std::vector<std::string>{"rewritten", "decided", "finished"}));

  ASSERT_TRUE(h.engine().Regenerate(Harness::kWs, high.id, "publish").ok());
  ASSERT_EQ(h.RunToRest(high.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(reached(h, high.id),
            (std::vector<std::string>{"decided", "finished", "decided", "finished"}));
}

TEST(Engine, MapRunsEachItemWithinItsConcurrencyAndKeepsItemOrder) {
  Harness h;
  auto ex = h.Run(MapTemplate(R"(["alpha", "bravo", "charlie", "delta", "echo"])",
                              R"({"type": "generate_text", "data": {"prompt": "Item {{index}} {{item}}", "latency_ms": 60}})",
                              2, "fail"));
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  auto map = h.Step(ex.id, "each");
  ASSERT_EQ(map.output["count"], 5);
  const auto& results = map.output["results"];
  ASSERT_EQ(results.size(), 5u);
  const char* names[] = {"Alpha", "Bravo", "Charlie", "Delta", "Echo"};
  for (int i = 0; i < 5; ++i)
    EXPECT_NE(results[i]["text"].get<std::string>().find(names[i]), std::string::npos)
        << i << ": " << results[i]["text"];
  std::vector<StepRecord> items;
  for (auto& s : h.Steps(ex.id))
    if (s.parent_step_id == "each") items.push_back(s);
  EXPECT_EQ(items.size(), 5u);
  EXPECT_LE(MaxOverlap(items), 2);
  EXPECT_EQ(h.Step(ex.id, "done").output["all"], results);
}

TEST(Engine, NumericFieldsMayBeReferencesResolvedAtRunTime) {
  Harness h;
  auto ex = h.Run(R"({"name": "Refs",
    "inputs": {"c": {"type": "integer", "default": 2}, "t": {"type": "number", "default": 0.2},
               "topics": {"type": "list", "default": ["a", "b", "c"]}},
    "nodes": [{"id": "start", "type": "start"},
      {"id": "each", "type": "map", "data": {"items": "{{inputs.topics}}", "concurrency": "{{inputs.c}}",
        "node": {"type": "generate_text", "data": {"prompt": "{{item}}", "temperature": "{{inputs.t}}",
                                                   "latency_ms": "{{inputs.c}}"}}}}],
    "edges": [{"id": "1", "source": "start", "target": "each"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "each").output["count"], 3);

  auto bad = h.Run(R"({"name": "Bad refs", "inputs": {"c": {"type": "string", "default": "lots"}},
    "nodes": [{"id": "start", "type": "start"},
      {"id": "each", "type": "map", "data": {"items": [1, 2], "concurrency": "{{inputs.c}}",
        "node": {"type": "transform", "data": {"output": {}}}}}],
    "edges": [{"id": "1", "source": "start", "target": "each"}]})");
  ASSERT_EQ(bad.status, ExecStatus::kFailed);
  EXPECT_NE(bad.reason.find("concurrency"), std::string::npos) << bad.reason;
}

TEST(Engine, CodeStepsComputeFromUpstreamOutputsInASandbox) {
  Harness h;
  auto ex = h.Run(R"json({"name": "Code", "nodes": [{"id": "start", "type": "start"},
      {"id": "draft", "type": "generate_text", "data": {"prompt": "A note about tea gardens"}},
      {"id": "stats", "type": "code", "data": {"input": {"text": "{{steps.draft.text}}"},
        "source": "local n = 0 for _ in input.text:gmatch('%S+') do n = n + 1 end return {words = n, long = n > 20}"}},
      {"id": "escape", "type": "code", "data": {"source": "return os.execute('true')"}}],
    "edges": [{"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "draft", "target": "stats"},
              {"id": "3", "source": "stats", "target": "escape"}]})json");
  auto stats = h.Step(ex.id, "stats");
  ASSERT_EQ(stats.status, StepStatus::kSucceeded) << stats.error.dump();
  EXPECT_GT(stats.output["result"]["words"].get<int>(), 10);
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  auto escape = h.Step(ex.id, "escape");
  EXPECT_EQ(escape.error["code"], "invalid_argument");
  EXPECT_EQ(escape.attempt, 1) << "sandbox errors are not retried";
}

TEST(Engine, MapContinueCollectsItemErrors) {
  Harness h;
  auto ex = h.Run(MapTemplate(R"(["32x32", "bad", "16x16"])",
                              R"({"type": "generate_image", "data": {"prompt": "p", "size": "{{item}}"}})",
                              4, "continue"));
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  auto map = h.Step(ex.id, "each");
  EXPECT_EQ(map.output["succeeded"], 2);
  EXPECT_EQ(map.output["failed"], 1);
  ASSERT_EQ(map.output["errors"].size(), 1u);
  EXPECT_EQ(map.output["errors"][0]["index"], 1);
  EXPECT_TRUE(map.output["results"][1].is_null());
  EXPECT_EQ(map.output["results"][2]["image"]["width"], 16);
}

TEST(Engine, MapFailFailsTheExecutionAndRetryRerunsOnlyFailedItems) {
  Harness h;
  auto ex = h.Run(MapTemplate(R"(["a", "b", "c"])",
                              R"({"type": "generate_text", "data": {"prompt": "{{item}}", "fail_first": 1, "retry": {"max_attempts": 1, "backoff_ms": 1}}})",
                              1, "fail"));
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  EXPECT_NE(ex.reason.find("item 0"), std::string::npos) << ex.reason;
  // Every item fails its own first attempt, so each retry gets one item further.
  int retries = 0;
  ExecutionRecord again = ex;
  while (again.status == ExecStatus::kFailed && retries < 5) {
    ASSERT_TRUE(h.engine().Retry(Harness::kWs, ex.id).ok());
    again = h.RunToRest(ex.id);
    ++retries;
  }
  ASSERT_EQ(again.status, ExecStatus::kCompleted) << again.reason;
  EXPECT_EQ(retries, 3);
  auto counts = SucceededCounts(h.Events(ex.id));
  for (const char* item : {"each[0]", "each[1]", "each[2]"}) EXPECT_EQ(counts[item], 1) << item;
  EXPECT_EQ(counts["start"], 1) << "start is not run again";
  EXPECT_EQ(h.Step(ex.id, "each").output["results"].size(), 3u);
}

// Seed 002: a map collects a failed article (on_item_error: continue) before a review gate; the
// reviewer rejects, the user retries: the article runs again, the gate asks again with the new
// count, and the execution completes with nothing left pending.
TEST(Engine, RetryRerunsAMapItemCollectedAsAFailureAndWhatDependsOnIt) {
  Harness h;
  auto ex = h.Run(R"({"name": "Articles", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "articles", "type": "map", "data": {"items": ["a", "b"], "on_item_error": "continue",
        "node": {"type": "generate_text", "data": {"prompt": "{{item}}", "fail_first": "{{index}}",
                 "retry": {"max_attempts": 1, "backoff_ms": 1}}}}},
      {"id": "gate", "type": "approval", "data": {"message": "{{steps.articles.failed}} article failures"}},
      {"id": "done", "type": "end"}],
    "edges": [{"id": "1", "source": "start", "target": "articles"},
              {"id": "2", "source": "articles", "target": "gate"},
              {"id": "3", "source": "gate", "target": "done"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "articles[1]").status, StepStatus::kFailed);
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "gate", {"reject", "one failed"}).ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  ASSERT_TRUE(h.engine().Retry(Harness::kWs, ex.id).ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "articles[1]").status, StepStatus::kSucceeded);
  Json out = h.Step(ex.id, "articles").output;
  EXPECT_EQ(out["failed"], 0) << out.dump();
  EXPECT_EQ(out["succeeded"], 2) << out.dump();
  std::string last_message;
  for (const auto& e : h.Events(ex.id))
    if (e.type == "approval_requested") last_message = e.payload.value("message", "");
  EXPECT_EQ(last_message, "0 article failures");
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "gate", {"approve", ""}).ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  auto steps = h.store().GetSteps(Harness::kWs, ex.id);
  ASSERT_TRUE(steps.has_value());
  for (const auto& st : *steps)
    EXPECT_TRUE(st.status == StepStatus::kSucceeded || st.status == StepStatus::kSkipped)
        << st.step_id << " is " << StepStatusName(st.status);
  auto counts = SucceededCounts(h.Events(ex.id));
  EXPECT_EQ(counts["articles[0]"], 1) << "the article that succeeded is not run again";
  EXPECT_EQ(counts["articles[1]"], 1);
}

const char* kApproval = R"({
  "name": "Gate",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text", "data": {"prompt": "Draft"}},
    {"id": "review", "type": "approval", "data": {"message": "Publish {{steps.draft.text}}?"}},
    {"id": "publish", "type": "transform", "data": {"output": {"ok": true}}}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "draft"},
    {"id": "2", "source": "draft", "target": "review"},
    {"id": "3", "source": "review", "target": "publish"}
  ]})";

TEST(Engine, ApprovalWaitsHoldingNothingThenContinuesOnApprove) {
  Harness h;
  auto ex = h.Run(kApproval);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting);
  EXPECT_TRUE(ex.owner.empty()) << "a waiting execution holds no lease";
  EXPECT_EQ(h.Step(ex.id, "review").status, StepStatus::kWaiting);
  bool requested = false;
  for (const auto& e : h.Events(ex.id)) {
    if (e.type == "approval_requested") {
      requested = true;
      EXPECT_NE(e.payload["message"].get<std::string>().find("Publish # Draft"), std::string::npos);
    }
  }
  EXPECT_TRUE(requested);

  Status bad = h.engine().Decide(Harness::kWs, ex.id, "draft", {"approve", ""});
  EXPECT_EQ(bad.code(), Code::kFailedPrecondition);
  EXPECT_NE(bad.message().find("succeeded"), std::string::npos);

  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "review", {"approve", "looks good"}).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(ex.id, "review").output["comment"], "looks good");
  EXPECT_EQ(h.Step(ex.id, "publish").status, StepStatus::kSucceeded);
}

TEST(Engine, RejectWithoutARejectedBranchFailsTheExecution) {
  Harness h;
  auto ex = h.Run(kApproval);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting);
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "review", {"reject", "off-brand"}).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kFailed);
  EXPECT_NE(done.reason.find("off-brand"), std::string::npos) << done.reason;
  EXPECT_EQ(h.Step(ex.id, "publish").status, StepStatus::kPending);
}

TEST(Engine, RejectFollowsTheRejectedBranch) {
  Harness h;
  std::string t = kApproval;
  t.replace(t.find(R"({"id": "3")"), 0,
            R"({"id": "4", "source": "review", "target": "redo", "sourceHandle": "rejected"}, )");
  t.replace(t.find(R"({"id": "publish")"), 0,
            R"({"id": "redo", "type": "transform", "data": {"output": {"again": true}}}, )");
  auto ex = h.Run(t);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting);
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "review", {"reject", ""}).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  EXPECT_EQ(h.Step(ex.id, "redo").status, StepStatus::kSucceeded);
  EXPECT_EQ(h.Step(ex.id, "publish").status, StepStatus::kSkipped);
}

const char* kSlowChain = R"({
  "name": "Slow chain",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "one", "type": "generate_text", "data": {"prompt": "one", "latency_ms": 400}},
    {"id": "two", "type": "generate_text", "data": {"prompt": "two", "latency_ms": 30000}}
  ],
  "edges": [{"id": "1", "source": "start", "target": "one"}, {"id": "2", "source": "one", "target": "two"}]})";

void WaitForStatus(Harness& h, const std::string& id, const std::string& step, StepStatus st) {
  for (int i = 0; i < 500; ++i) {
    if (h.Step(id, step).status == st) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << step << " never reached " << StepStatusName(st);
}

TEST(Engine, PauseLetsRunningStepsFinishAndStartsNothingNew) {
  Harness h;
  auto ex = h.Launch(kSlowChain);
  ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex.id).ok());
  WaitForStatus(h, ex.id, "one", StepStatus::kRunning);
  ASSERT_TRUE(h.engine().Pause(Harness::kWs, ex.id).ok());
  auto rested = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(rested.has_value());
  EXPECT_EQ(rested->status, ExecStatus::kPaused);
  EXPECT_EQ(h.Step(ex.id, "one").status, StepStatus::kSucceeded);
  EXPECT_EQ(h.Step(ex.id, "two").status, StepStatus::kPending);

  Status again = h.engine().Pause(Harness::kWs, ex.id);
  EXPECT_TRUE(again.ok()) << "pausing a paused execution is a no-op";
  ASSERT_TRUE(h.engine().Resume(Harness::kWs, ex.id).ok());
  ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex.id).ok());
  WaitForStatus(h, ex.id, "two", StepStatus::kRunning);
  ASSERT_TRUE(h.engine().Stop(Harness::kWs, ex.id).ok());
  auto stopped = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  EXPECT_EQ(stopped->status, ExecStatus::kStopped);
}

TEST(Engine, StopCancelsInFlightStepsPromptly) {
  Harness h;
  auto ex = h.Launch(kSlowChain);
  ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex.id).ok());
  WaitForStatus(h, ex.id, "two", StepStatus::kRunning);
  auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(h.engine().Stop(Harness::kWs, ex.id).ok());
  auto rested = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  auto took = std::chrono::steady_clock::now() - before;
  ASSERT_EQ(rested->status, ExecStatus::kStopped);
  EXPECT_EQ(h.Step(ex.id, "two").status, StepStatus::kCancelled);
  EXPECT_LT(took, std::chrono::seconds(10)) << "not the 30 s the call would have taken";
  // The cancelled call's result never lands.
  for (const auto& e : h.Events(ex.id)) EXPECT_FALSE(e.type == "step_succeeded" && e.step_id == "two");
}

TEST(Engine, InvalidTransitionsAreRefusedNamingBothStates) {
  Harness h;
  auto ex = h.Run(kLinear, {{"product", "tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  Status s = h.engine().Pause(Harness::kWs, ex.id);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("completed"), std::string::npos);
  EXPECT_NE(s.message().find("paused"), std::string::npos);
  Status r = h.engine().Retry(Harness::kWs, ex.id);
  EXPECT_EQ(r.code(), Code::kFailedPrecondition);
  EXPECT_EQ(h.engine().Pause(Harness::kWs, "ex_missing").code(), Code::kNotFound);
  EXPECT_EQ(h.engine().Pause("other-workspace", ex.id).code(), Code::kNotFound);
}

TEST(Engine, RetryRerunsOnlyFailedAndNeverRunSteps) {
  Harness h;
  auto ex = h.Run(R"({"name": "R", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "a", "type": "generate_text", "data": {"prompt": "a"}},
      {"id": "b", "type": "generate_text", "data": {"prompt": "b", "fail_first": 1, "retry": {"max_attempts": 1, "backoff_ms": 1}}},
      {"id": "c", "type": "generate_text", "data": {"prompt": "{{steps.b.text}}"}}],
    "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
              {"id": "3", "source": "b", "target": "c"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  EXPECT_EQ(h.Step(ex.id, "c").status, StepStatus::kPending);
  ASSERT_TRUE(h.engine().Retry(Harness::kWs, ex.id).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  EXPECT_EQ(h.Step(ex.id, "a").attempt, 1);
  EXPECT_EQ(h.Step(ex.id, "b").attempt, 2);
  auto events = h.Events(ex.id);
  ExpectGapFreeEvents(events);
  auto counts = SucceededCounts(events);
  EXPECT_EQ(counts["a"], 1);
  EXPECT_EQ(counts["b"], 1);
  EXPECT_EQ(counts["c"], 1);
}

TEST(Engine, ProgressCountsStagesOneBasedAndEndsAtMofM) {
  Harness h;
  std::vector<Progress> seen;
  std::mutex mu;
  h.engine().SetObserver([&](const Event&, const Progress& p) {
    std::lock_guard<std::mutex> l(mu);
    seen.push_back(p);
  });
  auto ex = h.Run(kLinear, {{"product", "tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  h.engine().SetObserver(nullptr);
  ASSERT_FALSE(seen.empty());
  for (const auto& p : seen) {
    EXPECT_EQ(p.stages, 2);  // caption, hero (start and end are not stages)
    EXPECT_GE(p.stage, 1);
    EXPECT_LE(p.stage, 2);
  }
  EXPECT_EQ(seen.back().stage, 2);
  EXPECT_EQ(seen.back().percent, 100);
  auto g = h.engine().GraphFor(Harness::kWs, ex.template_id, ex.template_version);
  ASSERT_TRUE(g.has_value());
  auto p = ComputeProgress(**g, h.Steps(ex.id));
  EXPECT_EQ(p.stage, 2);
  EXPECT_EQ(p.stages, 2);
  EXPECT_EQ(p.finished, 2);
}

TEST(Engine, RecoversStepsLeftRunningByADeadOwner) {
  Harness h;
  auto ex = h.Launch(kLinear, {{"product", "tea"}});
  // Pretend a process that is gone claimed the execution and its first step.
  auto steps = h.Steps(ex.id);
  Transition t;
  ExecutionRecord row = ex;
  row.status = ExecStatus::kRunning;
  row.owner = "ghost";
  row.owner_expires_at = 1;  // long expired
  t.ops.push_back(ExecWrite{row, {ExecStatus::kQueued}, false});
  for (auto s : steps) {
    if (s.step_id == "caption") {
      s.status = StepStatus::kRunning;
      s.attempt = 1;
      s.lease_owner = "ghost";
      s.lease_expires_at = 1;
      t.ops.push_back(StepWrite{s, StepStatus::kPending, std::nullopt, false});
    }
  }
  auto r = h.store().Commit({t});
  ASSERT_TRUE(r && r->applied[0]);
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(ex.id, "caption").attempt, 2);
  bool recovered = false;
  for (const auto& e : h.Events(ex.id)) recovered |= e.type == "step_recovered";
  EXPECT_TRUE(recovered);
}

TEST(Engine, ManyConcurrentExecutionsAllComplete) {
  Harness h;
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i)
    ids.push_back(h.Launch(kBranch, {{"score", i * 3}}).id);
  for (const auto& id : ids) ASSERT_TRUE(h.engine().Drive(Harness::kWs, id).ok());
  for (const auto& id : ids) {
    auto rec = h.engine().WaitUntilRest(Harness::kWs, id);
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->status, ExecStatus::kCompleted);
    ExpectGapFreeEvents(h.Events(id));
  }
}

TEST(Engine, ALaunchAndItsIdempotencyKeyCommitTogether) {
  Harness h;
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(kLinear, &errors);
  ASSERT_TRUE(t.has_value());
  auto tmpl = h.engine().RegisterTemplate(Harness::kWs, *t);
  ASSERT_TRUE(tmpl.has_value());
  IdempotencyRecord key;
  key.workspace_id = Harness::kWs;
  key.key = "req-1";
  key.request_hash = "h";
  auto first = h.engine().Launch(Harness::kWs, *tmpl, {{"product", "tea"}}, {IdempotencyPut{key}});
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  auto bound = Accounts(h).FindIdempotencyKey(Harness::kWs, "req-1");
  ASSERT_TRUE(bound.has_value() && bound->has_value());
  EXPECT_EQ((*bound)->execution_id, first->id);
  // The same key again: nothing is created.
  auto second = h.engine().Launch(Harness::kWs, *tmpl, {{"product", "tea"}}, {IdempotencyPut{key}});
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), Code::kAlreadyExists);
  ExecutionFilter all;
  all.limit = 0;
  EXPECT_EQ(h.store().ListExecutions(Harness::kWs, all)->size(), 1u);
}

// Issue 8 item 21: a client follows progress from the events alone. Each event whose transition
// changes it carries {percent, stage, stages, finished, total} as GET computes them; a map's
// items move the percent item by item; the last one says 100 and stage M of M.
TEST(Engine, EventsCarryProgressWhereItChanges) {
  EngineOptions every_change;
  every_change.progress_interval_ms = 0;
  Harness h(every_change);
  auto ex = h.Run(R"({"name": "Staged", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "outline", "type": "generate_text", "data": {"prompt": "outline"}},
      {"id": "sections", "type": "map", "data": {"items": ["a", "b", "c", "d"], "concurrency": 1,
        "node": {"type": "generate_text", "data": {"prompt": "{{item}}"}}}},
      {"id": "assemble", "type": "transform", "data": {"output": {"n": "{{steps.sections.count}}"}}},
      {"id": "done", "type": "end"}],
    "edges": [{"id": "1", "source": "start", "target": "outline"},
              {"id": "2", "source": "outline", "target": "sections"},
              {"id": "3", "source": "sections", "target": "assemble"},
              {"id": "4", "source": "assemble", "target": "done"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  std::vector<Json> carried;
  std::vector<std::string> carriers;
  for (const auto& e : h.Events(ex.id))
    if (e.payload.contains("progress")) {
      carried.push_back(e.payload["progress"]);
      carriers.push_back(e.type + " " + e.step_id);
    }
  ASSERT_GE(carried.size(), 6u) << "outline, four items, assemble";
  double before = -1;
  int stage = 0;
  std::string all;
  for (size_t i = 0; i < carried.size(); ++i) all += carriers[i] + " " + carried[i].dump() + "\n";
  for (size_t i = 0; i < carried.size(); ++i) {
    const Json& p = carried[i];
    EXPECT_EQ(p["stages"], 3) << all;
    EXPECT_EQ(p["total"], 3) << all;
    EXPECT_GE(p["percent"].get<double>(), before) << all;
    EXPECT_GE(p["stage"].get<int>(), stage) << all;
    before = p["percent"];
    stage = p["stage"];
    if (i > 0) {
      EXPECT_NE(p, carried[i - 1]) << "only events that change it carry it\n" << all;
    }
  }
  // Items move it: 1/3 after the outline, then a quarter of a third per section.
  int between = 0;
  for (const auto& p : carried)
    if (p["percent"].get<double>() > 34 && p["percent"].get<double>() < 66) ++between;
  EXPECT_GE(between, 3) << all;
  EXPECT_EQ(carried.back()["percent"], 100) << all;
  EXPECT_EQ(carried.back()["stage"], 3);
  EXPECT_EQ(carried.back()["finished"], 3);
  // What the events said last is what a GET computes from the rows.
  Progress now = ComputeProgress(**h.engine().GraphFor(Harness::kWs, ex.template_id, ex.template_version),
                                 h.Steps(ex.id));
  EXPECT_EQ(carried.back()["percent"].get<double>(), now.percent);
  EXPECT_EQ(carried.back()["stage"].get<int>(), now.stage);

  // A new version of a section: the stream says progress went back and forward again.
  ASSERT_TRUE(h.engine().Regenerate(Harness::kWs, ex.id, "sections[2]").ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  Json last_progress;
  bool went_back = false;
  for (const auto& e : h.Events(ex.id))
    if (e.payload.contains("progress")) {
      if (!last_progress.is_null() && e.payload["progress"]["percent"] < last_progress["percent"])
        went_back = true;
      last_progress = e.payload["progress"];
    }
  EXPECT_TRUE(went_back);
  EXPECT_EQ(last_progress["percent"], 100);
}

// Quick steps do not pay for progress on every event: it is carried at most every
// progress_interval_ms, and always by the transition that ends the execution.
TEST(Engine, ProgressInEventsIsCoalescedButTheLastOneSays100) {
  EngineOptions coalesced;
  coalesced.progress_interval_ms = 60000;
  Harness h(coalesced);
  std::string nodes = R"({"id": "start", "type": "start"})", edges;
  std::string prev = "start";
  for (int i = 0; i < 30; ++i) {
    std::string id = "s" + std::to_string(i);
    nodes += R"(, {"id": ")" + id + R"(", "type": "transform", "data": {"output": {"v": 1}}})";
    edges += std::string(edges.empty() ? "" : ", ") + R"({"id": "e)" + id + R"(", "source": ")" +
             prev + R"(", "target": ")" + id + R"("})";
    prev = id;
  }
  auto ex = h.Run(R"({"name": "Chain", "nodes": [)" + nodes + R"(], "edges": [)" + edges + "]}");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  std::vector<Json> carried;
  for (const auto& e : h.Events(ex.id))
    if (e.payload.contains("progress")) carried.push_back(e.payload["progress"]);
  ASSERT_FALSE(carried.empty());
  EXPECT_LE(carried.size(), 3u) << "not one per step";
  EXPECT_EQ(carried.back()["percent"], 100);
  EXPECT_EQ(carried.back()["stage"], 30);
}

}  // namespace
}  // namespace atelier::testing
