// The application services over a real App (SQLite in a temporary folder), called as the CLI and
// the MCP server call them: no HTTP in between.
#include <gtest/gtest.h>

#include "atelier/app/app.h"
#include "atelier/app/engine_execution_commands.h"
#include "atelier/app/engine_launch_service.h"
#include "tests/test_env.h"

namespace atelier {
namespace {

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AppOptions o;
    o.db_path = dir_ / "atelier.db";
    auto app = App::Open(o);
    ASSERT_TRUE(app) << app.error().ToString();
    app_ = std::move(*app);
    launch_ = std::make_unique<EngineLaunchService>(app_.get(), /*drive_here=*/false);
    commands_ = std::make_unique<EngineExecutionCommands>(app_.get(), /*drive_here=*/false);
  }

  static LaunchRequest Instagram(Json inputs) {
    LaunchRequest r;
    r.template_name = "Instagram post";
    r.inputs = std::move(inputs);
    return r;
  }

  testing::TempDir dir_;
  std::unique_ptr<App> app_;
  std::unique_ptr<LaunchService> launch_;
  std::unique_ptr<ExecutionCommands> commands_;
};

TEST_F(ServicesTest, LaunchByNameResolvesTheInputsAndLeavesDrivingToTheCaller) {
  auto out = launch_->Launch(App::kWorkspace, Instagram({{"product", "oat milk"}}));
  ASSERT_TRUE(out) << out.error().status.ToString();
  EXPECT_EQ(out->kind, LaunchOutcome::Kind::kCreated);
  EXPECT_EQ(out->execution.inputs["product"], "oat milk");
  EXPECT_EQ(out->execution.inputs["tone"], "friendly");  // the declared default
  auto stored = app_->store().GetExecution(App::kWorkspace, out->execution.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, ExecStatus::kQueued);  // drive_here is off: nothing runs it yet
}

TEST_F(ServicesTest, LaunchNamesEveryInputProblemAtOnce) {
  auto out = launch_->Launch(App::kWorkspace, Instagram({{"hashtags", "many"}}));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().status.code(), Code::kInvalidArgument);
  EXPECT_EQ(out.error().field, "inputs");
  ASSERT_EQ(out.error().input_errors.size(), 2u) << out.error().status.message();
  EXPECT_NE(out.error().status.message().find("; "), std::string::npos);
}

TEST_F(ServicesTest, AnIdempotencyKeyReplaysTheSameRequestAndRefusesAnother) {
  LaunchRequest r = Instagram({{"product", "oat milk"}});
  r.idempotency_key = "order-7";
  auto first = launch_->Launch(App::kWorkspace, r);
  ASSERT_TRUE(first) << first.error().status.ToString();
  EXPECT_EQ(first->kind, LaunchOutcome::Kind::kCreated);

  auto again = launch_->Launch(App::kWorkspace, r);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, LaunchOutcome::Kind::kReplayed);
  EXPECT_EQ(again->execution.id, first->execution.id);

  LaunchRequest other = Instagram({{"product", "rye bread"}});
  other.idempotency_key = "order-7";
  auto reused = launch_->Launch(App::kWorkspace, other);
  ASSERT_TRUE(reused);
  EXPECT_EQ(reused->kind, LaunchOutcome::Kind::kKeyReused);
  EXPECT_EQ(reused->other_execution_id, first->execution.id);

  LaunchRequest bad = r;
  bad.idempotency_key = "";
  auto refused = launch_->Launch(App::kWorkspace, bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "Idempotency-Key");
}

TEST_F(ServicesTest, CommandsAnswerTheExecutionAsItStandsAfterThem) {
  auto out = launch_->Launch(App::kWorkspace, Instagram({{"product", "oat milk"}}));
  ASSERT_TRUE(out);
  // A queued execution cannot be paused (it has not started), but it can be stopped.
  auto paused = commands_->Pause(App::kWorkspace, out->execution.id);
  ASSERT_FALSE(paused);
  EXPECT_EQ(paused.error().status.code(), Code::kFailedPrecondition);
  auto stopped = commands_->Stop(App::kWorkspace, out->execution.id);
  ASSERT_TRUE(stopped) << stopped.error().status.ToString();
  EXPECT_EQ(stopped->status, ExecStatus::kStopped);
  auto missing = commands_->Decide(App::kWorkspace, out->execution.id, "nope", {"approve", "", ""});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status.code(), Code::kNotFound);
  EXPECT_EQ(missing.error().status.message(),
            "execution " + out->execution.id + " has no step 'nope'");
  auto revert = commands_->Revert(App::kWorkspace, out->execution.id, "caption", 0);
  ASSERT_FALSE(revert);
  EXPECT_EQ(revert.error().field, "version");
}

}  // namespace
}  // namespace atelier
