#include "atelier/providers/openai/openai_provider.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "atelier/providers/http/base64.h"
#include "atelier/providers/http/curl_http_client.h"
#include "tests/loopback_server.h"

namespace atelier {
namespace {

using testing::DroppingListener;

using SteadyClock = std::chrono::steady_clock;

int64_t MsSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

// What the fake OpenAI server saw of the last request.
struct Seen {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // the ones the tests look at
  std::string body;
  std::map<std::string, httplib::MultipartFormData> form;
  bool multipart = false;
  Json json;
};

// A cpp-httplib server on 127.0.0.1 and a free port playing an OpenAI-compatible API.
class FakeOpenAi : public testing::LoopbackServer {
 public:
  void Record(const httplib::Request& req) {
    std::lock_guard<std::mutex> l(mu_);
    seen_ = Seen{};
    seen_.method = req.method;
    seen_.path = req.path;
    for (const char* h : {"Authorization", "Content-Type", "Idempotency-Key"}) {
      if (req.has_header(h)) seen_.headers[h] = req.get_header_value(h);
    }
    seen_.body = req.body;
    seen_.multipart = req.is_multipart_form_data();
    for (const auto& [name, part] : req.files) seen_.form[name] = part;
    seen_.json = Json::parse(req.body, nullptr, false);
    ++count_;
  }
  Seen seen() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }
  int count() {
    std::lock_guard<std::mutex> l(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  Seen seen_;
  int count_ = 0;
};

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
  return s;
}

// The head of a PNG file (signature and IHDR) followed by every byte value, so that a decode
// that drops or mangles any byte shows.
std::string FakePng(uint32_t width, uint32_t height) {
  std::string s("\x89PNG\r\n\x1a\n", 8);
  s += Be32(13) + "IHDR" + Be32(width) + Be32(height) + std::string("\x08\x06\x00\x00\x00", 5);
  s += Be32(0x12345678);
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

std::string FakeJpeg(uint16_t width, uint16_t height) {
  std::string s("\xFF\xD8", 2);
  s += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  s += std::string("\xFF\xC0\x00\x11\x08", 5);
  s.push_back(static_cast<char>(height >> 8));
  s.push_back(static_cast<char>(height & 0xFF));
  s.push_back(static_cast<char>(width >> 8));
  s.push_back(static_cast<char>(width & 0xFF));
  s += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xFF\xD9", 12);
  return s;
}

std::string ChatAnswer(const std::string& content) {
  Json j = {{"id", "chatcmpl-1"},
            {"object", "chat.completion"},
            {"model", "gpt-4o-2024-08-06"},
            {"choices",
             {{{"index", 0},
               {"message", {{"role", "assistant"}, {"content", content}}},
               {"finish_reason", "stop"}}}},
            {"usage", {{"prompt_tokens", 12}, {"completion_tokens", 5}, {"total_tokens", 17}}}};
  return j.dump();
}

class OpenAiProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { http_ = std::make_shared<CurlHttpClient>(); }

  std::unique_ptr<OpenAiProvider> MakeProvider(const std::string& key = "sk-test",
                                               int64_t timeout_ms = 5000) {
    OpenAiConfig config;
    config.base_url = server_.base_url();
    config.api_key = key;
    config.timeout_ms = timeout_ms;
    return std::make_unique<OpenAiProvider>("openai", config, http_);
  }

  // Answers every chat completion with `status` and `body` (and records the request).
  void AnswerChat(int status, std::string body,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    server_.svr().Post(
        "/v1/chat/completions",
        [this, status, body, headers](const httplib::Request& req, httplib::Response& res) {
          server_.Record(req);
          res.status = status;
          for (const auto& [k, v] : headers) res.set_header(k, v);
          res.set_content(body, "application/json");
        });
  }

  static TextRequest SimpleText() {
    TextRequest req;
    req.model = "gpt-4o";
    req.messages = {{"user", "Say hi", {}}};
    req.call.idempotency_key = "ex_1/step/v1/a1";
    return req;
  }

  FakeOpenAi server_;
  std::shared_ptr<HttpClient> http_;
  CancelToken cancel_;
};

// ---- text ----

TEST_F(OpenAiProviderTest, GenerateTextSendsTheDocumentedChatRequest) {
  AnswerChat(200, ChatAnswer("{\"title\":\"Hello\"}"));
  server_.Start();
  auto provider = MakeProvider();

  TextRequest req;
  req.model = "openai/gpt-4o";
  req.system = "You are a copywriter.";
  const std::string png = FakePng(2, 2);
  req.messages = {{"user", "Describe this", {{"image/png", png}}},
                  {"assistant", "A small square.", {}},
                  {"user", "Now a title", {}}};
  req.temperature = 0.25;
  req.max_tokens = 333;
  req.json_schema = {{"type", "object"},
                     {"properties", {{"title", {{"type", "string"}}}}},
                     {"required", {"title"}}};
  req.call.idempotency_key = "ex_9/write/v1/a2";
  auto resp = provider->GenerateText(req, cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "{\"title\":\"Hello\"}");
  EXPECT_EQ(resp->model, "gpt-4o-2024-08-06");
  EXPECT_EQ(resp->usage.input_tokens, 12);
  EXPECT_EQ(resp->usage.output_tokens, 5);

  Seen seen = server_.seen();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v1/chat/completions");
  EXPECT_EQ(seen.headers["Authorization"], "Bearer sk-test");
  EXPECT_EQ(seen.headers["Content-Type"], "application/json");
  EXPECT_EQ(seen.headers["Idempotency-Key"], "ex_9/write/v1/a2");
  const Json& body = seen.json;
  ASSERT_TRUE(body.is_object()) << seen.body;
  EXPECT_EQ(body["model"], "gpt-4o");  // the "openai/" routing prefix is not sent
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.25);
  EXPECT_EQ(body["max_tokens"], 333);
  const Json& messages = body["messages"];
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0]["role"], "system");
  EXPECT_EQ(messages[0]["content"], "You are a copywriter.");
  EXPECT_EQ(messages[1]["role"], "user");
  const Json& parts = messages[1]["content"];
  ASSERT_TRUE(parts.is_array());
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]["type"], "text");
  EXPECT_EQ(parts[0]["text"], "Describe this");
  EXPECT_EQ(parts[1]["type"], "image_url");
  EXPECT_EQ(parts[1]["image_url"]["url"], "data:image/png;base64," + Base64Encode(png));
  EXPECT_EQ(messages[2]["role"], "assistant");
  EXPECT_EQ(messages[2]["content"], "A small square.");
  EXPECT_EQ(messages[3]["content"], "Now a title");
  const Json& format = body["response_format"];
  EXPECT_EQ(format["type"], "json_schema");
  EXPECT_EQ(format["json_schema"]["name"], "output");
  EXPECT_EQ(format["json_schema"]["strict"], true);
  EXPECT_EQ(format["json_schema"]["schema"], req.json_schema);
}

