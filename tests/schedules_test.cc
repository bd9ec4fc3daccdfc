// ScheduleService over a real App (SQLite in a temporary folder) on a fake clock: what a request
// may say, when schedules fire, once per due time even when two processes fire together or one
// died between the launch and moving the schedule on, missed windows, pause and resume.
#include "atelier/app/schedules.h"

#include <gtest/gtest.h>

#include <thread>

#include "atelier/app/app.h"
#include "atelier/app/engine_launch_service.h"
#include "tests/test_env.h"

namespace atelier {
namespace {

// 2027-03-01T08:59:30Z, a Monday, 30 s before 10:00 in Paris (CET, UTC+1).
constexpr int64_t kStart = 1803891570000;
constexpr int64_t kMondayTenParis = 1803891600000;  // 2027-03-01T09:00:00Z
constexpr int64_t kNextMonday = 1804496400000;      // 2027-03-08T09:00:00Z
constexpr const char* kWs = App::kWorkspace;

class SchedulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = OpenApp();
    launch_ = std::make_unique<EngineLaunchService>(app_.get(), /*drive_here=*/false);
    svc_ = std::make_unique<ScheduleService>(app_.get(), launch_.get(), &clock_);
  }

  std::unique_ptr<App> OpenApp() {
    AppOptions o;
    o.db_path = dir_ / "atelier.db";
    auto app = App::Open(o);
    EXPECT_TRUE(app) << app.error().ToString();
    return app ? std::move(*app) : nullptr;
  }

  static Json Weekly() {
    return {{"name", "monday post"},
            {"template", "Instagram post"},
            {"inputs", {{"product", "oat milk"}}},
            {"cron", "0 10 * * mon"},
            {"time_zone", "Europe/Paris"}};
  }
  static Json Every(int64_t seconds) {
    return {{"name", "every " + std::to_string(seconds)},
            {"template", "Instagram post"},
            {"inputs", {{"product", "rye"}}},
            {"every_seconds", seconds}};
  }

  ScheduleRecord MustCreate(const Json& body) {
    auto r = svc_->Create(kWs, body);
    EXPECT_TRUE(r) << r.error().status.ToString();
    return r ? *r : ScheduleRecord{};
  }

  std::vector<ExecutionRecord> Executions() {
    auto list = app_->store().ListExecutions(kWs, ExecutionFilter{});
    EXPECT_TRUE(list) << list.error().ToString();
    return list ? *list : std::vector<ExecutionRecord>{};
  }

  ScheduleRecord Reload(const std::string& id) { return *app_->accounts().GetSchedule(kWs, id); }

  ServiceError Refusal(const Json& body) {
    auto r = svc_->Create(kWs, body);
    EXPECT_FALSE(r) << body.dump();
    return r ? ServiceError(Status::Ok()) : r.error();
  }

  testing::TempDir dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<App> app_;
  std::unique_ptr<LaunchService> launch_;
  std::unique_ptr<ScheduleService> svc_;
};

TEST_F(SchedulesTest, ACronScheduleIsDueAtItsNextLocalTimeAndShowsFiveFireTimes) {
  ScheduleRecord s = MustCreate(Weekly());
  EXPECT_EQ(s.next_due_at, kMondayTenParis);
  Json j = svc_->ToJson(s);
  EXPECT_EQ(j["next_due_at"], "2027-03-01T09:00:00.000Z");
  ASSERT_EQ(j["next_fire_times"].size(), 5u);
  EXPECT_EQ(j["next_fire_times"][1], "2027-03-08T09:00:00.000Z");
  // Paris moves to summer time on 2027-03-28: 10:00 is then 08:00 UTC.
  EXPECT_EQ(j["next_fire_times"][4], "2027-03-29T08:00:00.000Z");
  EXPECT_EQ(j["time_zone"], "Europe/Paris");
  EXPECT_EQ(j["catch_up"], "run_once");
  EXPECT_EQ(j["fire_count"], 0);
  EXPECT_TRUE(j["last_execution_id"].is_null());
}

