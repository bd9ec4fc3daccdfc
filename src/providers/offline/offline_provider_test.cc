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

namespace atelier {
namespace {

using Clock = std::chrono::steady_clock;

TextRequest MakeText(const std::string& prompt) {
  TextRequest req;
  req.model = "offline-text";
  req.system = "You are a helpful copywriter.";
  req.messages = {{"user", prompt}};
  return req;
}

ImageRequest MakeImage(const std::string& prompt) {
  ImageRequest req;
  req.model = "offline-image";
  req.prompt = prompt;
  return req;
}

uint32_t ReadU32(const std::string& s, size_t at) {
  return (uint32_t{static_cast<unsigned char>(s[at])} << 24) |
         (uint32_t{static_cast<unsigned char>(s[at + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(s[at + 2])} << 8) |
         uint32_t{static_cast<unsigned char>(s[at + 3])};
}

struct ParsedPng {
  uint32_t width = 0, height = 0;
  int bit_depth = 0, colour_type = 0;
  std::string idat;
  bool crcs_ok = true;
  bool has_iend = false;
};

ParsedPng ParsePng(const std::string& png) {
  ParsedPng out;
  size_t pos = 8;
  while (pos + 12 <= png.size()) {
    uint32_t len = ReadU32(png, pos);
    std::string type = png.substr(pos + 4, 4);
    std::string data = png.substr(pos + 8, len);
    uint32_t crc = ReadU32(png, pos + 8 + len);
    uLong want = crc32(0L, Z_NULL, 0);
    want = crc32(want, reinterpret_cast<const Bytef*>(png.data() + pos + 4), len + 4);
    if (crc != static_cast<uint32_t>(want)) out.crcs_ok = false;
    if (type == "IHDR") {
      out.width = ReadU32(data, 0);
      out.height = ReadU32(data, 4);
      out.bit_depth = static_cast<unsigned char>(data[8]);
      out.colour_type = static_cast<unsigned char>(data[9]);
    } else if (type == "IDAT") {
      out.idat += data;
    } else if (type == "IEND") {
      out.has_iend = true;
    }
    pos += 12 + len;
  }
  return out;
}

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

// --- Image edits ---------------------------------------------------------------------------

offline::RgbImage Decode(const std::string& png) {
  auto img = offline::DecodePng(png);
  EXPECT_TRUE(img.has_value());
  return img ? *img : offline::RgbImage(0, 0);
}

double MeanBrightness(const offline::RgbImage& img, int rows) {
  double sum = 0;
  const size_t n = static_cast<size_t>(img.width) * rows * 3;
  for (size_t i = 0; i < n; ++i) sum += img.pixels[i];
  return sum / static_cast<double>(n);
}

GeneratedImage Generate(const std::string& prompt, int width, int height) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeImage(prompt);
  req.width = width;
  req.height = height;
  auto r = p.GenerateImage(req, cancel);
  EXPECT_TRUE(r.has_value());
  return r ? r->images[0] : GeneratedImage{};
}

ImageEditRequest MakeEdit(const GeneratedImage& previous, const std::string& instruction) {
  ImageEditRequest req;
  req.model = "offline-image";
  req.instruction = instruction;
  req.image = {previous.mime, previous.bytes};
  return req;
}

// Writes `img` as a PNG whose rows use filter types 0-4 in turn, as other encoders do.
std::string EncodeWithAllFilters(const offline::RgbImage& img) {
  const size_t stride = static_cast<size_t>(img.width) * 3;
  std::string raw;
  for (int y = 0; y < img.height; ++y) {
    const uint8_t* row = &img.pixels[y * stride];
    const uint8_t* up = y > 0 ? &img.pixels[(y - 1) * stride] : nullptr;
    const int filter = y % 5;
    raw.push_back(static_cast<char>(filter));
    for (size_t i = 0; i < stride; ++i) {
      int a = i >= 3 ? row[i - 3] : 0, b = up ? up[i] : 0, c = (up && i >= 3) ? up[i - 3] : 0;
      int pred = 0;
      if (filter == 1) pred = a;
      if (filter == 2) pred = b;
      if (filter == 3) pred = (a + b) / 2;
      if (filter == 4) {
        int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
        pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
      }
      raw.push_back(static_cast<char>(static_cast<uint8_t>(row[i] - pred)));
    }
  }
  uLongf packed_len = compressBound(raw.size());
  std::string packed(packed_len, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_len,
                      reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 9),
            Z_OK);
  packed.resize(packed_len);
  auto u32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  auto chunk = [&](const std::string& type, const std::string& data) {
    std::string body = type + data;
    uLong crc =
        crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(body.data()), body.size());
    return u32(static_cast<uint32_t>(data.size())) + body + u32(static_cast<uint32_t>(crc));
  };
  std::string ihdr = u32(img.width) + u32(img.height) + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("tEXt", "c\0x") +
         chunk("IDAT", packed.substr(0, packed.size() / 2)) +
         chunk("IDAT", packed.substr(packed.size() / 2)) + chunk("IEND", "");
}

TEST(PngReaderTest, DecodesWhatTheWriterWritesAndEveryRowFilter) {
  auto png = Generate("a lighthouse at dusk", 97, 61);
  offline::RgbImage img = Decode(png.bytes);
  ASSERT_EQ(img.width, 97);
  ASSERT_EQ(img.height, 61);
  EXPECT_EQ(offline::EncodePng(img).value(), png.bytes);

  auto refiltered = offline::DecodePng(EncodeWithAllFilters(img));
  ASSERT_TRUE(refiltered.has_value());
  EXPECT_EQ(refiltered->pixels, img.pixels);
}

TEST(PngReaderTest, RefusesOtherFormatsAndCorruptData) {
  auto png = Generate("a lighthouse at dusk", 64, 64).bytes;
  EXPECT_FALSE(offline::DecodePng("").has_value());
  EXPECT_FALSE(offline::DecodePng("\xff\xd8\xff\xe0 jpeg").has_value());
  EXPECT_FALSE(offline::DecodePng(png.substr(0, png.size() / 2)).has_value());
  std::string rgba = png;
  rgba[8 + 8 + 9] = 6;  // colour type in IHDR
  EXPECT_FALSE(offline::DecodePng(rgba).has_value());
  std::string broken = png;
  broken[8 + 25 + 12] ^= 0x55;  // inside the deflate stream
  EXPECT_FALSE(offline::DecodePng(broken).has_value());
  EXPECT_FALSE(offline::DecodePng(png, 32).has_value());  // larger than the caller allows
}

TEST(PngReaderTest, SurvivesCorruptedFiles) {
  // Run under ASan in CI: flipped bytes anywhere (lengths, header, stream) must be refused or
  // decoded, never read out of bounds.
  const std::string png = Generate("a lighthouse at dusk", 40, 30).bytes;
  offline::SplitMix64 rng(7);
  int decoded = 0;
  for (int i = 0; i < 400; ++i) {
    std::string bad = png;
    for (int flips = rng.Range(1, 3); flips > 0; --flips) {
      bad[rng.Next() % bad.size()] = static_cast<char>(rng.Next());
    }
    if (i % 4 == 0) bad.resize(rng.Next() % bad.size());
    auto img = offline::DecodePng(bad);
    if (img) {
      ++decoded;
      EXPECT_EQ(img->pixels.size(), static_cast<size_t>(img->width) * img->height * 3);
    }
  }
  EXPECT_LT(decoded, 400);
}

TEST(OfflineProviderEditTest, BrighterKeepsTheSceneAndRaisesBrightness) {
  OfflineProvider p;
  CancelToken cancel;
  auto before = Generate("a red fox in the snow", 320, 200);
  auto r = p.EditImage(MakeEdit(before, "make it brighter"), cancel);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->images.size(), 1u);
  EXPECT_EQ(r->usage.images, 1);
  EXPECT_EQ(r->model, "offline-image");
  const GeneratedImage& after = r->images[0];
  EXPECT_EQ(after.mime, "image/png");
  EXPECT_EQ(after.width, 320);
  EXPECT_EQ(after.height, 200);