TEST_F(OpenAiProviderTest, GenerateTextWithoutKeyOrSchemaSendsNeither) {
  AnswerChat(200, ChatAnswer("hi"));
  server_.Start();
  auto provider = MakeProvider(/*key=*/"");
  auto resp = provider->GenerateText(SimpleText(), cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "hi");
  Seen seen = server_.seen();
  EXPECT_EQ(seen.headers.count("Authorization"), 0u);
  EXPECT_FALSE(seen.json.contains("response_format"));
  EXPECT_EQ(seen.json["messages"].size(), 1u);  // no empty system message
  EXPECT_EQ(seen.json["messages"][0]["content"], "Say hi");
  EXPECT_EQ(seen.headers["Idempotency-Key"], "ex_1/step/v1/a1");
}

TEST_F(OpenAiProviderTest, GenerateTextJoinsContentPartsAndEstimatesMissingUsage) {
  Json answer = {
      {"model", "llama"},
      {"choices",
       {{{"message",
          {{"role", "assistant"},
           {"content",
            {{{"type", "text"}, {"text", "Hello, "}}, {{"type", "text"}, {"text", "world"}}}}}}}}}};
  AnswerChat(200, answer.dump());
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "Hello, world");
  EXPECT_EQ(resp->model, "llama");
  // No usage in the answer: ceil(bytes / 4) of what was sent ("Say hi") and answered.
  EXPECT_EQ(resp->usage.input_tokens, 2);
  EXPECT_EQ(resp->usage.output_tokens, 3);
  EXPECT_TRUE(resp->usage.estimated);
}

