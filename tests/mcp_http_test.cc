// McpHttp over a real App (SQLite in a temporary folder): what each kind of POST answers, a
// viewer's read-only tools, the cap on calls in flight per workspace, and waits that end when
// their client goes away or the server closes.
#include "atelier/mcp/mcp_http.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "atelier/app/engine_launch_service.h"
#include "tests/test_env.h"

namespace atelier {
namespace {

// What a call's stream received.
struct Captured {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Json> messages;
  bool ended = false;

  McpHttp::Stream Stream(std::function<bool()> alive = nullptr) {
    McpHttp::Stream s;
    s.send = [this](const Json& m) {
      std::lock_guard<std::mutex> l(mu);
      messages.push_back(m);
      cv.notify_all();
      return true;
    };
    s.alive = std::move(alive);
    s.end = [this] {
      std::lock_guard<std::mutex> l(mu);
      ended = true;
      cv.notify_all();
    };
    return s;
  }
  // The call's answer (its last message) once the stream ended.
  Json Answer(std::chrono::seconds within = std::chrono::seconds(30)) {
    std::unique_lock<std::mutex> l(mu);
    if (!cv.wait_for(l, within, [&] { return ended; })) return Json();
    return messages.empty() ? Json() : messages.back();
  }
};

Json Request(int id, const std::string& method, Json params = Json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

Json ToolCall(int id, const std::string& name, Json args) {
  return Request(id, "tools/call", {{"name", name}, {"arguments", std::move(args)}});
}

class McpHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AppOptions o;
    o.db_path = (dir_.path() / "atelier.db").string();
    auto app = App::Open(o);
    ASSERT_TRUE(app) << app.error().ToString();
    app_ = std::move(*app);
    mcp_ = std::make_unique<McpHttp>(app_.get(), 2);
    app_->engine().SetObserver([this](const Event&, const Progress&) { mcp_->Changed(); });
  }
  void TearDown() override {
    if (mcp_) mcp_->Close();
    if (app_) {
      app_->engine().SetObserver(nullptr);
      app_->engine().Shutdown();
    }
  }

  // Runs one tool call to its end as an editor (or a viewer) and answers its last message.
  Json Call(const Json& request, bool may_change = true) {
    McpHttp::Reply r = mcp_->Receive(App::kWorkspace, may_change, request.dump());
    if (!r.call) return r.body;
    Captured got;
    mcp_->Start(r.call, got.Stream());
    return got.Answer();
  }

  // An execution of the built-in "Instagram post", queued and driven by no one: a wait on it
  // lasts until its timeout, its client leaves or the server closes.
  std::string Queued() {
    LaunchRequest req;
    req.template_name = "Instagram post";
    req.inputs = Json{{"product", "oat milk"}};
    auto out = EngineLaunchService(app_.get(), /*drive_here=*/false).Launch(App::kWorkspace, req);
    EXPECT_TRUE(out) << (out ? "" : out.error().status.ToString());
    return out ? out->execution.id : "";
  }

