// The Gemini adapter's streamed answers (streamGenerateContent?alt=sse), against a loopback
// server that streams Server-Sent Events in chunked pieces.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "atelier/providers/gemini/gemini_provider.h"
#include "atelier/providers/http/curl_http_client.h"
#include "tests/loopback_server.h"
#include "tests/recording_sink.h"

namespace atelier {
namespace {

std::string Chunk(const std::string& text, const std::string& finish = "",
                  const Json& usage = Json()) {
  Json candidate = {{"content", {{"role", "model"}, {"parts", {{{"text", text}}}}}}};
  if (!finish.empty()) candidate["finishReason"] = finish;
  Json j = {{"candidates", {candidate}}, {"modelVersion", "gemini-2.5-flash-001"}};
  if (!usage.is_null()) j["usageMetadata"] = usage;
  return "data: " + j.dump() + "\r\n\r\n";
}

class GeminiStreamTest : public ::testing::Test {
 protected:
  void Stream(std::string text, size_t piece, size_t cut = std::string::npos) {
    server_.svr().Post(
        R"(/v1beta/models/([^/:]+):streamGenerateContent)",
        [this, text, piece, cut](const httplib::Request& req, httplib::Response& res) {
          {
            std::lock_guard<std::mutex> l(mu_);
            alt_ = req.get_param_value("alt");
          }
          res.set_chunked_content_provider(
              "text/event-stream", [text, piece, cut](size_t, httplib::DataSink& sink) {
                const size_t end = std::min(text.size(), cut);
                for (size_t i = 0; i < end; i += piece) {
                  if (!sink.write(text.data() + i, std::min(piece, end - i))) return false;
                }
                if (cut != std::string::npos) return false;
                sink.done();
                return true;
              });
        });
    server_.Start();
  }

  Result<TextResponse> Generate(ProgressSink* sink) {
    GeminiConfig config;
    config.base_url = server_.base_url();
    config.api_key = "key";
    config.timeout_ms = 5000;
    GeminiProvider provider("gemini", config, std::make_shared<CurlHttpClient>());
    TextRequest req;
    req.model = "gemini-2.5-flash";
    req.messages = {{"user", "Say hello", {}}};
    req.call.progress = sink;
    return provider.GenerateText(req, cancel_);
  }

  testing::LoopbackServer server_;
  CancelToken cancel_;
  std::mutex mu_;
  std::string alt_;
};

TEST_F(GeminiStreamTest, StreamedChunksMakeTheSameResponseAndReportEachPiece) {
  Stream(Chunk("Hello") + Chunk(", world") +
             Chunk("!", "STOP",
                   {{"promptTokenCount", 7}, {"candidatesTokenCount", 3}, {"totalTokenCount", 10}}),
         9);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "Hello, world!");
  EXPECT_EQ(resp->model, "gemini-2.5-flash-001");
  EXPECT_EQ(resp->usage.input_tokens, 7);
  EXPECT_EQ(resp->usage.output_tokens, 3);
  EXPECT_EQ(sink.pieces(), (std::vector<std::string>{"Hello", ", world", "!"}));
  std::lock_guard<std::mutex> l(mu_);
  EXPECT_EQ(alt_, "sse");
}

TEST_F(GeminiStreamTest, AStreamCutMidwayIsATransientFailure) {
  const std::string whole = Chunk("Hello") + Chunk(" world", "STOP");
  Stream(whole, 6, whole.find(" world"));
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
  EXPECT_EQ(sink.text(), "Hello");
}

TEST_F(GeminiStreamTest, AStreamWithoutAFinishIsATransientFailure) {
  Stream(Chunk("Hello"), 6);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
}

TEST_F(GeminiStreamTest, AnErrorChunkIsClassifiedByItsCode) {
  Stream(
      Chunk("Hel") +
          R"(data: {"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}})"
          "\n\n",
      5);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kResourceExhausted) << resp.error().ToString();
  EXPECT_NE(resp.error().message().find("Quota exceeded"), std::string::npos);
}

}  // namespace
}  // namespace atelier
