// What the web UI's screens read, over loopback HTTP against a real App: the runs list's rows
// (template name, progress and cost per row, computed for the whole page), the approvals inbox,
// the cost estimate before a launch, approving with an edit, CORS for configured origins, and
// the gallery's artifact filters. Prices for the offline provider make costs non-zero.
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

// One text step: completes.
const char* kQuick = R"({
  "name": "Screens quick",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "text", "type": "generate_text", "data": {"label": "Draft", "prompt": "About {{inputs.topic}}", "max_tokens": 50}},
    {"id": "done", "type": "end"}
  ],
  "inputs": {"topic": {"type": "string", "required": true}},
  "edges": [{"id": "1", "source": "start", "target": "text"}, {"id": "2", "source": "text", "target": "done"}]
})";

// Text, a map of three items, then a person's approval of the text: waits at the gate.
const char* kGated = R"({
  "name": "Screens gated",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text", "data": {"prompt": "Draft on {{inputs.topic}}", "max_tokens": 40}},
    {"id": "parts", "type": "map", "data": {"items": ["a", "b", "c"],
        "node": {"type": "generate_text", "data": {"prompt": "part {{item}}", "max_tokens": 10}}}},
    {"id": "gate", "type": "approval", "data": {"label": "Editor review",
        "message": "Publish the draft on {{inputs.topic}}?", "show": {"draft": "{{steps.draft.text}}"}}},
    {"id": "after", "type": "transform", "data": {"output": {"final": "{{steps.draft.text}}"}}},
    {"id": "done", "type": "end", "data": {"output": {"final": "{{steps.after.final}}"}}}
  ],
  "inputs": {"topic": {"type": "string", "required": true}},
  "edges": [{"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "start", "target": "parts"},
            {"id": "3", "source": "draft", "target": "gate"}, {"id": "4", "source": "parts", "target": "gate"},
            {"id": "5", "source": "gate", "target": "after"}, {"id": "6", "source": "after", "target": "done"}]
})";

// A text step that fails every attempt.
const char* kFailing = R"({
  "name": "Screens failing",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "ok", "type": "generate_text", "data": {"prompt": "fine", "max_tokens": 20}},
    {"id": "bad", "type": "generate_text", "data": {"prompt": "{{steps.ok.text}}", "fail_first": 9,
        "retry": {"max_attempts": 1, "backoff_ms": 1}}},
    {"id": "done", "type": "end"}
  ],
  "edges": [{"id": "1", "source": "start", "target": "ok"}, {"id": "2", "source": "ok", "target": "bad"},
            {"id": "3", "source": "bad", "target": "done"}]
})";

// An image, then a person's approval of it.
const char* kImageGate = R"({
  "name": "Screens image gate",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "hero", "type": "generate_image", "data": {"label": "Hero image", "prompt": "a lighthouse", "size": "32x32"}},
    {"id": "gate", "type": "approval", "data": {"message": "Use this image?"}},
    {"id": "done", "type": "end"}
  ],
  "edges": [{"id": "1", "source": "start", "target": "hero"}, {"id": "2", "source": "hero", "target": "gate"},
            {"id": "3", "source": "gate", "target": "done"}]
})";

class ScreensTest : public ServerTest {
 protected:
  void SetUp() override {
    providers_file_ = dir_ / "providers.json";
    WriteAll(
        providers_file_,
        R"({"prices": {"offline": {"input_per_1k": 1.0, "output_per_1k": 2.0, "per_image": 0.25}}})");
    ServerTest::SetUp();
  }

  Json RowOf(const Json& page, const std::string& id) {
    for (const auto& item : page["items"])
      if (item["id"] == id) return item;
    ADD_FAILURE() << "no row for " << id << " in " << page.dump().substr(0, 2000);
    return Json::object();
  }
};

