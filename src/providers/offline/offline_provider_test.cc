#include "atelier/providers/offline/offline_provider.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <regex>
#include <set>
#include <thread>

#include "image_synth.h"
#include "png_reader.h"
#include "prng.h"
#include "text_synth.h"
#include "offline_test_support.h"

namespace atelier {
namespace {

using namespace offline_test;  // NOLINT: the tests' shared helpers
using Clock = std::chrono::steady_clock;


TEST(OfflineProviderTextTest, IsNamedOffline) { EXPECT_EQ(OfflineProvider().name(), "offline"); }

TEST(OfflineProviderTextTest, SameRequestGivesSameText) {
  OfflineProvider p;
  CancelToken cancel;
  auto a = p.GenerateText(MakeText("Write a launch post about solar lanterns"), cancel);
  auto b = p.GenerateText(MakeText("Write a launch post about solar lanterns"), cancel);
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->text, b->text);
  EXPECT_EQ(a->model, "offline-text");
  auto c = p.GenerateText(MakeText("Describe a rainy afternoon in a quiet bookshop"), cancel);
  ASSERT_TRUE(c.has_value());
  EXPECT_NE(a->text, c->text);
}

TEST(OfflineProviderTextTest, TemperatureChangesTheText) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("Write a launch post about solar lanterns");
  auto a = p.GenerateText(req, cancel);
  req.temperature = 0.2;
  auto b = p.GenerateText(req, cancel);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->text, b->text);
}

TEST(OfflineProviderTextTest, TitlesTheLastUserMessageAndUsesItsKeywords) {
  OfflineProvider p;
  CancelToken cancel;
  auto r =
      p.GenerateText(MakeText("Write a launch post about {{product}}: solar lanterns!"), cancel);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->text.rfind("# Write A Launch Post About Product Solar Lanterns\n\n", 0), 0u)
      << r->text;
  std::string body = r->text.substr(r->text.find("\n\n"));
  EXPECT_NE(body.find("launch"), std::string::npos) << r->text;
  EXPECT_TRUE(body.find("solar") != std::string::npos || body.find("lanterns") != std::string::npos)
      << r->text;
  // 2-4 paragraphs after the title.
  size_t blocks = 1;
  for (size_t pos = 0; (pos = r->text.find("\n\n", pos)) != std::string::npos; pos += 2) ++blocks;
  EXPECT_GE(blocks, 3u);
  EXPECT_LE(blocks, 5u);
}

TEST(OfflineProviderTextTest, ReportsUsage) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("Write a launch post about solar lanterns");
  auto r = p.GenerateText(req, cancel);
  ASSERT_TRUE(r.has_value());
  int64_t chars = static_cast<int64_t>(req.system.size() + req.messages[0].content.size());
  EXPECT_EQ(r->usage.input_tokens, chars / 4);
  EXPECT_EQ(r->usage.output_tokens, static_cast<int64_t>(r->text.size()) / 4);
  EXPECT_EQ(r->usage.images, 0);

  TextRequest empty;
  auto e = p.GenerateText(empty, cancel);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->usage.input_tokens, 1);
  EXPECT_GE(e->usage.output_tokens, 1);
}

TEST(OfflineProviderTextTest, RespectsMaxTokens) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("Write a long essay about the history of lighthouse keeping");
  auto full = p.GenerateText(req, cancel);
  ASSERT_TRUE(full.has_value());
  ASSERT_GT(full->text.size(), 80u);
  req.max_tokens = 20;
  auto cut = p.GenerateText(req, cancel);
  ASSERT_TRUE(cut.has_value());
  EXPECT_LE(cut->text.size(), 80u);
  EXPECT_GT(cut->text.size(), 40u);
  // Cut at a word boundary: the result is a prefix of the full text ending where a word ends.
  EXPECT_EQ(full->text.rfind(cut->text, 0), 0u);
  char next = full->text[cut->text.size()];
  EXPECT_TRUE(next == ' ' || next == '\n') << cut->text;
}

TEST(OfflineProviderTextTest, FollowUpTurnRevisesThePreviousReply) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("Write a launch post about solar lanterns");
  auto first = p.GenerateText(req, cancel);
  ASSERT_TRUE(first.has_value());

  req.messages.push_back({"assistant", first->text});
  req.messages.push_back({"user", "Mention the waterproof casing and camping trips"});
  auto second = p.GenerateText(req, cancel);
  ASSERT_TRUE(second.has_value());
  const std::string& t = second->text;
  EXPECT_EQ(t.rfind("# Write A Launch Post About Solar Lanterns (Revision 1)\n\n", 0), 0u) << t;
  // The earlier body is kept, the instruction is applied and recorded.
  std::string old_body = first->text.substr(first->text.find("\n\n") + 2);
  EXPECT_NE(t.find(old_body), std::string::npos) << t;
  EXPECT_NE(t.find("waterproof"), std::string::npos) << t;
  EXPECT_EQ(t.substr(t.rfind("\n\n") + 2),
            "> Revised: Mention the waterproof casing and camping trips");
  // Deterministic.
  EXPECT_EQ(p.GenerateText(req, cancel)->text, t);

  // A second tweak stacks: Revision 2, both instructions listed, "shorter" drops text.
  req.messages.push_back({"assistant", t});
  req.messages.push_back({"user", "Make it shorter"});
  auto third = p.GenerateText(req, cancel);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->text.rfind("# Write A Launch Post About Solar Lanterns (Revision 2)\n\n", 0), 0u)
      << third->text;
  EXPECT_NE(third->text.find("> Revised: Mention the waterproof"), std::string::npos);
  EXPECT_NE(third->text.find("> Revised: Make it shorter"), std::string::npos);
  EXPECT_LT(third->text.size(), t.size());
}

