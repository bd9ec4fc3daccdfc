#include "atelier/app/periodic_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace atelier {
namespace {

// Waits up to 10 s for `passes` to reach `n`.
bool WaitPasses(const std::atomic<int>& passes, int n) {
  for (int i = 0; i < 1000 && passes < n; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return passes >= n;
}

TEST(PeriodicThread, WakeRunsTheNextPassNowAndTheTimerKeepsItsPace) {
  std::atomic<int> passes{0};
  PeriodicThread t(60000, 60000, [&](const std::atomic<bool>&) { ++passes; });
  t.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(passes, 0);  // the first pass is a minute away
  t.Wake();
  EXPECT_TRUE(WaitPasses(passes, 1));
  t.Wake();
  EXPECT_TRUE(WaitPasses(passes, 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(passes, 2);  // one pass per wake, none in between
  t.Stop();
}

TEST(PeriodicThread, AWakeDuringAPassRunsOneMoreAfterIt) {
  std::atomic<int> passes{0};
  std::atomic<bool> in_pass{false};
  std::atomic<bool> release{false};
  PeriodicThread t(60000, 0, [&](const std::atomic<bool>& stopping) {
    in_pass = true;
    while (passes == 0 && !release && !stopping)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++passes;
  });
  t.Start();
  for (int i = 0; i < 1000 && !in_pass; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(in_pass);
  t.Wake();  // while the first pass runs
  release = true;
  EXPECT_TRUE(WaitPasses(passes, 2));
  t.Stop();
}

}  // namespace
}  // namespace atelier
