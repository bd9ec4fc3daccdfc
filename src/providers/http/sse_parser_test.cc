#include "atelier/providers/http/sse_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace atelier {
namespace {

std::vector<SseEvent> ParseInPieces(const std::string& text, size_t piece) {
  std::vector<SseEvent> out;
  SseParser p([&](const SseEvent& e) { out.push_back(e); });
  for (size_t i = 0; i < text.size(); i += piece) p.Feed(std::string_view(text).substr(i, piece));
  return out;
}

TEST(SseParserTest, EventsComeOutWholeHoweverTheBytesAreCut) {
  const std::string text =
      ": keep-alive\r\n\r\ndata: {\"a\":1}\r\n\r\nevent: error\r\ndata: one\r\ndata:two\r\n\r\n"
      "data: [DONE]\n\n";
  for (size_t piece : {1, 2, 3, 7, 100}) {
    auto events = ParseInPieces(text, piece);
    ASSERT_EQ(events.size(), 3u) << "piece " << piece;
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[0].event, "");
    EXPECT_EQ(events[1].event, "error");
    EXPECT_EQ(events[1].data, "one\ntwo");
    EXPECT_EQ(events[2].data, "[DONE]");
  }
}

TEST(SseParserTest, AnUnfinishedEventIsNotReported) {
  auto events = ParseInPieces("data: {\"a\":1}\n\ndata: {\"cut", 4);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "{\"a\":1}");
}

}  // namespace
}  // namespace atelier
