// Every shipped template validates and runs on the offline provider.
#include <zip.h>

#include <map>
#include <mutex>

#include "tests/test_env.h"

namespace atelier::testing {
namespace {

std::string Template(const std::string& name) { return ReadAll(SourcePath("templates/" + name)); }

// The entries of a zip archive held in memory (a DOCX), by name; empty when it is not a zip.
std::map<std::string, std::string> ReadZip(const std::string& bytes) {
  std::map<std::string, std::string> out;
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* za = src ? zip_open_from_source(src, ZIP_RDONLY, &error) : nullptr;
  zip_error_fini(&error);
  if (!za) {
    if (src) zip_source_free(src);
    return out;
  }
  zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) < 0) continue;
    zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
    if (!f) continue;
    std::string content(static_cast<size_t>(st.size), '\0');
    zip_int64_t got = zip_fread(f, content.data(), st.size);
    zip_fclose(f);
    if (got == static_cast<zip_int64_t>(st.size)) out[st.name] = std::move(content);
  }
  zip_close(za);
  return out;
}

void ExpectAllSucceeded(Harness& h, const std::string& id) {
  for (const auto& s : h.Steps(id))
    EXPECT_TRUE(s.status == StepStatus::kSucceeded || s.status == StepStatus::kSkipped)
        << s.step_id << " is " << StepStatusName(s.status);
}

TEST(Templates, EveryShippedTemplateValidates) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(SourcePath("templates"))) {
    if (entry.path().extension() != ".json") continue;
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(ReadAll(entry.path().string()), &errors);
    std::string all;
    for (const auto& e : errors) all += e.ToString() + "\n";
    EXPECT_TRUE(t.has_value()) << entry.path() << "\n" << all;
    ++n;
  }
  EXPECT_GE(n, 4);
}