  offline::RgbImage a = Decode(before.bytes), b = Decode(after.bytes);
  ASSERT_EQ(b.width, 320);
  ASSERT_EQ(b.height, 200);
  EXPECT_GT(MeanBrightness(b, b.height), MeanBrightness(a, a.height) + 10);
  // Above the caption band every pixel is the old one, lifted: same scene, not a new one.
  const size_t scene = static_cast<size_t>(320) * (200 * 2 / 3) * 3;
  for (size_t i = 0; i < scene; ++i) {
    ASSERT_GE(b.pixels[i], a.pixels[i]) << i;
    ASSERT_LE(b.pixels[i] - a.pixels[i], (255 - a.pixels[i]) * 0.3 + 1) << i;
  }
}

TEST(OfflineProviderEditTest, DarkerLowersBrightness) {
  OfflineProvider p;
  CancelToken cancel;
  auto before = Generate("a red fox in the snow", 256, 256);
  auto r = p.EditImage(MakeEdit(before, "Darker, moodier please"), cancel);
  ASSERT_TRUE(r.has_value());
  EXPECT_LT(MeanBrightness(Decode(r->images[0].bytes), 170),
            MeanBrightness(Decode(before.bytes), 170) - 10);
}

TEST(OfflineProviderEditTest, ZoomOutShrinksTheSceneOntoAFlatBorder) {
  OfflineProvider p;
  CancelToken cancel;
  auto before = Generate("a red fox in the snow", 300, 240);
  auto r = p.EditImage(MakeEdit(before, "zoom out a little"), cancel);
  ASSERT_TRUE(r.has_value());
  offline::RgbImage img = Decode(r->images[0].bytes);
  ASSERT_EQ(img.width, 300);
  ASSERT_EQ(img.height, 240);
  const uint8_t* corner = img.At(0, 0);
  auto same = [&](int x, int y) { return std::equal(corner, corner + 3, img.At(x, y)); };
  for (int x = 0; x < 300; ++x) {
    ASSERT_TRUE(same(x, 0)) << x;
    ASSERT_TRUE(same(x, 10)) << x;
  }
  for (int y = 0; y < 150; ++y) {
    ASSERT_TRUE(same(0, y)) << y;
    ASSERT_TRUE(same(299, y)) << y;
  }
  // The middle holds the old picture, not the border colour.
  int differ = 0;
  for (int y = 60; y < 140; ++y) {
    for (int x = 100; x < 200; ++x) differ += !same(x, y);
  }
  EXPECT_GT(differ, 7000);
}

