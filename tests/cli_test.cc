// The `atelier` binary as users and scripts call it: exit codes, output files, --json shapes.
#include <signal.h>

#include <regex>

#include "tests/test_env.h"

namespace atelier::testing {
namespace {

std::string IdFrom(const std::string& out) {
  auto p = out.find("execution ex_");
  if (p == std::string::npos) return "";
  auto start = p + std::string("execution ").size();
  return out.substr(start, out.find_first_of(" \n", start) - start);
}

TEST(Cli, ValidatePrintsOkForAGoodTemplate) {
  TempDir d;
  auto r = RunAtelier({"validate", SourcePath("templates/instagram_post.json")}, d.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
}

TEST(Cli, ValidateListsEveryErrorOneALine) {
  TempDir d;
  WriteAll(d / "bad.json", R"({"name": "Bad", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "x", "type": "generate_txt", "data": {}},
    {"id": "y", "type": "generate_text", "data": {"prompt": "{{inputs.nope}}"}}],
    "edges": [{"id": "e1", "source": "start", "target": "y"}, {"id": "e2", "source": "y", "target": "ghost"}]})");
  auto r = RunAtelier({"validate", "bad.json"}, d.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("generate_txt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nope"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ghost"), std::string::npos) << r.out;
  int lines = 0;
  for (char c : r.out) lines += c == '\n';
  EXPECT_GE(lines, 3);
}

TEST(Cli, ValidateReportsJsonSyntaxErrorsWithLineAndColumn) {
  TempDir d;
  WriteAll(d / "broken.json", "{\n  \"name\": \"x\",\n  \"nodes\": [\n}");
  auto r = RunAtelier({"validate", "broken.json"}, d.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("line 4"), std::string::npos) << r.out;
}

TEST(Cli, RunWritesArtifactsAndResultJson) {
  TempDir d;
  auto r = RunAtelier({"run", SourcePath("templates/instagram_post.json"), "--input",
                       "product=oat milk", "--input", "hashtags=3", "--out", "out"},
                      d.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string id = IdFrom(r.out);
  ASSERT_FALSE(id.empty()) << r.out;
  EXPECT_TRUE(fs::exists(d.path() / "atelier.db"));
  EXPECT_TRUE(fs::exists(d.path() / "atelier-blobs"));
  EXPECT_EQ(ReadAll(d / "out/image.png").substr(1, 3), "PNG");
  EXPECT_NE(ReadAll(d / "out/caption.md").find("Oat Milk"), std::string::npos);
  auto result = Json::parse(ReadAll(d / "out/result.json"));
  EXPECT_EQ(result["execution"]["id"], id);
  EXPECT_EQ(result["execution"]["status"], "completed");
  EXPECT_EQ(result["execution"]["inputs"]["hashtags"], 3);
  EXPECT_EQ(result["progress"]["percent"], 100);
  EXPECT_EQ(result["artifacts"].size(), 3u);  // caption.md, image.png, attach.json
  EXPECT_TRUE(fs::exists(d / "out/attach.json"));
}

// Every database has the shipped templates as built-ins: a file equal to one runs it, a changed
// one under its name is refused; `templates` marks them and `templates clone` copies one.
TEST(Cli, TemplatesListsTheBuiltinsWhichRunAndCloneButAreNotEditedByRun) {
  TempDir d;
  auto list = RunAtelier({"templates", "--json"}, d.path());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  Json all = Json::parse(list.out);
  ASSERT_GE(all.size(), 8u);
  std::string post_id;
  for (const auto& t : all) {
    EXPECT_EQ(t["builtin"], true) << t.dump();
    if (t["name"] == "Instagram post") post_id = t["id"];
  }
  ASSERT_FALSE(post_id.empty()) << list.out;
  auto run = RunAtelier({"run", SourcePath("templates/instagram_post.json"), "-i", "product=x",
                         "--json"},
                        d.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Json::parse(run.out)["template"]["id"], post_id) << run.out;
  EXPECT_EQ(RunAtelier({"templates", "--json"}, d.path()).out, list.out);

  Json changed = Json::parse(ReadAll(SourcePath("templates/instagram_post.json")));
  changed["description"] = "mine";
  WriteAll(d / "changed.json", changed.dump());
  auto refused = RunAtelier({"run", "changed.json", "-i", "product=x"}, d.path());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("changed.json: 'Instagram post' is a built-in template (" + post_id +
                             ") and this file differs from it"),
            std::string::npos)
      << refused.err;
  changed["name"] = "My post";
  WriteAll(d / "mine.json", changed.dump());
  EXPECT_EQ(RunAtelier({"run", "mine.json", "-i", "product=x"}, d.path()).exit_code, 0);

  auto clone = RunAtelier({"templates", "clone", "Instagram post", "Our post"}, d.path());
  EXPECT_EQ(clone.exit_code, 0) << clone.err;
  EXPECT_NE(clone.out.find("Our post"), std::string::npos) << clone.out;
  auto again = RunAtelier({"templates", "clone", post_id, "Our post"}, d.path());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  auto table = RunAtelier({"templates"}, d.path());
  EXPECT_NE(table.out.find("BUILTIN"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("yes"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Our post"), std::string::npos) << table.out;
}

TEST(Cli, RunRejectsBadInputsWithAClearMessage) {
  TempDir d;
  auto missing = RunAtelier({"run", SourcePath("templates/instagram_post.json")}, d.path());
  EXPECT_EQ(missing.exit_code, 64);
  EXPECT_NE(missing.err.find("product"), std::string::npos) << missing.err;
  auto typed = RunAtelier({"run", SourcePath("templates/instagram_post.json"), "-i", "product=x",
                           "-i", "hashtags=many"},
                          d.path());
  EXPECT_EQ(typed.exit_code, 64);
  EXPECT_NE(typed.err.find("hashtags"), std::string::npos) << typed.err;
  auto form = RunAtelier({"run", SourcePath("templates/instagram_post.json"), "-i", "product"},
                         d.path());
  EXPECT_EQ(form.exit_code, 64);
  EXPECT_NE(form.err.find("NAME=VALUE"), std::string::npos) << form.err;
}

TEST(Cli, InputsJsonFileIsAccepted) {
  TempDir d;
  WriteAll(d / "in.json", R"({"topic": "tides", "words": 300})");
  auto r = RunAtelier({"run", SourcePath("templates/blog_article.json"), "--inputs-json",
                       "in.json", "--json"},
                      d.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = Json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(json["execution"]["inputs"]["words"], 300);
  EXPECT_EQ(json["execution"]["status"], "completed");
}

TEST(Cli, WaitingExitsTwoAndApproveContinues) {
  TempDir d;
  auto r = RunAtelier({"run", SourcePath("templates/reviewed_announcement.json"), "-i",
                       "headline=Launch day", "-i", "importance=9"},
                      d.path());
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  std::string id = IdFrom(r.out);
  auto wrong = RunAtelier({"approve", id, "draft", "--decision", "approve"}, d.path());
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("not waiting"), std::string::npos) << wrong.err;
  auto ok = RunAtelier({"approve", id, "review", "--decision", "approve", "--comment", "ship"},
                       d.path());
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_TRUE(fs::exists(d.path() / "atelier-out" / id / "banner.png"));
}

TEST(Cli, ApproveWithAnEditFilePublishesThePersonsText) {
  TempDir d;
  auto r = RunAtelier({"run", SourcePath("templates/reviewed_announcement.json"), "-i",
                       "headline=Launch day", "-i", "importance=2"},
                      d.path());
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  std::string id = IdFrom(r.out);
  WriteAll(d / "edited.md", "Launch day is here: thank you all.");
  auto tweak = RunAtelier(
      {"approve", id, "review", "--decision", "tweak", "--instruction", "x", "--edit-file",
       "edited.md"},
      d.path());
  EXPECT_EQ(tweak.exit_code, 64);
  EXPECT_NE(tweak.err.find("--edit-file goes with --decision approve"), std::string::npos)
      << tweak.err;
  auto missing = RunAtelier(
      {"approve", id, "review", "--decision", "approve", "--edit-file", "nope.md"}, d.path());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.md"), std::string::npos) << missing.err;
  auto ok = RunAtelier(
      {"approve", id, "review", "--decision", "approve", "--edit-file", "edited.md", "--json"},
      d.path());
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  auto show = RunAtelier({"show", id, "--json"}, d.path());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto shown = Json::parse(show.out);
  EXPECT_EQ(shown["execution"]["status"], "completed");
  std::string published;
  for (const auto& step : shown["steps"])
    if (step["id"] == "published") published = step["output"].value("text", "");
  EXPECT_EQ(published, "Launch day is here: thank you all.") << show.out;
  auto versions = RunAtelier({"versions", id, "draft", "--json"}, d.path());
  ASSERT_EQ(versions.exit_code, 0) << versions.err;
  EXPECT_NE(versions.out.find("\"edit\""), std::string::npos) << versions.out;
}

TEST(Cli, ApprovingASubworkflowStepDecidesTheApprovalInsideIt) {
  TempDir d;
  WriteAll(d / "parent.json", R"({"name": "Parent", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "sub", "type": "subworkflow", "data": {"definition": {"name": "Gated", "nodes": [
        {"id": "start", "type": "start"},
        {"id": "draft", "type": "generate_text", "data": {"prompt": "Draft"}},
        {"id": "gate", "type": "approval"},
        {"id": "done", "type": "end", "data": {"output": {"text": "{{steps.draft.text}}"}}}],
      "edges": [{"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "draft", "target": "gate"},
                {"id": "3", "source": "gate", "target": "done"}]}}}],
    "edges": [{"id": "1", "source": "start", "target": "sub"}]})");
  auto r = RunAtelier({"run", "parent.json"}, d.path());
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  std::string id = IdFrom(r.out);
  EXPECT_NE(r.out.find(id + ".sub.v1"), std::string::npos) << r.out;
  auto ok = RunAtelier({"approve", id, "sub", "--decision", "approve"}, d.path());
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  auto show = RunAtelier({"show", id + ".sub.v1", "--json"}, d.path());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(Json::parse(show.out)["execution"]["status"], "completed") << show.out;
  EXPECT_EQ(Json::parse(show.out)["execution"]["parent"]["execution_id"], id) << show.out;
}

TEST(Cli, ForkRunsTheStepAgainWithChangedInputsAndSettingsAndKeepsWhatCameBefore) {
  TempDir d;
  WriteAll(d / "note.json", R"({"name": "Note", "inputs": {"tone": {"type": "string", "default": "warm"}},
    "nodes": [{"id": "start", "type": "start"},
    {"id": "a", "type": "generate_text", "data": {"prompt": "a note about tea"}},
    {"id": "b", "type": "generate_text", "data": {"prompt": "in a {{inputs.tone}} tone: {{steps.a.text}}"}}],
    "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"}]})");
  auto r = RunAtelier({"run", "note.json"}, d.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string id = IdFrom(r.out);

  auto fork = RunAtelier({"fork", id, "--step", "b", "--input", "tone=dry", "--set",
                          "b.temperature=0.2"},
                         d.path());
  ASSERT_EQ(fork.exit_code, 0) << fork.out << fork.err;
  EXPECT_NE(fork.out.find("(a fork of " + id + " from step 'b')"), std::string::npos) << fork.out;
  const std::string forked = IdFrom(fork.out);
  ASSERT_NE(forked, id);
  auto show = RunAtelier({"show", forked, "--json"}, d.path());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto j = Json::parse(show.out);
  EXPECT_EQ(j["execution"]["status"], "completed");
  EXPECT_EQ(j["execution"]["forked_from"], (Json{{"execution_id", id}, {"step", "b"}}));
  EXPECT_EQ(j["execution"]["inputs"]["tone"], "dry");
  EXPECT_EQ(j["template"]["version"], 2) << "the changed setting is a new version";
  for (const auto& s : j["steps"]) {
    if (s["id"] == "a") {
      EXPECT_TRUE(s["usage"].is_null()) << "a was kept, not run: " << s.dump();
    }
    if (s["id"] == "b") {
      EXPECT_FALSE(s["usage"].is_null()) << s.dump();
    }
  }
  auto text = RunAtelier({"show", forked}, d.path());
  EXPECT_NE(text.out.find("forked     from " + id + " at step 'b'"), std::string::npos) << text.out;

  // A setting upstream of the step refuses the fork, naming the step to fork from instead.
  auto upstream = RunAtelier({"fork", id, "--step", "b", "--set", "a.prompt=other"}, d.path());
  EXPECT_EQ(upstream.exit_code, 1) << upstream.err;
  EXPECT_NE(upstream.err.find("fork from 'a' instead"), std::string::npos) << upstream.err;
  // ... and stores nothing: the next changed setting is version 3, not 4.
  auto again = RunAtelier({"fork", id, "--step", "b", "--set", "b.temperature=0.3", "--json"},
                          d.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Json::parse(again.out)["template"]["version"], 3) << again.out;
  auto malformed = RunAtelier({"fork", id, "--step", "b", "--set", "temperature=1"}, d.path());
  EXPECT_EQ(malformed.exit_code, 64) << malformed.err;
  EXPECT_NE(malformed.err.find("--set expects NODE.KEY=VALUE"), std::string::npos) << malformed.err;
}