TEST(OfflineProviderTextTest, FollowUpOnForeignReplyKeepsItsText) {
  OfflineProvider p;
  CancelToken cancel;
  TextRequest req = MakeText("Name a colour");
  req.messages.push_back({"assistant", "Teal, like the sea."});
  req.messages.push_back({"user", "Add a sentence about autumn"});
  auto r = p.GenerateText(req, cancel);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->text.rfind("# Name A Colour (Revision 1)\n\nTeal, like the sea.\n\n", 0), 0u)
      << r->text;
  EXPECT_NE(r->text.find("autumn"), std::string::npos);
}

TEST(OfflineProviderKnobsTest, FailFirstFailsEarlyAttemptsThenSucceeds) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("hello there");
  req.call.knobs = Json{{"fail_first", 2}};
  for (int attempt = 1; attempt <= 2; ++attempt) {
    req.call.attempt = attempt;
    auto r = p.GenerateText(req, cancel);
    ASSERT_FALSE(r.has_value()) << attempt;
    EXPECT_EQ(r.error().code(), Code::kUnavailable);
    EXPECT_EQ(r.error().message(), "offline provider: simulated transient failure on attempt " +
                                       std::to_string(attempt) + " of the first 2");
    EXPECT_TRUE(IsRetryable(r.error()));
  }
  req.call.attempt = 3;
  EXPECT_TRUE(p.GenerateText(req, cancel).has_value());

  auto img = MakeImage("a fox");
  img.call.knobs = Json{{"fail_first", 1}};
  img.call.attempt = 1;
  auto bad = p.GenerateImage(img, cancel);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kUnavailable);
  img.call.attempt = 2;
  EXPECT_TRUE(p.GenerateImage(img, cancel).has_value());
}

TEST(OfflineProviderKnobsTest, MalformedKnobsAreInvalidArgument) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("hello");
  req.call.knobs = Json{{"latency_ms", "soon"}};
  auto r = p.GenerateText(req, cancel);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  req.call.knobs = Json{{"fail_first", -1}};
  EXPECT_EQ(p.GenerateText(req, cancel).error().code(), Code::kInvalidArgument);
  // A non-object or unknown keys are ignored.
  req.call.knobs = Json::array();
  EXPECT_TRUE(p.GenerateText(req, cancel).has_value());
  req.call.knobs = Json{{"other", 5}};
  EXPECT_TRUE(p.GenerateText(req, cancel).has_value());
}

TEST(OfflineProviderKnobsTest, HonoursLatency) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("hello");
  req.call.knobs = Json{{"latency_ms", 60}};
  auto start = Clock::now();
  ASSERT_TRUE(p.GenerateText(req, cancel).has_value());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(60));
}

TEST(OfflineProviderKnobsTest, CancellationInterruptsLatencyPromptly) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("hello");
  req.call.knobs = Json{{"latency_ms", 5000}};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cancel.Cancel("execution stopped");
  });
  auto start = Clock::now();
  auto r = p.GenerateText(req, cancel);
  auto elapsed = Clock::now() - start;
  canceller.join();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kCancelled);
  EXPECT_NE(r.error().message().find("execution stopped"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::seconds(1));

  // Already cancelled: fails at once, for images too.
  auto img = MakeImage("a fox");
  img.call.knobs = Json{{"latency_ms", 5000}};
  start = Clock::now();
  auto ir = p.GenerateImage(img, cancel);
  ASSERT_FALSE(ir.has_value());
  EXPECT_EQ(ir.error().code(), Code::kCancelled);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
}