TEST(Templates, InstagramPostMakesACaptionAndAnImage) {
  Harness h;
  auto ex = h.Run(Template("instagram_post.json"), {{"product", "cold brew"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  ExpectAllSucceeded(h, ex.id);
  auto post = h.Step(ex.id, "post");
  EXPECT_FALSE(post.output["caption"].get<std::string>().empty());
  EXPECT_EQ(post.output["image"]["width"], 1024);
  // The seed's shape: the image is attached to the post, the last step before the end.
  auto attach = h.Step(ex.id, "attach").output;
  EXPECT_EQ(attach["document"]["text"], post.output["caption"]);
  ASSERT_EQ(attach["images"].size(), 1u);
  EXPECT_EQ(attach["images"][0]["sha256"], post.output["image"]["sha256"]);
  EXPECT_EQ(post.output["document"], attach["document"]);
  EXPECT_EQ(Json::parse(Template("instagram_post.json"))["category"], "social_media");
}

TEST(Templates, FacebookAdsMakesHeadlineBodyAndCreative) {
  Harness h;
  auto ex = h.Run(Template("facebook_ads.json"), {{"product", "budget app"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  ExpectAllSucceeded(h, ex.id);
  auto ad = h.Step(ex.id, "ad");
  EXPECT_FALSE(ad.output["headline"].get<std::string>().empty());
  EXPECT_EQ(ad.output["creative"]["height"], 628);
  // The seed's shape: the creative is attached to the ad copy, the last step before the end.
  auto doc = h.Step(ex.id, "attach").output["document"];
  EXPECT_NE(doc["text"].get<std::string>().find(ad.output["body"].get<std::string>()),
            std::string::npos);
  ASSERT_EQ(doc["images"].size(), 1u);
  EXPECT_EQ(doc["images"][0]["sha256"], ad.output["creative"]["sha256"]);
  EXPECT_EQ(Json::parse(Template("facebook_ads.json"))["category"], "paid_ads");
}

TEST(Templates, BlogArticleWritesOutlineArticleAndImage) {
  Harness h;
  auto ex = h.Run(Template("blog_article.json"), {{"topic", "sourdough"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  ExpectAllSucceeded(h, ex.id);
  auto arts = h.store().ListArtifacts(Harness::kWs, ex.id);
  ASSERT_TRUE(arts.has_value());
  EXPECT_EQ(arts->size(), 4u);  // outline.md, article.md, featured_image.png, attach.json
  // The seed's shape: the article's quality is reviewed, and the image attached to it.
  auto review = h.Step(ex.id, "review").output;
  EXPECT_GE(review["score"].get<int>(), 0);
  EXPECT_LE(review["score"].get<int>(), 100);
  auto publish = h.Step(ex.id, "publish").output;
  EXPECT_EQ(publish["review"]["score"], review["score"]);
  EXPECT_EQ(publish["document"]["text"], publish["article"]);
  EXPECT_EQ(Json::parse(Template("blog_article.json"))["category"], "blog");
}

TEST(Templates, ReviewedAnnouncementWaitsThenBranchesOnImportance) {
  Harness h;
  auto major = h.Run(Template("reviewed_announcement.json"),
                     {{"headline", "Version 2 ships"}, {"importance", 9}});
  ASSERT_EQ(major.status, ExecStatus::kWaiting);
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, major.id, "review", {"approve", ""}).ok());
  ASSERT_EQ(h.RunToRest(major.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(major.id, "banner").status, StepStatus::kSucceeded);
  EXPECT_EQ(h.Step(major.id, "plain").status, StepStatus::kSkipped);
  EXPECT_EQ(h.Step(major.id, "revise").status, StepStatus::kSkipped);

  auto minor = h.Run(Template("reviewed_announcement.json"), {{"headline", "Typo fixes"}});
  ASSERT_EQ(minor.status, ExecStatus::kWaiting);
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, minor.id, "review", {"approve", ""}).ok());
  ASSERT_EQ(h.RunToRest(minor.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(minor.id, "banner").status, StepStatus::kSkipped);
  EXPECT_EQ(h.Step(minor.id, "plain").status, StepStatus::kSucceeded);

  auto rejected = h.Run(Template("reviewed_announcement.json"), {{"headline", "Oops"}});
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, rejected.id, "review", {"reject", "tone"}).ok());
  ASSERT_EQ(h.RunToRest(rejected.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(rejected.id, "revise").output["feedback"], "tone");
  EXPECT_EQ(h.Step(rejected.id, "published").status, StepStatus::kSkipped);
}

TEST(Templates, ImageJobRefinesThenOffersApproveOrTweak) {
  Harness h;
  auto ex = h.Run(Template("image_job.json"), {{"brief", "a teapot in morning light"}});
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  auto image = h.Step(ex.id, "image");
  ASSERT_EQ(image.status, StepStatus::kSucceeded);
  const auto& attempts = image.output["attempts"];
  ASSERT_GE(attempts.size(), 1u);
  ASSERT_LE(attempts.size(), 3u);
  for (const auto& a : attempts) {
    EXPECT_GE(a["score"].get<int>(), 0);
    EXPECT_LE(a["score"].get<int>(), 100);
  }
  EXPECT_EQ(image.output["image"]["width"], 768);

  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "decide", {"tweak", "", "zoom out"}).ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kWaiting);
  EXPECT_EQ(h.Step(ex.id, "image").version, 2);
  auto versions = h.store().ListStepVersions(Harness::kWs, ex.id, "image");
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[1].meta["instruction"], "zoom out");
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "decide", {"approve", "", ""}).ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(ex.id, "done").output["image"], h.Step(ex.id, "image").output["image"]);
}

TEST(Templates, SeoPipelineRunsListsThroughMapsAndStopsAtTheReviewGate) {
  Harness h;
  auto ex = h.Run(Template("seo_content_pipeline.json"), {{"topic", "home composting"}});
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  auto keywords = h.Step(ex.id, "keywords").output["json"]["keywords"];
  EXPECT_GE(keywords.size(), 4u);
  auto tasks = h.Step(ex.id, "tasks").output["result"];
  ASSERT_GE(tasks.size(), 2u);
  EXPECT_EQ(h.Step(ex.id, "articles").output["count"], tasks.size());
  EXPECT_EQ(h.Step(ex.id, "images").output["succeeded"], tasks.size());
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "review", {"approve", "", ""}).ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(ex.id, "publish").output["articles"].size(), tasks.size());
}

TEST(Templates, SeoPipelineCollectsAFailedItemInsteadOfFailing) {
  Harness h;
  std::string t = Template("seo_content_pipeline.json");
  // Make every article fail at once (a size the image step rejects is not needed: an invalid
  // max_tokens reference would be caught by validation, so fail through the provider instead).
  t.replace(t.find(R"("max_tokens": 2000)"), std::string(R"("max_tokens": 2000)").size(),
            R"("max_tokens": 2000, "fail_first": 5, "retry": {"max_attempts": 1, "backoff_ms": 0})");
  auto ex = h.Run(t, {{"topic", "tides"}});
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  auto articles = h.Step(ex.id, "articles").output;
  EXPECT_EQ(articles["succeeded"], 0);
  EXPECT_GE(articles["failed"].get<int>(), 2);
  EXPECT_EQ(articles["errors"][0]["code"], "unavailable");
  EXPECT_EQ(h.Step(ex.id, "images").status, StepStatus::kSucceeded) << "the other branch goes on";
}