TEST(Cli, FailedRunExitsOneAndRetryContinuesIt) {
  TempDir d;
  WriteAll(d / "flaky.json", R"({"name": "Flaky", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "a", "type": "generate_text", "data": {"prompt": "a"}},
    {"id": "b", "type": "generate_text", "data": {"prompt": "b", "fail_first": 1, "retry": {"max_attempts": 1, "backoff_ms": 0}}}],
    "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"}]})");
  auto r = RunAtelier({"run", "flaky.json"}, d.path());
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string id = IdFrom(r.out);
  auto show = RunAtelier({"show", id}, d.path());
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("simulated transient failure"), std::string::npos) << show.out;
  auto retry = RunAtelier({"retry", id}, d.path());
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  auto json = RunAtelier({"show", id, "--json"}, d.path());
  auto j = Json::parse(json.out);
  EXPECT_EQ(j["execution"]["status"], "completed");
  for (const auto& s : j["steps"]) {
    if (s["id"] == "a") {
      EXPECT_EQ(s["attempts"], 1) << "a is not re-run";
    }
  }
}

TEST(Cli, ExecutionsShowAndEventsHaveJsonShapes) {
  TempDir d;
  auto r = RunAtelier({"run", SourcePath("templates/blog_article.json"), "-i", "topic=kites"},
                      d.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id = IdFrom(r.out);
  auto list = Json::parse(RunAtelier({"executions", "--json"}, d.path()).out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], id);
  EXPECT_EQ(list[0]["status"], "completed");
  EXPECT_EQ(list[0]["template_name"], "Blog article");
  auto show = Json::parse(RunAtelier({"show", id, "--json"}, d.path()).out);
  EXPECT_EQ(show["steps"][0]["id"], "start");
  EXPECT_EQ(show["progress"]["stage"], show["progress"]["stages"]);
  auto events = Json::parse(RunAtelier({"events", id, "--json"}, d.path()).out);
  ASSERT_GT(events.size(), 5u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i]["seq"], i + 1);
  auto text = RunAtelier({"events", id}, d.path());
  EXPECT_NE(text.out.find("execution_completed"), std::string::npos);
  auto filtered = Json::parse(RunAtelier({"executions", "--json", "--status", "failed"}, d.path()).out);
  EXPECT_TRUE(filtered.empty());
}

