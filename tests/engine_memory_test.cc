// Unit tests of the engine over the in-memory store: the same engine as the integration suites,
// with no database file, so each test costs what the engine does and no more. A provider that
// holds its calls until told (GateProvider) replaces sleeps where a test needs a step caught
// running.
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>

#include "store/memory/memory_store.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// The offline provider behind a gate (model "gate/..."): text calls wait until Open() (or until
// cancelled) and then answer as the offline provider does.
class GateProvider final : public Provider {
 public:
  std::string name() const override { return "gate"; }
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override {
    {
      std::unique_lock<std::mutex> l(mu_);
      ++calls_;
      cv_.notify_all();
      while (!open_ && !cancel.cancelled()) cv_.wait_for(l, std::chrono::milliseconds(5));
    }
    if (cancel.cancelled()) return Err(Cancelled("gate: cancelled: " + cancel.reason()));
    return offline_.GenerateText(req, cancel);
  }
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override {
    return offline_.GenerateImage(req, cancel);
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int Calls() {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }
  // Waits until `n` calls have come in (false after 10 s).
  bool WaitForCalls(int n) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(10), [&] { return calls_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  bool open_ = false;
  OfflineProvider offline_;
};

// A harness over its own MemoryStore (or a given one, shared with another harness).
struct MemoryHarness : Harness {
  explicit MemoryHarness(EngineOptions opts = {},
                         std::vector<std::shared_ptr<Provider>> extra_providers = {},
                         std::shared_ptr<MemoryStore> shared = std::make_shared<MemoryStore>())
      : Harness(std::move(opts), nullptr, std::move(extra_providers), shared), memory(shared) {}
  std::shared_ptr<MemoryStore> memory;
};

// An engine named `owner` on `store` whose "gate/..." models call `gate`.
std::unique_ptr<MemoryHarness> GatedEngine(const std::string& owner,
                                           std::shared_ptr<GateProvider> gate,
                                           std::shared_ptr<MemoryStore> store) {
  EngineOptions opts;
  opts.owner = owner;
  return std::make_unique<MemoryHarness>(opts, std::vector<std::shared_ptr<Provider>>{gate},
                                         std::move(store));
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ExpectGapFreeEvents(const std::vector<Event>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].seq, static_cast<int64_t>(i + 1)) << events[i].type;
    if (i > 0) {
      ASSERT_GT(events[i].gid, events[i - 1].gid) << events[i].type;
    }
  }
}

std::map<std::string, int> Count(const std::vector<Event>& events, const std::string& type) {
  std::map<std::string, int> n;
  for (const auto& e : events)
    if (e.type == type) n[e.step_id]++;
  return n;
}

const char* kLinear = R"({
  "name": "Linear",
  "inputs": {"product": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "caption", "type": "generate_text", "data": {"prompt": "Caption for {{inputs.product}}"}},
    {"id": "hero", "type": "generate_image", "data": {"prompt": "{{steps.caption.text}}", "size": "32x32"}},
    {"id": "done", "type": "end", "data": {"output": {"caption": "{{steps.caption.text}}", "image": "{{steps.hero.image}}"}}}
  ],
  "edges": [
    {"id": "e1", "source": "start", "target": "caption"},
    {"id": "e2", "source": "caption", "target": "hero"},
    {"id": "e3", "source": "hero", "target": "done"}
  ]})";