TEST(OfflineProviderEditTest, ZoomInEnlargesTheCentre) {
  OfflineProvider p;
  CancelToken cancel;
  auto before = Generate("a red fox in the snow", 256, 256);
  auto r = p.EditImage(MakeEdit(before, "closer on the fox"), cancel);
  ASSERT_TRUE(r.has_value());
  offline::RgbImage a = Decode(before.bytes), b = Decode(r->images[0].bytes);
  ASSERT_EQ(b.width, 256);
  EXPECT_NE(a.pixels, b.pixels);
  // The centre of the old scene stays near the centre of the new picture.
  const int cy = (256 - 26) / 2;
  const uint8_t* old_centre = a.At(128, cy);
  const uint8_t* new_centre = b.At(128, 128);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(old_centre[c], new_centre[c], 24) << c;
}

TEST(OfflineProviderEditTest, AddDrawsAShapeAndKeepsMostPixels) {
  OfflineProvider p;
  CancelToken cancel;
  auto before = Generate("a red fox in the snow", 256, 256);
  auto r = p.EditImage(MakeEdit(before, "add a hot air balloon"), cancel);
  ASSERT_TRUE(r.has_value());
  offline::RgbImage a = Decode(before.bytes), b = Decode(r->images[0].bytes);
  size_t same = 0, changed = 0;
  const size_t scene = static_cast<size_t>(256) * 200 * 3;
  for (size_t i = 0; i < scene; ++i) (a.pixels[i] == b.pixels[i] ? same : changed)++;
  EXPECT_GT(same, scene * 7 / 10);
  EXPECT_GT(changed, scene / 100);
}

TEST(OfflineProviderEditTest, IsDeterministicAndFollowsTheInputs) {
  OfflineProvider p;
  CancelToken cancel;
  auto before = Generate("a red fox in the snow", 128, 128);
  auto req = MakeEdit(before, "add a moon");
  auto a = p.EditImage(req, cancel);
  auto b = p.EditImage(req, cancel);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->images[0].bytes, b->images[0].bytes);
  EXPECT_EQ(a->session, b->session);

  auto other_instruction = p.EditImage(MakeEdit(before, "add a sun"), cancel);
  auto other_image = p.EditImage(MakeEdit(Generate("a cat", 128, 128), "add a moon"), cancel);
  ASSERT_TRUE(other_instruction && other_image);
  EXPECT_NE(other_instruction->images[0].bytes, a->images[0].bytes);
  EXPECT_NE(other_image->images[0].bytes, a->images[0].bytes);

  req.count = 3;
  auto batch = p.EditImage(req, cancel);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->images.size(), 3u);
  EXPECT_EQ(batch->usage.images, 3);
  EXPECT_EQ(batch->images[0].bytes, a->images[0].bytes);
  std::set<std::string> distinct;
  for (const auto& img : batch->images) distinct.insert(img.bytes);
  EXPECT_EQ(distinct.size(), 3u);

  req.instruction = "brighter";
  req.count = 2;
  auto tones = p.EditImage(req, cancel);
  ASSERT_TRUE(tones.has_value());
  EXPECT_NE(tones->images[0].bytes, tones->images[1].bytes);
}

TEST(OfflineProviderEditTest, EditsChainOnTheirOwnOutput) {
  OfflineProvider p;
  CancelToken cancel;
  auto first = p.EditImage(MakeEdit(Generate("a red fox", 200, 150), "zoom out"), cancel);
  ASSERT_TRUE(first.has_value());
  auto req = MakeEdit(first->images[0], "warmer");
  req.session = first->session;
  auto second = p.EditImage(req, cancel);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->images[0].width, 200);
  EXPECT_EQ(second->images[0].height, 150);
  offline::RgbImage a = Decode(first->images[0].bytes), b = Decode(second->images[0].bytes);
  // The border stays a border, now warmer.
  EXPECT_GT(b.At(0, 0)[0], a.At(0, 0)[0]);
  EXPECT_LT(b.At(0, 0)[2], std::max<int>(a.At(0, 0)[2], 1));
  EXPECT_NE(second->session, first->session);
}