TEST(Cli, SchedulesAreCreatedListedPausedAndDeleted) {
  TempDir d;
  auto made = RunAtelier({"schedules", "create", "monday post", "--template", "Instagram post", "-i",
                          "product=oat milk", "--cron", "0 9 * * mon", "--tz", "Europe/Paris",
                          "--json"},
                         d.path());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  Json s = Json::parse(made.out);
  const std::string id = s["id"];
  EXPECT_EQ(s["inputs"]["product"], "oat milk");
  EXPECT_EQ(s["next_fire_times"].size(), 5u);
  auto list = RunAtelier({"schedules"}, d.path());
  EXPECT_NE(list.out.find("0 9 * * mon (Europe/Paris)"), std::string::npos) << list.out;
  auto paused = Json::parse(RunAtelier({"schedules", "pause", id, "--json"}, d.path()).out);
  EXPECT_TRUE(paused["paused"].get<bool>());
  auto shown = RunAtelier({"schedules", "show", id}, d.path());
  EXPECT_NE(shown.out.find("paused"), std::string::npos) << shown.out;
  EXPECT_FALSE(
      Json::parse(RunAtelier({"schedules", "resume", id, "--json"}, d.path()).out)["paused"]);
  auto bad = RunAtelier({"schedules", "create", "x", "--template", "Instagram post", "--cron",
                         "0 25 * * *"},
                        d.path());
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_NE(bad.err.find("(hour) '25'"), std::string::npos) << bad.err;
  auto unfit = RunAtelier({"schedules", "create", "y", "--template", "Instagram post", "--every",
                           "60", "--inputs", "{\"hashtags\": 3}"},
                          d.path());
  EXPECT_EQ(unfit.exit_code, 64);
  EXPECT_NE(unfit.err.find("product"), std::string::npos) << unfit.err;
  EXPECT_EQ(RunAtelier({"schedules", "delete", id}, d.path()).exit_code, 0);
  EXPECT_EQ(RunAtelier({"schedules", "show", id}, d.path()).exit_code, 1);
  EXPECT_TRUE(Json::parse(RunAtelier({"schedules", "--json"}, d.path()).out).empty());
}