TEST_F(SchedulesTest, BadRequestsAreRefusedNamingTheField) {
  Json body = Weekly();
  body["colour"] = "red";
  EXPECT_EQ(Refusal(body).field, "colour");
  body = Weekly();
  body["cron"] = "0 25 * * *";
  ServiceError e = Refusal(body);
  EXPECT_EQ(e.field, "cron");
  EXPECT_NE(e.status.message().find("hour"), std::string::npos) << e.status.message();
  body = Weekly();
  body["time_zone"] = "Mars/Olympus";
  e = Refusal(body);
  EXPECT_EQ(e.field, "time_zone");
  EXPECT_NE(e.status.message().find("Mars/Olympus"), std::string::npos);
  body = Weekly();
  body["every_seconds"] = 60;
  EXPECT_EQ(Refusal(body).field, "every_seconds");
  body = Weekly();
  body.erase("cron");
  EXPECT_EQ(Refusal(body).field, "cron");
  body = Every(0);
  EXPECT_EQ(Refusal(body).field, "every_seconds");
  body = Every(60);
  body["start_at"] = "next tuesday";
  EXPECT_EQ(Refusal(body).field, "start_at");
  body = Weekly();
  body["catch_up"] = "always";
  EXPECT_EQ(Refusal(body).field, "catch_up");
  body = Weekly();
  body["template"] = "No such template";
  e = Refusal(body);
  EXPECT_EQ(e.status.code(), Code::kNotFound);
  EXPECT_EQ(e.field, "template");
  // Inputs are checked as a launch checks them, every problem at once.
  body = Weekly();
  body["inputs"] = {{"hashtags", "many"}};
  e = Refusal(body);
  EXPECT_EQ(e.field, "inputs");
  EXPECT_EQ(e.input_errors.size(), 2u) << e.status.message();
  body = Weekly();
  body["name"] = "";
  EXPECT_EQ(Refusal(body).field, "name");
  MustCreate(Weekly());
  e = Refusal(Weekly());
  EXPECT_EQ(e.status.code(), Code::kAlreadyExists);
  EXPECT_EQ(e.field, "name");
  EXPECT_EQ(svc_->List(kWs)->size(), 1u);  // nothing refused was stored
}

TEST_F(SchedulesTest, FiresOncePerDueTimeAndMovesOn) {
  ScheduleRecord s = MustCreate(Weekly());
  EXPECT_EQ(*svc_->FireDue(), 0);  // not due yet
  clock_.Advance(30'000);          // 10:00 Paris
  EXPECT_EQ(*svc_->FireDue(), 1);
  EXPECT_EQ(*svc_->FireDue(), 0);  // the same due time never fires twice
  std::vector<ExecutionRecord> runs = Executions();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].inputs["product"], "oat milk");
  ScheduleRecord after = Reload(s.id);
  EXPECT_EQ(after.next_due_at, kNextMonday);
  Json j = svc_->ToJson(after);
  EXPECT_EQ(j["last_execution_id"], runs[0].id);
  EXPECT_EQ(j["last_due_at"], "2027-03-01T09:00:00.000Z");
  EXPECT_EQ(j["fire_count"], 1);
  clock_.Advance(kNextMonday - kMondayTenParis);
  EXPECT_EQ(*svc_->FireDue(), 1);
  EXPECT_EQ(Executions().size(), 2u);
}

TEST_F(SchedulesTest, AProcessThatDiedAfterLaunchingLeavesNoSecondExecution) {
  ScheduleRecord s = MustCreate(Every(60));
  clock_.Advance(60'000);
  // The launch of that due time committed, then the process died before moving the row on.
  LaunchRequest req;
  req.template_name = "Instagram post";
  req.inputs = Json{{"product", "rye"}};
  req.idempotency_key = "schedule:" + s.id + ":" + std::to_string(s.next_due_at);
  auto first = launch_->Launch(kWs, req);
  ASSERT_TRUE(first) << first.error().status.ToString();
  EXPECT_EQ(*svc_->FireDue(), 1);  // the replayed launch stands for the due time
  std::vector<ExecutionRecord> runs = Executions();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, first->execution.id);
  EXPECT_EQ(svc_->ToJson(Reload(s.id))["last_execution_id"], first->execution.id);
}