TEST(OfflineProviderEditTest, ForeignImageFallsBackToAFreshCaptionedImage) {
  OfflineProvider p;
  CancelToken cancel;
  ImageEditRequest req;
  req.model = "offline-image";
  req.instruction = "make it brighter";
  req.image = {"image/jpeg", "\xff\xd8\xff\xe0 not really a jpeg"};
  req.width = 200;
  req.height = 120;
  auto r = p.EditImage(req, cancel);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->images.size(), 1u);
  EXPECT_EQ(r->images[0].width, 200);
  EXPECT_EQ(r->images[0].height, 120);
  EXPECT_EQ(r->usage.images, 1);
  // Exactly the picture for the prompt "EDIT: <instruction>", whose caption says so.
  auto fresh = MakeImage("EDIT: make it brighter");
  fresh.width = 200;
  fresh.height = 120;
  auto expected = p.GenerateImage(fresh, cancel);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(r->images[0].bytes, expected->images[0].bytes);
  EXPECT_EQ(offline::CaptionText(fresh.prompt), "EDIT: MAKE IT BRIGHTER");
  EXPECT_EQ(r->session.rfind("offline:", 0), 0u);

  // A PNG smaller than the provider ever draws counts as foreign too.
  offline::RgbImage tiny(8, 8);
  req.image = {"image/png", offline::EncodePng(tiny).value()};
  auto small = p.EditImage(req, cancel);
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->images[0].bytes, expected->images[0].bytes);

  req.width = 8;  // the requested size matters only when falling back
  EXPECT_EQ(p.EditImage(req, cancel).error().code(), Code::kInvalidArgument);
}

TEST(OfflineProviderEditTest, HonoursKnobsAndCount) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeEdit(Generate("a fox", 64, 64), "brighter");
  req.call.knobs = Json{{"fail_first", 1}};
  req.call.attempt = 1;
  auto bad = p.EditImage(req, cancel);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kUnavailable);
  req.call.attempt = 2;
  EXPECT_TRUE(p.EditImage(req, cancel).has_value());

  req.call.knobs = Json{{"latency_ms", 40}};
  auto start = Clock::now();
  ASSERT_TRUE(p.EditImage(req, cancel).has_value());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(40));

  req.count = 9;
  EXPECT_EQ(p.EditImage(req, cancel).error().code(), Code::kInvalidArgument);
  req.count = 1;
  cancel.Cancel("stop");
  EXPECT_EQ(p.EditImage(req, cancel).error().code(), Code::kCancelled);
}

TEST(OfflineProviderEditTest, SessionHashesPreviousSessionAndInstruction) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeEdit(Generate("a fox", 64, 64), "brighter");
  auto a = p.EditImage(req, cancel);
  req.session = "offline:0123456789abcdef";
  auto b = p.EditImage(req, cancel);
  req.instruction = "darker";
  auto c = p.EditImage(req, cancel);
  ASSERT_TRUE(a && b && c);
  const std::regex shape("offline:[0-9a-f]{16}");
  EXPECT_TRUE(std::regex_match(a->session, shape)) << a->session;
  EXPECT_TRUE(std::regex_match(b->session, shape)) << b->session;
  EXPECT_NE(a->session, b->session);
  EXPECT_NE(b->session, c->session);
  // Only the session and instruction count, not the image.
  auto d = p.EditImage(MakeEdit(Generate("a cat", 64, 64), "brighter"), cancel);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->session, a->session);
}

// --- References and aspect ratios -----------------------------------------------------------

TEST(OfflineProviderImageTest, ReferencesChangeThePaletteDeterministically) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeImage("a red fox in the snow");
  req.width = req.height = 128;
  auto plain = p.GenerateImage(req, cancel);
  req.references = {{"image/png", Generate("a teal sea", 32, 32).bytes}};
  auto with_ref = p.GenerateImage(req, cancel);
  auto again = p.GenerateImage(req, cancel);
  req.references = {{"image/png", Generate("an orange desert", 32, 32).bytes}};
  auto other_ref = p.GenerateImage(req, cancel);
  ASSERT_TRUE(plain && with_ref && again && other_ref);
  EXPECT_NE(plain->images[0].bytes, with_ref->images[0].bytes);
  EXPECT_EQ(with_ref->images[0].bytes, again->images[0].bytes);
  EXPECT_NE(with_ref->images[0].bytes, other_ref->images[0].bytes);
  EXPECT_EQ(with_ref->images[0].width, 128);
  // Colours change visibly, not a pixel here and there.
  offline::RgbImage a = Decode(plain->images[0].bytes), b = Decode(with_ref->images[0].bytes);
  double diff = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) diff += std::abs(a.pixels[i] - b.pixels[i]);
  EXPECT_GT(diff / a.pixels.size(), 10.0);
}