TEST(Cli, TriggersPrintTheirSecretOnceAtCreationAndOnRotation) {
  TempDir d;
  auto made = RunAtelier({"triggers", "create", "cms", "--template", "Instagram post", "--map",
                          "product=/data/name", "--json"},
                         d.path());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  Json t = Json::parse(made.out);
  const std::string id = t["id"];
  EXPECT_EQ(t["secret"].get<std::string>().rfind("whsec_", 0), 0u);
  EXPECT_EQ(t["map"]["product"], "/data/name");
  Json shown = Json::parse(RunAtelier({"triggers", "show", id, "--json"}, d.path()).out);
  EXPECT_FALSE(shown.contains("secret"));
  Json rotated = Json::parse(RunAtelier({"triggers", "rotate", id, "--json"}, d.path()).out);
  EXPECT_NE(rotated["secret"], t["secret"]);
  auto bad = RunAtelier({"triggers", "create", "x", "--template", "Instagram post", "--map",
                         "colour=/c"},
                        d.path());
  EXPECT_EQ(bad.exit_code, 64) << bad.err;
  EXPECT_EQ(RunAtelier({"triggers", "delete", id}, d.path()).exit_code, 0);
  EXPECT_TRUE(Json::parse(RunAtelier({"triggers", "--json"}, d.path()).out).empty());
}

