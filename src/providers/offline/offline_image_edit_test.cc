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


// --- Revisions -----------------------------------------------------------------------------

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