TEST_F(ScreensTest, RunsListRowsCarryTemplateNameProgressAndCostAsTheDetailDoes) {
  const std::string quick = CreateTemplate(kQuick);
  const std::string gated = CreateTemplate(kGated);
  const std::string failing = CreateTemplate(kFailing);
  const std::string done = Launch(quick, {{"topic", "otters"}});
  const std::string waits = Launch(gated, {{"topic", "owls"}});
  const std::string fails = Launch(failing, Json::object());
  ASSERT_EQ(WaitFor(done, {"completed"}), "completed");
  ASSERT_EQ(WaitFor(waits, {"waiting"}), "waiting");
  ASSERT_EQ(WaitFor(fails, {"failed"}), "failed");

  Resp page = Get("/api/v1/executions?limit=10", viewer());
  ASSERT_EQ(page.status, 200) << page.raw;
  ASSERT_EQ(page.body["items"].size(), 3u) << page.raw;
  for (const std::string& id : {done, waits, fails}) {
    Json row = RowOf(page.body, id);
    Resp detail = Get("/api/v1/executions/" + id, viewer());
    ASSERT_EQ(detail.status, 200);
    EXPECT_EQ(row["template_name"], detail.body["template"]["name"]) << id;
    EXPECT_EQ(row["progress"], detail.body["progress"]) << id;
    EXPECT_DOUBLE_EQ(row["cost"].get<double>(), detail.body["totals"]["cost"].get<double>()) << id;
    EXPECT_EQ(row["status"], detail.body["status"]) << id;
    EXPECT_EQ(row["reason"], detail.body["reason"]) << id;
  }

  Json completed = RowOf(page.body, done);
  EXPECT_EQ(completed["template_name"], "Screens quick");
  EXPECT_EQ(completed["progress"]["percent"], 100);
  EXPECT_EQ(completed["progress"]["stage"], completed["progress"]["stages"]);
  EXPECT_EQ(completed["progress"]["stages"], 1);
  EXPECT_GT(completed["cost"].get<double>(), 0) << "priced offline calls cost something";

  Json waiting = RowOf(page.body, waits);
  EXPECT_EQ(waiting["template_name"], "Screens gated");
  EXPECT_LT(waiting["progress"]["percent"].get<double>(), 100);
  EXPECT_EQ(waiting["progress"]["waiting"], Json::array({"gate"}));
  EXPECT_EQ(waiting["progress"]["stage"], 2);
  EXPECT_EQ(waiting["progress"]["stages"], 3);
  // The draft and the three map items were paid for.
  EXPECT_GT(waiting["cost"].get<double>(), completed["cost"].get<double>() / 10);

  Json failed = RowOf(page.body, fails);
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_LT(failed["progress"]["percent"].get<double>(), 100);
  EXPECT_EQ(failed["progress"]["finished"], 1);
  EXPECT_EQ(failed["progress"]["total"], 2);

  // Paging keeps the figures: one row per page, newest first.
  Resp first = Get("/api/v1/executions?limit=1", viewer());
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.body["items"].size(), 1u);
  EXPECT_EQ(first.body["items"][0]["id"], fails);
  EXPECT_TRUE(first.body["items"][0].contains("progress"));
  Resp second =
      Get("/api/v1/executions?limit=1&cursor=" + first.body["next_cursor"].get<std::string>(),
          viewer());
  ASSERT_EQ(second.body["items"].size(), 1u);
  EXPECT_EQ(second.body["items"][0]["id"], waits);
  EXPECT_EQ(second.body["items"][0]["progress"], RowOf(page.body, waits)["progress"]);
}

