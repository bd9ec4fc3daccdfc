#include "atelier/nodes/review/review_node.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atelier/blob/local_blob_store.h"
#include "atelier/core/json_schema.h"
#include "atelier/providers/offline/offline_provider.h"

namespace atelier {
namespace {

// A provider whose answers the test scripts; it records every request it receives.
class ScriptedProvider final : public Provider {
 public:
  explicit ScriptedProvider(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }

  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken&) override {
    text_requests.push_back(req);
    if (!on_text) return Err(InvalidArgument("no text script"));
    return on_text(req);
  }
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken&) override {
    image_requests.push_back(req);
    if (!on_image) return Err(InvalidArgument("no image script"));
    return on_image(req);
  }
  Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken&) override {
    edit_requests.push_back(req);
    if (!on_edit) return Err(InvalidArgument("no edit script"));
    return on_edit(req);
  }

  std::function<Result<TextResponse>(const TextRequest&)> on_text;
  std::function<Result<ImageResponse>(const ImageRequest&)> on_image;
  std::function<Result<ImageResponse>(const ImageEditRequest&)> on_edit;
  std::vector<TextRequest> text_requests;
  std::vector<ImageRequest> image_requests;
  std::vector<ImageEditRequest> edit_requests;

 private:
  std::string name_;
};

TextResponse Answer(const std::string& text, int64_t in = 10, int64_t out = 5) {
  TextResponse r;
  r.text = text;
  r.model = "m";
  r.usage.input_tokens = in;
  r.usage.output_tokens = out;
  return r;
}

TextResponse Verdict(int score, const std::string& feedback) {
  return Answer(Json({{"score", score}, {"feedback", feedback}}).dump());
}

ImageResponse Picture(const std::string& bytes) {
  ImageResponse r;
  r.images.push_back({"image/png", bytes, 64, 32});
  r.model = "img";
  r.usage.images = 1;
  return r;
}

// A reviewer that answers the scores in order (the last one repeats).
std::function<Result<TextResponse>(const TextRequest&)> Scores(std::vector<int> scores) {
  auto next = std::make_shared<size_t>(0);
  return [scores, next](const TextRequest&) -> Result<TextResponse> {
    size_t i = std::min(*next, scores.size() - 1);
    ++*next;
    return Verdict(scores[i], "feedback number " + std::to_string(i + 1));
  };
}

class ReviewNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("atelier_review_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto blobs = LocalBlobStore::Open(dir_.string());
    ASSERT_TRUE(blobs) << blobs.error().ToString();
    blobs_ = std::move(*blobs);
    providers_.Add(std::make_shared<OfflineProvider>());
    providers_.Add(gen_);
    providers_.Add(rev_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<NodeResult> Run(NodeExecutor& node, Json data, const Json* session = nullptr) {
    data_ = std::move(data);
    NodeContext ctx;
    ctx.execution_id = "ex_1";
    ctx.step_id = "step";
    ctx.node_type = "test";
    ctx.data = &data_;
    ctx.scope = &scope_;
    ctx.session = session;
    ctx.cancel = &cancel_;
    ctx.blobs = blobs_.get();
    ctx.providers = &providers_;
    return node.Execute(ctx);
  }

  std::string ErrorOf(const Result<NodeResult>& r, Code code) {
    EXPECT_FALSE(r.has_value()) << (r ? r->output.dump() : "");
    if (r) return "";
    EXPECT_EQ(r.error().code(), code) << r.error().ToString();
    return r.error().message();
  }

  std::filesystem::path dir_;
  std::unique_ptr<LocalBlobStore> blobs_;
  ProviderRegistry providers_;
  std::shared_ptr<ScriptedProvider> gen_ = std::make_shared<ScriptedProvider>("gen");
  std::shared_ptr<ScriptedProvider> rev_ = std::make_shared<ScriptedProvider>("rev");
  Json data_;
  Json scope_ = {{"inputs", {{"topic", "autumn leaves"}}}, {"steps", Json::object()}};
  CancelToken cancel_;
  ReviewNode review_;
  RefineNode refine_;
};

// ---- review ----

TEST_F(ReviewNodeTest, ReviewGivesAnIntegerScoreAndFeedbackWithTheOfflineProvider) {
  Json data = {{"content", "A short poem about {{inputs.topic}} falling in the wind."},
               {"criteria", {"mentions autumn", "is vivid"}},
               {"pass_score", 0}};
  auto r = Run(review_, data);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->output["score"].is_number_integer()) << r->output.dump();
  int score = r->output["score"].get<int>();
  EXPECT_GE(score, 0);
  EXPECT_LE(score, 100);
  EXPECT_FALSE(r->output["feedback"].get<std::string>().empty());
  EXPECT_EQ(r->output["passed"], true);
  EXPECT_EQ(r->output["provider"], "offline");
  EXPECT_TRUE(r->output.contains("model"));
  EXPECT_TRUE(r->session["messages"].is_array());
  EXPECT_EQ(r->session["messages"].back()["role"], "assistant");

  data["pass_score"] = 100;
  auto again = Run(review_, data);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->output["score"], score);  // deterministic for the same content
  EXPECT_EQ(again->output["passed"], score >= 100);
}