TEST(EngineOnMemory, LinearRunCompletesWithArtifactsAndOrderedEvents) {
  MemoryHarness h;
  auto ex = h.Run(kLinear, {{"product", "green tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  EXPECT_TRUE(ex.owner.empty()) << "a finished execution holds no lease";
  auto caption = h.Step(ex.id, "caption");
  EXPECT_EQ(caption.status, StepStatus::kSucceeded);
  EXPECT_EQ(caption.attempt, 1);
  auto done = h.Step(ex.id, "done");
  EXPECT_EQ(done.output["caption"], caption.output["text"]);
  EXPECT_EQ(done.output["image"]["mime"], "image/png");

  auto arts = h.store().ListArtifacts(Harness::kWs, ex.id);
  ASSERT_TRUE(arts.has_value()) << arts.error().ToString();
  ASSERT_EQ(arts->size(), 2u);
  for (const auto& a : *arts) {
    auto bytes = h.blobs().Get(a.sha256);
    ASSERT_TRUE(bytes.has_value()) << a.id;
    EXPECT_EQ(static_cast<int64_t>(bytes->size()), a.size);
  }

  auto events = h.Events(ex.id);
  ExpectGapFreeEvents(events);
  EXPECT_EQ(events.front().type, "execution_created");
  EXPECT_EQ(events.back().type, "execution_completed");
  auto succeeded = Count(events, "step_succeeded");
  for (const char* step : {"start", "caption", "hero", "done"}) EXPECT_EQ(succeeded[step], 1) << step;
  // The workspace stream has the same events, in the same order.
  auto stream = h.memory->ReadWorkspaceEvents(Harness::kWs, 0, 0);
  ASSERT_TRUE(stream.has_value());
  ASSERT_EQ(stream->size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ((*stream)[i].gid, events[i].gid);
}

TEST(EngineOnMemory, MapWithOnItemErrorContinueCollectsTheFailedItem) {
  MemoryHarness h;
  auto ex = h.Run(R"({"name": "Map", "nodes": [{"id": "start", "type": "start"},
    {"id": "each", "type": "map", "data": {"items": ["32x32", "bad", "16x16"], "concurrency": 2,
      "on_item_error": "continue",
      "node": {"type": "generate_image", "data": {"prompt": "p", "size": "{{item}}"}}}},
    {"id": "done", "type": "end", "data": {"output": {"all": "{{steps.each.results}}"}}}],
    "edges": [{"id": "1", "source": "start", "target": "each"},
              {"id": "2", "source": "each", "target": "done"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  auto map = h.Step(ex.id, "each");
  EXPECT_EQ(map.output["succeeded"], 2);
  EXPECT_EQ(map.output["failed"], 1);
  ASSERT_EQ(map.output["errors"].size(), 1u);
  EXPECT_EQ(map.output["errors"][0]["index"], 1);
  EXPECT_TRUE(map.output["results"][1].is_null());
  EXPECT_EQ(map.output["results"][2]["image"]["width"], 16);
  EXPECT_EQ(h.Step(ex.id, "each[1]").status, StepStatus::kFailed);
  EXPECT_EQ(h.Step(ex.id, "each[1]").item_index, 1);
  EXPECT_EQ(h.Step(ex.id, "each[1]").parent_step_id, "each");
  ExpectGapFreeEvents(h.Events(ex.id));
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

TEST(EngineOnMemory, AnApprovalGateWaitsThenContinuesOnTheDecision) {
  MemoryHarness h;
  auto ex = h.Run(kApproval);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  EXPECT_TRUE(ex.owner.empty()) << "a waiting execution holds no lease";
  EXPECT_EQ(h.Step(ex.id, "review").status, StepStatus::kWaiting);
  EXPECT_EQ(h.Step(ex.id, "publish").status, StepStatus::kPending);
  EXPECT_EQ(Count(h.Events(ex.id), "approval_requested")["review"], 1);

  Status wrong = h.engine().Decide(Harness::kWs, ex.id, "draft", {"approve", ""});
  EXPECT_EQ(wrong.code(), Code::kFailedPrecondition) << wrong.ToString();
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "review", {"approve", "ship it"}).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  EXPECT_EQ(h.Step(ex.id, "review").output["comment"], "ship it");
  EXPECT_EQ(h.Step(ex.id, "publish").output["ok"], true);
  ExpectGapFreeEvents(h.Events(ex.id));
}

// "one" is held at the gate while the execution is paused: it finishes, nothing new starts.
TEST(EngineOnMemory, PauseLetsTheRunningStepFinishAndResumeRunsTheRest) {
  auto gate = std::make_shared<GateProvider>();
  MemoryHarness h({}, {gate});
  auto ex = h.Launch(R"({"name": "Chain", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "one", "type": "generate_text", "data": {"prompt": "one", "model": "gate/m"}},
      {"id": "two", "type": "generate_text", "data": {"prompt": "two {{steps.one.text}}"}}],
    "edges": [{"id": "1", "source": "start", "target": "one"},
              {"id": "2", "source": "one", "target": "two"}]})");
  ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex.id).ok());
  ASSERT_TRUE(gate->WaitForCalls(1));
  ASSERT_TRUE(h.engine().Pause(Harness::kWs, ex.id).ok());
  gate->Open();
  auto paused = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(paused.has_value()) << paused.error().ToString();
  ASSERT_EQ(paused->status, ExecStatus::kPaused) << paused->reason;
  EXPECT_EQ(h.Step(ex.id, "one").status, StepStatus::kSucceeded);
  EXPECT_EQ(h.Step(ex.id, "two").status, StepStatus::kPending);
  EXPECT_TRUE(h.engine().Pause(Harness::kWs, ex.id).ok()) << "pausing again is a no-op";

  ASSERT_TRUE(h.engine().Resume(Harness::kWs, ex.id).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  EXPECT_EQ(h.Step(ex.id, "two").status, StepStatus::kSucceeded);
  auto events = h.Events(ex.id);
  ExpectGapFreeEvents(events);
  EXPECT_EQ(Count(events, "step_succeeded")["one"], 1);
}

const char* kFlow = R"({
  "name": "Tweakable",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text", "data": {"prompt": "Draft a launch note for tea"}},
    {"id": "polish", "type": "generate_text", "data": {"prompt": "Polish: {{steps.draft.text}}"}},
    {"id": "side", "type": "transform", "data": {"output": {"n": 1}}},
    {"id": "done", "type": "end", "data": {"output": {"note": "{{steps.polish.text}}"}}}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "draft", "target": "polish"},
    {"id": "3", "source": "start", "target": "side"},
    {"id": "4", "source": "polish", "target": "done"}, {"id": "5", "source": "side", "target": "done"}
  ]})";