// A third-party server that reports no usage must not make a paid call free: the estimate covers
// the system prompt and the whole conversation sent, and the answer.
TEST_F(OpenAiProviderTest, MissingUsageIsEstimatedFromTheWholeConversation) {
  Json answer = {{"model", "compat"},
                 {"choices", {{{"message", {{"role", "assistant"}, {"content", std::string(40, 'a')}}}}}}};
  AnswerChat(200, answer.dump());
  server_.Start();
  TextRequest req = SimpleText();
  req.system = std::string(10, 's');                              // 3 tokens
  req.messages = {{"user", std::string(8, 'u'), {}},              // 2
                  {"assistant", std::string(17, 'x'), {}},        // 5
                  {"user", "caf\xc3\xa9", {}}};                  // 5 bytes: 2
  auto resp = MakeProvider()->GenerateText(req, cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->usage.input_tokens, 3 + 2 + 5 + 2);
  EXPECT_EQ(resp->usage.output_tokens, 10);
  EXPECT_TRUE(resp->usage.estimated);
}

TEST_F(OpenAiProviderTest, NullUsageIsEstimatedToo) {
  Json answer = {{"model", "compat"},
                 {"choices", {{{"message", {{"role", "assistant"}, {"content", "12345678"}}}}}},
                 {"usage", nullptr}};
  AnswerChat(200, answer.dump());
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->usage.input_tokens, 2);
  EXPECT_EQ(resp->usage.output_tokens, 2);
  EXPECT_TRUE(resp->usage.estimated);
}

TEST_F(OpenAiProviderTest, ReportedUsageIsTakenAsIs) {
  AnswerChat(200, ChatAnswer("ok"));
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->usage.input_tokens, 12);
  EXPECT_EQ(resp->usage.output_tokens, 5);
  EXPECT_FALSE(resp->usage.estimated);
}

TEST_F(OpenAiProviderTest, BaseUrlEndingInV1IsNotDoubled) {
  AnswerChat(200, ChatAnswer("ok"));
  server_.Start();
  OpenAiConfig config;
  config.base_url = server_.base_url() + "/v1/";
  auto provider = std::make_unique<OpenAiProvider>("local", config, http_);
  EXPECT_EQ(provider->name(), "local");
  auto resp = provider->GenerateText(SimpleText(), cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(server_.seen().path, "/v1/chat/completions");
}

// ---- faults ----

TEST_F(OpenAiProviderTest, RateLimitIsResourceExhaustedWithRetryAfterSeconds) {
  AnswerChat(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}",
             {{"Retry-After", "7"}});
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kResourceExhausted) << resp.error().ToString();
  ASSERT_TRUE(resp.error().retry_after_ms().has_value());
  EXPECT_EQ(*resp.error().retry_after_ms(), 7000);
  EXPECT_NE(resp.error().message().find("Rate limit reached"), std::string::npos);
  EXPECT_TRUE(IsRetryable(resp.error()));
}

TEST_F(OpenAiProviderTest, RateLimitWithHttpDateRetryAfter) {
  time_t when = std::time(nullptr) + 20;
  struct tm tm;
  gmtime_r(&when, &tm);
  char date[64];
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  AnswerChat(429, "{}", {{"Retry-After", date}});
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kResourceExhausted);
  ASSERT_TRUE(resp.error().retry_after_ms().has_value());
  EXPECT_GE(*resp.error().retry_after_ms(), 18000);
  EXPECT_LE(*resp.error().retry_after_ms(), 21000);
}