TEST(OfflineProviderImageTest, AspectRatioPicksTheSize) {
  OfflineProvider p;
  CancelToken cancel;
  auto size_for = [&](const std::string& ratio, int w = 512, int h = 512) {
    auto req = MakeImage("a wide valley");
    req.aspect_ratio = ratio;
    req.width = w;
    req.height = h;
    auto r = p.GenerateImage(req, cancel);
    if (!r) return std::string(CodeName(r.error().code()));
    ParsedPng png = ParsePng(r->images[0].bytes);
    EXPECT_EQ(static_cast<int>(png.width), r->images[0].width);
    EXPECT_EQ(static_cast<int>(png.height), r->images[0].height);
    return std::to_string(r->images[0].width) + "x" + std::to_string(r->images[0].height);
  };
  EXPECT_EQ(size_for("16:9"), "512x288");
  EXPECT_EQ(size_for("9:16"), "288x512");
  EXPECT_EQ(size_for("1:1"), "512x512");
  EXPECT_EQ(size_for("4:5"), "410x512");
  EXPECT_EQ(size_for("1.91:1"), "512x268");
  EXPECT_EQ(size_for("16:9", 640, 480), "640x480");  // an explicit size wins
  EXPECT_EQ(size_for(""), "512x512");
  for (const char* bad : {"16x9", "16:", ":9", "0:1", "-16:9", "a:b", "64:1", "16:9:1"}) {
    EXPECT_EQ(size_for(bad), "invalid_argument") << bad;
  }
}

// --- Structured output ----------------------------------------------------------------------

// Checks `v` against the subset of JSON Schema the offline provider supports; "" when it
// conforms, else the first complaint.
std::string Violation(const Json& schema, const Json& v, const std::string& path = "$") {
  if (schema.contains("const") && v != schema["const"]) return path + ": not the const";
  if (schema.contains("enum")) {
    for (const auto& e : schema["enum"]) {
      if (e == v) return "";
    }
    return path + ": not in the enum";
  }
  if (schema.contains("anyOf")) return Violation(schema["anyOf"][0], v, path);
  if (schema.contains("oneOf")) return Violation(schema["oneOf"][0], v, path);
  std::string type;
  if (schema.contains("type")) {
    type = (schema["type"].is_array() ? schema["type"][0] : schema["type"]).get<std::string>();
  }
  if (type == "object") {
    if (!v.is_object()) return path + ": not an object";
    const Json empty_list = Json::array(), empty_map = Json::object();
    const Json& required = schema.contains("required") ? schema["required"] : empty_list;
    const Json& properties = schema.contains("properties") ? schema["properties"] : empty_map;
    for (const auto& r : required) {
      if (!v.contains(r.get<std::string>())) return path + ": lacks " + r.get<std::string>();
    }
    for (auto& [k, sub] : properties.items()) {
      if (!v.contains(k)) return path + ": lacks property " + k;
      if (auto w = Violation(sub, v[k], path + "." + k); !w.empty()) return w;
    }
  } else if (type == "array") {
    if (!v.is_array()) return path + ": not an array";
    if (v.size() < schema.value("minItems", 0u)) return path + ": too few items";
    if (v.size() > schema.value("maxItems", 1000000u)) return path + ": too many items";
    if (schema.value("uniqueItems", false) && std::set<Json>(v.begin(), v.end()).size() != v.size())
      return path + ": items repeat";
    const Json any = Json::object();
    const Json& items = schema.contains("items") ? schema["items"] : any;
    for (const auto& item : v) {
      if (auto w = Violation(items, item, path + "[]"); !w.empty()) return w;
    }
  } else if (type == "string") {
    if (!v.is_string()) return path + ": not a string";
    size_t n = 0;
    for (unsigned char c : v.get<std::string>()) n += (c & 0xC0) != 0x80;
    if (n < schema.value("minLength", 0u)) return path + ": too short";
    if (n > schema.value("maxLength", 1000000u)) return path + ": too long";
  } else if (type == "integer" || type == "number") {
    if (type == "integer" ? !v.is_number_integer() : !v.is_number())
      return path + ": not a " + type;
    double x = v.get<double>();
    if (schema.contains("minimum") && x < schema["minimum"].get<double>()) return path + ": low";
    if (schema.contains("maximum") && x > schema["maximum"].get<double>()) return path + ": high";
    auto bound = [&](const char* key, const char* draft4_key) {
      const Json& b = schema.contains(key) ? schema[key] : Json();
      if (b.is_number()) return std::optional<double>(b.get<double>());
      if (b.is_boolean() && b.get<bool>()) return std::optional<double>(schema[draft4_key]);
      return std::optional<double>();
    };
    if (auto lo = bound("exclusiveMinimum", "minimum"); lo && x <= *lo) return path + ": low";
    if (auto hi = bound("exclusiveMaximum", "maximum"); hi && x >= *hi) return path + ": high";
    if (schema.contains("multipleOf")) {
      double q = x / schema["multipleOf"].get<double>();
      if (std::fabs(q - std::round(q)) > 1e-9) return path + ": not a multiple";
    }
  } else if (type == "boolean") {
    if (!v.is_boolean()) return path + ": not a boolean";
  } else if (type == "null") {
    if (!v.is_null()) return path + ": not null";
  }
  return "";
}