TEST(EngineOnMemory, TweakAndRevertMakeVersionsAndRerunWhatIsDownstream) {
  MemoryHarness h;
  auto ex = h.Run(kFlow);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  const Json v1 = h.Step(ex.id, "draft").output;
  const Json polished1 = h.Step(ex.id, "polish").output;

  ASSERT_TRUE(h.engine().Tweak(Harness::kWs, ex.id, "draft", "make it shorter").ok());
  auto tweaked = h.RunToRest(ex.id);
  ASSERT_EQ(tweaked.status, ExecStatus::kCompleted) << tweaked.reason;
  EXPECT_EQ(h.Step(ex.id, "draft").version, 2);
  EXPECT_NE(h.Step(ex.id, "draft").output, v1);
  EXPECT_NE(h.Step(ex.id, "polish").output["text"], polished1["text"]) << "re-ran on the new draft";
  auto events = h.Events(ex.id);
  auto stale = Count(events, "step_stale");
  EXPECT_EQ(stale["polish"], 1);
  EXPECT_EQ(stale["done"], 1);
  EXPECT_EQ(stale["side"], 0) << "not downstream of draft";
  EXPECT_EQ(Count(events, "step_succeeded")["side"], 1);

  ASSERT_TRUE(h.engine().Revert(Harness::kWs, ex.id, "draft", 1).ok());
  auto reverted = h.RunToRest(ex.id);
  ASSERT_EQ(reverted.status, ExecStatus::kCompleted) << reverted.reason;
  auto draft = h.Step(ex.id, "draft");
  EXPECT_EQ(draft.output, v1);
  EXPECT_EQ(draft.version, 3);
  // Polish of the restored draft is the first polish again: served from the cache.
  EXPECT_EQ(h.Step(ex.id, "polish").output["text"], polished1["text"]);
  bool cached = false;
  events = h.Events(ex.id);
  for (const auto& e : events)
    cached |= e.step_id == "polish" && e.type == "step_succeeded" && e.payload.contains("cache_hit");
  EXPECT_TRUE(cached);
  EXPECT_EQ(Count(events, "step_stale")["polish"], 2);
  ExpectGapFreeEvents(events);

  auto versions = h.store().ListStepVersions(Harness::kWs, ex.id, "draft");
  ASSERT_TRUE(versions.has_value()) << versions.error().ToString();
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].output, v1);
  EXPECT_EQ((*versions)[1].meta["instruction"], "make it shorter");
  EXPECT_EQ((*versions)[2].meta["reverted_to"], 1);
  EXPECT_EQ(h.engine().Revert(Harness::kWs, ex.id, "draft", 9).code(), Code::kNotFound);
}