TEST_F(ScreensTest, ApprovalsInboxListsWaitingApprovalsNewestFirstWithTheContentToJudge) {
  const std::string gated = CreateTemplate(kGated);
  const std::string image = CreateTemplate(kImageGate);
  const std::string quick = CreateTemplate(kQuick);
  const std::string first = Launch(gated, {{"topic", "owls"}});
  ASSERT_EQ(WaitFor(first, {"waiting"}), "waiting");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string second = Launch(image, Json::object());
  ASSERT_EQ(WaitFor(second, {"waiting"}), "waiting");
  const std::string plain = Launch(quick, {{"topic", "none"}});
  ASSERT_EQ(WaitFor(plain, {"completed"}), "completed");

  Resp inbox = Get("/api/v1/approvals", viewer());
  ASSERT_EQ(inbox.status, 200) << inbox.raw;
  ASSERT_EQ(inbox.body["items"].size(), 2u) << inbox.raw;
  EXPECT_TRUE(inbox.body["next_cursor"].is_null());

  const Json& img = inbox.body["items"][0];  // the newest request
  EXPECT_EQ(img["execution_id"], second);
  EXPECT_EQ(img["execution_status"], "waiting");
  EXPECT_EQ(img["template"]["name"], "Screens image gate");
  EXPECT_EQ(img["template"]["id"], image);
  EXPECT_EQ(img["template"]["version"], 1);
  EXPECT_EQ(img["step"], "gate");
  EXPECT_EQ(img["label"], "gate");
  EXPECT_EQ(img["message"], "Use this image?");
  EXPECT_TRUE(img["show"].is_null());
  EXPECT_EQ(img["content"]["step"], "hero");
  EXPECT_EQ(img["content"]["label"], "Hero image");
  EXPECT_TRUE(img["content"]["text"].is_null());
  ASSERT_EQ(img["content"]["images"].size(), 1u) << img.dump();
  EXPECT_EQ(img["content"]["images"][0]["mime"], "image/png");
  const std::string art = img["content"]["images"][0]["artifact_id"];
  Resp meta = Get("/api/v1/artifacts/" + art, viewer());
  EXPECT_EQ(meta.status, 200) << "the image to judge can be fetched: " << meta.raw;
  EXPECT_EQ(meta.body["step"], "hero");
  EXPECT_EQ(img["decisions"], Json::array({"approve", "reject", "tweak"}))
      << "an image is not edited as text";

  const Json& text = inbox.body["items"][1];
  EXPECT_EQ(text["execution_id"], first);
  EXPECT_EQ(text["label"], "Editor review");
  EXPECT_EQ(text["message"], "Publish the draft on owls?");
  Resp steps = Get("/api/v1/executions/" + first + "/steps", viewer());
  std::string draft_text;
  for (const auto& s : steps.body["items"])
    if (s["id"] == "draft") draft_text = s["output"]["text"];
  ASSERT_FALSE(draft_text.empty());
  EXPECT_EQ(text["show"], (Json{{"draft", draft_text}}));
  EXPECT_EQ(text["content"]["step"], "draft");
  EXPECT_EQ(text["content"]["version"], 1);
  EXPECT_EQ(text["content"]["text"], draft_text);
  EXPECT_EQ(text["content"]["json"]["text"], draft_text);
  EXPECT_EQ(text["content"]["images"], Json::array());
  EXPECT_EQ(text["decisions"], Json::array({"approve", "reject", "tweak", "edit"}));
  EXPECT_LE(text["requested_at"].get<std::string>(), img["requested_at"].get<std::string>());

  // Cursor paging, one at a time.
  Resp p1 = Get("/api/v1/approvals?limit=1", viewer());
  ASSERT_EQ(p1.body["items"].size(), 1u);
  EXPECT_EQ(p1.body["items"][0]["execution_id"], second);
  ASSERT_TRUE(p1.body["next_cursor"].is_string()) << p1.raw;
  Resp p2 = Get("/api/v1/approvals?limit=1&cursor=" + p1.body["next_cursor"].get<std::string>(),
                viewer());
  ASSERT_EQ(p2.status, 200) << p2.raw;
  ASSERT_EQ(p2.body["items"].size(), 1u);
  EXPECT_EQ(p2.body["items"][0]["execution_id"], first);
  EXPECT_TRUE(p2.body["next_cursor"].is_null());
  Resp bad = Get("/api/v1/approvals?cursor=nonsense", viewer());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["details"]["field"], "cursor");
  EXPECT_EQ(Get("/api/v1/approvals", Key("viewer", "other")).body["items"].size(), 0u)
      << "another workspace's approvals are not listed";

  // A decision takes it out of the inbox, and the workspace stream tells the UI both ways.
  ASSERT_EQ(Post("/api/v1/executions/" + second + "/steps/gate/approve", editor()).status, 200);
  ASSERT_EQ(WaitFor(second, {"completed"}), "completed");
  Resp after = Get("/api/v1/approvals", viewer());
  ASSERT_EQ(after.body["items"].size(), 1u);
  EXPECT_EQ(after.body["items"][0]["execution_id"], first);
  auto events = ReadStream("/api/v1/events/stream?after=0", viewer(), {},
                           [&](const std::vector<SseEvent>& got) {
                             for (const auto& e : got)
                               if (e.type == "approval_decided") return true;
                             return false;
                           });
  std::set<std::string> requested;
  bool decided = false;
  for (const auto& e : events) {
    if (e.type == "approval_requested") requested.insert(e.data["execution_id"].get<std::string>());
    if (e.type == "approval_decided") {
      decided = true;
      EXPECT_EQ(e.data["execution_id"], second);
      EXPECT_EQ(e.data["step"], "gate");
      EXPECT_EQ(e.data["payload"]["decision"], "approve");
    }
  }
  EXPECT_EQ(requested, (std::set<std::string>{first, second}));
  EXPECT_TRUE(decided);
}