TextRequest MakeStructured(const std::string& prompt, Json schema) {
  TextRequest req = MakeText(prompt);
  req.json_schema = std::move(schema);
  return req;
}

const Json kReviewSchema = Json::parse(R"({
  "type": "object",
  "properties": {"score": {"type": "integer", "minimum": 0, "maximum": 100},
                 "feedback": {"type": "string"}},
  "required": ["score", "feedback"]})");

TEST(OfflineProviderJsonTest, FollowsARichSchema) {
  const Json schema = Json::parse(R"({
    "type": "object",
    "properties": {
      "title": {"type": "string", "maxLength": 40},
      "summary": {"type": "string", "minLength": 10, "maxLength": 60},
      "code": {"type": "string", "minLength": 120},
      "tags": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 5,
               "uniqueItems": true},
      "pair": {"type": "array", "items": {"type": "integer", "minimum": -5, "maximum": 5}},
      "empty": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
      "tone": {"type": "string", "enum": ["playful", "formal", "warm"]},
      "level": {"enum": [1, 2, 3]},
      "fixed": {"const": "v1"},
      "ratio": {"type": "number", "minimum": 0.5, "maximum": 0.75},
      "open": {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 2},
      "even": {"type": "integer", "minimum": 3, "maximum": 9, "multipleOf": 2},
      "draft4": {"type": "integer", "minimum": 0, "maximum": 1, "exclusiveMaximum": true},
      "published": {"type": "boolean"},
      "nothing": {"type": "null"},
      "maybe": {"anyOf": [{"type": "string", "maxLength": 12}, {"type": "null"}]},
      "choice": {"oneOf": [{"type": "integer", "minimum": 7, "maximum": 7}, {"type": "string"}]},
      "nullable": {"type": ["string", "null"]},
      "when": {"type": "string", "format": "date-time"},
      "author": {"type": "object", "properties": {"name": {"type": "string"},
                 "email": {"type": "string", "format": "email"}}, "required": ["name"]},
      "items": {"type": "array", "minItems": 1, "items": {"type": "object",
                "properties": {"label": {"type": "string"}, "qty": {"type": "integer"}},
                "required": ["label", "qty"]}}
    },
    "required": ["title", "summary", "tags", "extra"],
    "additionalProperties": false,
    "description": "a post"})");
  OfflineProvider p;
  CancelToken cancel;
  auto r = p.GenerateText(
      MakeStructured("Write a launch post about solar lanterns for camping trips", schema), cancel);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->text.find('\n'), std::string::npos) << "compact";
  Json v = Json::parse(r->text);
  EXPECT_EQ(Violation(schema, v), "") << v.dump(2);
  EXPECT_EQ(v["fixed"], "v1");
  EXPECT_EQ(v["choice"], 7);
  EXPECT_EQ(v["draft4"], 0);
  EXPECT_TRUE(v["extra"].is_string());  // required but undeclared: a string
  EXPECT_TRUE(v["nullable"].is_string());
  EXPECT_EQ(v["pair"].size(), 2u);
  EXPECT_TRUE(v["empty"].empty());
  EXPECT_TRUE(std::regex_match(v["when"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << v["when"];
  // Words come from the prompt.
  EXPECT_NE(r->text.find("lantern"), std::string::npos) << r->text;
  // Deterministic.
  EXPECT_EQ(p.GenerateText(MakeStructured("Write a launch post about solar lanterns for camping "
                                          "trips",
                                          schema),
                           cancel)
                ->text,
            r->text);
}

TEST(OfflineProviderJsonTest, TopLevelScalarsAndArrays) {
  OfflineProvider p;
  CancelToken cancel;
  for (const char* s : {R"({"type":"integer"})", R"({"type":"string","maxLength":5})",
                        R"({"type":"array","items":{"type":"boolean"},"minItems":4})",
                        R"({"type":"null"})", R"({"enum":["a","b"]})", R"({})", "true"}) {
    Json schema = Json::parse(s);
    auto r = p.GenerateText(MakeStructured("Describe a quiet bookshop", schema), cancel);
    ASSERT_TRUE(r.has_value()) << s << ": " << r.error().ToString();
    Json v = Json::parse(r->text);
    EXPECT_EQ(Violation(schema.is_object() ? schema : Json::object(), v), "") << s << " " << v;
  }
}

TEST(OfflineProviderJsonTest, ReviewScoreFollowsTheContentUnderReview) {
  OfflineProvider p;
  CancelToken cancel;
  const std::string draft =
      "Review this draft: Our solar lanterns charge in a day and glow all night on the trail.";
  auto a = p.GenerateText(MakeStructured(draft, kReviewSchema), cancel);
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  Json va = Json::parse(a->text);
  ASSERT_EQ(Violation(kReviewSchema, va), "") << a->text;
  ASSERT_TRUE(va["score"].is_number_integer());
  EXPECT_GE(va["score"].get<int>(), 0);
  EXPECT_LE(va["score"].get<int>(), 100);
  const std::string feedback = va["feedback"].get<std::string>();
  EXPECT_GT(feedback.size(), 20u);
  EXPECT_EQ(feedback.back(), '.');
  EXPECT_TRUE(feedback.find("solar") != std::string::npos ||
              feedback.find("lanterns") != std::string::npos ||
              feedback.find("trail") != std::string::npos)
      << feedback;

  // The same content, even under another system prompt, gets the same score.
  auto req = MakeStructured(draft, kReviewSchema);
  req.system = "You are a strict editor.";
  req.temperature = 0.1;
  auto again = p.GenerateText(req, cancel);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(Json::parse(again->text)["score"], va["score"]);

  // Revised content usually scores differently; all scores stay within bounds.
  std::set<int> scores;
  for (int i = 0; i < 12; ++i) {
    auto r = p.GenerateText(
        MakeStructured(draft + " Revision " + std::to_string(i) + ".", kReviewSchema), cancel);
    ASSERT_TRUE(r.has_value());
    int score = Json::parse(r->text)["score"].get<int>();
    EXPECT_GE(score, 0);
    EXPECT_LE(score, 100);
    scores.insert(score);
  }
  EXPECT_GE(scores.size(), 6u);
}

TEST(OfflineProviderJsonTest, OfflineRevisionsScoreHigher) {
  OfflineProvider p;
  CancelToken cancel;
  auto score = [&](const std::string& content) {
    auto r = p.GenerateText(MakeStructured(content, kReviewSchema), cancel);
    EXPECT_TRUE(r.has_value());
    return Json::parse(r->text)["score"].get<int>();
  };
  const std::string body = "\n\nSolar lanterns glow all night.";
  EXPECT_EQ(score("# Lanterns (Revision 9)" + body), 100);
  EXPECT_GE(score("# Lanterns (Revision 3)" + body), 45 + 21);
}

TEST(OfflineProviderJsonTest, UnsupportedSchemasAreInvalidArgumentNamingThePath) {
  OfflineProvider p;
  CancelToken cancel;
  auto error_for = [&](const char* schema) {
    auto r = p.GenerateText(MakeStructured("hello world", Json::parse(schema)), cancel);
    return r.has_value() ? std::string("ok: ") + r->text
                         : std::string(CodeName(r.error().code())) + " " + r.error().message();
  };
  auto expect_invalid = [&](const char* schema, const std::string& path) {
    std::string e = error_for(schema);
    EXPECT_EQ(e.rfind("invalid_argument", 0), 0u) << schema << " -> " << e;
    EXPECT_NE(e.find(" at " + path + ":"), std::string::npos) << schema << " -> " << e;
  };
  expect_invalid(R"({"type":"object","properties":{"a":{"$ref":"#/$defs/a"}}})", "$.a");
  expect_invalid(R"({"type":"object","properties":{"a":{"type":"date"}}})", "$.a");
  expect_invalid(R"({"type":"array","items":{"type":"string","pattern":"^x"}})", "$[]");
  expect_invalid(R"({"allOf":[{"type":"string"}]})", "$");
  expect_invalid(R"({"not":{"type":"string"}})", "$");
  expect_invalid(R"({"type":"string","minLength":5,"maxLength":2})", "$");
  expect_invalid(R"({"type":"integer","minimum":3,"maximum":2})", "$");
  expect_invalid(R"({"type":"integer","minimum":1.2,"maximum":1.8})", "$");
  expect_invalid(R"({"type":"integer","minimum":3,"maximum":5,"multipleOf":7})", "$");
  expect_invalid(R"({"type":"array","minItems":3,"maxItems":1})", "$");
  expect_invalid(R"({"type":"array","items":{"enum":[1]},"minItems":2,"uniqueItems":true})", "$");
  expect_invalid(R"({"enum":[]})", "$");
  expect_invalid(R"({"type":"string","format":"ipv6"})", "$");
  expect_invalid(
      R"({"type":"object","properties":{"a":{"type":"object","properties":{"b":false}}}})",
      "$.a.b");
  expect_invalid("42", "$");
}

TEST(OfflineProviderJsonTest, StringLengthsCountCharacters) {
  OfflineProvider p;
  CancelToken cancel;
  const Json schema = Json::parse(R"({"type":"object","properties":{
      "short": {"type":"string","maxLength":3},
      "long": {"type":"string","minLength":200,"maxLength":210}}})");
  auto r = p.GenerateText(MakeStructured("Café crème über alles, très délicieux", schema), cancel);
  ASSERT_TRUE(r.has_value());
  Json v = Json::parse(r->text);  // throws on invalid UTF-8
  EXPECT_EQ(Violation(schema, v), "") << r->text;

  // Broken UTF-8 in the prompt still gives parseable JSON.
  auto broken =
      p.GenerateText(MakeStructured("truncated caf\xc3 lanterns\xff\xfe", schema), cancel);
  ASSERT_TRUE(broken.has_value());
  EXPECT_TRUE(Json::accept(broken->text)) << broken->text;
}

// --- Text sessions --------------------------------------------------------------------------

TEST(OfflineProviderTextTest, SessionHashesTheConversation) {
  OfflineProvider p;
  CancelToken cancel;
  auto req = MakeText("Write a launch post about solar lanterns");
  auto a = p.GenerateText(req, cancel);
  auto b = p.GenerateText(req, cancel);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(std::regex_match(a->session, std::regex("offline:[0-9a-f]{16}"))) << a->session;
  EXPECT_EQ(a->session, b->session);

  // A handle with no earlier assistant turn is simply a fresh conversation.
  auto with_handle = req;
  with_handle.session = "offline:feedfacecafebeef";
  auto c = p.GenerateText(with_handle, cancel);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->text, a->text);

  req.messages.push_back({"assistant", a->text});
  req.messages.push_back({"user", "Make it shorter"});
  req.session = a->session;
  auto d = p.GenerateText(req, cancel);
  ASSERT_TRUE(d.has_value());
  EXPECT_NE(d->session, a->session);
  EXPECT_NE(p.GenerateText(MakeText("Another topic entirely"), cancel)->session, a->session);

  auto json = p.GenerateText(MakeStructured("Rate this", kReviewSchema), cancel);
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->session.rfind("offline:", 0), 0u);
}