TEST(Templates, CharacterSetDrawsViewsFromTheAvatarWithStageProgress) {
  Harness h;
  std::vector<Progress> seen;
  std::mutex mu;
  h.engine().SetObserver([&](const Event&, const Progress& p) {
    std::lock_guard<std::mutex> l(mu);
    seen.push_back(p);
  });
  auto ex = h.Run(Template("character_image_set.json"), {{"character", "a fox knight"}});
  h.engine().SetObserver(nullptr);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  for (const char* view : {"front", "side", "back"})
    EXPECT_EQ(h.Step(ex.id, view).output["image"]["height"], 768) << view;
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front().stage, 1);
  // avatar; cover and the view choices; the views; the sheet's sections; the sheet.
  EXPECT_EQ(seen.back().stage, 5);
  EXPECT_EQ(seen.back().stages, 5);
  int previous = 0;
  for (const auto& p : seen) {
    EXPECT_GE(p.stage, previous) << "stages never go back";
    previous = p.stage;
  }
  auto sheet = h.Step(ex.id, "sheet").output;
  EXPECT_FALSE(sheet["html"].is_null());
  EXPECT_EQ(h.Step(ex.id, "cover").output["image"]["width"], 1280) << "the set has a cover";
  EXPECT_EQ(h.Step(ex.id, "sections").output["result"].size(), 5u)
      << "cover, avatar, front, side, back";
}

TEST(Templates, CharacterSetSkipsTheViewsNotChosen) {
  Harness h;
  auto ex = h.Run(Template("character_image_set.json"),
                  {{"character", "a fox knight"}, {"side", false}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  ExpectAllSucceeded(h, ex.id);
  EXPECT_EQ(h.Step(ex.id, "side").status, StepStatus::kSkipped);
  EXPECT_EQ(h.Step(ex.id, "front").status, StepStatus::kSucceeded);
  EXPECT_EQ(h.Step(ex.id, "back").status, StepStatus::kSucceeded);
  auto sections = h.Step(ex.id, "sections").output["result"];
  ASSERT_EQ(sections.size(), 4u);
  for (const auto& s : sections) EXPECT_NE(s["heading"], "Side");
  EXPECT_FALSE(h.Step(ex.id, "sheet").output["html"].is_null());

  auto none = h.Run(Template("character_image_set.json"),
                    {{"character", "a fox knight"}, {"front", false}, {"side", false}, {"back", false}});
  ASSERT_EQ(none.status, ExecStatus::kCompleted) << none.reason;
  for (const char* view : {"front", "side", "back"})
    EXPECT_EQ(h.Step(none.id, view).status, StepStatus::kSkipped) << view;
  EXPECT_EQ(h.Step(none.id, "sections").output["result"].size(), 2u) << "cover and avatar";
}

TEST(Templates, ProposalPipelineBuildsADocxAfterApproval) {
  Harness h;
  auto ex = h.Run(Template("proposal_pipeline.json"),
                  {{"client", "Acme"}, {"brief", "A spring campaign with product photos and social copy."}});
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "approve_matches", {"approve", "", ""}).ok());
  auto done = h.RunToRest(ex.id);
  ASSERT_EQ(done.status, ExecStatus::kCompleted) << done.reason;
  auto review = h.Step(ex.id, "review").output;
  EXPECT_GE(review["score"].get<int>(), 0);
  auto files = h.Step(ex.id, "document").output["files"];
  bool docx = false;
  for (const auto& f : files) {
    if (f["format"] == "docx") {
      docx = true;
      EXPECT_EQ(f["name"], "proposal.docx");
    }
  }
  EXPECT_TRUE(docx);
  auto arts = h.store().ListArtifacts(Harness::kWs, ex.id);
  for (const auto& a : *arts) {
    if (a.name == "proposal.docx") {
      EXPECT_EQ(h.blobs().Get(a.sha256)->substr(0, 2), "PK");
    }
  }
}