TEST(OfflineProviderImageTest, WritesValidPng) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeImage("A lighthouse at dusk, oil painting");
  req.width = 320;
  req.height = 200;
  auto r = p.GenerateImage(req, cancel);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->images.size(), 1u);
  EXPECT_EQ(r->model, "offline-image");
  EXPECT_EQ(r->usage.images, 1);
  const GeneratedImage& img = r->images[0];
  EXPECT_EQ(img.mime, "image/png");
  EXPECT_EQ(img.width, 320);
  EXPECT_EQ(img.height, 200);
  ASSERT_GT(img.bytes.size(), 8u);
  EXPECT_EQ(img.bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));

  ParsedPng png = ParsePng(img.bytes);
  EXPECT_TRUE(png.crcs_ok);
  EXPECT_TRUE(png.has_iend);
  EXPECT_EQ(png.width, 320u);
  EXPECT_EQ(png.height, 200u);
  EXPECT_EQ(png.bit_depth, 8);
  EXPECT_EQ(png.colour_type, 2);

  const size_t want = 200 * (1 + 3 * 320);
  std::string raw(want + 16, '\0');
  uLongf raw_len = raw.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_len,
                       reinterpret_cast<const Bytef*>(png.idat.data()), png.idat.size()),
            Z_OK);
  EXPECT_EQ(raw_len, want);
  for (size_t row = 0; row < 200; ++row) ASSERT_EQ(raw[row * (1 + 3 * 320)], 0) << row;
}

TEST(OfflineProviderImageTest, IsDeterministicAndDependsOnThePrompt) {
  OfflineProvider p;
  CancelToken cancel;
  auto a = p.GenerateImage(MakeImage("a red fox in the snow"), cancel);
  auto b = p.GenerateImage(MakeImage("a red fox in the snow"), cancel);
  auto c = p.GenerateImage(MakeImage("a blue whale at sea"), cancel);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->images[0].bytes, b->images[0].bytes);
  EXPECT_NE(a->images[0].bytes, c->images[0].bytes);
}

TEST(OfflineProviderImageTest, ExplicitSeedOverridesThePromptHash) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeImage("a red fox in the snow");
  auto unseeded = p.GenerateImage(req, cancel);
  req.seed = 42;
  auto seeded = p.GenerateImage(req, cancel);
  auto again = p.GenerateImage(req, cancel);
  req.seed = 43;
  auto other = p.GenerateImage(req, cancel);
  ASSERT_TRUE(unseeded && seeded && again && other);
  EXPECT_NE(unseeded->images[0].bytes, seeded->images[0].bytes);
  EXPECT_EQ(seeded->images[0].bytes, again->images[0].bytes);
  EXPECT_NE(seeded->images[0].bytes, other->images[0].bytes);
}

TEST(OfflineProviderImageTest, BatchImagesDiffer) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeImage("three variations of a logo");
  req.count = 3;
  req.width = 128;
  req.height = 96;
  auto r = p.GenerateImage(req, cancel);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->images.size(), 3u);
  EXPECT_EQ(r->usage.images, 3);
  std::set<std::string> distinct;
  for (const auto& img : r->images) {
    EXPECT_EQ(img.width, 128);
    EXPECT_EQ(img.height, 96);
    distinct.insert(img.bytes);
  }
  EXPECT_EQ(distinct.size(), 3u);
}

TEST(OfflineProviderImageTest, RejectsOutOfRangeSizesAndCounts) {
  OfflineProvider p;
  CancelToken cancel;
  auto check = [&](int w, int h, int count) {
    auto req = MakeImage("x");
    req.width = w;
    req.height = h;
    req.count = count;
    auto r = p.GenerateImage(req, cancel);
    return r.has_value() ? Code::kOk : r.error().code();
  };
  EXPECT_EQ(check(15, 512, 1), Code::kInvalidArgument);
  EXPECT_EQ(check(512, 2049, 1), Code::kInvalidArgument);
  EXPECT_EQ(check(0, 0, 1), Code::kInvalidArgument);
  EXPECT_EQ(check(512, 512, 0), Code::kInvalidArgument);
  EXPECT_EQ(check(512, 512, 9), Code::kInvalidArgument);
  EXPECT_EQ(check(16, 16, 1), Code::kOk);
  EXPECT_EQ(check(2048, 16, 8), Code::kOk);
}

TEST(OfflineProviderImageTest, CaptionIsUpperCasedAndCut) {
  EXPECT_EQ(offline::CaptionText("a  red\nfox"), "A RED FOX");
  EXPECT_EQ(offline::CaptionText("caf\xc3\xa9"), "CAF?");
  EXPECT_EQ(offline::CaptionText("abcdefghij abcdefghij abcdefghij abcdefghij"),
            "ABCDEFGHIJ ABCDEFGHIJ ABCDEFGH...");
}

TEST(OfflineProviderImageTest, GeneratesA512ImageQuickly) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeImage("A lighthouse at dusk, oil painting");
  constexpr int kRuns = 10;
  auto start = Clock::now();
  for (int i = 0; i < kRuns; ++i) {
    req.seed = i;
    ASSERT_TRUE(p.GenerateImage(req, cancel).has_value());
  }
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / kRuns;
  RecordProperty("ms_per_512_image", std::to_string(ms));
  // Loose bound so sanitizer and debug builds pass; release builds take a few milliseconds.
  EXPECT_LT(ms, 500.0);
}


}  // namespace
}  // namespace atelier
