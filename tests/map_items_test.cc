// Item-level control of maps (seeds 002 and 003): one proposal section, one article, one image of
// a map is tweaked, regenerated, reverted or retried as a step of its own, with versions of its
// own; only it runs again, its map collects the results anew and what follows the map re-runs.
#include <map>

#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// Three sections written by a map, assembled into one document after it.
const char* kSections = R"({"name": "Proposal", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "outline", "type": "generate_text", "data": {"prompt": "Outline a tea proposal"}},
    {"id": "sections", "type": "map", "data": {"items": ["scope", "plan", "budget"],
      "node": {"type": "generate_text", "data": {"prompt": "Write the {{item}} section of: {{steps.outline.text}}"}}}},
    {"id": "assemble", "type": "transform", "data": {"output": {"texts": "{{steps.sections.results}}"}}},
    {"id": "done", "type": "end", "data": {"output": {"document": "{{steps.assemble.texts}}"}}}],
  "edges": [{"id": "1", "source": "start", "target": "outline"},
            {"id": "2", "source": "outline", "target": "sections"},
            {"id": "3", "source": "sections", "target": "assemble"},
            {"id": "4", "source": "assemble", "target": "done"}]})";

std::map<std::string, int> Succeeded(Harness& h, const std::string& id) {
  std::map<std::string, int> n;
  for (const auto& e : h.Events(id))
    if (e.type == "step_succeeded") n[e.step_id]++;
  return n;
}

std::string Text(const StepRecord& s) { return s.output.value("text", std::string()); }

TEST(MapItems, TweakingOneSectionRerunsOnlyItAndWhatFollowsTheMap) {
  Harness h;
  auto ex = h.Run(kSections);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  const std::string before0 = Text(h.Step(ex.id, "sections[0]"));
  const std::string before1 = Text(h.Step(ex.id, "sections[1]"));
  const std::string before2 = Text(h.Step(ex.id, "sections[2]"));

  ASSERT_TRUE(h.engine().Tweak(Harness::kWs, ex.id, "sections[1]", "add a milestone table").ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;

  auto runs = Succeeded(h, ex.id);
  EXPECT_EQ(runs["outline"], 1) << "nothing upstream of the map runs again";
  EXPECT_EQ(runs["sections[0]"], 1) << "the other sections do not run again";
  EXPECT_EQ(runs["sections[2]"], 1);
  EXPECT_EQ(runs["sections[1]"], 2) << "the tweaked section ran again";
  EXPECT_EQ(runs["sections"], 2) << "the map collected its items again";
  EXPECT_EQ(runs["assemble"], 2) << "what follows the map re-ran";

  StepRecord s1 = h.Step(ex.id, "sections[1]");
  EXPECT_EQ(s1.version, 2);
  EXPECT_NE(Text(s1), before1);
  EXPECT_NE(s1.session.dump().find("add a milestone table"), std::string::npos)
      << "the tweak continues the item's conversation: " << s1.session.dump();
  EXPECT_EQ(h.Step(ex.id, "sections[0]").version, 1);
  EXPECT_EQ(Text(h.Step(ex.id, "sections[0]")), before0);
  EXPECT_EQ(h.Step(ex.id, "sections").version, 1) << "the map keeps its run; its items grew";

  Json texts = h.Step(ex.id, "assemble").output["texts"];
  ASSERT_EQ(texts.size(), 3u) << texts.dump();
  EXPECT_EQ(texts[0]["text"], before0);
  EXPECT_EQ(texts[1]["text"], Text(s1)) << "the document has the new section";
  EXPECT_EQ(texts[2]["text"], before2);

  // The item's versions are kept and listed; revert brings version 1 back as version 3.
  auto versions = h.store().ListStepVersions(Harness::kWs, ex.id, "sections[1]");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[1].meta.value("source", ""), "tweak");
  ASSERT_TRUE(h.engine().Revert(Harness::kWs, ex.id, "sections[1]", 1).ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "sections[1]").version, 3);
  EXPECT_EQ(Text(h.Step(ex.id, "sections[1]")), before1);
  EXPECT_EQ(h.Step(ex.id, "assemble").output["texts"][1]["text"], before1);
  EXPECT_EQ(Succeeded(h, ex.id)["sections[1]"], 2) << "a revert calls no provider";

  // Regenerate: another take of that one section only.
  ASSERT_TRUE(h.engine().Regenerate(Harness::kWs, ex.id, "sections[2]").ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  runs = Succeeded(h, ex.id);
  EXPECT_EQ(runs["sections[2]"], 2);
  EXPECT_EQ(runs["sections[0]"], 1);
  EXPECT_EQ(runs["sections[1]"], 2);
  EXPECT_EQ(h.Step(ex.id, "sections[2]").version, 2);
}