TEST(EngineOnMemory, RetryAfterAFailureRerunsOnlyTheFailedStepAndWhatFollows) {
  MemoryHarness h;
  auto ex = h.Run(R"({"name": "R", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "a", "type": "generate_text", "data": {"prompt": "a"}},
      {"id": "b", "type": "generate_text", "data": {"prompt": "b", "fail_first": 1, "retry": {"max_attempts": 1, "backoff_ms": 1}}},
      {"id": "c", "type": "generate_text", "data": {"prompt": "{{steps.b.text}}"}}],
    "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
              {"id": "3", "source": "b", "target": "c"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  EXPECT_NE(ex.reason.find("'b'"), std::string::npos) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "b").status, StepStatus::kFailed);
  EXPECT_FALSE(h.Step(ex.id, "b").error.is_null());
  EXPECT_EQ(h.Step(ex.id, "c").status, StepStatus::kPending);

  ASSERT_TRUE(h.engine().Retry(Harness::kWs, ex.id).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  EXPECT_EQ(h.Step(ex.id, "a").attempt, 1);
  EXPECT_EQ(h.Step(ex.id, "b").attempt, 2);
  auto events = h.Events(ex.id);
  ExpectGapFreeEvents(events);
  auto succeeded = Count(events, "step_succeeded");
  EXPECT_EQ(succeeded["a"], 1);
  EXPECT_EQ(succeeded["b"], 1);
  EXPECT_EQ(succeeded["c"], 1);
}

// A process that is gone (owner "ghost:...", still holding its leases for half a minute) left
// "slow" running; a second engine over the same store takes the execution over, counts the crash,
// runs the step again and completes. The first engine's late result is fenced off by the guards.
TEST(EngineOnMemory, ASecondEngineAdoptsAnExecutionWhoseOwnerIsGone) {
  auto store = std::make_shared<MemoryStore>();
  auto gate = std::make_shared<GateProvider>();
  EngineOptions gone_opts;
  gone_opts.owner = "ghost:1:first";
  auto gone = std::make_unique<MemoryHarness>(gone_opts, std::vector<std::shared_ptr<Provider>>{gate},
                                              store);
  auto ex = gone->Launch(R"({"name": "Adopted", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "slow", "type": "generate_text", "data": {"prompt": "slow", "model": "gate/m"}},
      {"id": "after", "type": "generate_text", "data": {"prompt": "after {{steps.slow.text}}"}}],
    "edges": [{"id": "1", "source": "start", "target": "slow"},
              {"id": "2", "source": "slow", "target": "after"}]})");
  ASSERT_TRUE(gone->engine().Drive(Harness::kWs, ex.id).ok());
  ASSERT_TRUE(gate->WaitForCalls(1));
  auto held = gone->Step(ex.id, "slow");
  ASSERT_EQ(held.status, StepStatus::kRunning);
  EXPECT_EQ(held.lease_owner, "ghost:1:first");
  EXPECT_GT(held.lease_expires_at, WallMs()) << "only the owner being gone frees it";

  EngineOptions next_opts;
  next_opts.owner = "test:2:second";
  next_opts.owner_is_dead = [](const std::string& owner) { return owner.rfind("ghost:", 0) == 0; };
  auto open_gate = std::make_shared<GateProvider>();
  open_gate->Open();  // the new engine's attempt runs straight through
  MemoryHarness next(next_opts, {open_gate}, store);
  auto done = next.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  auto slow = next.Step(ex.id, "slow");
  EXPECT_EQ(slow.attempt, 2);
  EXPECT_EQ(slow.crashes, 0) << "the attempt that finished cleared the count";
  auto recovered = Count(next.Events(ex.id), "step_recovered");
  EXPECT_EQ(recovered["slow"], 1);
  for (const auto& e : next.Events(ex.id)) {
    if (e.type != "step_recovered") continue;
    EXPECT_EQ(e.payload["previous_owner"], "ghost:1:first");
    EXPECT_EQ(e.payload["crashes"], 1);
    EXPECT_EQ(e.payload["lease_expired"], false);
  }

  // The first engine's call returns now; nothing it writes lands on the adopted execution.
  gate->Open();
  gone.reset();
  auto after = store->GetExecution(Harness::kWs, ex.id);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, ExecStatus::kCompleted);
  auto events = next.Events(ex.id);
  ExpectGapFreeEvents(events);
  auto succeeded = Count(events, "step_succeeded");
  EXPECT_EQ(succeeded["slow"], 1);
  EXPECT_EQ(succeeded["after"], 1);
  EXPECT_EQ(next.Step(ex.id, "slow").attempt, 2);
}