TEST(Cli, StateChangesTheMachineRefusesExitOneNamingTheState) {
  TempDir d;
  auto r = RunAtelier({"run", SourcePath("templates/blog_article.json"), "-i", "topic=x"}, d.path());
  std::string id = IdFrom(r.out);
  auto pause = RunAtelier({"pause", id}, d.path());
  EXPECT_EQ(pause.exit_code, 1);
  EXPECT_NE(pause.err.find("completed"), std::string::npos) << pause.err;
  auto unknown = RunAtelier({"show", "ex_nope"}, d.path());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("ex_nope"), std::string::npos) << unknown.err;
}

TEST(Cli, EstimateBoundsWhatARunThenCosts) {
  TempDir d;
  WriteAll(d / "prices.json", R"({"prices": {"offline": {"input_per_1k": 0.001, "output_per_1k": 0.002, "per_image": 0.04}}})");
  auto est = RunAtelier({"estimate", SourcePath("templates/blog_article.json"), "-i", "topic=kites",
                         "--providers", "prices.json", "--json"},
                        d.path());
  ASSERT_EQ(est.exit_code, 0) << est.err;
  auto e = Json::parse(est.out);
  EXPECT_EQ(e["steps"].size(), 4u) << "outline, article, featured image and the review";
  EXPECT_EQ(e["total"]["images"], 1);
  double estimated = e["total"]["cost"];
  EXPECT_GT(estimated, 0.04);

  auto run = RunAtelier({"run", SourcePath("templates/blog_article.json"), "-i", "topic=kites",
                         "--providers", "prices.json", "--json"},
                        d.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto r = Json::parse(run.out.substr(run.out.find('{')));
  double spent = r["totals"]["cost"];
  EXPECT_GT(spent, 0.04);
  EXPECT_LE(spent, estimated) << "the estimate is an upper bound";
  double sum = 0;
  for (const auto& s : r["steps"])
    if (s["usage"].is_object()) sum += s["usage"]["cost"].get<double>();
  EXPECT_DOUBLE_EQ(sum, spent);

  auto bad = RunAtelier({"estimate", SourcePath("templates/blog_article.json")}, d.path());
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_NE(bad.err.find("topic"), std::string::npos);
}

TEST(Cli, EstimateCountsOnlyTheBranchTheInputsDecide) {
  TempDir d;
  auto estimate = [&](const std::string& importance) {
    auto r = RunAtelier({"estimate", SourcePath("templates/reviewed_announcement.json"), "-i",
                         "headline=v2", "-i", "importance=" + importance, "--json"},
                        d.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out);
  };
  auto minor = estimate("3");
  EXPECT_EQ(minor["total"]["images"], 0) << "a minor release gets no banner";
  for (const auto& s : minor["steps"]) EXPECT_NE(s["id"], "banner");
  auto major = estimate("9");
  EXPECT_EQ(major["total"]["images"], 1);
  EXPECT_NE(major["assumptions"].dump().find("decided by the inputs"), std::string::npos);
}

TEST(Cli, EstimateFollowsTheCharacterViewsChosen) {
  TempDir d;
  WriteAll(d / "prices.json", R"({"prices": {"offline": {"input_per_1k": 0.001, "output_per_1k": 0.002, "per_image": 0.04}}})");
  auto estimate = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"estimate", SourcePath("templates/character_image_set.json"),
                                     "-i", "character=a fox knight", "--providers", "prices.json",
                                     "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = RunAtelier(args, d.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out);
  };
  auto all = estimate({});
  EXPECT_EQ(all["total"]["images"], 5) << "avatar, cover and three views";
  auto no_side = estimate({"--input", "side=false"});
  EXPECT_EQ(no_side["total"]["images"], 4);
  EXPECT_LT(no_side["total"]["cost"].get<double>(), all["total"]["cost"].get<double>());
  for (const auto& s : no_side["steps"]) EXPECT_NE(s["id"], "side");
  auto none = estimate({"-i", "front=no", "-i", "side=no", "-i", "back=no"});
  EXPECT_EQ(none["total"]["images"], 2) << "only the avatar and the cover";
  EXPECT_NE(none["assumptions"].dump().find("decided by the inputs"), std::string::npos)
      << none.dump();
}

