// Fork: a new execution from one step of a finished one keeps what cannot have changed (no
// provider call, no charge), runs the step and what follows it anew, and says where it came from.
#include <atomic>
#include <mutex>

#include "tests/engine_test_support.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// The offline provider, counting the calls per prompt prefix (model "counted/...") and failing
// every call while `fail` is set.
class CountingProvider final : public Provider {
 public:
  std::string name() const override { return "counted"; }
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      texts.push_back(req.messages.empty() ? std::string() : req.messages.back().content);
    }
    if (fail) return Err(Unavailable("the provider is down"));
    return offline_.GenerateText(req, cancel);
  }
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override {
    images++;
    return offline_.GenerateImage(req, cancel);
  }
  size_t TextCalls() {
    std::lock_guard<std::mutex> l(mu_);
    return texts.size();
  }
  std::string LastText() {
    std::lock_guard<std::mutex> l(mu_);
    return texts.empty() ? "" : texts.back();
  }
  std::atomic<bool> fail{false};
  std::atomic<int> images{0};

 private:
  std::mutex mu_;
  std::vector<std::string> texts;
  OfflineProvider offline_;
};

// Two branches from the start: a draft polished in the tone asked for, and an image made into a
// cover; the end joins them.
std::string Flow(
    const std::string& polish_prompt = "Polish in a {{inputs.tone}} tone: {{steps.draft.text}}",
    const std::string& draft_prompt = "Draft a note about {{inputs.topic}}") {
  Json t = Json::parse(R"({
  "name": "Forkable",
  "inputs": {"topic": {"type": "string", "default": "tea"}, "tone": {"type": "string", "default": "warm"}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text", "data": {"model": "counted/m", "retry": {"max_attempts": 1, "backoff_ms": 0}}},
    {"id": "polish", "type": "generate_text", "data": {"model": "counted/m", "retry": {"max_attempts": 1, "backoff_ms": 0}}},
    {"id": "hero", "type": "generate_image", "data": {"prompt": "A teapot", "size": "64x64", "model": "counted/img"}},
    {"id": "cover", "type": "transform", "data": {"output": {"image": "{{steps.hero.image}}"}}},
    {"id": "done", "type": "end", "data": {"output": {"note": "{{steps.polish.text}}", "image": "{{steps.cover.image}}"}}}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "draft", "target": "polish"},
    {"id": "3", "source": "start", "target": "hero"}, {"id": "4", "source": "hero", "target": "cover"},
    {"id": "5", "source": "polish", "target": "done"}, {"id": "6", "source": "cover", "target": "done"}
  ]})");
  t["nodes"][1]["data"]["prompt"] = draft_prompt;
  t["nodes"][2]["data"]["prompt"] = polish_prompt;
  return t.dump();
}

struct Fixture {
  std::shared_ptr<CountingProvider> counted = std::make_shared<CountingProvider>();
  Harness h{{}, nullptr, {counted}};

  TemplateRecord Register(const std::string& json) {
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(json, &errors);
    EXPECT_TRUE(t.has_value());
    auto rec = h.engine().RegisterTemplate(Harness::kWs, *t);
    EXPECT_TRUE(rec.has_value()) << rec.error().ToString();
    return *rec;
  }
  Result<ExecutionRecord> Fork(const std::string& id, const std::string& step,
                               Json inputs = Json::object(), int version = 0) {
    return h.engine().Fork(Harness::kWs, id, {step, std::move(inputs), version});
  }
};

