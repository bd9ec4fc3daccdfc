// Schedules over loopback HTTP: the routes (roles, errors in the API's shape), a schedule the
// running server fires, and a restart between a due time and its firing (run once, or skipped
// when the window was missed by more than its grace).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "atelier/engine/timestamp.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ServerSchedulesTest : public ServerTest {
 protected:
  void SetUp() override {
    configure_ = [](ServerOptions* o) { o->schedule_poll_ms = 100; };
    ServerTest::SetUp();
  }

  static Json Body(const std::string& name, Json timing) {
    Json b = {{"name", name}, {"template", "Instagram post"}, {"inputs", {{"product", "kefir"}}}};
    for (auto& [k, v] : timing.items()) b[k] = v;
    return b;
  }

  Json Schedule(const std::string& id) {
    Resp r = Get("/api/v1/schedules/" + id, viewer());
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }

  size_t ExecutionCount() {
    Resp r = Get("/api/v1/executions?limit=1000", viewer());
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.value("items", Json::array()).size();
  }

  // Polls the schedule until `done(schedule)` or 15 s pass.
  Json WaitForSchedule(const std::string& id, const std::function<bool(const Json&)>& done) {
    Json s;
    for (int i = 0; i < 300; ++i) {
      s = Schedule(id);
      if (done(s)) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "schedule " << id << " is still " << s.dump();
    return s;
  }

  void Restart() {
    server_.reset();
    app_.reset();
  }
};

TEST_F(ServerSchedulesTest, RoutesCreateListChangePauseAndDelete) {
  Json body = Body("weekly", {{"cron", "0 9 * * mon"}, {"time_zone", "America/New_York"}});
  Resp denied = Call("POST", "/api/v1/schedules", viewer(), body.dump());
  EXPECT_EQ(denied.status, 403) << denied.raw;
  Resp made = Post("/api/v1/schedules", editor(), body);
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string id = made.body["id"];
  EXPECT_EQ(made.body["next_fire_times"].size(), 5u);
  EXPECT_EQ(made.body["cron"], "0 9 * * mon");
  EXPECT_EQ(made.body["inputs"]["product"], "kefir");

  Resp list = Get("/api/v1/schedules", viewer());
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["id"], id);
  // Another workspace sees none of it.
  EXPECT_TRUE(Get("/api/v1/schedules", Key("viewer", "other")).body["items"].empty());
  EXPECT_EQ(Get("/api/v1/schedules/" + id, Key("viewer", "other")).status, 404);

  Resp changed =
      Call("PATCH", "/api/v1/schedules/" + id, editor(), Json{{"cron", "@daily"}}.dump());
  ASSERT_EQ(changed.status, 200) << changed.raw;
  EXPECT_EQ(changed.body["cron"], "@daily");
  EXPECT_EQ(changed.body["time_zone"], "America/New_York");

  Resp paused = Post("/api/v1/schedules/" + id + "/pause", editor());
  ASSERT_EQ(paused.status, 200) << paused.raw;
  EXPECT_TRUE(paused.body["paused"].get<bool>());
  EXPECT_TRUE(paused.body["next_fire_times"].empty());
  Resp resumed = Post("/api/v1/schedules/" + id + "/resume", editor());
  ASSERT_EQ(resumed.status, 200);
  EXPECT_FALSE(resumed.body["paused"].get<bool>());

  EXPECT_EQ(Call("DELETE", "/api/v1/schedules/" + id, editor()).status, 204);
  EXPECT_EQ(Get("/api/v1/schedules/" + id, viewer()).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/schedules/" + id, editor()).status, 404);
}

