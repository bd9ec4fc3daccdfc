// Tweak, regenerate and revert: a new version continues the step's session, keeps the earlier
// ones, and re-runs only what depends on the step.
#include <atomic>
#include <map>
#include <mutex>

#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// The offline provider, recording every request it is given (model "recorder/...").
class RecordingProvider final : public Provider {
 public:
  std::string name() const override { return "recorder"; }
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      texts.push_back(req);
    }
    return offline_.GenerateText(req, cancel);
  }
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      images.push_back(req);
    }
    return offline_.GenerateImage(req, cancel);
  }
  Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken& cancel) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      edits.push_back(req);
    }
    return offline_.EditImage(req, cancel);
  }
  std::vector<TextRequest> texts;
  std::vector<ImageRequest> images;
  std::vector<ImageEditRequest> edits;

 private:
  std::mutex mu_;
  OfflineProvider offline_;
};

const char* kFlow = R"({
  "name": "Tweakable",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text", "data": {"prompt": "Draft a launch note for tea", "model": "recorder/m"}},
    {"id": "polish", "type": "generate_text", "data": {"prompt": "Polish: {{steps.draft.text}}", "model": "recorder/m"}},
    {"id": "hero", "type": "generate_image", "data": {"prompt": "A teapot on a table", "size": "64x64", "model": "recorder/img"}},
    {"id": "cover", "type": "transform", "data": {"output": {"image": "{{steps.hero.image}}"}}},
    {"id": "done", "type": "end", "data": {"output": {"note": "{{steps.polish.text}}", "image": "{{steps.cover.image}}"}}}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "draft", "target": "polish"},
    {"id": "3", "source": "start", "target": "hero"}, {"id": "4", "source": "hero", "target": "cover"},
    {"id": "5", "source": "polish", "target": "done"}, {"id": "6", "source": "cover", "target": "done"}
  ]})";

std::map<std::string, int> SucceededCounts(Harness& h, const std::string& id) {
  std::map<std::string, int> n;
  for (const auto& e : h.Events(id))
    if (e.type == "step_succeeded") n[e.step_id]++;
  return n;
}

struct Fixture {
  std::shared_ptr<RecordingProvider> rec = std::make_shared<RecordingProvider>();
  Harness h{{}, nullptr, {rec}};
};

TEST(Tweak, ContinuesTheSessionAndRerunsOnlyWhatDependsOnTheStep) {
  Fixture f;
  auto ex = f.h.Run(kFlow);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  const std::string v1 = f.h.Step(ex.id, "draft").output["text"];

  ASSERT_TRUE(f.h.engine().Tweak(Harness::kWs, ex.id, "draft", "make it shorter").ok());
  auto done = f.h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;

  // The provider got the earlier turns and the previous answer, then the instruction.
  ASSERT_EQ(f.rec->texts.size(), 4u);  // draft, polish, draft tweak, polish again
  const TextRequest& tweak = f.rec->texts[2];
  ASSERT_EQ(tweak.messages.size(), 3u);
  EXPECT_EQ(tweak.messages[0].role, "user");
  EXPECT_EQ(tweak.messages[0].content, "Draft a launch note for tea");
  EXPECT_EQ(tweak.messages[1].role, "assistant");
  EXPECT_EQ(tweak.messages[1].content, v1);
  EXPECT_EQ(tweak.messages[2].content, "make it shorter");
  EXPECT_NE(f.h.Step(ex.id, "draft").output["text"], v1);
  EXPECT_NE(f.rec->texts[3].messages[0].content.find(f.h.Step(ex.id, "draft").output["text"].get<std::string>()),
            std::string::npos) << "polish re-ran on the new draft";

  auto counts = SucceededCounts(f.h, ex.id);
  EXPECT_EQ(counts["draft"], 2);
  EXPECT_EQ(counts["polish"], 2);
  EXPECT_EQ(counts["done"], 2);
  EXPECT_EQ(counts["hero"], 1) << "not downstream: not re-run";
  EXPECT_EQ(counts["cover"], 1);
  EXPECT_EQ(f.rec->images.size(), 1u);

  auto versions = f.h.store().ListStepVersions(Harness::kWs, ex.id, "draft");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].output["text"], v1);
  EXPECT_EQ((*versions)[1].meta["source"], "tweak");
  EXPECT_EQ((*versions)[1].meta["instruction"], "make it shorter");
  EXPECT_EQ((*versions)[1].session["messages"].size(), 4u);
}