// Plausible values for a template's declared inputs: every input gets one of its type.
Json PlausibleInputs(const Json& declared) {
  Json in = Json::object();
  if (!declared.is_object()) return in;
  for (auto it = declared.begin(); it != declared.end(); ++it) {
    const std::string type = it->is_object() ? it->value("type", "string") : "string";
    if (type == "integer") in[it.key()] = 3;
    else if (type == "number") in[it.key()] = 1.5;
    else if (type == "boolean") in[it.key()] = true;
    else if (type == "array" || type == "list") in[it.key()] = Json::array({"one", "two"});
    else if (type == "object") in[it.key()] = Json::object();
    else in[it.key()] = "plausible " + it.key();
  }
  return in;
}

TEST(Cli, EstimateWorksOnEveryShippedTemplate) {
  TempDir d;
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(SourcePath("templates"))) {
    if (entry.path().extension() != ".json") continue;
    ++seen;
    const std::string file = entry.path().string();
    SCOPED_TRACE(file);
    auto t = Json::parse(ReadAll(file));
    WriteAll(d / "in.json", PlausibleInputs(t.value("inputs", Json::object())).dump());
    auto text = RunAtelier({"estimate", file, "--inputs-json", "in.json"}, d.path());
    EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
    EXPECT_NE(text.out.find("total"), std::string::npos) << text.out;
    auto json = RunAtelier({"estimate", file, "--inputs-json", "in.json", "--json"}, d.path());
    ASSERT_EQ(json.exit_code, 0) << json.err;
    auto e = Json::parse(json.out);
    EXPECT_TRUE(e["total"]["calls"].is_number_integer()) << json.out;
    EXPECT_GT(e["total"]["calls"].get<int64_t>(), 0) << json.out;
  }
  EXPECT_GE(seen, 8);
  // The two the issue names, the way it names them.
  auto seo = RunAtelier({"estimate", SourcePath("templates/seo_content_pipeline.json"), "--input",
                         "topic=x"},
                        d.path());
  EXPECT_EQ(seo.exit_code, 0) << seo.err;
  auto proposal = RunAtelier({"estimate", SourcePath("templates/proposal_pipeline.json"),
                              "--input", "client=x", "--input", "brief=y"},
                             d.path());
  EXPECT_EQ(proposal.exit_code, 0) << proposal.err;
}