// Real time, an hour ahead: to an engine on it every lease taken on the system clock has run out.
class AheadClock final : public Clock {
 public:
  int64_t NowMs() override { return real_.NowMs() + 3'600'000; }

 private:
  SystemClock real_;
};

// An engine whose lease ran out while it ran two steps (it looks alive: no owner_is_dead) loses
// the execution to a second engine, which runs one step at a time: one of the two runs again
// there, the other waits `ready`. When the first engine's calls return, their results are
// refused, and it sees the execution is another's: it must neither start the waiting step (its
// slots are free) nor keep the execution, but let it go at once. The second finishes it alone.
TEST(EngineOnMemory, AnEngineThatLostItsLeaseStartsNothingMoreAndLetsTheExecutionGo) {
  auto store = std::make_shared<MemoryStore>();
  auto first_gate = std::make_shared<GateProvider>();
  auto first = GatedEngine("test:1:first", first_gate, store);
  auto ex = first->Launch(R"({"name": "Two branches", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "x", "type": "generate_text", "data": {"prompt": "x", "model": "gate/m"}},
      {"id": "y", "type": "generate_text", "data": {"prompt": "y", "model": "gate/m"}},
      {"id": "after", "type": "generate_text", "data": {"prompt": "{{steps.x.text}} {{steps.y.text}}"}}],
    "edges": [{"id": "1", "source": "start", "target": "x"}, {"id": "2", "source": "start", "target": "y"},
              {"id": "3", "source": "x", "target": "after"}, {"id": "4", "source": "y", "target": "after"}]})");
  ASSERT_TRUE(first->engine().Drive(Harness::kWs, ex.id).ok());
  ASSERT_TRUE(first_gate->WaitForCalls(2));

  AheadClock ahead;
  EngineOptions second_opts;
  second_opts.owner = "test:2:second";
  second_opts.max_concurrency = 1;
  auto second_gate = std::make_shared<GateProvider>();
  Harness second(second_opts, &ahead, {second_gate}, store);
  ASSERT_TRUE(second.engine().Drive(Harness::kWs, ex.id).ok());
  ASSERT_TRUE(second_gate->WaitForCalls(1));
  const StepRecord x = second.Step(ex.id, "x"), y = second.Step(ex.id, "y");
  const std::string waiting = x.status == StepStatus::kReady ? "x" : "y";
  ASSERT_EQ((x.status == StepStatus::kRunning) + (y.status == StepStatus::kRunning), 1);
  ASSERT_EQ(second.Step(ex.id, waiting).status, StepStatus::kReady);
  ASSERT_EQ(store->GetExecution(Harness::kWs, ex.id)->owner, "test:2:second");

  // The first engine's calls return: both results are refused, and it lets the execution go
  // without starting the step that waits.
  first_gate->Open();
  auto let_go = std::async(std::launch::async,
                           [&] { return first->engine().WaitUntilRest(Harness::kWs, ex.id); });
  ASSERT_EQ(let_go.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the first engine still holds an execution another took over";
  EXPECT_EQ(let_go.get()->owner, "test:2:second");
  EXPECT_EQ(first_gate->Calls(), 2) << "it started a step of an execution it no longer holds";
  EXPECT_EQ(second.Step(ex.id, waiting).status, StepStatus::kReady);
  EXPECT_EQ(second.Step(ex.id, waiting).attempt, 1);

  second_gate->Open();
  auto done = second.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(done.has_value());
  ASSERT_EQ(done->status, ExecStatus::kCompleted) << done->reason;
  first.reset();
  auto events = second.Events(ex.id);
  ExpectGapFreeEvents(events);
  auto succeeded = Count(events, "step_succeeded");
  EXPECT_EQ(succeeded["x"], 1);
  EXPECT_EQ(succeeded["y"], 1);
  EXPECT_EQ(succeeded["after"], 1);
  EXPECT_EQ(second.Step(ex.id, "x").attempt, 2);
  EXPECT_EQ(second.Step(ex.id, "y").attempt, 2);
  for (const auto& e : events) {
    if (e.type != "step_recovered") continue;
    EXPECT_EQ(e.payload["previous_owner"], "test:1:first");
    EXPECT_EQ(e.payload["lease_expired"], true);
  }
  EXPECT_EQ(Count(events, "step_recovered").size(), 2u);
}

