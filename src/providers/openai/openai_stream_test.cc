// The OpenAI adapter's streamed chat answers ("stream": true), against a loopback server that
// streams Server-Sent Events in chunked pieces the way the API does.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "atelier/providers/http/curl_http_client.h"
#include "atelier/providers/openai/openai_provider.h"
#include "tests/loopback_server.h"
#include "tests/recording_sink.h"

namespace atelier {
namespace {

std::string Chunk(const Json& delta, const Json& finish = Json()) {
  Json j = {{"id", "chatcmpl-1"},
            {"object", "chat.completion.chunk"},
            {"model", "gpt-4o-2024-08-06"},
            {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}};
  return "data: " + j.dump() + "\n\n";
}

std::string UsageChunk(int prompt, int completion) {
  Json j = {{"id", "chatcmpl-1"},
            {"object", "chat.completion.chunk"},
            {"model", "gpt-4o-2024-08-06"},
            {"choices", Json::array()},
            {"usage", {{"prompt_tokens", prompt}, {"completion_tokens", completion}}}};
  return "data: " + j.dump() + "\n\n";
}

// The stream of a whole answer: "Hello, wörld!" in three deltas, the finish, usage, [DONE].
std::string WholeStream() {
  return Chunk({{"role", "assistant"}, {"content", ""}}) + Chunk({{"content", "Hello"}}) +
         Chunk({{"content", ", w\xC3\xB6"}}) + Chunk({{"content", "rld!"}}) +
         Chunk(Json::object(), "stop") + UsageChunk(9, 4) + "data: [DONE]\n\n";
}

class OpenAiStreamTest : public ::testing::Test {
 protected:
  // Serves every chat completion as text/event-stream: `text` written in pieces of `piece`
  // bytes (each its own HTTP chunk, so lines and even UTF-8 characters are cut across reads).
  // With `cut`, the connection is dropped after that many bytes, with no end of the body.
  void Stream(std::string text, size_t piece, size_t cut = std::string::npos) {
    server_.svr().Post("/v1/chat/completions", [this, text, piece, cut](const httplib::Request& req,
                                                                        httplib::Response& res) {
      {
        std::lock_guard<std::mutex> l(mu_);
        seen_ = Json::parse(req.body, nullptr, false);
        accept_ = req.get_header_value("Accept");
      }
      res.set_chunked_content_provider(
          "text/event-stream", [text, piece, cut](size_t, httplib::DataSink& sink) {
            const size_t end = std::min(text.size(), cut);
            for (size_t i = 0; i < end; i += piece) {
              if (!sink.write(text.data() + i, std::min(piece, end - i))) return false;
            }
            if (cut != std::string::npos) return false;  // drop the connection mid-answer
            sink.done();
            return true;
          });
    });
    server_.Start();
  }

  Result<TextResponse> Generate(ProgressSink* sink) {
    OpenAiConfig config;
    config.base_url = server_.base_url();
    config.api_key = "sk-test";
    config.timeout_ms = 5000;
    OpenAiProvider provider("openai", config, std::make_shared<CurlHttpClient>());
    TextRequest req;
    req.model = "gpt-4o";
    req.system = "Be brief.";
    req.messages = {{"user", "Say hello to the world", {}}};
    req.call.progress = sink;
    return provider.GenerateText(req, cancel_);
  }

  Json seen() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }

  testing::LoopbackServer server_;
  CancelToken cancel_;
  std::mutex mu_;
  Json seen_;
  std::string accept_;
};

TEST_F(OpenAiStreamTest, AStreamedAnswerIsTheSameResponseAndReportsEachPiece) {
  Stream(WholeStream(), 7);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "Hello, w\xC3\xB6rld!");
  EXPECT_EQ(resp->model, "gpt-4o-2024-08-06");
  EXPECT_EQ(resp->usage.input_tokens, 9);
  EXPECT_EQ(resp->usage.output_tokens, 4);
  EXPECT_FALSE(resp->usage.estimated);
  EXPECT_EQ(sink.pieces(), (std::vector<std::string>{"Hello", ", w\xC3\xB6", "rld!"}));
  EXPECT_EQ(sink.restarts(), 1);

  Json body = seen();
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_NE(accept_.find("text/event-stream"), std::string::npos);
}

TEST_F(OpenAiStreamTest, WithoutASinkTheRequestDoesNotAskToStream) {
  server_.svr().Post(
      "/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
        {
          std::lock_guard<std::mutex> l(mu_);
          seen_ = Json::parse(req.body, nullptr, false);
        }
        res.set_content(
            R"({"model":"m","choices":[{"message":{"content":"hi"},"finish_reason":"stop"}],)"
            R"("usage":{"prompt_tokens":1,"completion_tokens":1}})",
            "application/json");
      });
  server_.Start();
  auto resp = Generate(nullptr);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "hi");
  EXPECT_FALSE(seen().contains("stream"));
  EXPECT_FALSE(seen().contains("stream_options"));
}

TEST_F(OpenAiStreamTest, AServerThatAnswersInOnePieceIsReadAsBefore) {
  server_.svr().Post("/v1/chat/completions", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        R"({"model":"m","choices":[{"message":{"content":"whole"},"finish_reason":"stop"}],)"
        R"("usage":{"prompt_tokens":3,"completion_tokens":2}})",
        "application/json");
  });
  server_.Start();
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "whole");
  EXPECT_EQ(resp->usage.output_tokens, 2);
}

TEST_F(OpenAiStreamTest, WithoutUsageInTheStreamItIsEstimated) {
  Stream(Chunk({{"content", "12345678"}}) + Chunk(Json::object(), "stop") + "data: [DONE]\n\n", 5);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "12345678");
  EXPECT_TRUE(resp->usage.estimated);
  EXPECT_EQ(resp->usage.output_tokens, 2);
  EXPECT_GT(resp->usage.input_tokens, 0);
}

TEST_F(OpenAiStreamTest, AStreamCutMidwayIsATransientFailure) {
  const std::string whole = WholeStream();
  Stream(whole, 5, whole.find("rld!"));
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
  EXPECT_EQ(sink.text(), "Hello, w\xC3\xB6");  // what arrived before the cut was reported
}

TEST_F(OpenAiStreamTest, AStreamThatEndsCleanlyBeforeItsLastChunkIsATransientFailure) {
  Stream(Chunk({{"content", "Hel"}}), 4);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  EXPECT_NE(resp.error().message().find("ended before its last chunk"), std::string::npos)
      << resp.error().ToString();
}

TEST_F(OpenAiStreamTest, AnErrorEventIsClassifiedLikeTheSameHttpError) {
  Stream(
      Chunk({{"content", "Hel"}}) +
          R"(data: {"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})"
          "\n\n",
      6);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kResourceExhausted) << resp.error().ToString();
  EXPECT_NE(resp.error().message().find("Rate limit reached"), std::string::npos);
}

TEST_F(OpenAiStreamTest, AServerErrorEventIsRetryable) {
  Stream(R"(data: {"error":{"message":"overloaded","type":"server_error"}})"
         "\n\n",
         3);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
}

TEST_F(OpenAiStreamTest, AnInvalidRequestErrorEventIsNotRetried) {
  Stream(R"(data: {"error":{"message":"bad schema","type":"invalid_request_error"}})"
         "\n\n",
         3);
  testing::RecordingSink sink;
  auto resp = Generate(&sink);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument) << resp.error().ToString();
}

}  // namespace
}  // namespace atelier