TEST_F(OpenAiProviderTest, ServerErrorIsUnavailableWithTheProvidersMessage) {
  AnswerChat(500, "{\"error\":{\"message\":\"The server had an error while processing\"}}");
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  EXPECT_NE(resp.error().message().find("The server had an error while processing"),
            std::string::npos)
      << resp.error().message();
  EXPECT_NE(resp.error().message().find("openai"), std::string::npos);
}

TEST_F(OpenAiProviderTest, BadRequestIsInvalidArgument) {
  AnswerChat(400, "{\"error\":{\"message\":\"bad model\"}}");
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_NE(resp.error().message().find("bad model"), std::string::npos);
  EXPECT_FALSE(IsRetryable(resp.error()));
}

TEST_F(OpenAiProviderTest, UnauthorizedIsPermissionDenied) {
  AnswerChat(401, "{\"error\":{\"message\":\"Incorrect API key provided\"}}");
  server_.Start();
  auto resp = MakeProvider("sk-wrong")->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kPermissionDenied);
  EXPECT_EQ(resp.error().message().find("sk-wrong"), std::string::npos);
}

TEST_F(OpenAiProviderTest, SlowServerPastTimeoutIsDeadlineExceeded) {
  server_.svr().Post("/v1/chat/completions",
                     [this](const httplib::Request&, httplib::Response& res) {
                       server_.HandlerWait(3000);
                       res.set_content(ChatAnswer("late"), "application/json");
                     });
  server_.Start();
  auto start = SteadyClock::now();
  auto resp = MakeProvider("sk-test", /*timeout_ms=*/300)->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kDeadlineExceeded) << resp.error().ToString();
  EXPECT_LT(MsSince(start), 2000);
}

TEST_F(OpenAiProviderTest, MalformedJsonInA200IsUnavailable) {
  AnswerChat(200, "{\"choices\": [ {\"message\": ");
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  EXPECT_NE(resp.error().message().find("malformed response"), std::string::npos);
  EXPECT_NE(resp.error().message().find("{\"choices\""), std::string::npos);  // an excerpt
}

TEST_F(OpenAiProviderTest, AnswerWithoutChoicesIsUnavailable) {
  AnswerChat(200, "{\"object\":\"chat.completion\",\"choices\":[]}");
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  EXPECT_NE(resp.error().message().find("malformed response"), std::string::npos);
}

// Valid JSON 100,000 levels deep, in a member the adapter never reads: refused before it is parsed.
TEST_F(OpenAiProviderTest, AnswerNestedTooDeepFailsNamingTheLimit) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  AnswerChat(200, "{\"extra\":" + deep + "," + ChatAnswer("hi").substr(1));
  server_.svr().Post("/v1/images/generations",
                     [&](const httplib::Request&, httplib::Response& res) {
                       res.set_content("{\"data\":[{\"meta\":" + deep + "}]}", "application/json");
                     });
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  EXPECT_NE(
      resp.error().message().find(
          "openai: malformed response: JSON nested deeper than 128 levels (line 1, column 137)"),
      std::string::npos)
      << resp.error().message().substr(0, 200);

  ImageRequest req;
  req.model = "m";
  req.prompt = "p";
  auto image = MakeProvider()->GenerateImage(req, cancel_);
  ASSERT_FALSE(image.has_value());
  EXPECT_NE(image.error().message().find("JSON nested deeper than 128 levels (line 1, column "),
            std::string::npos)
      << image.error().message().substr(0, 200);
}

TEST_F(OpenAiProviderTest, ErrorBodyNestedTooDeepIsQuotedNotParsed) {
  AnswerChat(500, "{\"error\":" + std::string(100000, '[') + std::string(100000, ']') + "}");
  server_.Start();
  auto resp = MakeProvider()->GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  EXPECT_NE(resp.error().message().find("{\"error\":[[[["), std::string::npos)
      << resp.error().message().substr(0, 200);
}

