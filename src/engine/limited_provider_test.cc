#include "atelier/engine/limited_provider.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace atelier {
namespace {

// Answers after `latency_ms`, counting how many calls overlap.
class SlowProvider final : public Provider {
 public:
  explicit SlowProvider(int latency_ms) : latency_ms_(latency_ms) {}
  std::string name() const override { return "slow"; }
  Result<TextResponse> GenerateText(const TextRequest&, CancelToken& cancel) override {
    Enter();
    cancel.SleepFor(latency_ms_);
    Leave();
    TextResponse r;
    r.text = "ok";
    r.usage.input_tokens = 10;
    r.usage.output_tokens = 10;
    return r;
  }
  Result<ImageResponse> GenerateImage(const ImageRequest&, CancelToken& cancel) override {
    Enter();
    cancel.SleepFor(latency_ms_);
    Leave();
    return ImageResponse{};
  }
  int max_seen() const { return max_seen_; }
  int calls() const { return calls_; }

 private:
  void Enter() {
    int now = ++current_;
    ++calls_;
    int seen = max_seen_;
    while (now > seen && !max_seen_.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { --current_; }
  int latency_ms_;
  std::atomic<int> current_{0}, max_seen_{0}, calls_{0};
};

TEST(LimitedProvider, NeverRunsMoreThanTheConcurrentLimit) {
  SystemClock clock;
  auto slow = std::make_shared<SlowProvider>(30);
  LimitedProvider limited(slow, {0, 0, 2}, &clock);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      CancelToken t;
      ASSERT_TRUE(limited.GenerateImage(ImageRequest{}, t).has_value());
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(slow->calls(), 8);
  EXPECT_EQ(slow->max_seen(), 2);
  EXPECT_EQ(limited.in_flight(), 0);
}

TEST(LimitedProvider, RequestsPerMinuteWaitForTheWindowOnTheClock) {
  FakeClock clock;
  auto slow = std::make_shared<SlowProvider>(0);
  LimitedProvider limited(slow, {3, 0, 0}, &clock);
  CancelToken t;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limited.GenerateImage(ImageRequest{}, t).has_value());
  std::atomic<bool> done{false};
  std::thread fourth([&] {
    CancelToken t4;
    EXPECT_TRUE(limited.GenerateImage(ImageRequest{}, t4).has_value());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_FALSE(done) << "the fourth call in a minute waits";
  clock.Advance(60001);
  fourth.join();
  EXPECT_TRUE(done);
  EXPECT_EQ(slow->calls(), 4);
}

TEST(LimitedProvider, TokensPerMinuteCountWhatCallsReallyUsed) {
  FakeClock clock;
  auto slow = std::make_shared<SlowProvider>(0);
  LimitedProvider limited(slow, {0, 50, 0}, &clock);
  TextRequest req;
  req.max_tokens = 20;
  CancelToken t;
  ASSERT_TRUE(limited.GenerateText(req, t).has_value());  // estimate 20, used 20
  ASSERT_TRUE(limited.GenerateText(req, t).has_value());  // 40 of 50
  std::atomic<bool> done{false};
  std::thread third([&] {
    CancelToken t3;
    EXPECT_TRUE(limited.GenerateText(req, t3).has_value());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_FALSE(done) << "60 tokens would pass the budget of 50";
  clock.Advance(60001);
  third.join();
}

TEST(LimitedProvider, AWaitingCallStopsWhenCancelled) {
  FakeClock clock;
  auto slow = std::make_shared<SlowProvider>(0);
  LimitedProvider limited(slow, {1, 0, 0}, &clock);
  CancelToken first;
  ASSERT_TRUE(limited.GenerateImage(ImageRequest{}, first).has_value());
  CancelToken t;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    t.Cancel("stop");
  });
  auto r = limited.GenerateImage(ImageRequest{}, t);
  canceller.join();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kCancelled);
  EXPECT_EQ(slow->calls(), 1);
}

// A counter that counts the questions it is asked; it says "no room, ask again in 20 ms" (as a
// cluster's database does while other processes hold the slots) until `open`, then counts in
// this process.
class AskedCounter final : public LimitCounter {
 public:
  Result<Answer> TryAcquire(const std::string& provider, const ProviderLimits& limits,
                            int64_t tokens, int64_t now) override {
    ++asked;
    if (!open) {
      Answer no;
      no.retry_in_ms = 20;
      return no;
    }
    return local_->TryAcquire(provider, limits, tokens, now);
  }
  void Release(const std::string& provider, int64_t ticket, int64_t used) override {
    local_->Release(provider, ticket, used);
  }
  std::atomic<int> asked{0};
  std::atomic<bool> open{false};

 private:
  std::unique_ptr<LimitCounter> local_ = MakeLocalLimitCounter();
};

// Eight calls wait while the cluster has no room for 500 ms, then run one at a time (30 ms each).
// The counter (a database round trip for a cluster) is asked about once per answer, not once per
// waiting call: not 8 x 25 questions while closed, and none while this process's own call fills
// the limit.
TEST(LimitedProvider, WaitingCallsAskTheCounterOnceForAll) {
  SystemClock clock;
  auto slow = std::make_shared<SlowProvider>(30);
  auto counter = std::make_shared<AskedCounter>();
  LimitedProvider limited(slow, {0, 0, 1}, &clock, counter);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      CancelToken t;
      ASSERT_TRUE(limited.GenerateImage(ImageRequest{}, t).has_value());
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int asked_while_closed = counter->asked.load();
  EXPECT_EQ(slow->calls(), 0);
  counter->open = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(slow->calls(), 8);
  EXPECT_EQ(slow->max_seen(), 1);
  // 500 ms of 20 ms answers: about 25 questions (each waiting call alone would have made 200).
  EXPECT_LE(asked_while_closed, 40);
  EXPECT_GE(asked_while_closed, 5);
  // Then one question per call, give or take a few that met another's answer.
  EXPECT_LE(counter->asked.load() - asked_while_closed, 8 + 8);
}

}  // namespace
}  // namespace atelier