TEST(MapItems, ANewRunOfTheMapStartsAboveEveryItemVersion) {
  Harness h;
  auto ex = h.Run(kSections);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted);
  ASSERT_TRUE(h.engine().Tweak(Harness::kWs, ex.id, "sections[0]", "shorter").ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  ASSERT_TRUE(h.engine().Tweak(Harness::kWs, ex.id, "sections[0]", "even shorter").ok());
  ASSERT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
  ASSERT_EQ(h.Step(ex.id, "sections[0]").version, 3);

  // A new outline: the map runs every item again, as a new run.
  ASSERT_TRUE(h.engine().Regenerate(Harness::kWs, ex.id, "outline").ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  auto runs = Succeeded(h, ex.id);
  EXPECT_EQ(runs["sections[0]"], 4);
  EXPECT_EQ(runs["sections[1]"], 2);
  EXPECT_EQ(runs["sections[2]"], 2);
  const StepRecord map = h.Step(ex.id, "sections");
  EXPECT_GE(map.version, 4) << "above item 0's version 3";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(h.Step(ex.id, "sections[" + std::to_string(i) + "]").version, map.version);
  // Item 0's earlier versions are all still there, none overwritten.
  auto versions = h.store().ListStepVersions(Harness::kWs, ex.id, "sections[0]");
  ASSERT_TRUE(versions.has_value());
  std::vector<int> numbers;
  for (const auto& v : *versions) numbers.push_back(v.version);
  EXPECT_EQ(numbers, (std::vector<int>{1, 2, 3, map.version}));
  // The new run's results are what the document holds.
  Json texts = h.Step(ex.id, "assemble").output["texts"];
  EXPECT_EQ(texts[0]["text"], Text(h.Step(ex.id, "sections[0]")));
}

// Seed 002: an article failed and was collected; the execution waits at the review gate. The
// user re-runs the failed article without rejecting the gate: the gate asks again with the new
// count, and no decision was taken on it.
const char* kArticles = R"({"name": "Articles", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "articles", "type": "map", "data": {"items": ["a", "b", "c"], "on_item_error": "continue",
      "node": {"type": "generate_text", "data": {"prompt": "{{item}}", "fail_first": "{{index}}",
               "retry": {"max_attempts": 1, "backoff_ms": 1}}}}},
    {"id": "gate", "type": "approval", "data": {"message": "{{steps.articles.failed}} article failures"}},
    {"id": "done", "type": "end"}],
  "edges": [{"id": "1", "source": "start", "target": "articles"},
            {"id": "2", "source": "articles", "target": "gate"},
            {"id": "3", "source": "gate", "target": "done"}]})";

std::string LastApprovalMessage(Harness& h, const std::string& id) {
  std::string last;
  for (const auto& e : h.Events(id))
    if (e.type == "approval_requested") last = e.payload.value("message", "");
  return last;
}