const char* kOneGatedStep = R"({"name": "Gated", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "slow", "type": "generate_text", "data": {"prompt": "slow", "model": "gate/m"}}],
  "edges": [{"id": "1", "source": "start", "target": "slow"}]})";

// A claim takes over what waits for a process as Drive does: an execution whose owner's lease ran
// out is claimed with its steps, its running step is recovered, the events name the previous
// owner, and it runs to the end once; a second claim finds nothing left.
TEST(EngineOnMemory, ClaimManyTakesOverAnExecutionWhoseLeaseRanOut) {
  auto store = std::make_shared<MemoryStore>();
  auto first_gate = std::make_shared<GateProvider>();
  auto first = GatedEngine("test:1:first", first_gate, store);
  auto ex = first->Launch(kOneGatedStep);
  ASSERT_TRUE(first->engine().Drive(Harness::kWs, ex.id).ok());
  ASSERT_TRUE(first_gate->WaitForCalls(1));

  AheadClock ahead;  // to it, the first engine's leases have run out
  EngineOptions second_opts;
  second_opts.owner = "test:2:second";
  auto open_gate = std::make_shared<GateProvider>();
  open_gate->Open();
  Harness second(second_opts, &ahead, {open_gate}, store);
  auto claimed = second.engine().ClaimMany(Harness::kWs, 10);
  ASSERT_TRUE(claimed.has_value()) << claimed.error().ToString();
  EXPECT_EQ(claimed->claimed, 1);
  EXPECT_EQ(claimed->taken, 1);
  EXPECT_TRUE(claimed->refused.empty());
  auto again = second.engine().ClaimMany(Harness::kWs, 10);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->claimed, 0);
  auto done = second.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(done.has_value());
  ASSERT_EQ(done->status, ExecStatus::kCompleted) << done->reason;

  first_gate->Open();
  first.reset();
  auto events = second.Events(ex.id);
  ExpectGapFreeEvents(events);
  EXPECT_EQ(Count(events, "step_succeeded")["slow"], 1);
  int recovered = 0;
  for (const auto& e : events) {
    if (e.type == "execution_recovered") {
      ++recovered;
      EXPECT_EQ(e.payload["previous_owner"], "test:1:first");
    }
    if (e.type == "step_recovered") {
      EXPECT_EQ(e.payload["lease_expired"], true);
    }
  }
  EXPECT_EQ(recovered, 1);
  EXPECT_EQ(Count(events, "step_recovered")["slow"], 1);
}