TEST(Tweak, AnImageTweakSendsThePreviousImageAndItsTurns) {
  Fixture f;
  auto ex = f.h.Run(kFlow);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  auto first = f.h.Step(ex.id, "hero").output["image"];
  auto bytes = f.h.blobs().Get(first["sha256"]);
  ASSERT_TRUE(bytes.has_value());

  ASSERT_TRUE(f.h.engine().Tweak(Harness::kWs, ex.id, "hero", "zoom out").ok());
  ASSERT_EQ(f.h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  ASSERT_EQ(f.rec->edits.size(), 1u);
  const ImageEditRequest& edit = f.rec->edits[0];
  EXPECT_EQ(edit.image.bytes, *bytes) << "the previous image itself, not a fresh start";
  EXPECT_EQ(edit.instruction, "zoom out");
  ASSERT_EQ(edit.history.size(), 1u);
  EXPECT_EQ(edit.history[0].content, "A teapot on a table");
  auto now = f.h.Step(ex.id, "hero");
  EXPECT_EQ(now.version, 2);
  EXPECT_NE(now.output["image"]["sha256"], first["sha256"]);
  EXPECT_EQ(f.h.Step(ex.id, "cover").output["image"], now.output["image"]);
  EXPECT_EQ(SucceededCounts(f.h, ex.id)["draft"], 1);

  // A second tweak continues from the refined image and carries both turns.
  ASSERT_TRUE(f.h.engine().Tweak(Harness::kWs, ex.id, "hero", "warmer light").ok());
  ASSERT_EQ(f.h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  ASSERT_EQ(f.rec->edits.size(), 2u);
  EXPECT_EQ(f.rec->edits[1].history.size(), 2u);
  EXPECT_EQ(f.rec->edits[1].image.bytes, *f.h.blobs().Get(now.output["image"]["sha256"]));
}

TEST(Tweak, RevertRestoresAKeptVersionAndRerunsDownstream) {
  Fixture f;
  auto ex = f.h.Run(kFlow);
  const auto v1 = f.h.Step(ex.id, "draft").output;
  ASSERT_TRUE(f.h.engine().Tweak(Harness::kWs, ex.id, "draft", "more formal").ok());
  ASSERT_EQ(f.h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  ASSERT_NE(f.h.Step(ex.id, "draft").output, v1);

  ASSERT_TRUE(f.h.engine().Revert(Harness::kWs, ex.id, "draft", 1).ok());
  ASSERT_EQ(f.h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  auto draft = f.h.Step(ex.id, "draft");
  EXPECT_EQ(draft.output, v1);
  EXPECT_EQ(draft.version, 3);
  // Revert calls no provider for draft, and polish of the restored draft is the very first
  // polish call again: it comes from the cache.
  EXPECT_EQ(f.rec->texts.size(), 4u);
  EXPECT_EQ(SucceededCounts(f.h, ex.id)["polish"], 3);
  bool cached = false;
  for (const auto& e : f.h.Events(ex.id))
    cached |= e.step_id == "polish" && e.type == "step_succeeded" && e.payload.contains("cache_hit");
  EXPECT_TRUE(cached);
  auto versions = f.h.store().ListStepVersions(Harness::kWs, ex.id, "draft");
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[2].meta["reverted_to"], 1);

  EXPECT_EQ(f.h.engine().Revert(Harness::kWs, ex.id, "draft", 9).code(), Code::kNotFound);
}

TEST(Tweak, RegenerateMakesANewVersionWithTheSameSettings) {
  Fixture f;
  auto ex = f.h.Run(kFlow);
  ASSERT_TRUE(f.h.engine().Regenerate(Harness::kWs, ex.id, "hero").ok());
  ASSERT_EQ(f.h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  ASSERT_EQ(f.rec->images.size(), 2u);
  EXPECT_EQ(f.rec->images[1].prompt, f.rec->images[0].prompt);
  EXPECT_EQ(f.rec->edits.size(), 0u);
  EXPECT_EQ(f.h.Step(ex.id, "hero").version, 2);
  auto versions = f.h.store().ListStepVersions(Harness::kWs, ex.id, "hero");
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[1].meta["source"], "regenerate");
}

TEST(Tweak, RefusesWhatCannotBeTweaked) {
  Fixture f;
  auto ex = f.h.Run(kFlow);
  Status s = f.h.engine().Tweak(Harness::kWs, ex.id, "cover", "x");
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("transform"), std::string::npos) << s.message();
  EXPECT_EQ(f.h.engine().Tweak(Harness::kWs, ex.id, "nope", "x").code(), Code::kNotFound);
  EXPECT_EQ(f.h.engine().Tweak(Harness::kWs, ex.id, "draft", "  ").code(), Code::kInvalidArgument);
  EXPECT_EQ(f.h.engine().Tweak(Harness::kWs, "ex_missing", "draft", "x").code(), Code::kNotFound);
  // Nothing was changed by the refusals.
  EXPECT_EQ(f.h.Step(ex.id, "draft").version, 1);
  auto rec = f.h.store().GetExecution(Harness::kWs, ex.id);
  EXPECT_EQ(rec->status, ExecStatus::kCompleted);
}

TEST(Tweak, ADownstreamMapRunsItsItemsAgain) {
  Fixture f;
  auto ex = f.h.Run(R"({"name": "Map after", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "ideas", "type": "generate_text", "data": {"prompt": "ideas", "model": "recorder/m"}},
    {"id": "each", "type": "map", "data": {"items": ["a", "b"], "concurrency": 1, "node": {"type": "generate_text",
        "data": {"prompt": "{{item}}: {{steps.ideas.text}}", "model": "recorder/m"}}}}],
    "edges": [{"id": "1", "source": "start", "target": "ideas"}, {"id": "2", "source": "ideas", "target": "each"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  ASSERT_TRUE(f.h.engine().Tweak(Harness::kWs, ex.id, "ideas", "bolder").ok());
  ASSERT_EQ(f.h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  auto counts = SucceededCounts(f.h, ex.id);
  EXPECT_EQ(counts["each[0]"], 2);
  EXPECT_EQ(counts["each[1]"], 2);
  auto map = f.h.Step(ex.id, "each");
  ASSERT_EQ(map.output["results"].size(), 2u);
  const std::string ideas = f.h.Step(ex.id, "ideas").output["text"];
  EXPECT_EQ(f.rec->texts.back().messages[0].content.substr(0, 3), "b: ");
  EXPECT_NE(f.rec->texts.back().messages[0].content.find(ideas), std::string::npos);
}

// Fails every call with the given status.
class BrokenProvider final : public Provider {
 public:
  BrokenProvider(std::string name, Status error) : name_(std::move(name)), error_(std::move(error)) {}
  std::string name() const override { return name_; }
  Result<TextResponse> GenerateText(const TextRequest&, CancelToken&) override {
    ++calls;
    return Err(error_);
  }
  Result<ImageResponse> GenerateImage(const ImageRequest&, CancelToken&) override {
    ++calls;
    return Err(error_);
  }
  std::atomic<int> calls{0};

 private:
  std::string name_;
  Status error_;
};

TEST(Fallback, AnAliasFallsBackOnTransientFailuresOnly) {
  auto down = std::make_shared<BrokenProvider>("down", Unavailable("503 from upstream"));
  auto strict = std::make_shared<BrokenProvider>("strict", InvalidArgument("unknown model"));
  Harness h({}, nullptr, {down, strict});
  ASSERT_TRUE(h.providers().SetAlias("default", {{"down", "big"}, {"offline", "small"}}).ok());
  ASSERT_TRUE(h.providers().SetAlias("picky", {{"strict", "x"}, {"offline", "small"}}).ok());
  EXPECT_EQ(h.providers().SetAlias("bad", {{"ghost", "x"}}).code(), Code::kInvalidArgument);

  auto ex = h.Run(R"({"name": "F", "nodes": [{"id": "start", "type": "start"},
      {"id": "t", "type": "generate_text", "data": {"prompt": "hello", "retry": {"max_attempts": 1, "backoff_ms": 0}}}],
      "edges": [{"id": "1", "source": "start", "target": "t"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "t").output["provider"], "offline");
  EXPECT_EQ(down->calls, 1);

  auto bad = h.Run(R"({"name": "G", "nodes": [{"id": "start", "type": "start"},
      {"id": "t", "type": "generate_text", "data": {"prompt": "hello", "model": "picky"}}],
      "edges": [{"id": "1", "source": "start", "target": "t"}]})");
  ASSERT_EQ(bad.status, ExecStatus::kFailed);
  EXPECT_NE(bad.reason.find("unknown model"), std::string::npos) << bad.reason;
  EXPECT_EQ(strict->calls, 1) << "a request the provider refuses is not retried elsewhere";
}

TEST(Tweak, AnApprovalDecisionCanTweakTheReviewedStepAndAsksAgain) {
  Fixture f;
  auto ex = f.h.Run(R"({"name": "Gate", "nodes": [{"id": "start", "type": "start"},
      {"id": "draft", "type": "generate_text", "data": {"prompt": "Draft", "model": "recorder/m"}},
      {"id": "ok", "type": "approval", "data": {"message": "{{steps.draft.text}}"}},
      {"id": "publish", "type": "transform", "data": {"output": {"text": "{{steps.draft.text}}"}}}],
    "edges": [{"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "draft", "target": "ok"},
              {"id": "3", "source": "ok", "target": "publish"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kWaiting);
  Decision tweak{"tweak", "", "add the price"};
  ASSERT_TRUE(f.h.engine().Decide(Harness::kWs, ex.id, "ok", tweak).ok());
  auto again = f.h.RunToRest(ex.id);
  ASSERT_EQ(again.status, ExecStatus::kWaiting) << "the new draft is put to the reviewer again";
  EXPECT_EQ(f.h.Step(ex.id, "draft").version, 2);
  EXPECT_EQ(f.rec->texts.back().messages.back().content, "add the price");
  ASSERT_TRUE(f.h.engine().Decide(Harness::kWs, ex.id, "ok", {"approve", "", ""}).ok());
  ASSERT_EQ(f.h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(f.h.Step(ex.id, "publish").output["text"], f.h.Step(ex.id, "draft").output["text"]);
  int requests = 0;
  for (const auto& e : f.h.Events(ex.id)) requests += e.type == "approval_requested";
  EXPECT_EQ(requests, 2);
}

// A reviewer that is never satisfied, so every refine version uses all its rounds.
class StrictJudge final : public Provider {
 public:
  std::string name() const override { return "judge"; }
  Result<TextResponse> GenerateText(const TextRequest&, CancelToken&) override {
    TextResponse r;
    r.text = R"({"score": 10, "feedback": "needs more contrast"})";
    r.model = "judge-1";
    return r;
  }
  Result<ImageResponse> GenerateImage(const ImageRequest&, CancelToken&) override {
    return Err(InvalidArgument("judge draws nothing"));
  }
};

std::vector<int> AttemptNumbers(const Json& output) {
  std::vector<int> n;
  for (const auto& a : output["attempts"]) n.push_back(a["attempt"].get<int>());
  return n;
}

// Seed 000: after a tweak the refine step's attempts restarted at 1 while the step went on. They
// are counted across the step's history: a tweak's rounds continue from the previous total.
TEST(Tweak, RefineAttemptsContinueAcrossVersions) {
  auto rec = std::make_shared<RecordingProvider>();
  Harness h({}, nullptr, {rec, std::make_shared<StrictJudge>()});
  auto ex = h.Run(R"({"name": "Refined", "nodes": [{"id": "start", "type": "start"},
      {"id": "copy", "type": "refine", "data": {"prompt": "A tagline for tea", "model": "recorder/m",
          "review_model": "judge/j", "criteria": "short", "threshold": 50, "max_attempts": 2}},
      {"id": "art", "type": "refine", "data": {"kind": "image", "prompt": "A teapot", "size": "64x64",
          "model": "recorder/img", "review_model": "judge/j", "criteria": "clear", "threshold": 50,
          "max_attempts": 2}},
      {"id": "done", "type": "end", "data": {"output": {"attempts": "{{steps.copy.attempts}}"}}}],
    "edges": [{"id": "1", "source": "start", "target": "copy"}, {"id": "2", "source": "copy", "target": "done"},
              {"id": "3", "source": "start", "target": "art"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  EXPECT_EQ(AttemptNumbers(h.Step(ex.id, "copy").output), (std::vector<int>{1, 2}));
  EXPECT_EQ(h.Step(ex.id, "copy").output["total_attempts"], 2);
  EXPECT_EQ(AttemptNumbers(h.Step(ex.id, "art").output), (std::vector<int>{1, 2}));

  ASSERT_TRUE(h.engine().Tweak(Harness::kWs, ex.id, "copy", "warmer").ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  auto copy = h.Step(ex.id, "copy");
  EXPECT_EQ(copy.version, 2);
  EXPECT_EQ(AttemptNumbers(copy.output), (std::vector<int>{3, 4}));
  EXPECT_EQ(copy.output["total_attempts"], 4);
  // What a client reads from the template's outputs follows too.
  EXPECT_EQ(h.Step(ex.id, "done").output["attempts"][0]["attempt"], 3);

  ASSERT_TRUE(h.engine().Regenerate(Harness::kWs, ex.id, "copy").ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(AttemptNumbers(h.Step(ex.id, "copy").output), (std::vector<int>{5, 6}));
  EXPECT_EQ(h.Step(ex.id, "copy").output["total_attempts"], 6);

  ASSERT_TRUE(h.engine().Tweak(Harness::kWs, ex.id, "art", "zoom out").ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(AttemptNumbers(h.Step(ex.id, "art").output), (std::vector<int>{3, 4}));
  EXPECT_EQ(h.Step(ex.id, "art").output["total_attempts"], 4);
}

TEST(Cache, AnIdenticalStepReusesTheEarlierResultWithoutAProviderCall) {
  Fixture f;
  auto first = f.h.Run(kFlow);
  ASSERT_EQ(first.status, ExecStatus::kCompleted);
  const size_t texts = f.rec->texts.size(), images = f.rec->images.size();
  auto second = f.h.Run(kFlow);
  ASSERT_EQ(second.status, ExecStatus::kCompleted);
  EXPECT_EQ(f.rec->texts.size(), texts) << "every generative step was a cache hit";
  EXPECT_EQ(f.rec->images.size(), images);
  EXPECT_EQ(f.h.Step(second.id, "draft").output["text"], f.h.Step(first.id, "draft").output["text"]);
  int hits = 0;
  for (const auto& e : f.h.Events(second.id))
    if (e.type == "step_succeeded" && e.payload.contains("cache_hit")) {
      ++hits;
      EXPECT_EQ(e.payload["cache_hit"]["execution"], first.id);
    }
  EXPECT_EQ(hits, 3);  // draft, polish, hero
  // The second execution has artifact rows of its own, on the same bytes.
  auto arts = f.h.store().ListArtifacts(Harness::kWs, second.id);
  ASSERT_TRUE(arts.has_value());
  ASSERT_EQ(arts->size(), 3u);
  auto hero = f.h.Step(second.id, "hero").output["image"];
  bool found = false;
  for (const auto& a : *arts) found |= a.id == hero["artifact_id"] && a.sha256 == hero["sha256"];
  EXPECT_TRUE(found) << "the output names this execution's artifact";

  // Regenerate and tweak never hit the cache.
  ASSERT_TRUE(f.h.engine().Regenerate(Harness::kWs, second.id, "draft").ok());
  ASSERT_EQ(f.h.RunToRest(second.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(f.rec->texts.size(), texts + 2) << "draft regenerated (a new take), polish re-ran on it";
}

TEST(Cache, CacheFalseAlwaysCallsTheProvider) {
  Fixture f;
  std::string flow = kFlow;
  flow.replace(flow.find(R"("model": "recorder/m"})"), std::string(R"("model": "recorder/m"})").size(),
               R"("model": "recorder/m", "cache": false})");
  ASSERT_EQ(f.h.Run(flow).status, ExecStatus::kCompleted);
  const size_t texts = f.rec->texts.size();
  ASSERT_EQ(f.h.Run(flow).status, ExecStatus::kCompleted);
  EXPECT_EQ(f.rec->texts.size(), texts + 1) << "draft (cache: false) called again; polish cached";
}

TEST(Cache, AStepToldToFailIsNeverServedAnEarlierSuccess) {
  Harness h;
  const char* ok = R"({"name": "Once", "nodes": [{"id": "start", "type": "start"},
      {"id": "t", "type": "generate_text", "data": {"prompt": "same prompt"}}],
      "edges": [{"id": "1", "source": "start", "target": "t"}]})";
  const char* failing = R"({"name": "Fails", "nodes": [{"id": "start", "type": "start"},
      {"id": "t", "type": "generate_text", "data": {"prompt": "same prompt", "fail_first": 5,
       "retry": {"max_attempts": 1, "backoff_ms": 1}}}],
      "edges": [{"id": "1", "source": "start", "target": "t"}]})";
  ASSERT_EQ(h.Run(ok).status, ExecStatus::kCompleted);
  auto ex = h.Run(failing);
  EXPECT_EQ(ex.status, ExecStatus::kFailed) << "fail_first must fail, not hit the cache";
}

// Seed 003: "failed document: rebuild from sections". An export, transform or code step can be
// regenerated on its own: a new version built from its inputs as they are, the one it replaces
// kept, nothing upstream run again.
TEST(Regenerate, ADerivedStepIsRebuiltAsANewVersionWithoutRerunningWhatItIsBuiltFrom) {
  Harness h;
  auto ex = h.Run(R"({"name": "Doc", "nodes": [{"id": "start", "type": "start"},
      {"id": "body", "type": "generate_text", "data": {"prompt": "About rivers"}},
      {"id": "shape", "type": "transform", "data": {"output": {"text": "{{steps.body.text}}"}}},
      {"id": "doc", "type": "export", "data": {"title": "Rivers", "formats": ["markdown"],
        "sections": [{"heading": "Body", "body": "{{steps.shape.text}}"}]}},
      {"id": "done", "type": "end"}],
      "edges": [{"id": "1", "source": "start", "target": "body"}, {"id": "2", "source": "body", "target": "shape"},
                {"id": "3", "source": "shape", "target": "doc"}, {"id": "4", "source": "doc", "target": "done"}]})");
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  const Json first_files = h.Step(ex.id, "doc").output;
  ASSERT_TRUE(h.engine().Regenerate(Harness::kWs, ex.id, "doc").ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  auto doc = h.Step(ex.id, "doc");
  EXPECT_EQ(doc.version, 2);
  auto versions = h.store().ListStepVersions(Harness::kWs, ex.id, "doc");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[0].output, first_files);
  EXPECT_EQ((*versions)[1].meta.value("source", ""), "regenerate");
  auto counts = std::map<std::string, int>();
  for (const auto& e : h.Events(ex.id))
    if (e.type == "step_succeeded") counts[e.step_id]++;
  EXPECT_EQ(counts["body"], 1) << "what the document is built from does not run again";
  EXPECT_EQ(counts["shape"], 1);
  EXPECT_EQ(counts["doc"], 2);
  // A transform too; a tweak (which continues a model conversation) is refused, naming what works.
  ASSERT_TRUE(h.engine().Regenerate(Harness::kWs, ex.id, "shape").ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(ex.id, "shape").version, 2);
  EXPECT_EQ(h.Step(ex.id, "doc").version, 3) << "the document downstream is rebuilt again";
  Status s = h.engine().Tweak(Harness::kWs, ex.id, "doc", "shorter");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("can be regenerated"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace atelier::testing