TEST(Fork, KeepsWhatIsUpstreamAndBesideTheStepAndRunsOnlyTheStepAndWhatFollows) {
  Fixture f;
  auto ex = f.h.Run(Flow());
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  ASSERT_EQ(f.counted->TextCalls(), 2u);
  ASSERT_EQ(f.counted->images.load(), 1);
  const StepRecord draft = f.h.Step(ex.id, "draft");
  const StepRecord hero = f.h.Step(ex.id, "hero");
  const size_t source_events = f.h.Events(ex.id).size();

  auto fork = f.Fork(ex.id, "polish");
  ASSERT_TRUE(fork.has_value()) << fork.error().ToString();
  EXPECT_EQ(fork->status, ExecStatus::kQueued);
  EXPECT_EQ(fork->forked_from_execution_id, ex.id);
  EXPECT_EQ(fork->forked_from_step_id, "polish");
  auto done = f.h.RunToRest(fork->id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;

  // Only polish called the model again; the draft and the image were kept as they were.
  EXPECT_EQ(f.counted->TextCalls(), 3u);
  EXPECT_EQ(f.counted->images.load(), 1);
  const StepRecord kept = f.h.Step(fork->id, "draft");
  EXPECT_EQ(kept.status, StepStatus::kSucceeded);
  EXPECT_EQ(kept.output["text"], draft.output["text"]);
  EXPECT_NE(kept.output["artifact_id"], draft.output["artifact_id"])
      << "its document is an artifact of the fork (over the same bytes)";
  EXPECT_EQ(kept.session, draft.session) << "a later tweak continues the same conversation";
  EXPECT_TRUE(kept.usage.is_null()) << "the source paid for it";
  EXPECT_FALSE(f.h.Step(fork->id, "polish").usage.is_null());
  auto versions = f.h.store().ListStepVersions(Harness::kWs, fork->id, "draft");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 1u) << "the kept draft is the fork's version 1";
  EXPECT_EQ((*versions)[0].meta["source"], "fork");
  EXPECT_EQ((*versions)[0].meta["from"]["execution_id"], ex.id);
  EXPECT_EQ((*versions)[0].session, draft.session);

  // The kept image is an artifact of the fork, over the same bytes.
  const StepRecord kept_hero = f.h.Step(fork->id, "hero");
  const std::string old_art = hero.output["image"]["artifact_id"];
  const std::string new_art = kept_hero.output["image"]["artifact_id"];
  EXPECT_NE(new_art, old_art);
  EXPECT_EQ(kept_hero.output["image"]["sha256"], hero.output["image"]["sha256"]);
  auto arts = f.h.store().ListArtifacts(Harness::kWs, fork->id);
  ASSERT_TRUE(arts.has_value());
  bool found = false;
  for (const auto& a : *arts) found |= a.id == new_art && a.step_id == "hero";
  EXPECT_TRUE(found) << "the copied image is listed under the fork";
  EXPECT_EQ(f.h.Step(fork->id, "cover").output["image"]["artifact_id"], new_art);

  // The log says where it came from and what it kept; the source is untouched.
  auto events = f.h.Events(fork->id);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].type, "execution_created");
  EXPECT_EQ(events[0].payload["forked_from"]["execution_id"], ex.id);
  EXPECT_EQ(events[0].payload["forked_from"]["step"], "polish");
  EXPECT_EQ(events[0].payload["kept"], (Json{"draft", "hero", "cover"}));
  EXPECT_EQ(events[0].payload["changed_inputs"], Json::array());
  EXPECT_EQ(f.h.Step(ex.id, "polish").version, 1);
  EXPECT_EQ(f.h.Events(ex.id).size(), source_events);
}

