// Live progress of running steps: what reaches the engine's live observer, and that none of it
// reaches the event log.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "tests/engine_test_support.h"

namespace atelier::testing {
namespace {

class LiveLog {
 public:
  void Add(const StepLive& live) {
    std::lock_guard<std::mutex> l(mu_);
    notices_.push_back(live);
  }
  std::vector<StepLive> For(const std::string& step) {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<StepLive> out;
    for (const auto& n : notices_)
      if (n.step_id == step) out.push_back(n);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<StepLive> notices_;
};

std::vector<std::string> Types(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type + ":" + e.step_id);
  return out;
}

TEST(EngineLive, RunningStepsReportTheirProgressAndTheEventLogIsUnchanged) {
  EngineOptions opts;
  opts.live_interval_ms = 0;  // every piece
  Harness watched(opts);
  LiveLog live;
  watched.engine().SetLiveObserver([&live](const StepLive& n) { live.Add(n); });
  auto ex = watched.Run(kLinear, {{"product", "green tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;

  auto caption = watched.Step(ex.id, "caption");
  const std::string text = caption.output["text"].get<std::string>();
  auto notices = live.For("caption");
  ASSERT_GE(notices.size(), 2u) << "the offline provider reports its text in pieces";
  for (const auto& n : notices) {
    EXPECT_EQ(n.ws, Harness::kWs);
    EXPECT_EQ(n.execution_id, ex.id);
    EXPECT_TRUE(n.has_text);
    EXPECT_EQ(text.compare(0, n.text.size(), n.text), 0) << "each is the answer so far";
  }
  EXPECT_EQ(notices.back().text, text);
  auto hero = live.For("hero");
  ASSERT_FALSE(hero.empty());
  EXPECT_GT(hero.back().max, 0);
  EXPECT_EQ(hero.back().value, hero.back().max);

  // The same run with no one watching leaves the same event log.
  Harness plain;
  auto ex2 = plain.Run(kLinear, {{"product", "green tea"}});
  ASSERT_EQ(ex2.status, ExecStatus::kCompleted) << ex2.reason;
  auto events = watched.Events(ex.id);
  ExpectGapFreeEvents(events);
  EXPECT_EQ(Types(events), Types(plain.Events(ex2.id)));
  EXPECT_EQ(plain.Step(ex2.id, "caption").output["text"], caption.output["text"]);
}

TEST(EngineLive, ProgressIsCoalescedPerStep) {
  EngineOptions opts;
  opts.live_interval_ms = 1000000000;  // nothing after the first, in this test's lifetime
  Harness h(opts);
  LiveLog live;
  h.engine().SetLiveObserver([&live](const StepLive& n) { live.Add(n); });
  auto ex = h.Run(kLinear, {{"product", "green tea"}});
  ASSERT_EQ(ex.status, ExecStatus::kCompleted) << ex.reason;
  EXPECT_EQ(live.For("caption").size(), 1u);
  EXPECT_EQ(live.For("hero").size(), 1u);
}

}  // namespace
}  // namespace atelier::testing