TEST(TextSynthTest, TruncatesAtWordBoundaries) {
  EXPECT_EQ(offline::TruncateAtWord("hello brave new world", 100), "hello brave new world");
  EXPECT_EQ(offline::TruncateAtWord("hello brave new world", 13), "hello brave");
  EXPECT_EQ(offline::TruncateAtWord("hello brave new world", 11), "hello brave");
  EXPECT_EQ(offline::TruncateAtWord("abcdefghij", 4), "abcd");
  EXPECT_EQ(offline::TruncateAtWord("\xc3\xa9\xc3\xa9\xc3\xa9", 3), "\xc3\xa9");
}

TEST(TextSynthTest, ExtractsKeywordsAndTitles) {
  EXPECT_EQ(offline::TitleFromPrompt("write {{topic}} now, please: one two three four five six"),
            "Write Topic Now Please One Two Three Four");
  EXPECT_EQ(offline::KeywordsOf("Write about the Solar solar lanterns, 2024 and tents"),
            (std::vector<std::string>{"solar", "lanterns", "tents"}));
}

}  // namespace
}  // namespace atelier

namespace atelier {
namespace {

TEST(OfflineRevision, EditsCountTheirRefinementsInThePng) {
  OfflineProvider p;
  CancelToken cancel;
  ImageRequest gen;
  gen.prompt = "a lighthouse";
  auto first = p.GenerateImage(gen, cancel);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(offline::PngRevision(first->images[0].bytes), 0);
  ImageEditRequest edit;
  edit.instruction = "zoom out";
  edit.image = {"image/png", first->images[0].bytes};
  auto second = p.EditImage(edit, cancel);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(offline::PngRevision(second->images[0].bytes), 1);
  edit.image = {"image/png", second->images[0].bytes};
  auto third = p.EditImage(edit, cancel);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(offline::PngRevision(third->images[0].bytes), 2);
  EXPECT_TRUE(offline::DecodePng(third->images[0].bytes).has_value()) << "still a valid PNG";
  EXPECT_EQ(offline::PngRevision("not a png"), 0);
}

TEST(OfflineRevision, ReviewsOfRefinedImagesScoreHigher) {
  OfflineProvider p;
  CancelToken cancel;
  ImageRequest gen;
  gen.prompt = "a lighthouse";
  auto image = p.GenerateImage(gen, cancel)->images[0].bytes;
  TextRequest review;
  review.json_schema = Json::parse(R"({"type": "object", "required": ["score", "feedback"],
      "properties": {"score": {"type": "integer", "minimum": 0, "maximum": 100},
                     "feedback": {"type": "string"}}})");
  auto score_of = [&](const std::string& bytes) {
    review.messages = {{"user", "Review the attached image.", {{"image/png", bytes}}}};
    auto r = p.GenerateText(review, cancel);
    EXPECT_TRUE(r.has_value());
    return Json::parse(r->text)["score"].get<int>();
  };
  const int before = score_of(image);
  EXPECT_EQ(score_of(image), before) << "the same picture gets the same score";
  ImageEditRequest edit;
  edit.instruction = "brighter";
  edit.image = {"image/png", image};
  std::string bytes = image;
  for (int i = 0; i < 3; ++i) {
    edit.image = {"image/png", bytes};
    bytes = p.EditImage(edit, cancel)->images[0].bytes;
  }
  EXPECT_GT(score_of(bytes), before) << "three refinements in, the reviewer is happier";
}

}  // namespace
}  // namespace atelier