TEST_F(OpenAiProviderTest, DroppedConnectionIsUnavailable) {
  DroppingListener listener;
  ASSERT_TRUE(listener.ok());
  OpenAiConfig config;
  config.base_url = "http://127.0.0.1:" + std::to_string(listener.port());
  OpenAiProvider provider("openai", config, http_);
  auto resp = provider.GenerateText(SimpleText(), cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
}

TEST_F(OpenAiProviderTest, CancelDuringSlowAnswerReturnsCancelledWithinASecond) {
  server_.svr().Post("/v1/chat/completions",
                     [this](const httplib::Request&, httplib::Response& res) {
                       server_.HandlerWait(5000);
                       res.set_content(ChatAnswer("late"), "application/json");
                     });
  server_.Start();
  auto provider = MakeProvider();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel_.Cancel("execution stopped");
  });
  auto start = SteadyClock::now();
  auto resp = provider->GenerateText(SimpleText(), cancel_);
  int64_t elapsed = MsSince(start);
  canceller.join();
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kCancelled) << resp.error().ToString();
  EXPECT_LT(elapsed, 1200);
}

// ---- images ----

TEST_F(OpenAiProviderTest, GenerateImageDecodesBase64ToTheExactBytesServed) {
  const std::string png_a = FakePng(64, 48);
  const std::string png_b = FakePng(32, 16) + "tail";
  server_.svr().Post(
      "/v1/images/generations", [&](const httplib::Request& req, httplib::Response& res) {
        server_.Record(req);
        Json answer = {
            {"created", 1700000000},
            {"data", {{{"b64_json", Base64Encode(png_a)}}, {{"b64_json", Base64Encode(png_b)}}}}};
        res.set_content(answer.dump(), "application/json");
      });
  server_.Start();

  ImageRequest req;
  req.model = "openai/gpt-image-1";
  req.prompt = "a red fox";
  req.negative_prompt = "text, watermark";
  req.width = 1024;
  req.height = 768;
  req.count = 2;
  req.call.idempotency_key = "ex_2/img/v1/a1";
  auto resp = MakeProvider()->GenerateImage(req, cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 2u);
  EXPECT_EQ(resp->images[0].bytes, png_a);
  EXPECT_EQ(resp->images[0].mime, "image/png");
  EXPECT_EQ(resp->images[0].width, 64);
  EXPECT_EQ(resp->images[0].height, 48);
  EXPECT_EQ(resp->images[1].bytes, png_b);
  EXPECT_EQ(resp->images[1].width, 32);
  EXPECT_EQ(resp->usage.images, 2);
  EXPECT_EQ(resp->model, "gpt-image-1");

  Seen seen = server_.seen();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v1/images/generations");
  EXPECT_EQ(seen.headers["Authorization"], "Bearer sk-test");
  EXPECT_EQ(seen.headers["Content-Type"], "application/json");
  EXPECT_EQ(seen.headers["Idempotency-Key"], "ex_2/img/v1/a1");
  EXPECT_EQ(seen.json["model"], "gpt-image-1");
  EXPECT_EQ(seen.json["prompt"], "a red fox Avoid: text, watermark");
  EXPECT_EQ(seen.json["n"], 2);
  EXPECT_EQ(seen.json["size"], "1024x768");
  // gpt-image-1 rejects response_format (it always answers b64_json).
  EXPECT_FALSE(seen.json.contains("response_format")) << seen.body;
}

