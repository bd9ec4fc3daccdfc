#include "atelier/engine/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace atelier {
namespace {

TEST(FakeClock, SleepEndsWhenAnotherThreadAdvancesTheClockPastItsDeadline) {
  FakeClock clock(1000);
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.SleepMs(60000);
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(woke) << "fake time has not moved";
  clock.Advance(59999);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(woke) << "one millisecond short";
  const auto before = std::chrono::steady_clock::now();
  clock.Advance(1);
  sleeper.join();
  EXPECT_TRUE(woke);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(500));
}

TEST(FakeClock, WaitUntilReturnsAsSoonAsItsConditionHoldsWithoutTimeMoving) {
  FakeClock clock(0);
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::thread setter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard<std::mutex> l(mu);
    ready = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(clock.WaitUntil(lock, cv, 1000000, [&] { return ready; }));
  lock.unlock();
  setter.join();
  EXPECT_EQ(clock.NowMs(), 0);
}

TEST(SystemClock, WaitUntilGivesUpAtItsDeadline) {
  SystemClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  const int64_t start = clock.NowMs();
  EXPECT_FALSE(clock.WaitUntil(lock, cv, start + 20, [] { return false; }));
  EXPECT_GE(clock.NowMs(), start + 19);
}

}  // namespace
}  // namespace atelier