TEST(Cli, UnknownCommandIsAUsageErrorNamingIt) {
  TempDir d;
  auto r = RunAtelier({"frobnicate"}, d.path());
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
  EXPECT_NE(r.err.find("'frobnicate'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run"), std::string::npos) << "names the known commands: " << r.err;
  EXPECT_NE(r.err.find("estimate"), std::string::npos) << r.err;
  auto none = RunAtelier({}, d.path());
  EXPECT_EQ(none.exit_code, 64) << none.out << none.err;
}

TEST(Cli, VersionPrintsTheProjectVersion) {
  TempDir d;
  auto r = RunAtelier({"--version"}, d.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_match(r.out, std::regex(R"(atelier \d+\.\d+\.\d+\n)"))) << r.out;
}

TEST(Cli, ShowPrintsTheMilestoneAndMilestoneMarksTheManualOnes) {
  TempDir d;
  auto run = RunAtelier({"run", SourcePath("templates/proposal_pipeline.json"), "-i",
                         "client=Acme", "-i", "brief=A spring campaign with photos and copy."},
                        d.path());
  ASSERT_EQ(run.exit_code, 2) << run.out << run.err;
  std::string id = IdFrom(run.out);
  EXPECT_NE(run.out.find("milestone  Matches ready for review (matched)"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("next       Matches approved: approve step 'approve_matches'"),
            std::string::npos)
      << run.out;
  auto early = RunAtelier({"milestone", id, "submitted", "--by", "ana"}, d.path());
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_NE(early.err.find("cannot be marked before 'match_approved'"), std::string::npos)
      << early.err;
  ASSERT_EQ(RunAtelier({"approve", id, "approve_matches", "--decision", "approve"}, d.path())
                .exit_code,
            0);
  auto mark = RunAtelier({"milestone", id, "completed", "--by", "ana", "--note", "all checked"},
                         d.path());
  ASSERT_EQ(mark.exit_code, 0) << mark.err;
  EXPECT_NE(mark.out.find("marked completed of " + id + " by ana"), std::string::npos) << mark.out;
  EXPECT_NE(mark.out.find("next       Submitted to client: mark 'submitted'"), std::string::npos)
      << mark.out;
  auto show = RunAtelier({"show", id}, d.path());
  EXPECT_NE(show.out.find("milestone  Marked complete (completed)"), std::string::npos)
      << show.out;
  EXPECT_TRUE(std::regex_search(show.out, std::regex("completed +manual +reached \\S+ by ana: "
                                                     "all checked")))
      << show.out;
  auto json = RunAtelier({"milestone", id, "submitted", "--by", "bob", "--json"}, d.path());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  ASSERT_TRUE(Json::accept(json.out)) << json.out;
  EXPECT_EQ(Json::parse(json.out)["current"]["id"], "submitted");
  EXPECT_EQ(RunAtelier({"milestone", id, "submitted", "--by", "bob"}, d.path()).exit_code, 1);
}

TEST(Cli, EveryJsonFlagPrintsOneJsonDocumentOnStdout) {
  TempDir d;
  auto parses = [](const CommandResult& r, const std::string& what) {
    EXPECT_TRUE(Json::accept(r.out)) << what << ": stdout is not one JSON document:\n" << r.out;
  };
  auto run = RunAtelier({"run", SourcePath("templates/reviewed_announcement.json"), "-i",
                         "headline=Launch", "-i", "importance=9", "--json"},
                        d.path());
  ASSERT_EQ(run.exit_code, 2) << run.err;
  parses(run, "run --json");
  std::string id = IdFrom(run.err);
  ASSERT_FALSE(id.empty()) << "the execution id goes to stderr: " << run.err;
  EXPECT_EQ(Json::parse(run.out)["execution"]["id"], id);
  auto approve = RunAtelier({"approve", id, "review", "--decision", "approve", "--json"}, d.path());
  EXPECT_EQ(approve.exit_code, 0) << approve.err;
  parses(approve, "approve --json");
  auto regenerate = RunAtelier({"regenerate", id, "draft", "--json"}, d.path());
  parses(regenerate, "regenerate --json");
  parses(RunAtelier({"versions", id, "draft", "--json"}, d.path()), "versions --json");
  parses(RunAtelier({"show", id, "--json"}, d.path()), "show --json");
  parses(RunAtelier({"events", id, "--json"}, d.path()), "events --json");
  parses(RunAtelier({"executions", "--json"}, d.path()), "executions --json");
  parses(RunAtelier({"estimate", SourcePath("templates/blog_article.json"), "-i", "topic=x",
                     "--json"},
                    d.path()),
         "estimate --json");
  WriteAll(d / "flaky.json", R"({"name": "Flaky", "nodes": [{"id": "start", "type": "start"},
    {"id": "b", "type": "generate_text", "data": {"prompt": "b", "fail_first": 1, "retry": {"max_attempts": 1, "backoff_ms": 0}}}],
    "edges": [{"id": "1", "source": "start", "target": "b"}]})");
  auto failed = RunAtelier({"run", "flaky.json", "--json"}, d.path());
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  parses(failed, "run --json (failed)");
  auto retry = RunAtelier({"retry", IdFrom(failed.err), "--json"}, d.path());
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  parses(retry, "retry --json");
}