TEST_F(OpenAiProviderTest, DallEModelsGetTheResponseFormat) {
  server_.svr().Post(
      "/v1/images/generations", [&](const httplib::Request& req, httplib::Response& res) {
        server_.Record(req);
        Json answer = {{"data", {{{"b64_json", Base64Encode(FakePng(8, 8))}}}}};
        res.set_content(answer.dump(), "application/json");
      });
  server_.svr().Post("/v1/images/edits", [&](const httplib::Request& req, httplib::Response& res) {
    server_.Record(req);
    Json answer = {{"data", {{{"b64_json", Base64Encode(FakePng(8, 8))}}}}};
    res.set_content(answer.dump(), "application/json");
  });
  server_.Start();
  ImageRequest req;
  req.model = "dall-e-3";
  req.prompt = "a lighthouse";
  req.width = 1024;
  req.height = 1024;
  ASSERT_TRUE(MakeProvider()->GenerateImage(req, cancel_).has_value());
  EXPECT_EQ(server_.seen().json["response_format"], "b64_json");

  ImageEditRequest edit;
  edit.model = "dall-e-2";
  edit.instruction = "brighter";
  edit.image = {"image/png", FakePng(8, 8)};
  ASSERT_TRUE(MakeProvider()->EditImage(edit, cancel_).has_value());
  EXPECT_EQ(server_.seen().form["response_format"].content, "b64_json");

  edit.model = "openai/gpt-image-1";
  ASSERT_TRUE(MakeProvider()->EditImage(edit, cancel_).has_value());
  EXPECT_EQ(server_.seen().form.count("response_format"), 0u);
}

TEST_F(OpenAiProviderTest, GenerateImageFetchesUrlEntries) {
  const std::string jpeg = FakeJpeg(640, 360);
  server_.svr().Post("/v1/images/generations",
                     [&](const httplib::Request& req, httplib::Response& res) {
                       server_.Record(req);
                       Json answer = {{"data", {{{"url", server_.base_url() + "/files/1.jpg"}}}}};
                       res.set_content(answer.dump(), "application/json");
                     });
  std::atomic<int> downloads{0};
  server_.svr().Get("/files/1.jpg", [&](const httplib::Request&, httplib::Response& res) {
    downloads++;
    res.set_content(jpeg, "image/jpeg");
  });
  server_.Start();
  ImageRequest req;
  req.model = "dall-e-3";
  req.prompt = "a lighthouse";
  auto resp = MakeProvider()->GenerateImage(req, cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 1u);
  EXPECT_EQ(downloads.load(), 1);
  EXPECT_EQ(resp->images[0].bytes, jpeg);
  EXPECT_EQ(resp->images[0].mime, "image/jpeg");
  EXPECT_EQ(resp->images[0].width, 640);
  EXPECT_EQ(resp->images[0].height, 360);
  EXPECT_FALSE(server_.seen().json.contains("Avoid"));
  EXPECT_EQ(server_.seen().json["prompt"], "a lighthouse");
}

TEST_F(OpenAiProviderTest, UnknownImageFormatKeepsTheRequestedSize) {
  server_.svr().Post("/v1/images/generations",
                     [&](const httplib::Request&, httplib::Response& res) {
                       Json answer = {{"data", {{{"b64_json", Base64Encode("not an image")}}}}};
                       res.set_content(answer.dump(), "application/json");
                     });
  server_.Start();
  ImageRequest req;
  req.model = "m";
  req.prompt = "p";
  req.width = 300;
  req.height = 200;
  auto resp = MakeProvider()->GenerateImage(req, cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->images[0].width, 300);
  EXPECT_EQ(resp->images[0].height, 200);
}

TEST_F(OpenAiProviderTest, ImageAnswerWithoutDataIsUnavailable) {
  server_.svr().Post("/v1/images/generations",
                     [&](const httplib::Request&, httplib::Response& res) {
                       res.set_content("{\"data\":[]}", "application/json");
                     });
  server_.Start();
  ImageRequest req;
  req.model = "m";
  req.prompt = "p";
  auto resp = MakeProvider()->GenerateImage(req, cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
}

TEST_F(OpenAiProviderTest, ImageRateLimitIsResourceExhausted) {
  server_.svr().Post("/v1/images/generations",
                     [&](const httplib::Request&, httplib::Response& res) {
                       res.status = 429;
                       res.set_header("Retry-After", "3");
                       res.set_content("{\"error\":{\"message\":\"busy\"}}", "application/json");
                     });
  server_.Start();
  ImageRequest req;
  req.model = "m";
  req.prompt = "p";
  auto resp = MakeProvider()->GenerateImage(req, cancel_);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kResourceExhausted);
  EXPECT_EQ(resp.error().retry_after_ms().value_or(-1), 3000);
}