TEST_F(ServerSchedulesTest, RefusalsSayWhatIsWrongAndStoreNothing) {
  Resp bad_cron = Post("/api/v1/schedules", editor(), Body("x", {{"cron", "61 * * * *"}}));
  EXPECT_EQ(bad_cron.status, 400) << bad_cron.raw;
  EXPECT_EQ(bad_cron.body["error"]["code"], "invalid_argument");
  EXPECT_EQ(bad_cron.body["error"]["details"]["field"], "cron");
  EXPECT_NE(bad_cron.raw.find("minute"), std::string::npos) << bad_cron.raw;

  Json bad_inputs = Body("y", {{"every_seconds", 60}});
  bad_inputs["inputs"] = {{"hashtags", "lots"}};
  Resp unfit = Post("/api/v1/schedules", editor(), bad_inputs);
  EXPECT_EQ(unfit.status, 422) << unfit.raw;
  EXPECT_EQ(unfit.body["error"]["details"]["errors"].size(), 2u) << unfit.raw;

  Resp missing = Post("/api/v1/schedules", editor(),
                      {{"name", "z"}, {"template", "Nope"}, {"every_seconds", 60}});
  EXPECT_EQ(missing.status, 404) << missing.raw;

  Resp not_object = Call("POST", "/api/v1/schedules", editor(), "[1]");
  EXPECT_EQ(not_object.status, 400);
  ASSERT_EQ(Post("/api/v1/schedules", editor(), Body("w", {{"every_seconds", 60}})).status, 201);
  Resp taken = Post("/api/v1/schedules", editor(), Body("w", {{"every_seconds", 60}}));
  EXPECT_EQ(taken.status, 409) << taken.raw;
  EXPECT_EQ(Get("/api/v1/schedules", viewer()).body["items"].size(), 1u);
}

TEST_F(ServerSchedulesTest, TheServerLaunchesWhatIsDueAndDrivesIt) {
  Resp made = Post("/api/v1/schedules", editor(), Body("often", {{"every_seconds", 1}}));
  ASSERT_EQ(made.status, 201) << made.raw;
  Json s = WaitForSchedule(made.body["id"],
                           [](const Json& j) { return j["fire_count"].get<int>() >= 2; });
  ASSERT_TRUE(s["last_execution_id"].is_string()) << s.dump();
  const std::string ex = s["last_execution_id"];
  EXPECT_EQ(WaitFor(ex, {"completed"}), "completed");
  Resp got = Get("/api/v1/executions/" + ex, viewer());
  EXPECT_EQ(got.body["inputs"]["product"], "kefir");
  Post("/api/v1/schedules/" + made.body["id"].get<std::string>() + "/pause", editor());
}

TEST_F(ServerSchedulesTest, ADueTimePassedWhileTheServerWasDownRunsOnceAfterTheRestart) {
  const int64_t due = NowMs() + 1500;
  Resp made = Post("/api/v1/schedules", editor(),
                   Body("hourly", {{"every_seconds", 3600}, {"start_at", due}}));
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string id = made.body["id"];
  Restart();  // down before the due time
  std::this_thread::sleep_for(std::chrono::milliseconds(due + 1500 - NowMs()));
  StartServer();
  Json s = WaitForSchedule(id, [](const Json& j) { return j["fire_count"].get<int>() == 1; });
  EXPECT_EQ(s["last_due_at"], FormatTimestamp(due));
  EXPECT_EQ(s["next_due_at"], FormatTimestamp(due + 3600 * 1000));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(ExecutionCount(), 1u);
  EXPECT_EQ(Schedule(id)["fire_count"], 1);
}

TEST_F(ServerSchedulesTest, AWindowMissedBeyondItsGraceIsSkippedWhenAsked) {
  const int64_t due = NowMs() + 1000;
  Resp made = Post("/api/v1/schedules", editor(),
                   Body("strict", {{"every_seconds", 3600},
                                   {"start_at", FormatTimestamp(due)},
                                   {"catch_up", "skip"},
                                   {"misfire_grace_seconds", 1}}));
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string id = made.body["id"];
  Restart();
  std::this_thread::sleep_for(std::chrono::milliseconds(due + 2500 - NowMs()));
  StartServer();
  Json s = WaitForSchedule(id, [](const Json& j) { return j["skip_count"].get<int>() == 1; });
  EXPECT_EQ(s["fire_count"], 0);
  EXPECT_EQ(s["next_due_at"], FormatTimestamp(due + 3600 * 1000));
  EXPECT_EQ(ExecutionCount(), 0u);
}

}  // namespace
}  // namespace atelier::testing