// A prompt that refers to a step cannot render before that step has run, so the estimate
// counts its text without its tags. That count once used std::regex, which recursed once per
// byte inside a tag: a template whose prompt held a 300 KB Mustache comment took the whole
// server down (stack overflow) when any viewer asked for its estimate.
TEST_F(ScreensTest, ALongCommentInAPromptIsEstimatedLaunchedAndRun) {
  Json def = Json::parse(kGated);
  def["name"] = "Long comment";
  def["nodes"][1]["data"]["prompt"] = "Draft on {{inputs.topic}} after {{steps.start.topic}} {{! " +
                                      std::string(300'000, 'a') + " }}";
  const std::string id = CreateTemplate(def.dump());
  const Json body = {{"template_id", id}, {"inputs", {{"topic", "owls"}}}};
  Resp est = Post("/api/v1/executions/estimate", viewer(), body);
  ASSERT_EQ(est.status, 200) << est.raw.substr(0, 300);
  EXPECT_GT(est.body["total"]["calls"].get<int>(), 0);
  const std::string exec = Launch(id, {{"topic", "owls"}});
  ASSERT_FALSE(exec.empty());
  EXPECT_EQ(WaitFor(exec, {"waiting"}), "waiting") << "the draft ran; the gate waits";
  EXPECT_EQ(Get("/healthz", viewer()).status, 200);
}

TEST_F(ScreensTest, EstimateAnswersWhatALaunchWouldCostAndWhetherTheCreditsCoverIt) {
  const std::string gated = CreateTemplate(kGated);
  const Json body = {{"template_id", gated}, {"inputs", {{"topic", "owls"}}}};
  Resp est = Post("/api/v1/executions/estimate", viewer(), body);
  ASSERT_EQ(est.status, 200) << est.raw;
  EXPECT_EQ(est.body["template"]["name"], "Screens gated");
  EXPECT_EQ(est.body["template"]["version"], 1);
  // The draft (40 tokens out at most) and the map of three parts (10 each).
  std::map<std::string, Json> steps;
  for (const auto& s : est.body["steps"]) steps[s["id"].get<std::string>()] = s;
  ASSERT_EQ(steps.size(), 2u) << est.raw;
  EXPECT_EQ(steps["draft"]["output_tokens"], 40);
  EXPECT_EQ(steps["draft"]["provider"], "offline");
  EXPECT_EQ(steps["parts"]["calls"], 3);
  EXPECT_EQ(steps["parts"]["output_tokens"], 30);
  EXPECT_EQ(steps["parts"]["note"], "3 items");
  const double total = est.body["total"]["cost"];
  EXPECT_NEAR(total, steps["draft"]["cost"].get<double>() + steps["parts"]["cost"].get<double>(),
              1e-12);
  EXPECT_GT(total, 0);
  EXPECT_EQ(est.body["total"]["calls"], 4);
  EXPECT_FALSE(est.body["assumptions"].empty());
  const Json& credits = est.body["credits"];
  EXPECT_EQ(credits["unit"], "micro-credits");
  EXPECT_NEAR(credits["needed"].get<double>(), total * 1e6, 2);
  EXPECT_EQ(credits["balance"], 0);
  EXPECT_EQ(credits["covered"], false) << "an empty workspace cannot pay for it";
  EXPECT_EQ(credits["charged"], false) << "this test server does not charge credits";
  EXPECT_TRUE(Get("/api/v1/executions", viewer()).body["items"].empty()) << "nothing launched";

  ASSERT_EQ(Post("/api/v1/credits/grants", admin(), {{"amount", 5000000}}).status, 201);
  Resp covered = Post("/api/v1/executions/estimate", viewer(), body);
  EXPECT_EQ(covered.body["credits"]["balance"], 5000000);
  EXPECT_EQ(covered.body["credits"]["covered"], true);

  // By name and version, as a launch takes them.
  Resp by_name =
      Post("/api/v1/executions/estimate", viewer(),
           {{"template_name", "Screens gated"}, {"version", 1}, {"inputs", {{"topic", "x"}}}});
  EXPECT_EQ(by_name.status, 200) << by_name.raw;

  // Bad inputs: the errors a launch gives, as 422.
  const Json missing = {{"template_id", gated}, {"inputs", {{"topik", "owls"}}}};
  Resp refused = Post("/api/v1/executions/estimate", viewer(), missing);
  Resp launch = Post("/api/v1/executions", editor(), missing);
  EXPECT_EQ(refused.status, 422) << refused.raw;
  EXPECT_EQ(launch.status, 400) << launch.raw;
  EXPECT_EQ(refused.code(), "invalid_argument");
  EXPECT_EQ(refused.body["error"]["details"], launch.body["error"]["details"]);
  EXPECT_EQ(refused.message(), launch.message());
  EXPECT_FALSE(refused.body["error"]["details"]["errors"].empty());
  EXPECT_EQ(Post("/api/v1/executions/estimate", viewer(), {{"template_id", "tpl_nope"}}).status,
            404);
  EXPECT_EQ(Post("/api/v1/executions/estimate", viewer(), {{"inputs", Json::object()}}).status,
            400);
  EXPECT_EQ(Post("/api/v1/executions/estimate", "", body).status, 401);
}

TEST_F(ScreensTest, ApproveWithAnEditReplacesTheReviewedTextAndWhatFollowsUsesIt) {
  const std::string gated = CreateTemplate(kGated);
  const std::string id = Launch(gated, {{"topic", "owls"}});
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");
  const std::string x = "/api/v1/executions/" + id;
  Resp who = Get("/api/v1/workspace", editor());
  const std::string editor_key = who.body["key"]["id"];

  Resp approved = Post(x + "/steps/gate/approve", editor(),
                       {{"comment", "tightened"}, {"edit", "Owls, edited by a person."}});
  ASSERT_EQ(approved.status, 200) << approved.raw;
  ASSERT_EQ(WaitFor(id, {"completed"}), "completed");

  Resp steps = Get(x + "/steps", viewer());
  std::map<std::string, Json> by_id;
  for (const auto& s : steps.body["items"]) by_id[s["id"].get<std::string>()] = s;
  EXPECT_EQ(by_id["draft"]["version"], 2);
  EXPECT_EQ(by_id["draft"]["output"]["text"], "Owls, edited by a person.");
  EXPECT_EQ(by_id["after"]["output"]["final"], "Owls, edited by a person.")
      << "the step after the gate read the edit";
  EXPECT_EQ(by_id["gate"]["output"]["comment"], "tightened");

  Resp versions = Get(x + "/steps/draft/versions", viewer());
  ASSERT_EQ(versions.status, 200);
  EXPECT_EQ(versions.body["current"], 2);
  const Json& edited = versions.body["items"].back();
  EXPECT_EQ(edited["version"], 2);
  EXPECT_EQ(edited["meta"]["source"], "edit");
  EXPECT_EQ(edited["meta"]["by"], editor_key);
  EXPECT_EQ(edited["output"]["text"], "Owls, edited by a person.");

  // Reverting the edit brings the model's text back and runs what follows again.
  ASSERT_EQ(Post(x + "/steps/draft/revert", editor(), {{"version", 1}}).status, 200);
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting") << "the gate asks again";
  Resp reverted = Get("/api/v1/approvals", viewer());
  ASSERT_EQ(reverted.body["items"].size(), 1u);
  EXPECT_EQ(reverted.body["items"][0]["content"]["version"], 3);
  EXPECT_NE(reverted.body["items"][0]["content"]["text"], "Owls, edited by a person.");

  // An image's approval takes no text edit; reject takes none at all.
  const std::string image = CreateTemplate(kImageGate);
  const std::string img = Launch(image, Json::object());
  ASSERT_EQ(WaitFor(img, {"waiting"}), "waiting");
  Resp refused =
      Post("/api/v1/executions/" + img + "/steps/gate/approve", editor(), {{"edit", "a caption"}});
  EXPECT_EQ(refused.status, 409) << refused.raw;
  EXPECT_NE(refused.message().find("has no text to edit"), std::string::npos) << refused.raw;
  Resp with_reject =
      Post("/api/v1/executions/" + img + "/steps/gate/reject", editor(), {{"edit", "a caption"}});
  EXPECT_EQ(with_reject.status, 400) << with_reject.raw;
  EXPECT_EQ(with_reject.body["error"]["details"]["field"], "edit");
  EXPECT_EQ(
      Post("/api/v1/executions/" + img + "/steps/gate/approve", editor(), {{"edit", 7}}).status,
      400);
  EXPECT_EQ(Get("/api/v1/executions/" + img, viewer()).body["status"], "waiting")
      << "a refused edit decides nothing";
}

TEST_F(ScreensTest, GalleryFiltersArtifactsToCurrentVersionsAndByTemplate) {
  const std::string image = CreateTemplate(kImageGate);
  const std::string quick = CreateTemplate(kQuick);
  const std::string id = Launch(image, Json::object());
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");
  const std::string other = Launch(quick, {{"topic", "otters"}});
  ASSERT_EQ(WaitFor(other, {"completed"}), "completed");
  const std::string x = "/api/v1/executions/" + id;
  ASSERT_EQ(Post(x + "/steps/hero/tweak", editor(), {{"instruction", "at night"}}).status, 200);
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");

  Resp all = Get(x + "/artifacts?kind=image", viewer());
  ASSERT_EQ(all.body["items"].size(), 2u) << all.raw;
  Resp current = Get(x + "/artifacts?kind=image&current=true", viewer());
  ASSERT_EQ(current.status, 200) << current.raw;
  ASSERT_EQ(current.body["items"].size(), 1u) << current.raw;
  EXPECT_EQ(current.body["items"][0]["step_version"], 2);
  Resp ws_current = Get("/api/v1/artifacts?current=true&execution_id=" + id, viewer());
  ASSERT_EQ(ws_current.body["items"].size(), 1u);
  EXPECT_EQ(ws_current.body["items"][0]["id"], current.body["items"][0]["id"]);
  EXPECT_EQ(Get(x + "/artifacts?current=false", viewer()).body["items"].size(),
            Get(x + "/artifacts", viewer()).body["items"].size());

  Resp by_template = Get("/api/v1/artifacts?template_id=" + image, viewer());
  ASSERT_EQ(by_template.status, 200);
  ASSERT_FALSE(by_template.body["items"].empty());
  for (const auto& a : by_template.body["items"]) EXPECT_EQ(a["execution_id"], id);
  Resp other_template = Get("/api/v1/artifacts?template_id=" + quick, viewer());
  ASSERT_FALSE(other_template.body["items"].empty()) << other_template.raw;
  for (const auto& a : other_template.body["items"]) EXPECT_EQ(a["execution_id"], other);
  EXPECT_TRUE(Get("/api/v1/artifacts?template_id=tpl_none", viewer()).body["items"].empty());
  Resp bad = Get("/api/v1/artifacts?current=yes", viewer());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["details"]["field"], "current");
}

