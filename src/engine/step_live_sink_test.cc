#include "step_live_sink.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace atelier {
namespace {

struct Seen {
  std::vector<StepLive> notices;
};

std::unique_ptr<StepLiveSink> MakeSink(Clock* clock, int64_t interval_ms, Seen* seen) {
  StepLive ids;
  ids.ws = "default";
  ids.execution_id = "ex_1";
  ids.step_id = "write";
  auto observer = std::make_shared<const StepLiveSink::Observer>(
      [seen](const StepLive& live) { seen->notices.push_back(live); });
  return std::make_unique<StepLiveSink>(ids, clock, interval_ms, observer);
}

TEST(StepLiveSinkTest, PassesOnTheFirstPieceAtOnceThenAtMostOncePerInterval) {
  FakeClock clock;
  Seen seen;
  auto sink = MakeSink(&clock, 100, &seen);
  sink->Text("Hel");
  ASSERT_EQ(seen.notices.size(), 1u);
  EXPECT_EQ(seen.notices[0].text, "Hel");
  EXPECT_EQ(seen.notices[0].execution_id, "ex_1");
  EXPECT_EQ(seen.notices[0].step_id, "write");
  sink->Text("lo");
  clock.Advance(99);
  sink->Text(", ");
  EXPECT_EQ(seen.notices.size(), 1u) << "within the interval: coalesced";
  clock.Advance(1);
  sink->Text("w\xC3\xB6rld");
  ASSERT_EQ(seen.notices.size(), 2u);
  EXPECT_EQ(seen.notices[1].text, "Hello, w\xC3\xB6rld") << "the latest state, whole";
  EXPECT_EQ(seen.notices[1].chars, 12);
  EXPECT_EQ(seen.notices[1].at_ms, clock.NowMs());
}

TEST(StepLiveSinkTest, KeepsOnlyTheEndOfALongAnswerStartingOnACharacter) {
  FakeClock clock;
  Seen seen;
  auto sink = MakeSink(&clock, 0, &seen);
  std::string piece = "x";
  for (int i = 0; i < 1000; ++i) piece += "\xC3\xA9";  // 2,001 bytes, 1,001 characters
  for (int i = 0; i < 100; ++i) sink->Text(piece);     // three times the bound
  const StepLive& last = seen.notices.back();
  EXPECT_LE(last.text.size(), kMaxLiveTextBytes);
  EXPECT_GE(last.text.size(), kMaxLiveTextBytes - 1);
  EXPECT_NE(static_cast<unsigned char>(last.text[0]) & 0xC0, 0x80) << "starts inside a character";
  const std::string whole = [&] {
    std::string all;
    for (int i = 0; i < 100; ++i) all += piece;
    return all;
  }();
  EXPECT_EQ(whole.substr(whole.size() - last.text.size()), last.text) << "the end of the answer";
  EXPECT_EQ(last.chars, 100 * 1001);
}

TEST(StepLiveSinkTest, RestartForgetsWhatWasReported) {
  FakeClock clock;
  Seen seen;
  auto sink = MakeSink(&clock, 0, &seen);
  sink->Text("first try");
  sink->Restart();
  sink->Text("second");
  EXPECT_EQ(seen.notices.back().text, "second");
  EXPECT_EQ(seen.notices.back().chars, 6);
}

TEST(StepLiveSinkTest, ReportsImageSteps) {
  FakeClock clock;
  Seen seen;
  auto sink = MakeSink(&clock, 0, &seen);
  sink->Steps(3, 20);
  ASSERT_EQ(seen.notices.size(), 1u);
  EXPECT_FALSE(seen.notices[0].has_text);
  EXPECT_EQ(seen.notices[0].value, 3);
  EXPECT_EQ(seen.notices[0].max, 20);
}

}  // namespace
}  // namespace atelier