// The seed's business states: each automatic milestone is reached, in order, in the transaction
// of the step that reaches it; then a person marks the manual ones, in order, with a note.
TEST(Templates, ProposalPipelineReachesItsMilestonesInOrder) {
  Harness h;
  auto ex = h.Run(Template("proposal_pipeline.json"),
                  {{"client", "Acme"}, {"brief", "A spring campaign with product photos."}});
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  auto v = h.engine().Milestones(Harness::kWs, ex.id);
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  ASSERT_EQ(v->list.size(), 8u);
  EXPECT_EQ(v->list[v->current].id, "matched");
  EXPECT_EQ(v->list[v->next].id, "match_approved");
  EXPECT_EQ(v->action, "approve step 'approve_matches'");
  EXPECT_TRUE(v->can_proceed);
  EXPECT_EQ(h.engine().MarkMilestone(Harness::kWs, ex.id, "submitted", "ana", "").code(),
            Code::kFailedPrecondition)
      << "not before the document is ready";

  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "approve_matches", {"approve", "", ""}).ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  v = h.engine().Milestones(Harness::kWs, ex.id);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->list[v->current].id, "document_ready");
  EXPECT_EQ(v->list[v->next].id, "completed");
  EXPECT_EQ(v->action, "mark 'completed' (Marked complete)");
  EXPECT_TRUE(v->can_proceed);

  // Each milestone_reached follows the step_succeeded that reached it, in the same commit.
  std::vector<std::string> reached;
  const auto events = h.Events(ex.id);
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].type != kMilestoneReached) continue;
    reached.push_back(events[i].payload["milestone"]);
    ASSERT_GT(i, 0u);
    const std::string step = events[i].payload["step"];
    size_t j = i - 1;
    while (j > 0 && events[j].type == kMilestoneReached) --j;
    EXPECT_EQ(events[j].type, "step_succeeded") << reached.back();
    EXPECT_EQ(events[j].step_id, step);
    EXPECT_EQ(events[j].ts, events[i].ts);
  }
  EXPECT_EQ(reached, (std::vector<std::string>{"rc_analyzed", "matched", "match_approved",
                                               "generated", "reviewed", "document_ready"}));

  EXPECT_EQ(h.engine().MarkMilestone(Harness::kWs, ex.id, "document_ready", "ana", "").code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(h.engine().MarkMilestone(Harness::kWs, ex.id, "submitted", "ana", "").code(),
            Code::kFailedPrecondition)
      << "'completed' comes first";
  ASSERT_TRUE(h.engine().MarkMilestone(Harness::kWs, ex.id, "completed", "ana", "checked").ok());
  ASSERT_TRUE(
      h.engine().MarkMilestone(Harness::kWs, ex.id, "submitted", "bob", "emailed to Acme").ok());
  EXPECT_EQ(h.engine().MarkMilestone(Harness::kWs, ex.id, "submitted", "bob", "again").code(),
            Code::kFailedPrecondition);
  v = h.engine().Milestones(Harness::kWs, ex.id);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->list[v->current].id, "submitted");
  EXPECT_EQ(v->list[v->current].by, "bob");
  EXPECT_EQ(v->list[v->current].note, "emailed to Acme");
  EXPECT_EQ(v->next, -1);
  EXPECT_FALSE(v->can_proceed);
  int marked = 0;
  for (const auto& e : h.Events(ex.id)) marked += e.type == kMilestoneMarked;
  EXPECT_EQ(marked, 2);
}

// Review scores and feedback are internal notes: they stay in the execution (the review step's
// output) and never reach the document handed to the client, in any format.
TEST(Templates, ProposalPipelineKeepsTheReviewOutOfTheDeliverable) {
  Harness h;
  auto ex = h.Run(Template("proposal_pipeline.json"),
                  {{"client", "Acme"}, {"brief", "A spring campaign with product photos and social copy."}});
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "approve_matches", {"approve", "", ""}).ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);

  auto review = h.Step(ex.id, "review").output;
  ASSERT_TRUE(review["score"].is_number_integer());
  const std::string feedback = review["feedback"].get<std::string>();
  ASSERT_FALSE(feedback.empty()) << "the review is still kept in the execution";
  const std::string score_text = "Score " + std::to_string(review["score"].get<int>()) + "/100";

  auto arts = h.store().ListArtifacts(Harness::kWs, ex.id);
  ASSERT_TRUE(arts.has_value());
  int checked = 0;
  for (const auto& a : *arts) {
    if (a.step_id != "document") continue;
    auto bytes = h.blobs().Get(a.sha256);
    ASSERT_TRUE(bytes.has_value()) << a.name;
    std::string text = *bytes;
    if (a.name == "proposal.docx") {
      auto parts = ReadZip(*bytes);
      ASSERT_TRUE(parts.count("word/document.xml")) << "not a DOCX";
      text = parts["word/document.xml"];
    }
    ASSERT_NE(text.find("Acme"), std::string::npos) << a.name << " has the proposal text";
    EXPECT_EQ(text.find(score_text), std::string::npos) << a.name;
    EXPECT_EQ(text.find("/100"), std::string::npos) << a.name;
    EXPECT_EQ(text.find(feedback), std::string::npos) << a.name << " carries the review feedback";
    EXPECT_EQ(text.find(">Review<"), std::string::npos) << a.name;
    EXPECT_EQ(text.find("# Review"), std::string::npos) << a.name;
    ++checked;
  }
  EXPECT_EQ(checked, 3) << "docx, html and markdown";
}

}  // namespace
}  // namespace atelier::testing