TEST(Fork, ChangedInputsReachTheStepAndAStepUpstreamThatReadsOneRefusesTheFork) {
  Fixture f;
  auto ex = f.h.Run(Flow());
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;

  auto fork = f.Fork(ex.id, "polish", {{"tone", "dry"}});
  ASSERT_TRUE(fork.has_value()) << fork.error().ToString();
  EXPECT_EQ(fork->inputs["tone"], "dry");
  EXPECT_EQ(fork->inputs["topic"], "tea");
  ASSERT_EQ(f.h.RunToRest(fork->id).status, ExecStatus::kCompleted);
  EXPECT_EQ(f.counted->TextCalls(), 3u);
  EXPECT_EQ(f.counted->LastText().rfind("Polish in a dry tone: ", 0), 0u) << f.counted->LastText();
  EXPECT_EQ(f.h.Events(fork->id)[0].payload["changed_inputs"], (Json{"tone"}));

  // The draft reads the topic: forking from polish with another topic would keep a draft about
  // tea. Refused, naming the step to fork from instead.
  auto refused = f.Fork(ex.id, "polish", {{"topic", "coffee"}});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("step 'draft', upstream of 'polish', reads input "
                                           "'topic'"),
            std::string::npos)
      << refused.error().message();
  auto from_draft = f.Fork(ex.id, "draft", {{"topic", "coffee"}});
  ASSERT_TRUE(from_draft.has_value()) << from_draft.error().ToString();
  ASSERT_EQ(f.h.RunToRest(from_draft->id).status, ExecStatus::kCompleted);
  EXPECT_EQ(f.counted->images.load(), 1) << "the image reads no input: kept";

  // Inputs the template refuses are refused as at a launch.
  auto bad = f.Fork(ex.id, "polish", {{"tone", 5}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
}

TEST(Fork, AnotherVersionRunsItsChangedStepsWhenTheUpstreamPartIsUnchanged) {
  Fixture f;
  auto ex = f.h.Run(Flow());
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;

  auto v2 = f.Register(Flow("Rewrite as a haiku: {{steps.draft.text}}"));
  ASSERT_EQ(v2.version, 2);
  auto fork = f.Fork(ex.id, "polish", Json::object(), 2);
  ASSERT_TRUE(fork.has_value()) << fork.error().ToString();
  EXPECT_EQ(fork->template_version, 2);
  ASSERT_EQ(f.h.RunToRest(fork->id).status, ExecStatus::kCompleted);
  EXPECT_EQ(f.counted->TextCalls(), 3u);
  EXPECT_EQ(f.counted->LastText().rfind("Rewrite as a haiku: ", 0), 0u);

  // A version whose draft changed cannot keep the draft.
  auto v3 =
      f.Register(Flow("Polish: {{steps.draft.text}}", "Draft two lines about {{inputs.topic}}"));
  auto refused = f.Fork(ex.id, "polish", Json::object(), v3.version);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("step 'draft', upstream of 'polish', is defined "
                                           "differently in version 3"),
            std::string::npos)
      << refused.error().message();
  auto missing = f.Fork(ex.id, "polish", Json::object(), 9);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

TEST(Fork, AFailedExecutionForksFromItsFailedStepAndABranchThatFailedRunsAgain) {
  Fixture f;
  f.counted->fail = true;
  auto ex = f.h.Run(Flow());
  ASSERT_EQ(ex.status, ExecStatus::kFailed);
  f.counted->fail = false;

  // Forked from the image branch: the draft never succeeded, and being beside the image (not
  // upstream of it) it simply runs again, with what follows it.
  auto fork = f.Fork(ex.id, "cover");
  ASSERT_TRUE(fork.has_value()) << fork.error().ToString();
  ASSERT_EQ(f.h.RunToRest(fork->id).status, ExecStatus::kCompleted);
  EXPECT_EQ(f.h.Step(fork->id, "draft").status, StepStatus::kSucceeded);
  EXPECT_EQ(f.h.Step(fork->id, "polish").status, StepStatus::kSucceeded);
  auto events = f.h.Events(fork->id);
  EXPECT_EQ(events[0].payload["kept"], (Json{"hero"}));
}

TEST(Fork, RefusesWhatCannotBeForked) {
  Fixture f;
  auto ex = f.h.Run(Flow());
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  EXPECT_EQ(f.Fork(ex.id, "nope").error().code(), Code::kNotFound);
  EXPECT_EQ(f.Fork("ex_missing", "polish").error().code(), Code::kNotFound);
  EXPECT_EQ(f.Fork(ex.id, "").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.Fork(ex.id, "polish", Json::array()).error().code(), Code::kInvalidArgument);

  // A waiting execution is not finished.
  auto waiting = f.h.Run(R"({"name": "Gate", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "ok", "type": "approval", "data": {"message": "Ship it?"}}],
    "edges": [{"id": "1", "source": "start", "target": "ok"}]})");
  ASSERT_EQ(waiting.status, ExecStatus::kWaiting);
  auto refused = f.Fork(waiting.id, "ok");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("is waiting"), std::string::npos);

  // A map item is forked through its map.
  auto mapped = f.h.Run(
      MapTemplate(R"(["a", "b"])",
                  R"({"type": "transform", "data": {"output": {"v": "{{item}}"}}})", 2, "fail"));
  ASSERT_EQ(mapped.status, ExecStatus::kCompleted) << mapped.reason;
  auto after_map = f.Fork(mapped.id, "done");
  ASSERT_TRUE(after_map.has_value()) << after_map.error().ToString();
  ASSERT_EQ(f.h.RunToRest(after_map->id).status, ExecStatus::kCompleted);
  EXPECT_EQ(f.h.Step(after_map->id, "each[1]").output, f.h.Step(mapped.id, "each[1]").output)
      << "a kept map keeps its items";
  EXPECT_EQ(f.h.Step(after_map->id, "done").output, f.h.Step(mapped.id, "done").output);
  auto item = f.Fork(mapped.id, "each[1]");
  ASSERT_FALSE(item.has_value());
  EXPECT_EQ(item.error().code(), Code::kInvalidArgument);
  EXPECT_NE(item.error().message().find("fork from the map"), std::string::npos)
      << item.error().message();
}

}  // namespace
}  // namespace atelier::testing