// An execution claimed but not taken over (its execution lease ran out, its running step's has
// not: the owner is alive) goes back as it was claimed: its owner again, the lease over. The
// claimant does not keep it (its lease renewals would hold it without running it).
TEST(EngineOnMemory, AClaimThatCannotBeTakenOverIsHandedBack) {
  auto store = std::make_shared<MemoryStore>();
  auto gate = std::make_shared<GateProvider>();
  auto owner = GatedEngine("test:1:first", gate, store);
  MemoryHarness& first = *owner;
  auto ex = first.Launch(kOneGatedStep);
  ASSERT_TRUE(first.engine().Drive(Harness::kWs, ex.id).ok());
  ASSERT_TRUE(gate->WaitForCalls(1));
  ExecutionRecord lapsed = *store->GetExecution(Harness::kWs, ex.id);
  lapsed.owner_expires_at = 1;
  auto r = store->Commit({Transition{{ExecWrite{lapsed, {ExecStatus::kRunning}, false}}}});
  ASSERT_TRUE(r.has_value() && r->applied[0]);

  EngineOptions second_opts;
  second_opts.owner = "test:2:second";
  Harness second(second_opts, nullptr, {}, store);
  auto claimed = second.engine().ClaimMany(Harness::kWs, 10);
  ASSERT_TRUE(claimed.has_value()) << claimed.error().ToString();
  EXPECT_EQ(claimed->claimed, 1);
  EXPECT_EQ(claimed->taken, 0);
  ASSERT_EQ(claimed->refused.size(), 1u);
  EXPECT_EQ(claimed->refused[0].first, ex.id);
  EXPECT_EQ(claimed->refused[0].second.code(), Code::kFailedPrecondition);
  EXPECT_NE(claimed->refused[0].second.message().find("still leased by test:1:first"),
            std::string::npos)
      << claimed->refused[0].second.ToString();
  auto stored = store->GetExecution(Harness::kWs, ex.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->owner, "test:1:first");
  EXPECT_EQ(stored->owner_expires_at, 0);
  EXPECT_EQ(first.Step(ex.id, "slow").status, StepStatus::kRunning);

  gate->Open();  // the owner finishes it
  auto done = first.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, ExecStatus::kCompleted) << done->reason;
  EXPECT_EQ(Count(first.Events(ex.id), "step_succeeded")["slow"], 1);
}

// Back-off runs on the engine's clock: a step that fails twice waits 60 s (and more) of fake time
// before each new attempt, and Advance lets it through at once, so three attempts over two minutes
// of back-off take a fraction of a second.
TEST(EngineOnMemory, RetriesWithAMinuteOfBackoffRunOnAFakeClockWithoutSleeping) {
  FakeClock clock(WallMs());
  Harness h({}, &clock, {}, std::make_shared<MemoryStore>());
  const auto began = std::chrono::steady_clock::now();
  auto ex = h.Launch(R"({"name": "Backoff", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "s", "type": "generate_text", "data": {"prompt": "x", "fail_first": 2, "retry": {"max_attempts": 3, "backoff_ms": 60000}}}],
    "edges": [{"id": "1", "source": "start", "target": "s"}]})");
  ASSERT_TRUE(h.engine().Drive(Harness::kWs, ex.id).ok());
  int64_t advanced = 0;
  StepRecord s;
  // A generous real-time budget (sanitizer builds on a loaded machine are slow); the clock is
  // fake, so no backoff is ever slept. Past it the test fails instead of waiting for a due time
  // the fake clock would never reach.
  while (std::chrono::steady_clock::now() - began < std::chrono::seconds(60)) {
    s = h.Step(ex.id, "s");
    if (s.status == StepStatus::kSucceeded) break;
    if (s.status == StepStatus::kFailed && s.due_at > clock.NowMs()) {
      EXPECT_EQ(h.Step(ex.id, "s").attempt, s.attempt) << "no attempt before the due time";
      advanced += s.due_at - clock.NowMs();
      clock.Advance(s.due_at - clock.NowMs());
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ASSERT_EQ(s.status, StepStatus::kSucceeded)
      << "attempt " << s.attempt << ", due " << s.due_at << ", now " << clock.NowMs();
  auto done = h.engine().WaitUntilRest(Harness::kWs, ex.id);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, ExecStatus::kCompleted) << done->reason;
  EXPECT_EQ(h.Step(ex.id, "s").attempt, 3);
  EXPECT_GE(advanced, 30000 + 60000) << "half of 60 s, then half of 120 s, at least";
  int retries = 0;
  for (const auto& e : h.Events(ex.id))
    if (e.type == "step_failed") {
      ++retries;
      EXPECT_GE(e.payload["retry_in_ms"].get<int64_t>(), 30000);
    }
  EXPECT_EQ(retries, 2);
  // 90 s of backoff, not slept: far less than that in real time, even under a sanitizer.
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(60));
}

}  // namespace
}  // namespace atelier::testing