  testing::TempDir dir_;
  std::unique_ptr<App> app_;
  std::unique_ptr<McpHttp> mcp_;
};

TEST_F(McpHttpTest, AnswersRequestsTakesNotificationsAndRefusesWhatIsNoMessage) {
  McpHttp::Reply init = mcp_->Receive(
      App::kWorkspace, true,
      Request(1, "initialize", {{"protocolVersion", "2025-03-26"}}).dump());
  EXPECT_EQ(init.http_status, 200);
  EXPECT_FALSE(init.call);
  EXPECT_EQ(init.body["result"]["protocolVersion"], "2025-03-26");
  EXPECT_EQ(init.body["id"], 1);

  McpHttp::Reply note =
      mcp_->Receive(App::kWorkspace, true, R"({"jsonrpc": "2.0", "method": "notifications/initialized"})");
  EXPECT_EQ(note.http_status, 202);
  EXPECT_TRUE(note.body.is_null());

  McpHttp::Reply junk = mcp_->Receive(App::kWorkspace, true, "{not json");
  EXPECT_EQ(junk.http_status, 400);
  EXPECT_NE(junk.body["error"]["message"].get<std::string>().find("not JSON"), std::string::npos);
  McpHttp::Reply batch = mcp_->Receive(App::kWorkspace, true, "[" + Request(1, "ping").dump() + "]");
  EXPECT_EQ(batch.http_status, 400);
  McpHttp::Reply no_method = mcp_->Receive(App::kWorkspace, true, R"({"jsonrpc": "2.0", "id": 4})");
  EXPECT_EQ(no_method.http_status, 400);
  McpHttp::Reply unknown = mcp_->Receive(App::kWorkspace, true, Request(5, "resources/list").dump());
  EXPECT_EQ(unknown.http_status, 200);
  EXPECT_EQ(unknown.body["error"]["code"], -32601);
}

TEST_F(McpHttpTest, AViewerSeesAndCallsOnlyTheToolsThatRead) {
  Json all = mcp_->Receive(App::kWorkspace, true, Request(1, "tools/list").dump()).body;
  Json read = mcp_->Receive(App::kWorkspace, false, Request(1, "tools/list").dump()).body;
  auto names = [](const Json& list) {
    std::set<std::string> out;
    for (const auto& t : list["result"]["tools"]) out.insert(t["name"].get<std::string>());
    return out;
  };
  EXPECT_TRUE(names(all).count("run_instagram_post"));
  EXPECT_TRUE(names(all).count("decide_approval"));
  EXPECT_FALSE(names(read).count("run_instagram_post"));
  EXPECT_FALSE(names(read).count("decide_approval"));
  EXPECT_TRUE(names(all).count("fork_execution"));
  EXPECT_FALSE(names(read).count("fork_execution"));
  EXPECT_TRUE(names(read).count("get_outputs"));
  EXPECT_TRUE(names(read).count("wait_for_execution"));
  for (const auto& t : all["result"]["tools"]) EXPECT_FALSE(t.contains("_meta")) << t.dump();

  Json refused = Call(ToolCall(2, "run_instagram_post", {{"product", "tea"}}), false);
  EXPECT_EQ(refused["result"]["isError"], true);
  EXPECT_NE(refused.dump().find("editor role"), std::string::npos) << refused.dump();
  Json decide = Call(ToolCall(3, "decide_approval",
                              {{"execution_id", "ex_x"}, {"step", "s"}, {"decision", "approve"}}),
                     false);
  EXPECT_EQ(decide["result"]["isError"], true);
  Json fork = Call(ToolCall(5, "fork_execution", {{"execution_id", "ex_x"}, {"step", "s"}}), false);
  EXPECT_EQ(fork["result"]["isError"], true);
  EXPECT_NE(fork.dump().find("editor role"), std::string::npos) << fork.dump();
  // Reading is the viewer's: an unknown execution is a tool error naming it.
  Json get = Call(ToolCall(4, "get_execution", {{"execution_id", "ex_nope"}}), false);
  EXPECT_EQ(get["result"]["isError"], true);
  EXPECT_NE(get.dump().find("ex_nope"), std::string::npos);
}

TEST_F(McpHttpTest, AnEditorForksAFinishedExecutionFromAStep) {
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(R"({"name": "Two notes",
    "inputs": {"tone": {"type": "string", "default": "warm"}},
    "nodes": [{"id": "start", "type": "start"},
      {"id": "a", "type": "generate_text", "data": {"prompt": "a note"}},
      {"id": "b", "type": "generate_text", "data": {"prompt": "{{inputs.tone}}: {{steps.a.text}}"}}],
    "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"}]})",
                             &errors);
  ASSERT_TRUE(t.has_value());
  auto tpl = app_->engine().RegisterTemplate(App::kWorkspace, *t);
  ASSERT_TRUE(tpl.has_value()) << tpl.error().ToString();
  LaunchRequest req;
  req.template_id = tpl->id;
  auto out = EngineLaunchService(app_.get(), /*drive_here=*/true).Launch(App::kWorkspace, req);
  ASSERT_TRUE(out);
  const std::string id = out->execution.id;
  auto done = app_->engine().WaitUntilRest(App::kWorkspace, id);
  ASSERT_TRUE(done.has_value());
  ASSERT_EQ(done->status, ExecStatus::kCompleted);

  Json fork = Call(ToolCall(1, "fork_execution",
                            {{"execution_id", id}, {"step", "b"}, {"inputs", {{"tone", "dry"}}}}));
  ASSERT_FALSE(fork["result"].value("isError", false)) << fork.dump();
  const Json made = fork["result"]["structuredContent"];
  EXPECT_EQ(made["forked_from"]["execution_id"], id);
  Json waited = Call(ToolCall(2, "wait_for_execution", {{"execution_id", made["execution_id"]}}));
  EXPECT_EQ(waited["result"]["structuredContent"]["status"], "completed") << waited.dump();
  EXPECT_EQ(waited["result"]["structuredContent"]["forked_from"]["step"], "b") << waited.dump();
  EXPECT_EQ(waited["result"]["structuredContent"]["inputs"]["tone"], "dry") << waited.dump();

  Json refused = Call(ToolCall(3, "fork_execution",
                               {{"execution_id", id}, {"step", "b"}, {"inputs", {{"tone", 7}}}}));
  EXPECT_EQ(refused["result"]["isError"], true);
  EXPECT_NE(refused.dump().find("tone"), std::string::npos) << refused.dump();
}

