// The offline provider reports its answer as a streaming API would, when someone watches, and
// answers exactly as it does when no one does.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "atelier/providers/offline/offline_provider.h"
#include "tests/recording_sink.h"

namespace atelier {
namespace {

TextRequest Request() {
  TextRequest req;
  req.model = "offline";
  req.system = "Be vivid.";
  req.messages = {{"user", "Write a short note about caf\xC3\xA9s in Lisbon", {}}};
  req.call.idempotency_key = "ex/step/v1/a1";
  return req;
}

TEST(OfflineStreamTest, TheTextComesInPiecesThatMakeTheSameAnswer) {
  OfflineProvider p;
  CancelToken cancel;
  auto plain = p.GenerateText(Request(), cancel);
  ASSERT_TRUE(plain.has_value()) << plain.error().ToString();

  testing::RecordingSink sink;
  TextRequest watched = Request();
  watched.call.progress = &sink;
  auto streamed = p.GenerateText(watched, cancel);
  ASSERT_TRUE(streamed.has_value()) << streamed.error().ToString();

  EXPECT_EQ(streamed->text, plain->text);
  EXPECT_EQ(streamed->session, plain->session);
  EXPECT_EQ(streamed->usage.output_tokens, plain->usage.output_tokens);
  EXPECT_EQ(sink.text(), plain->text);
  EXPECT_GT(sink.pieces().size(), 2u);
  for (const std::string& piece : sink.pieces()) {
    ASSERT_FALSE(piece.empty());
    // Every piece starts on a character, never inside a UTF-8 sequence.
    EXPECT_NE(static_cast<unsigned char>(piece[0]) & 0xC0, 0x80) << piece;
  }
}

TEST(OfflineStreamTest, ImagesReportTheirSamplingSteps) {
  OfflineProvider p;
  CancelToken cancel;
  ImageRequest req;
  req.model = "offline";
  req.prompt = "a lighthouse";
  req.width = 64;
  req.height = 64;
  req.count = 2;
  auto plain = p.GenerateImage(req, cancel);
  ASSERT_TRUE(plain.has_value()) << plain.error().ToString();

  testing::RecordingSink sink;
  req.call.progress = &sink;
  auto watched = p.GenerateImage(req, cancel);
  ASSERT_TRUE(watched.has_value()) << watched.error().ToString();
  ASSERT_EQ(watched->images.size(), plain->images.size());
  EXPECT_EQ(watched->images[0].bytes, plain->images[0].bytes);
  auto steps = sink.steps();
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.back().first, steps.back().second);  // the last step is the whole
  for (size_t i = 1; i < steps.size(); ++i) EXPECT_GT(steps[i].first, steps[i - 1].first);
}

TEST(OfflineStreamTest, ABadChunkDelayKnobIsRefused) {
  OfflineProvider p;
  CancelToken cancel;
  testing::RecordingSink sink;
  TextRequest req = Request();
  req.call.progress = &sink;
  req.call.knobs = {{"stream_chunk_ms", -5}};
  auto resp = p.GenerateText(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_NE(resp.error().message().find("stream_chunk_ms"), std::string::npos);
}

}  // namespace
}  // namespace atelier
