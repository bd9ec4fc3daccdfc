// Milestones over the HTTP API on loopback: the execution shows its current milestone, the next
// action and whether it can proceed; a person marks manual milestones with a note; the marks are
// events (in the log and the live stream) and survive a restart over the same database.
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

// A person approves the brief, then a section is written; two manual milestones follow.
const char* kDoc = R"({
  "name": "Milestone doc",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "gate", "type": "approval", "data": {"message": "Go?"}},
    {"id": "write", "type": "generate_text", "data": {"prompt": "Write it"}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "gate"}, {"id": "2", "source": "gate", "target": "write"},
    {"id": "3", "source": "write", "target": "done"}
  ],
  "milestones": [
    {"id": "written", "label": "Document ready", "when": ["write"]},
    {"id": "completed", "label": "Marked complete", "manual": true},
    {"id": "submitted", "label": "Submitted to client", "manual": true}
  ]})";

class ServerMilestonesTest : public ServerTest {
 protected:
  // Calls with a role's key ("editor", "viewer") of the default workspace.
  Resp Call(const std::string& method, const std::string& path, const std::string& role,
            const std::string& body = "") {
    return ServerTest::Call(method, path, Key(role), body);
  }
  Resp Mark(const std::string& id, const std::string& milestone, const Json& body,
            const std::string& role = "editor") {
    return Call("POST", "/api/v1/executions/" + id + "/milestones/" + milestone, role, body.dump());
  }
  std::string WaitFor(const std::string& id, const std::string& want) {
    return ServerTest::WaitFor(id, {want});
  }
  void StopServer() {
    server_.reset();
    app_.reset();
  }
};