TEST_F(OpenAiProviderTest, EditImageSendsAMultipartForm) {
  const std::string source = FakePng(512, 512);
  const std::string edited = FakePng(512, 512) + "edited";
  server_.svr().Post("/v1/images/edits", [&](const httplib::Request& req, httplib::Response& res) {
    server_.Record(req);
    Json answer = {{"data", {{{"b64_json", Base64Encode(edited)}}}}};
    res.set_content(answer.dump(), "application/json");
  });
  server_.Start();

  ImageEditRequest req;
  req.model = "gpt-image-1";
  req.instruction = "make the sky purple";
  req.image = {"image/png", source};
  req.history = {
      {"user", "a castle at dusk", {}}, {"assistant", "(image)", {}}, {"user", "add a dragon", {}}};
  req.width = 512;
  req.height = 512;
  req.count = 1;
  req.call.idempotency_key = "ex_3/edit/v2/a1";
  auto resp = MakeProvider()->EditImage(req, cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 1u);
  EXPECT_EQ(resp->images[0].bytes, edited);
  EXPECT_EQ(resp->usage.images, 1);

  Seen seen = server_.seen();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v1/images/edits");
  EXPECT_TRUE(seen.multipart);
  EXPECT_EQ(seen.headers["Content-Type"].rfind("multipart/form-data; boundary=", 0), 0u)
      << seen.headers["Content-Type"];
  EXPECT_EQ(seen.headers["Authorization"], "Bearer sk-test");
  EXPECT_EQ(seen.headers["Idempotency-Key"], "ex_3/edit/v2/a1");
  EXPECT_EQ(seen.form["model"].content, "gpt-image-1");
  EXPECT_EQ(seen.form["n"].content, "1");
  EXPECT_EQ(seen.form["size"].content, "512x512");
  EXPECT_EQ(seen.form.count("response_format"), 0u) << "gpt-image-1 rejects it";
  const std::string prompt = seen.form["prompt"].content;
  EXPECT_NE(prompt.find("a castle at dusk"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("add a dragon"), std::string::npos) << prompt;
  EXPECT_EQ(prompt.find("(image)"), std::string::npos) << prompt;  // assistant turns left out
  EXPECT_LT(prompt.find("a castle at dusk"), prompt.find("add a dragon"));
  EXPECT_EQ(prompt.substr(prompt.size() - req.instruction.size()), req.instruction);
  EXPECT_EQ(seen.form["image"].filename, "image.png");
  EXPECT_EQ(seen.form["image"].content_type, "image/png");
  EXPECT_EQ(seen.form["image"].content, source);
}

TEST_F(OpenAiProviderTest, EditImageWithoutHistorySendsTheInstructionAlone) {
  server_.svr().Post("/v1/images/edits", [&](const httplib::Request& req, httplib::Response& res) {
    server_.Record(req);
    Json answer = {{"data", {{{"b64_json", Base64Encode(FakePng(8, 8))}}}}};
    res.set_content(answer.dump(), "application/json");
  });
  server_.Start();
  ImageEditRequest req;
  req.model = "gpt-image-1";
  req.instruction = "brighter";
  req.image = {"image/jpeg", FakeJpeg(8, 8)};
  auto resp = MakeProvider()->EditImage(req, cancel_);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  Seen seen = server_.seen();
  EXPECT_EQ(seen.form["prompt"].content, "brighter");
  EXPECT_EQ(seen.form["image"].content_type, "image/jpeg");
  EXPECT_EQ(seen.form["image"].filename, "image.jpg");
}

}  // namespace
}  // namespace atelier