TEST_F(SchedulesTest, TwoProcessesFiringTogetherLaunchOneExecutionPerDueTime) {
  ScheduleRecord s = MustCreate(Every(60));
  // A second process on the same database file, with its own connections.
  std::unique_ptr<App> other = OpenApp();
  ASSERT_NE(other, nullptr);
  EngineLaunchService other_launch(other.get(), /*drive_here=*/false);
  ScheduleService other_svc(other.get(), &other_launch, &clock_);
  for (int round = 1; round <= 5; ++round) {
    clock_.Advance(60'000);
    std::thread a([&] { (void)svc_->FireDue(); });
    std::thread b([&] { (void)other_svc.FireDue(); });
    a.join();
    b.join();
    EXPECT_EQ(Executions().size(), static_cast<size_t>(round)) << "round " << round;
  }
  EXPECT_EQ(svc_->ToJson(Reload(s.id))["fire_count"], 5);
}

TEST_F(SchedulesTest, MissedWindowsRunOnceOrAreSkippedByPolicy) {
  ScheduleRecord a = MustCreate(Every(60));
  Json skip = Every(60);
  skip["name"] = "skipper";
  skip["catch_up"] = "skip";
  skip["misfire_grace_seconds"] = 10;
  ScheduleRecord b = MustCreate(skip);
  // Down for an hour: 60 due times passed, the latest 40 s ago. That is within a's grace (60 s),
  // so it runs (once, never sixty times), and missed for b (10 s), which skips it.
  clock_.Advance(3'600'000 + 40'000);
  EXPECT_EQ(*svc_->FireDue(), 1);
  EXPECT_EQ(Executions().size(), 1u);
  EXPECT_EQ(Reload(a.id).next_due_at, kStart + 61 * 60'000);
  EXPECT_EQ(Reload(b.id).next_due_at, kStart + 61 * 60'000);
  Json jb = svc_->ToJson(Reload(b.id));
  EXPECT_EQ(jb["skip_count"], 1);
  EXPECT_EQ(jb["fire_count"], 0);
  // On time again (5 s late): both run.
  clock_.Advance(25'000);
  EXPECT_EQ(*svc_->FireDue(), 2);
  EXPECT_EQ(Executions().size(), 3u);
  EXPECT_EQ(svc_->ToJson(Reload(a.id))["fire_count"], 2);
  EXPECT_EQ(svc_->ToJson(Reload(b.id))["fire_count"], 1);
}

TEST_F(SchedulesTest, PausedSchedulesFireNothingAndResumeAfterNow) {
  ScheduleRecord s = MustCreate(Every(60));
  ASSERT_TRUE(svc_->SetPaused(kWs, s.id, true));
  clock_.Advance(10 * 60'000);
  EXPECT_EQ(*svc_->FireDue(), 0);
  EXPECT_TRUE(svc_->ToJson(Reload(s.id))["next_fire_times"].empty());
  auto resumed = svc_->SetPaused(kWs, s.id, false);
  ASSERT_TRUE(resumed);
  EXPECT_GT(resumed->next_due_at, clock_.NowMs());  // the paused windows are skipped
  EXPECT_EQ(*svc_->FireDue(), 0);
  clock_.Advance(60'000);
  EXPECT_EQ(*svc_->FireDue(), 1);
}

TEST_F(SchedulesTest, AFiringThatCannotLaunchRecordsWhyAndMovesOn) {
  ScheduleRecord s = MustCreate(Every(60));
  auto tmpl = app_->store().FindTemplate(kWs, "Instagram post");
  ASSERT_TRUE(tmpl);
  // A user's template of that name would be needed; a built-in cannot be deleted, so pin a
  // version that does not exist instead, behind the service's back.
  ScheduleRecord broken = Reload(s.id);
  broken.spec["version"] = 999;
  ASSERT_TRUE(*app_->accounts().UpdateSchedule(broken));
  clock_.Advance(60'000);
  EXPECT_EQ(*svc_->FireDue(), 0);
  Json j = svc_->ToJson(Reload(s.id));
  ASSERT_TRUE(j["last_error"].is_string());
  EXPECT_NE(j["last_error"].get<std::string>().find("not found"), std::string::npos)
      << j["last_error"];
  EXPECT_GT(Reload(s.id).next_due_at, clock_.NowMs());
  EXPECT_TRUE(Executions().empty());
}

TEST_F(SchedulesTest, UpdatingTheTimingMovesTheNextDueTime) {
  ScheduleRecord s = MustCreate(Weekly());
  auto u = svc_->Update(kWs, s.id, {{"cron", "30 9 * * *"}, {"time_zone", "UTC"}});
  ASSERT_TRUE(u) << u.error().status.ToString();
  EXPECT_EQ(u->next_due_at, kMondayTenParis + 30 * 60'000);
  EXPECT_EQ(u->spec["inputs"]["product"], "oat milk");  // what was not given stays
  auto to_interval = svc_->Update(kWs, s.id, {{"every_seconds", 300}});
  ASSERT_TRUE(to_interval) << to_interval.error().status.ToString();
  EXPECT_EQ(to_interval->next_due_at, kStart + 300'000);
  EXPECT_TRUE(svc_->ToJson(*to_interval)["cron"].is_null());
  auto bad = svc_->Update(kWs, s.id, {{"every_seconds", -1}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "every_seconds");
  EXPECT_EQ(Reload(s.id).next_due_at, kStart + 300'000);  // a refused change changes nothing
  auto renamed = svc_->Update(kWs, s.id, {{"name", "five minutes"}});
  ASSERT_TRUE(renamed);
  EXPECT_EQ(Reload(s.id).name, "five minutes");
  EXPECT_TRUE(svc_->Delete(kWs, s.id));
  EXPECT_EQ(svc_->Get(kWs, s.id).error().status.code(), Code::kNotFound);
}

}  // namespace
}  // namespace atelier