class CorsTest : public ScreensTest {
 protected:
  void SetUp() override {
    configure_ = [](ServerOptions* o) { o->cors_origins = {"https://dash.example.com"}; };
    ScreensTest::SetUp();
  }

  httplib::Result Options(const std::string& path, const std::string& origin) {
    return Client()->Options(path.c_str(),
                             {{"Origin", origin},
                              {"Access-Control-Request-Method", "POST"},
                              {"Access-Control-Request-Headers", "authorization, content-type"}});
  }
};

TEST_F(CorsTest, AConfiguredOriginGetsCorsHeadersAndItsPreflightsAnswered) {
  const std::string dash = "https://dash.example.com";
  Resp get = Call("GET", "/api/v1/workspace", viewer(), "", {{"Origin", dash}});
  ASSERT_EQ(get.status, 200) << get.raw;
  EXPECT_EQ(get.header("Access-Control-Allow-Origin"), dash);
  EXPECT_EQ(get.header("Vary"), "Origin");
  EXPECT_NE(get.header("Access-Control-Expose-Headers").find("X-Request-Id"), std::string::npos);
  EXPECT_TRUE(get.header("Access-Control-Allow-Credentials").empty()) << "keys, not cookies";

  auto pre = Options("/api/v1/executions", dash);
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), dash);
  const std::string methods = pre->get_header_value("Access-Control-Allow-Methods");
  for (const char* m : {"GET", "POST", "PUT", "DELETE"})
    EXPECT_NE(methods.find(m), std::string::npos) << methods;
  const std::string headers = pre->get_header_value("Access-Control-Allow-Headers");
  for (const char* h : {"Authorization", "Content-Type", "Last-Event-ID", "X-Atelier-CSRF"})
    EXPECT_NE(headers.find(h), std::string::npos) << headers;
  EXPECT_EQ(pre->get_header_value("Access-Control-Max-Age"), "600");
  EXPECT_TRUE(pre->body.empty());

  // An error answer is readable by the page too.
  Resp denied = Call("POST", "/api/v1/executions", viewer(), "{}", {{"Origin", dash}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.header("Access-Control-Allow-Origin"), dash);

  // Any other origin: no CORS headers, and its preflight is refused with a reason.
  Resp other = Call("GET", "/api/v1/workspace", viewer(), "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_TRUE(other.header("Access-Control-Allow-Origin").empty());
  auto refused = Options("/api/v1/executions", "https://evil.example");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_TRUE(refused->get_header_value("Access-Control-Allow-Origin").empty());
  Json err = Json::parse(refused->body, nullptr, false);
  EXPECT_EQ(err["error"]["code"], "cors_rejected") << refused->body;
  EXPECT_NE(err["error"]["message"].get<std::string>().find("--cors-origin"), std::string::npos);
  // The scheme and port are part of the origin.
  auto http = Options("/api/v1/executions", "http://dash.example.com");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->status, 403);
}

TEST_F(ScreensTest, ByDefaultNoOriginGetsCorsHeaders) {
  Resp get =
      Call("GET", "/api/v1/workspace", viewer(), "", {{"Origin", "https://dash.example.com"}});
  EXPECT_EQ(get.status, 200);
  EXPECT_TRUE(get.header("Access-Control-Allow-Origin").empty());
  EXPECT_TRUE(get.header("Vary").empty());
  auto pre = Client()->Options("/api/v1/workspace", {{"Origin", "https://dash.example.com"},
                                                     {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 403);
  EXPECT_TRUE(pre->get_header_value("Access-Control-Allow-Origin").empty());
}

}  // namespace
}  // namespace atelier::testing