TEST_F(McpHttpTest, CallsInFlightAreCappedPerWorkspace) {
  ASSERT_TRUE(app_->EnsureWorkspace("ws_other", "Other"));
  const std::string get = ToolCall(1, "get_execution", {{"execution_id", "ex_nope"}}).dump();
  McpHttp::Reply a = mcp_->Receive(App::kWorkspace, true, get);
  McpHttp::Reply b = mcp_->Receive(App::kWorkspace, true, get);
  ASSERT_TRUE(a.call && b.call);
  McpHttp::Reply c = mcp_->Receive(App::kWorkspace, true, get);
  EXPECT_FALSE(c.call);
  EXPECT_EQ(c.body["error"]["code"], -32000);
  EXPECT_NE(c.body["error"]["message"].get<std::string>().find("in flight"), std::string::npos);
  // Another workspace has places of its own.
  EXPECT_TRUE(mcp_->Receive("ws_other", true, get).call);
  // A call handed out and dropped unstarted frees its place; so does one that ran.
  a.call.reset();
  McpHttp::Reply d = mcp_->Receive(App::kWorkspace, true, get);
  ASSERT_TRUE(d.call);
  Captured got;
  mcp_->Start(std::move(d.call), got.Stream());
  EXPECT_EQ(got.Answer()["id"], 1);
  McpHttp::Reply e;
  for (int i = 0; i < 100 && !(e = mcp_->Receive(App::kWorkspace, true, get)).call; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the thread lets go as it ends
  EXPECT_TRUE(e.call);
}

TEST_F(McpHttpTest, AWaitEndsWhenItsClientGoesAway) {
  const std::string id = Queued();
  McpHttp::Reply r = mcp_->Receive(
      App::kWorkspace, true,
      ToolCall(9, "wait_for_execution", {{"execution_id", id}, {"timeout_seconds", 3600}}).dump());
  ASSERT_TRUE(r.call);
  std::atomic<int> asked{0};
  Captured got;
  const auto started = std::chrono::steady_clock::now();
  // Here at the first look, gone at the next.
  mcp_->Start(r.call, got.Stream([&] { return ++asked < 2; }));
  Json answer = got.Answer(std::chrono::seconds(60));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(answer["result"]["structuredContent"]["timed_out"], true) << answer.dump();
  EXPECT_GE(asked.load(), 2);
}

TEST_F(McpHttpTest, ClosingAnswersWaitsAndRefusesNewCalls) {
  const std::string id = Queued();
  McpHttp::Reply r = mcp_->Receive(
      App::kWorkspace, true,
      ToolCall(9, "wait_for_execution", {{"execution_id", id}, {"timeout_seconds", 3600}}).dump());
  ASSERT_TRUE(r.call);
  Captured got;
  mcp_->Start(r.call, got.Stream([] { return true; }));
  r.call.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  mcp_->Close();  // returns once the wait answered
  {
    std::lock_guard<std::mutex> l(got.mu);
    ASSERT_TRUE(got.ended);
    EXPECT_EQ(got.messages.back()["result"]["structuredContent"]["timed_out"], true);
    EXPECT_EQ(got.messages.back()["result"]["structuredContent"]["status"], "queued");
  }
  McpHttp::Reply after = mcp_->Receive(
      App::kWorkspace, true, ToolCall(10, "get_execution", {{"execution_id", id}}).dump());
  EXPECT_FALSE(after.call);
  EXPECT_NE(after.body.dump().find("shutting down"), std::string::npos) << after.body.dump();
}

}  // namespace
}  // namespace atelier