TEST_F(ServerMilestonesTest, APersonMarksManualMilestonesInOrderAndTheMarksLast) {
  Resp t = Call("POST", "/api/v1/templates", "editor", kDoc);
  ASSERT_EQ(t.status, 201) << t.raw;
  Resp l = Call("POST", "/api/v1/executions", "editor",
                Json{{"template_id", t.body["id"]}, {"inputs", Json::object()}}.dump());
  ASSERT_EQ(l.status, 201) << l.raw;
  const std::string id = l.body["id"];
  ASSERT_EQ(WaitFor(id, "waiting"), "waiting");

  Json m = Call("GET", "/api/v1/executions/" + id, "viewer").body["milestones"];
  EXPECT_TRUE(m["current"].is_null()) << m.dump();
  EXPECT_EQ(m["next"]["id"], "written");
  EXPECT_EQ(m["next"]["action"], "approve step 'gate'");
  EXPECT_EQ(m["can_proceed"], true);
  ASSERT_EQ(m["list"].size(), 3u);

  // Not reachable yet, not manual, unknown, a viewer, a bad body.
  Resp early = Mark(id, "submitted", {{"note", "sent"}});
  EXPECT_EQ(early.status, 409) << early.raw;
  EXPECT_EQ(early.message(),
            "milestone 'submitted' cannot be marked before 'written' (Document ready) is reached "
            "(next: approve step 'gate')");
  Resp automatic = Mark(id, "written", {{"note", "done"}});
  EXPECT_EQ(automatic.status, 409) << automatic.raw;
  EXPECT_NE(automatic.message().find("only manual milestones are marked"), std::string::npos);
  Resp unknown = Mark(id, "shipped", Json::object());
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  EXPECT_NE(unknown.message().find("written, completed, submitted"), std::string::npos);
  EXPECT_EQ(Mark(id, "completed", Json::object(), "viewer").status, 403);
  EXPECT_EQ(Mark(id, "completed", {{"note", 5}}).status, 400);
  EXPECT_EQ(Mark(id, "completed", {{"by", ""}}).status, 400);
  EXPECT_EQ(Mark(id, "completed", {{"colour", "red"}}).status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/executions/ex_nope/milestones/completed", "editor", "{}").status,
            404);

  ASSERT_EQ(Call("POST", "/api/v1/executions/" + id + "/steps/gate/approve", "editor", "{}").status,
            200);
  ASSERT_EQ(WaitFor(id, "completed"), "completed");
  m = Call("GET", "/api/v1/executions/" + id, "viewer").body["milestones"];
  EXPECT_EQ(m["current"]["id"], "written") << m.dump();
  EXPECT_EQ(m["next"]["action"], "mark 'completed' (Marked complete)");
  EXPECT_EQ(m["can_proceed"], true);
  EXPECT_EQ(Mark(id, "submitted", Json::object()).status, 409) << "'completed' comes first";

  // `by` as given; else the API key's name.
  Resp done = Mark(id, "completed", {{"note", "checked the figures"}, {"by", "Ana"}});
  ASSERT_EQ(done.status, 200) << done.raw;
  EXPECT_EQ(done.body["milestones"]["current"]["id"], "completed");
  Resp sent = Mark(id, "submitted", {{"note", "emailed to Acme"}});
  ASSERT_EQ(sent.status, 200) << sent.raw;
  Json s = sent.body["milestones"]["list"][2];
  EXPECT_EQ(s["reached"], true);
  EXPECT_EQ(s["by"], "editor");
  EXPECT_EQ(s["note"], "emailed to Acme");
  EXPECT_TRUE(s["reached_at"].is_string() && !s["reached_at"].get<std::string>().empty());
  EXPECT_TRUE(sent.body["milestones"]["next"].is_null());
  EXPECT_EQ(sent.body["milestones"]["can_proceed"], false);
  Resp again = Mark(id, "submitted", {{"note", "twice"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.message().find("already marked by editor at "), std::string::npos) << again.raw;

  // The log: reached with the step, then the marks with who and the note.
  Json events = Call("GET", "/api/v1/executions/" + id + "/events", "viewer").body["items"];
  std::vector<std::string> seen;
  for (const auto& e : events)
    if (e["type"].get<std::string>().rfind("milestone_", 0) == 0)
      seen.push_back(e["type"].get<std::string>() + " " +
                     e["payload"]["milestone"].get<std::string>());
  EXPECT_EQ(seen,
            (std::vector<std::string>{"milestone_reached written", "milestone_marked completed",
                                      "milestone_marked submitted"}));
  // The event stream carries them like every other event.
  httplib::Client c("127.0.0.1", server_->port());
  c.set_read_timeout(10, 0);
  std::string stream;
  auto r =
      c.Get(("/api/v1/executions/" + id + "/events/stream").c_str(),
            {{"Authorization", "Bearer " + viewer()}}, [&](const char* data, size_t len) {
              stream.append(data, len);
              return stream.find("milestone_marked\ndata: ") == std::string::npos ||
                     stream.find("emailed to Acme") == std::string::npos;
            });
  EXPECT_NE(stream.find("event: milestone_reached\n"), std::string::npos);
  EXPECT_NE(stream.find("\"by\":\"Ana\""), std::string::npos) << stream;
  EXPECT_NE(stream.find("emailed to Acme"), std::string::npos) << stream;

  // A restart over the same database: the marks are still there.
  StopServer();
  StartServer();
  m = Call("GET", "/api/v1/executions/" + id, "viewer").body["milestones"];
  EXPECT_EQ(m["current"]["id"], "submitted") << m.dump();
  EXPECT_EQ(m["list"][1]["by"], "Ana");
  EXPECT_EQ(m["list"][1]["note"], "checked the figures");
  EXPECT_EQ(m["list"][2]["by"], "editor");
  EXPECT_EQ(m["list"][2]["reached_at"], s["reached_at"]);
  EXPECT_EQ(Mark(id, "submitted", Json::object()).status, 409);
}

TEST_F(ServerMilestonesTest, ExecutionsOfTemplatesWithoutMilestonesShowNone) {
  const char* plain = R"({"name": "Plain", "nodes": [{"id": "start", "type": "start"},
      {"id": "done", "type": "end"}], "edges": [{"id": "1", "source": "start", "target": "done"}]})";
  Resp t = Call("POST", "/api/v1/templates", "editor", plain);
  ASSERT_EQ(t.status, 201) << t.raw;
  Resp l = Call("POST", "/api/v1/executions", "editor",
                Json{{"template_id", t.body["id"]}, {"inputs", Json::object()}}.dump());
  ASSERT_EQ(l.status, 201) << l.raw;
  const std::string id = l.body["id"];
  ASSERT_EQ(WaitFor(id, "completed"), "completed");
  EXPECT_FALSE(Call("GET", "/api/v1/executions/" + id, "viewer").body.contains("milestones"));
  Resp r = Mark(id, "submitted", Json::object());
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.message().find("it declares none"), std::string::npos) << r.raw;
}

}  // namespace
}  // namespace atelier::testing