// Ctrl-C, a closed terminal (SIGHUP) or SIGTERM on `atelier run`: the execution does not go on
// reading `running` with nothing running it. It is queued again, says how it stopped and how to
// continue, in `show`, its record's JSON and its events; `resume` then completes it.
TEST(Cli, AnInterruptedRunIsQueuedWithAResumeHintAndResumes) {
  for (int sig : {SIGINT, SIGHUP, SIGTERM}) {
    SCOPED_TRACE(strsignal(sig));
    TempDir d;
    WriteAll(d / "slow.json", R"({"name": "Slow", "nodes": [{"id": "start", "type": "start"},
      {"id": "a", "type": "generate_text", "data": {"prompt": "a", "latency_ms": 4000}},
      {"id": "b", "type": "generate_text", "data": {"prompt": "{{steps.a.text}}"}}],
      "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"}]})");
    pid_t pid = SpawnAtelier({"run", "slow.json"}, d.path(), d / "run.out", d / "run.err");
    std::string id;
    for (int i = 0; i < 1000 && id.empty(); ++i) {
      id = IdFrom(ReadAll(d / "run.out"));
      if (id.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_FALSE(id.empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, sig);
    EXPECT_EQ(Reap(pid), 130) << ReadAll(d / "run.err");
    EXPECT_NE(ReadAll(d / "run.err").find("atelier resume " + id), std::string::npos)
        << ReadAll(d / "run.err");

    auto show = RunAtelier({"show", id, "--json"}, d.path());
    ASSERT_EQ(show.exit_code, 0) << show.err;
    auto ex = Json::parse(show.out)["execution"];
    EXPECT_EQ(ex["status"], "queued") << show.out;
    EXPECT_NE(ex["reason"].get<std::string>().find("interrupted"), std::string::npos) << show.out;
    EXPECT_NE(ex["reason"].get<std::string>().find("atelier resume " + id), std::string::npos)
        << show.out;
    auto text = RunAtelier({"show", id}, d.path());
    EXPECT_NE(text.out.find("queued"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("atelier resume " + id), std::string::npos) << text.out;
    auto listed = Json::parse(RunAtelier({"executions", "--json"}, d.path()).out);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0]["status"], "queued");

    auto events = Json::parse(RunAtelier({"events", id, "--json"}, d.path()).out);
    bool interrupted = false;
    for (const auto& e : events)
      if (e["type"] == "execution_interrupted") {
        interrupted = true;
        EXPECT_EQ(e["payload"]["from"], "running") << e.dump();
        EXPECT_EQ(e["payload"]["to"], "queued") << e.dump();
        EXPECT_NE(e["payload"]["reason"].get<std::string>().find("atelier resume " + id),
                  std::string::npos)
            << e.dump();
      }
    EXPECT_TRUE(interrupted) << events.dump(1);

    if (sig != SIGINT) continue;  // one resume is enough: the three differ only in the signal
    auto resume = RunAtelier({"resume", id}, d.path());
    EXPECT_EQ(resume.exit_code, 0) << resume.out << resume.err;
    auto done = Json::parse(RunAtelier({"show", id, "--json"}, d.path()).out)["execution"];
    EXPECT_EQ(done["status"], "completed");
    EXPECT_EQ(done["reason"], "") << "the interruption note is gone once it runs again";
  }
}

}  // namespace
}  // namespace atelier::testing
