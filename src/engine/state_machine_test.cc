#include <gtest/gtest.h>

#include "atelier/engine/records.h"
#include "atelier/engine/retry_policy.h"

namespace atelier {
namespace {

TEST(ExecStateMachine, AllowsTheDocumentedTransitions) {
  using E = ExecStatus;
  EXPECT_TRUE(CheckExecTransition(E::kQueued, E::kRunning).ok());
  EXPECT_TRUE(CheckExecTransition(E::kRunning, E::kPaused).ok());
  EXPECT_TRUE(CheckExecTransition(E::kRunning, E::kQueued).ok()) << "interrupted: handed back";
  EXPECT_TRUE(CheckExecTransition(E::kPaused, E::kRunning).ok());
  EXPECT_TRUE(CheckExecTransition(E::kRunning, E::kWaiting).ok());
  EXPECT_TRUE(CheckExecTransition(E::kWaiting, E::kRunning).ok());
  EXPECT_TRUE(CheckExecTransition(E::kFailed, E::kRunning).ok());
  EXPECT_TRUE(CheckExecTransition(E::kStopped, E::kRunning).ok());
  EXPECT_TRUE(CheckExecTransition(E::kCompleted, E::kRunning).ok());
}

TEST(ExecStateMachine, RefusesOthersNamingBothStates) {
  Status s = CheckExecTransition(ExecStatus::kCompleted, ExecStatus::kPaused);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.message(), "execution cannot go from completed to paused");
  EXPECT_FALSE(CheckExecTransition(ExecStatus::kQueued, ExecStatus::kCompleted).ok());
  EXPECT_FALSE(CheckExecTransition(ExecStatus::kWaiting, ExecStatus::kPaused).ok());
  EXPECT_FALSE(CheckExecTransition(ExecStatus::kStopped, ExecStatus::kCompleted).ok());
}

TEST(StepStateMachine, FollowsTheLifecycle) {
  using S = StepStatus;
  EXPECT_TRUE(CheckStepTransition(S::kPending, S::kReady).ok());
  EXPECT_TRUE(CheckStepTransition(S::kReady, S::kRunning).ok());
  EXPECT_TRUE(CheckStepTransition(S::kRunning, S::kSucceeded).ok());
  EXPECT_TRUE(CheckStepTransition(S::kRunning, S::kReady).ok()) << "lease recovery";
  EXPECT_TRUE(CheckStepTransition(S::kFailed, S::kReady).ok());
  EXPECT_TRUE(CheckStepTransition(S::kWaiting, S::kSucceeded).ok());
  EXPECT_TRUE(CheckStepTransition(S::kSucceeded, S::kStale).ok());
  Status s = CheckStepTransition(S::kSucceeded, S::kRunning);
  EXPECT_EQ(s.message(), "step cannot go from succeeded to running");
  EXPECT_FALSE(CheckStepTransition(S::kPending, S::kSucceeded).ok());
  EXPECT_FALSE(CheckStepTransition(S::kSkipped, S::kRunning).ok());
}

TEST(StatusNames, RoundTrip) {
  for (int i = 0; i <= static_cast<int>(ExecStatus::kStopped); ++i) {
    auto s = static_cast<ExecStatus>(i);
    EXPECT_EQ(ExecStatusFromName(ExecStatusName(s)), s);
  }
  for (int i = 0; i <= static_cast<int>(StepStatus::kStale); ++i) {
    auto s = static_cast<StepStatus>(i);
    EXPECT_EQ(StepStatusFromName(StepStatusName(s)), s);
  }
  EXPECT_FALSE(ExecStatusFromName("done").has_value());
  EXPECT_EQ(CodeFromName("deadline_exceeded"), Code::kDeadlineExceeded);
}

TEST(RetryPolicy, RetriesOnlyTransientErrorsWhileAttemptsRemain) {
  RetryPolicy p(3, 100);
  EXPECT_TRUE(p.ShouldRetry(Unavailable("x"), 1));
  EXPECT_TRUE(p.ShouldRetry(DeadlineExceeded("x"), 2));
  EXPECT_TRUE(p.ShouldRetry(ResourceExhausted("x"), 2));
  EXPECT_FALSE(p.ShouldRetry(Unavailable("x"), 3)) << "third attempt was the last";
  EXPECT_FALSE(p.ShouldRetry(InvalidArgument("x"), 1));
  EXPECT_FALSE(p.ShouldRetry(Cancelled("x"), 1));
}

TEST(RetryPolicy, BacksOffExponentiallyWithJitterInTheUpperHalf) {
  RetryPolicy p(10, 100);
  Status e = Unavailable("x");
  EXPECT_EQ(p.DelayMs(e, 1, 0.0), 50);
  EXPECT_EQ(p.DelayMs(e, 1, 1.0), 100);
  EXPECT_EQ(p.DelayMs(e, 2, 1.0), 200);
  EXPECT_EQ(p.DelayMs(e, 3, 1.0), 400);
  for (double u : {0.1, 0.5, 0.9}) {
    int64_t d = p.DelayMs(e, 4, u);
    EXPECT_GE(d, 400);
    EXPECT_LE(d, 800);
  }
  EXPECT_EQ(p.DelayMs(e, 40, 1.0), RetryPolicy::kMaxDelayMs) << "capped";
}

TEST(RetryPolicy, HonoursRetryAfter) {
  RetryPolicy p(3, 10);
  Status limited = ResourceExhausted("slow down");
  limited.set_retry_after_ms(5000);
  EXPECT_EQ(p.DelayMs(limited, 1, 0.0), 5000);
}

TEST(RetryPolicy, ReadsNodeDataOverKindDefaults) {
  EXPECT_EQ(RetryPolicy::ForNode(Json::object(), true).max_attempts(), 3);
  EXPECT_EQ(RetryPolicy::ForNode(Json::object(), false).max_attempts(), 1);
  auto p = RetryPolicy::ForNode({{"retry", {{"max_attempts", 7}, {"backoff_ms", 25}}}}, true);
  EXPECT_EQ(p.max_attempts(), 7);
  EXPECT_EQ(p.backoff_ms(), 25);
}

}  // namespace
}  // namespace atelier