TEST(MapItems, FailedItemsRunAgainWhileTheExecutionWaitsAtALaterGate) {
  Harness h;
  auto ex = h.Run(kArticles);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  ASSERT_EQ(h.Step(ex.id, "articles[1]").status, StepStatus::kFailed);
  ASSERT_EQ(h.Step(ex.id, "articles[2]").status, StepStatus::kFailed);
  EXPECT_EQ(LastApprovalMessage(h, ex.id), "2 article failures");

  // One item, as a new version (regenerate).
  ASSERT_TRUE(h.engine().Regenerate(Harness::kWs, ex.id, "articles[1]").ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "articles[1]").status, StepStatus::kSucceeded);
  EXPECT_EQ(h.Step(ex.id, "articles[1]").version, 2);
  EXPECT_EQ(LastApprovalMessage(h, ex.id), "1 article failures");

  // The rest of the failures at once, from the map (the item's fail_first is 2: its second
  // attempt fails too, its third succeeds).
  ASSERT_TRUE(h.engine().RetryStep(Harness::kWs, ex.id, "articles").ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  ASSERT_EQ(h.Step(ex.id, "articles[2]").status, StepStatus::kFailed);
  ASSERT_TRUE(h.engine().RetryStep(Harness::kWs, ex.id, "articles[2]").ok());
  ex = h.RunToRest(ex.id);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  EXPECT_EQ(h.Step(ex.id, "articles[2]").status, StepStatus::kSucceeded);
  EXPECT_EQ(h.Step(ex.id, "articles[2]").version, 1) << "a retry is the same version again";
  EXPECT_EQ(LastApprovalMessage(h, ex.id), "0 article failures");
  EXPECT_EQ(h.Step(ex.id, "articles").output["succeeded"], 3);

  for (const auto& e : h.Events(ex.id))
    EXPECT_NE(e.type, "approval_decided") << "nobody decided the gate";
  auto runs = Succeeded(h, ex.id);
  EXPECT_EQ(runs["articles[0]"], 1) << "the article that succeeded never ran again";

  ASSERT_TRUE(h.engine().Decide(Harness::kWs, ex.id, "gate", {"approve", ""}).ok());
  EXPECT_EQ(h.RunToRest(ex.id).status, ExecStatus::kCompleted);
}

TEST(MapItems, RefusalsSayWhatIsWrongAndChangeNothing) {
  Harness h;
  auto ex = h.Run(kArticles);
  ASSERT_EQ(ex.status, ExecStatus::kWaiting) << ex.reason;
  // A failed item has nothing to refine.
  Status s = h.engine().Tweak(Harness::kWs, ex.id, "articles[1]", "better");
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("is failed"), std::string::npos) << s.message();
  // A succeeded item is regenerated, not retried.
  s = h.engine().RetryStep(Harness::kWs, ex.id, "articles[0]");
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("regenerated"), std::string::npos) << s.message();
  // Retry of one step is for maps and their items.
  s = h.engine().RetryStep(Harness::kWs, ex.id, "gate");
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("not a map"), std::string::npos) << s.message();
  EXPECT_EQ(h.engine().RetryStep(Harness::kWs, ex.id, "nope").code(), Code::kNotFound);
  EXPECT_EQ(h.engine().Regenerate(Harness::kWs, ex.id, "articles[9]").code(), Code::kNotFound);
  // Nothing changed: still waiting at the gate with the same failures.
  EXPECT_EQ(h.store().GetExecution(Harness::kWs, ex.id)->status, ExecStatus::kWaiting);
  EXPECT_EQ(h.Step(ex.id, "articles[1]").version, 1);
  EXPECT_EQ(h.Step(ex.id, "articles[0]").status, StepStatus::kSucceeded);

  // An item of a map of non-generative steps is named as what it is.
  auto other = h.Run(R"({"name": "Sections", "nodes": [{"id": "start", "type": "start"},
      {"id": "sections", "type": "map", "data": {"items": ["a", "b"],
        "node": {"type": "transform", "data": {"output": {"v": "{{item}}"}}}}}],
      "edges": [{"id": "1", "source": "start", "target": "sections"}]})");
  s = h.engine().Tweak(Harness::kWs, other.id, "sections[0]", "shorter");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("item 0 of map 'sections' (a transform step)"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("can be tweaked"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("is a map step"), std::string::npos) << s.message();
  // ... and rebuilt on its own.
  EXPECT_TRUE(h.engine().Regenerate(Harness::kWs, other.id, "sections[0]").ok());
  EXPECT_EQ(h.RunToRest(other.id).status, ExecStatus::kCompleted);
  EXPECT_EQ(h.Step(other.id, "sections[0]").version, 2);
}

}  // namespace
}  // namespace atelier::testing