TEST_F(ReviewNodeTest, PassedFollowsPassScoreAndTheRequestIsStrict) {
  rev_->on_text = Scores({70});
  auto r =
      Run(review_,
          {{"content", "draft"}, {"criteria", "be concise"}, {"model", "rev"}, {"pass_score", 70}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["score"], 70);
  EXPECT_EQ(r->output["passed"], true);
  EXPECT_EQ(r->output["provider"], "rev");
  EXPECT_EQ(r->usage.input_tokens, 10);
  EXPECT_EQ(r->usage.output_tokens, 5);

  const TextRequest& req = rev_->text_requests.at(0);
  EXPECT_NE(req.system.find("strict reviewer"), std::string::npos);
  EXPECT_NE(req.system.find("JSON"), std::string::npos);
  EXPECT_EQ(req.json_schema["required"], Json({"score", "feedback"}));
  EXPECT_EQ(req.json_schema["additionalProperties"], false);
  ASSERT_EQ(req.messages.size(), 1u);
  EXPECT_NE(req.messages[0].content.find("- be concise"), std::string::npos);
  EXPECT_NE(req.messages[0].content.find("draft"), std::string::npos);

  auto failed =
      Run(review_, {{"content", "draft"}, {"criteria", "x"}, {"model", "rev"}, {"pass_score", 71}});
  ASSERT_TRUE(failed) << failed.error().ToString();
  EXPECT_EQ(failed->output["passed"], false);
}

TEST_F(ReviewNodeTest, CriteriaListBecomesBullets) {
  rev_->on_text = Scores({50});
  auto r = Run(
      review_,
      {{"content", "x"}, {"criteria", {"one", "two"}}, {"model", "rev"}, {"system", "Be kind."}});
  ASSERT_TRUE(r) << r.error().ToString();
  const TextRequest& req = rev_->text_requests.at(0);
  EXPECT_NE(req.messages[0].content.find("- one\n- two"), std::string::npos);
  EXPECT_NE(req.system.find("Be kind."), std::string::npos);
}

TEST_F(ReviewNodeTest, ReviewOfAnImageAttachesItsExactBytes) {
  std::string bytes("\x89PNG\r\n\x1a\n-some-image-bytes\0\x01", 28);
  auto sha = blobs_->Put(bytes);
  ASSERT_TRUE(sha);
  scope_["steps"]["hero"] = {{"image", {{"sha256", *sha}, {"mime", "image/png"}, {"width", 8}}}};
  rev_->on_text = [&](const TextRequest& req) -> Result<TextResponse> {
    const ChatMessage& user = req.messages.back();
    if (user.images.size() != 1 || user.images[0].bytes != bytes ||
        user.images[0].mime != "image/png")
      return Err(InvalidArgument("the image was not attached"));
    if (user.content.find("the attached image") == std::string::npos)
      return Err(InvalidArgument("the prompt does not mention the attached image"));
    return Verdict(88, "Nice colours.");
  };
  auto r =
      Run(review_,
          {{"content", "{{steps.hero.image}}"}, {"criteria", "warm colours"}, {"model", "rev"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["score"], 88);
  EXPECT_EQ(r->output["feedback"], "Nice colours.");
  EXPECT_EQ(rev_->text_requests.size(), 1u);
}

TEST_F(ReviewNodeTest, MissingImageIsFailedPrecondition) {
  std::string missing(64, 'a');
  auto r = Run(review_, {{"content", {{"sha256", missing}, {"mime", "image/png"}}},
                         {"criteria", "x"},
                         {"model", "rev"}});
  EXPECT_NE(ErrorOf(r, Code::kFailedPrecondition).find("missing"), std::string::npos);
}

TEST_F(ReviewNodeTest, InvalidAnswersAreUnavailableNamingTheProblem) {
  Json data = {{"content", "draft"}, {"criteria", "x"}, {"model", "rev"}};
  rev_->on_text = [](const TextRequest&) -> Result<TextResponse> { return Answer("I like it!"); };
  std::string m = ErrorOf(Run(review_, data), Code::kUnavailable);
  EXPECT_NE(m.find("review: the model's answer is not valid"), std::string::npos) << m;
  EXPECT_NE(m.find("not JSON"), std::string::npos) << m;

  rev_->on_text = [](const TextRequest&) -> Result<TextResponse> {
    return Answer(R"({"score": 140, "feedback": "great"})");
  };
  m = ErrorOf(Run(review_, data), Code::kUnavailable);
  EXPECT_NE(m.find("$.score: must be <= 100, got 140"), std::string::npos) << m;

  rev_->on_text = [](const TextRequest&) -> Result<TextResponse> {
    return Answer(R"({"score": 50})");
  };
  m = ErrorOf(Run(review_, data), Code::kUnavailable);
  EXPECT_NE(m.find("feedback"), std::string::npos) << m;

  rev_->on_text = [](const TextRequest&) -> Result<TextResponse> {
    return Answer(R"({"score": "high", "feedback": "ok"})");
  };
  m = ErrorOf(Run(review_, data), Code::kUnavailable);
  EXPECT_NE(m.find("$.score: must be integer"), std::string::npos) << m;

  rev_->on_text = [](const TextRequest&) -> Result<TextResponse> {
    return Answer(R"({"score": 50, "feedback": "ok", "mood": "happy"})");
  };
  m = ErrorOf(Run(review_, data), Code::kUnavailable);
  EXPECT_NE(m.find("mood"), std::string::npos) << m;
}

TEST_F(ReviewNodeTest, FencedAnswersAreAccepted) {
  rev_->on_text = [](const TextRequest&) -> Result<TextResponse> {
    return Answer("```json\n{\"score\": 61, \"feedback\": \"fine\"}\n```\n");
  };
  auto r = Run(review_, {{"content", "draft"}, {"criteria", "x"}, {"model", "rev"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["score"], 61);
  EXPECT_EQ(r->output["passed"], false);
}

TEST_F(ReviewNodeTest, ReviewFallsBackToTheNextRoute) {
  auto down = std::make_shared<ScriptedProvider>("down");
  down->on_text = [](const TextRequest&) -> Result<TextResponse> {
    return Err(Unavailable("503"));
  };
  providers_.Add(down);
  ASSERT_TRUE(providers_.SetAlias("judge", {{"down", "a"}, {"rev", "b"}}).ok());
  rev_->on_text = Scores({75});
  auto r = Run(review_, {{"content", "draft"}, {"criteria", "x"}, {"model", "judge"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["provider"], "rev");
  EXPECT_EQ(rev_->text_requests.at(0).model, "b");
}

TEST_F(ReviewNodeTest, MissingCriteriaIsInvalidArgument) {
  auto r = Run(review_, {{"content", "draft"}, {"model", "rev"}});
  EXPECT_NE(ErrorOf(r, Code::kInvalidArgument).find("criteria"), std::string::npos);
}

// ---- refine (text) ----

TEST_F(ReviewNodeTest, RefineStopsAsSoonAsTheThresholdIsMet) {
  auto drafts = std::make_shared<int>(0);
  gen_->on_text = [drafts](const TextRequest&) -> Result<TextResponse> {
    return Answer("draft " + std::to_string(++*drafts), 100, 50);
  };
  rev_->on_text = Scores({50, 85, 95});
  auto r = Run(refine_, {{"prompt", "Write about {{inputs.topic}}"},
                         {"criteria", "vivid"},
                         {"model", "gen"},
                         {"review_model", "rev"},
                         {"threshold", 80},
                         {"max_attempts", 5}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(gen_->text_requests.size(), 2u);
  EXPECT_EQ(rev_->text_requests.size(), 2u);
  EXPECT_EQ(r->output["text"], "draft 2");
  EXPECT_EQ(r->output["score"], 85);
  EXPECT_EQ(r->output["feedback"], "feedback number 2");
  EXPECT_EQ(r->output["passed"], true);
  EXPECT_EQ(r->output["attempts"],
            Json({{{"attempt", 1}, {"score", 50}, {"feedback", "feedback number 1"}},
                  {{"attempt", 2}, {"score", 85}, {"feedback", "feedback number 2"}}}));
  EXPECT_EQ(gen_->text_requests[0].messages.at(0).content, "Write about autumn leaves");
  // Usage: two generations (100/50) and two reviews (10/5).
  EXPECT_EQ(r->usage.input_tokens, 220);
  EXPECT_EQ(r->usage.output_tokens, 110);
  // Only the final draft is written.
  ASSERT_EQ(r->artifacts.size(), 1u);
  EXPECT_EQ(r->artifacts[0].name, "step.md");
  EXPECT_EQ(r->artifacts[0].kind, "document");
  auto stored = blobs_->Get(r->artifacts[0].sha256);
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, "draft 2");
  // The reviewer saw the draft.
  EXPECT_NE(rev_->text_requests[1].messages.back().content.find("draft 2"), std::string::npos);
}

TEST_F(ReviewNodeTest, RefineContinuesTheSameSession) {
  gen_->on_text = [](const TextRequest& req) -> Result<TextResponse> {
    if (req.messages.size() == 1) return Answer("first draft");
    if (req.messages.size() != 3) return Err(InvalidArgument("expected three turns"));
    if (req.messages[0].role != "user" || req.messages[0].content != "Write a slogan")
      return Err(InvalidArgument("the prompt is not the first turn"));
    if (req.messages[1].role != "assistant" || req.messages[1].content != "first draft")
      return Err(InvalidArgument("the first draft is not an assistant turn"));
    const ChatMessage& ask = req.messages[2];
    if (ask.role != "user" || ask.content.find("40/100") == std::string::npos ||
        ask.content.find("Too bland, add a pun.") == std::string::npos)
      return Err(InvalidArgument("the feedback is not in the user turn: " + ask.content));
    if (req.system != "You write slogans.") return Err(InvalidArgument("system lost"));
    return Answer("second draft");
  };
  auto scores = std::make_shared<int>(0);
  rev_->on_text = [scores](const TextRequest&) -> Result<TextResponse> {
    return ++*scores == 1 ? Verdict(40, "Too bland, add a pun.") : Verdict(90, "Good.");
  };
  auto r = Run(refine_, {{"prompt", "Write a slogan"},
                         {"criteria", {"catchy", "short"}},
                         {"model", "gen"},
                         {"review_model", "rev"},
                         {"system", "You write slogans."}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["text"], "second draft");
  EXPECT_EQ(r->output["score"], 90);
  EXPECT_EQ(r->output["passed"], true);
  ASSERT_EQ(r->output["attempts"].size(), 2u);
  // The session holds the whole conversation, so a later tweak continues it.
  const Json& messages = r->session["messages"];
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[1], Json({{"role", "assistant"}, {"content", "first draft"}}));
  EXPECT_EQ(messages[3], Json({{"role", "assistant"}, {"content", "second draft"}}));
  EXPECT_EQ(r->session["system"], "You write slogans.");
  EXPECT_EQ(r->session["provider"], "gen");
}

TEST_F(ReviewNodeTest, RefineThatNeverPassesReturnsAllAttempts) {
  gen_->on_text = [](const TextRequest&) -> Result<TextResponse> { return Answer("meh"); };
  rev_->on_text = Scores({10, 20});
  auto r = Run(refine_, {{"prompt", "p"},
                         {"criteria", "c"},
                         {"model", "gen"},
                         {"review_model", "rev"},
                         {"max_attempts", 2},
                         {"threshold", 90}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["passed"], false);
  EXPECT_EQ(r->output["score"], 20);
  ASSERT_EQ(r->output["attempts"].size(), 2u);
  EXPECT_EQ(r->output["attempts"][0]["score"], 10);
  EXPECT_EQ(r->output["attempts"][1]["score"], 20);
  EXPECT_EQ(gen_->text_requests.size(), 2u);
}

TEST_F(ReviewNodeTest, RefineReturnsAProviderErrorFromInsideTheLoop) {
  gen_->on_text = [](const TextRequest& req) -> Result<TextResponse> {
    if (req.messages.size() > 1) return Err(Unavailable("overloaded"));
    return Answer("draft");
  };
  rev_->on_text = Scores({10});
  auto r =
      Run(refine_, {{"prompt", "p"}, {"criteria", "c"}, {"model", "gen"}, {"review_model", "rev"}});
  EXPECT_NE(ErrorOf(r, Code::kUnavailable).find("overloaded"), std::string::npos);
}

TEST_F(ReviewNodeTest, CancellationStopsTheLoop) {
  gen_->on_text = [](const TextRequest&) -> Result<TextResponse> { return Answer("draft"); };
  rev_->on_text = [this](const TextRequest&) -> Result<TextResponse> {
    cancel_.Cancel("execution stopped");
    return Verdict(10, "worse");
  };
  auto r = Run(refine_, {{"prompt", "p"},
                         {"criteria", "c"},
                         {"model", "gen"},
                         {"review_model", "rev"},
                         {"max_attempts", 5}});
  EXPECT_NE(ErrorOf(r, Code::kCancelled).find("execution stopped"), std::string::npos);
  EXPECT_EQ(gen_->text_requests.size(), 1u);
  EXPECT_EQ(rev_->text_requests.size(), 1u);
}

TEST_F(ReviewNodeTest, RefineConvergesWithTheOfflineProvider) {
  auto r = Run(refine_, {{"prompt", "Write a product description for a {{inputs.topic}} lamp"},
                         {"criteria", {"vivid", "mentions the lamp"}},
                         {"threshold", 80},
                         {"max_attempts", 10},
                         {"max_tokens", 200}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["passed"], true) << r->output.dump(2);
  EXPECT_GE(r->output["score"].get<int>(), 80);
  const Json& attempts = r->output["attempts"];
  ASSERT_GE(attempts.size(), 1u);
  EXPECT_EQ(attempts.back()["score"], r->output["score"]);
  RecordProperty("attempts", static_cast<int>(attempts.size()));
  for (size_t i = 0; i + 1 < attempts.size(); ++i) EXPECT_LT(attempts[i]["score"].get<int>(), 80);
  EXPECT_EQ(r->output["provider"], "offline");
  if (attempts.size() > 1) {
    EXPECT_NE(r->output["text"].get<std::string>().find("(Revision"), std::string::npos);
  }
  EXPECT_EQ(r->session["messages"].size(), 2 * attempts.size());
}

TEST_F(ReviewNodeTest, PendingTweakContinuesTheStoredSession) {
  Json session = {{"system", ""},
                  {"messages",
                   {{{"role", "user"}, {"content", "Write a slogan"}},
                    {{"role", "assistant"}, {"content", "old draft"}}}},
                  {"model", "m"},
                  {"provider", "gen"},
                  {"handle", "h1"},
                  {"pending", {{"mode", "tweak"}, {"instruction", "Make it rhyme"}}}};
  gen_->on_text = [](const TextRequest& req) -> Result<TextResponse> {
    if (req.messages.size() != 3 || req.messages[1].content != "old draft" ||
        req.messages[2].content != "Make it rhyme" || req.session != "h1")
      return Err(InvalidArgument("the stored session was not continued"));
    return Answer("rhyming draft");
  };
  rev_->on_text = Scores({95});
  auto r = Run(
      refine_,
      {{"prompt", "Write a slogan"}, {"criteria", "c"}, {"model", "gen"}, {"review_model", "rev"}},
      &session);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["text"], "rhyming draft");
  EXPECT_EQ(r->session["messages"].size(), 4u);
  EXPECT_FALSE(r->session.contains("pending"));
}

// ---- refine (image) ----

TEST_F(ReviewNodeTest, ImageRefineEditsThePreviousImage) {
  gen_->on_image = [](const ImageRequest& req) -> Result<ImageResponse> {
    if (req.prompt != "A red fox" || req.width != 64 || req.height != 32)
      return Err(InvalidArgument("unexpected request"));
    return Picture("IMAGE-ONE");
  };
  gen_->on_edit = [](const ImageEditRequest& req) -> Result<ImageResponse> {
    if (req.image.bytes != "IMAGE-ONE") return Err(InvalidArgument("not the previous image"));
    if (req.instruction.find("Make the fox bigger.") == std::string::npos)
      return Err(InvalidArgument("the feedback is not the instruction"));
    if (req.history.size() != 1 || req.history[0].content != "A red fox")
      return Err(InvalidArgument("the history lacks the prompt"));
    return Picture("IMAGE-TWO");
  };
  auto reviews = std::make_shared<int>(0);
  rev_->on_text = [reviews](const TextRequest& req) -> Result<TextResponse> {
    const auto& images = req.messages.back().images;
    ++*reviews;
    std::string want = *reviews == 1 ? "IMAGE-ONE" : "IMAGE-TWO";
    if (images.size() != 1 || images[0].bytes != want)
      return Err(InvalidArgument("the reviewer did not get " + want));
    return *reviews == 1 ? Verdict(30, "Make the fox bigger.") : Verdict(90, "Great fox.");
  };
  auto r = Run(refine_, {{"prompt", "A red fox"},
                         {"kind", "image"},
                         {"criteria", "a big fox"},
                         {"model", "gen"},
                         {"review_model", "rev"},
                         {"size", "64x32"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(gen_->image_requests.size(), 1u);
  EXPECT_EQ(gen_->edit_requests.size(), 1u);
  EXPECT_EQ(r->output["passed"], true);
  EXPECT_EQ(r->output["score"], 90);
  ASSERT_EQ(r->output["attempts"].size(), 2u);
  ASSERT_EQ(r->artifacts.size(), 1u);
  EXPECT_EQ(r->artifacts[0].name, "step.png");
  EXPECT_EQ(r->artifacts[0].kind, "image");
  auto stored = blobs_->Get(r->output["image"]["sha256"].get<std::string>());
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, "IMAGE-TWO");
  EXPECT_EQ(r->output["images"].size(), 1u);
  EXPECT_EQ(r->output["image"]["width"], 64);
  EXPECT_EQ(r->usage.images, 2);
  ASSERT_EQ(r->session["turns"].size(), 2u);
  EXPECT_EQ(r->session["turns"][0]["content"], "A red fox");
  EXPECT_NE(r->session["turns"][1]["content"].get<std::string>().find("Make the fox bigger."),
            std::string::npos);
  EXPECT_EQ(r->session["image"], r->output["image"]);
}

TEST_F(ReviewNodeTest, ImageRefineRunsWithTheOfflineProvider) {
  auto r = Run(refine_, {{"prompt", "A lighthouse at dusk"},
                         {"kind", "image"},
                         {"criteria", "moody"},
                         {"threshold", 100},
                         {"max_attempts", 2},
                         {"size", "64x64"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["attempts"].size(), 2u);
  EXPECT_EQ(r->output["passed"], false);
  auto stored = blobs_->Get(r->output["image"]["sha256"].get<std::string>());
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->substr(1, 3), "PNG");
}

TEST_F(ReviewNodeTest, PendingImageTweakEditsTheStoredImage) {
  auto sha = blobs_->Put("STORED-IMAGE");
  ASSERT_TRUE(sha);
  Json image = {{"sha256", *sha}, {"mime", "image/png"}, {"width", 40}, {"height", 20}};
  Json session = {{"turns", {{{"role", "user"}, {"content", "A red fox"}}}},
                  {"image", image},
                  {"handle", "h7"},
                  {"pending", {{"mode", "tweak"}, {"instruction", "Add snow"}}}};
  gen_->on_edit = [](const ImageEditRequest& req) -> Result<ImageResponse> {
    if (req.image.bytes != "STORED-IMAGE" || req.instruction != "Add snow" || req.session != "h7" ||
        req.history.size() != 1 || req.width != 40)
      return Err(InvalidArgument("the stored session was not continued"));
    return Picture("SNOWY");
  };
  rev_->on_text = Scores({99});
  auto r = Run(refine_,
               {{"prompt", "A red fox"},
                {"kind", "image"},
                {"criteria", "c"},
                {"model", "gen"},
                {"review_model", "rev"}},
               &session);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(gen_->image_requests.empty());
  EXPECT_EQ(*blobs_->Get(r->output["image"]["sha256"].get<std::string>()), "SNOWY");
  ASSERT_EQ(r->session["turns"].size(), 2u);
  EXPECT_EQ(r->session["turns"][1]["content"], "Add snow");
}

TEST_F(ReviewNodeTest, OfflineKnobsReachEveryCall) {
  auto r = Run(review_, {{"content", "draft"}, {"criteria", "c"}, {"fail_first", 1}});
  EXPECT_EQ(ErrorOf(r, Code::kUnavailable).empty(), false);
}

// ---- CheckAgainstSchema ----

TEST(CheckAgainstSchemaTest, AcceptsConformingValues) {
  Json schema = Json::parse(R"({
    "type": "object",
    "properties": {
      "score": {"type": "integer", "minimum": 0, "maximum": 100},
      "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 3},
      "mood": {"enum": ["calm", "bold"]},
      "note": {"type": ["string", "null"]},
      "ratio": {"type": "number"}
    },
    "required": ["score"],
    "additionalProperties": false
  })");
  EXPECT_TRUE(CheckAgainstSchema(Json::parse(R"({"score": 5})"), schema).ok());
  EXPECT_TRUE(CheckAgainstSchema(Json::parse(R"({"score": 5.0, "ratio": 1})"), schema).ok());
  EXPECT_TRUE(
      CheckAgainstSchema(
          Json::parse(R"({"score": 0, "tags": ["a"], "mood": "bold", "note": null})"), schema)
          .ok());
}

TEST(CheckAgainstSchemaTest, NamesThePathOfTheFirstProblem) {
  Json schema = Json::parse(R"({
    "type": "object",
    "properties": {
      "score": {"type": "integer", "minimum": 0, "maximum": 100},
      "items": {"type": "array", "minItems": 1, "maxItems": 2,
                "items": {"type": "object", "properties": {"name": {"type": "string",
                          "maxLength": 3}}, "required": ["name"]}},
      "mood": {"enum": ["calm", "bold"]},
      "flag": {"type": "boolean"},
      "none": {"type": "null"}
    },
    "required": ["score"],
    "additionalProperties": false
  })");
  auto message = [&](const char* value) {
    Status s = CheckAgainstSchema(Json::parse(value), schema);
    EXPECT_FALSE(s.ok()) << value;
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    return s.message();
  };
  EXPECT_EQ(message(R"({"score": 140})"), "$.score: must be <= 100, got 140");
  EXPECT_EQ(message(R"({"score": -1})"), "$.score: must be >= 0, got -1");
  EXPECT_EQ(message(R"({"score": 1.5})"), "$.score: must be integer, got number 1.5");
  EXPECT_EQ(message(R"({})"), "$: missing required property 'score'");
  EXPECT_EQ(message(R"({"score": 1, "x": 2})"), "$: unexpected property 'x'");
  EXPECT_EQ(message(R"({"score": 1, "items": []})"), "$.items: must have at least 1 items, got 0");
  EXPECT_EQ(message(R"({"score": 1, "items": [{"name":"a"},{"name":"b"},{"name":"c"}]})"),
            "$.items: must have at most 2 items, got 3");
  EXPECT_EQ(message(R"({"score": 1, "items": [{"name":"a"},{"name":"long"}]})"),
            "$.items[1].name: must be at most 3 characters long, got 4");
  EXPECT_EQ(message(R"({"score": 1, "items": [{}]})"),
            "$.items[0]: missing required property 'name'");
  EXPECT_EQ(message(R"({"score": 1, "mood": "sad"})"),
            "$.mood: must be one of [\"calm\",\"bold\"], got \"sad\"");
  EXPECT_EQ(message(R"({"score": 1, "flag": "yes"})"),
            "$.flag: must be boolean, got string \"yes\"");
  EXPECT_EQ(message(R"({"score": 1, "none": 0})"), "$.none: must be null, got integer 0");
  EXPECT_EQ(message(R"([1])"), "$: must be object, got array [1]");
}

TEST(CheckAgainstSchemaTest, TypeListsAndStringLengths) {
  Json schema = {{"type", {"integer", "string"}}, {"minLength", 2}};
  EXPECT_TRUE(CheckAgainstSchema(3, schema).ok());
  EXPECT_TRUE(CheckAgainstSchema("ab", schema).ok());
  // Length counts code points, not bytes.
  EXPECT_TRUE(CheckAgainstSchema(Json({{"s", "\xC3\xA9"}})["s"], {{"maxLength", 1}}).ok());
  EXPECT_EQ(CheckAgainstSchema("a", schema).message(),
            "$: must be at least 2 characters long, got 1");
  EXPECT_EQ(CheckAgainstSchema(true, schema).message(),
            "$: must be integer or string, got boolean true");
  EXPECT_TRUE(CheckAgainstSchema(Json::parse("[1, 2.5]"),
                                 {{"type", "array"}, {"items", {{"type", "number"}}}})
                  .ok());
  EXPECT_EQ(CheckAgainstSchema(Json::parse("[1, \"x\"]"),
                               {{"type", "array"}, {"items", {{"type", "number"}}}})
                .message(),
            "$[1]: must be number, got string \"x\"");
}

}  // namespace
}  // namespace atelier
