#include "atelier/providers/gemini/gemini_provider.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "atelier/providers/http/base64.h"
#include "atelier/providers/http/curl_http_client.h"
#include "tests/loopback_server.h"

namespace atelier {
namespace {

using Clock = std::chrono::steady_clock;

const std::string& kRedPng = testing::RedPng();
const std::string& kBluePng = testing::BluePng();

struct Received {
  std::string model;    // from the path
  std::string api_key;  // x-goog-api-key, "" when absent
  bool has_api_key = false;
  std::string content_type;
  Json body;
};

// A loopback stand-in for generativelanguage.googleapis.com: records every generateContent
// request and answers with `reply` (the call number counts from 0).
class FakeGemini : public testing::LoopbackServer {
 public:
  using Reply = std::function<void(int call, const Json& body, httplib::Response& res)>;

  explicit FakeGemini(Reply reply) : reply_(std::move(reply)) {
    svr().Post(R"(/v1beta/models/([^/:]+):generateContent)",
              [this](const httplib::Request& req, httplib::Response& res) {
                Received r;
                r.model = req.matches[1];
                r.has_api_key = req.has_header("x-goog-api-key");
                r.api_key = req.get_header_value("x-goog-api-key");
                r.content_type = req.get_header_value("Content-Type");
                r.body = Json::parse(req.body, nullptr, false);
                int call = 0;
                {
                  std::lock_guard<std::mutex> l(mu_);
                  call = static_cast<int>(received_.size());
                  received_.push_back(r);
                }
                reply_(call, r.body, res);
              });
    Start();
  }
  ~FakeGemini() {
    Release();  // free held handlers before the server stops
    Stop();
  }

  std::string url() const { return base_url(); }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> l(mu_);
    return received_;
  }
  // For slow answers: blocks the handler until Release() (or `max`).
  void Hold(std::chrono::milliseconds max) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, max, [&] { return released_; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> l(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  Reply reply_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::vector<Received> received_;
};

void JsonReply(httplib::Response& res, const Json& j, int status = 200) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

Json TextAnswer(const std::vector<std::string>& texts) {
  Json parts = Json::array();
  for (const auto& t : texts) parts.push_back({{"text", t}});
  return {{"candidates",
           {{{"content", {{"role", "model"}, {"parts", parts}}}, {"finishReason", "STOP"}}}},
          {"usageMetadata",
           {{"promptTokenCount", 12}, {"candidatesTokenCount", 5}, {"totalTokenCount", 17}}},
          {"modelVersion", "gemini-2.5-flash-001"}};
}

// An image answer as the API writes it (camelCase), or with the snake_case spelling.
Json ImageAnswer(const std::string& png, bool snake_case = false) {
  Json data = snake_case
                  ? Json{{"inline_data", {{"mime_type", "image/png"}, {"data", Base64Encode(png)}}}}
                  : Json{{"inlineData", {{"mimeType", "image/png"}, {"data", Base64Encode(png)}}}};
  return {{"candidates",
           {{{"content", {{"role", "model"}, {"parts", {{{"text", "Here is your image."}}, data}}}},
             {"finishReason", "STOP"}}}},
          {"usageMetadata", {{"promptTokenCount", 20}, {"candidatesTokenCount", 1290}}},
          {"modelVersion", "gemini-2.5-flash-image"}};
}

Json InlinePart(const std::string& bytes) {
  return {{"inline_data", {{"mime_type", "image/png"}, {"data", Base64Encode(bytes)}}}};
}

std::shared_ptr<GeminiProvider> MakeProvider(const std::string& url, std::string key = "k-123",
                                             int64_t timeout_ms = 5000) {
  GeminiConfig config;
  config.base_url = url + "/";
  config.api_key = std::move(key);
  config.timeout_ms = timeout_ms;
  return std::make_shared<GeminiProvider>("gemini", config, std::make_shared<CurlHttpClient>());
}

TEST(GeminiProviderTest, GenerateTextSendsConversationSystemAndConfig) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    JsonReply(res, TextAnswer({"Hello, ", "world."}));
  });
  auto provider = MakeProvider(server.url());
  TextRequest req;
  req.model = "gemini/gemini-2.5-flash";
  req.system = "You are terse.";
  req.temperature = 0.25;
  req.max_tokens = 256;
  req.messages = {{"user", "Describe this picture.", {{"image/png", kRedPng}}},
                  {"assistant", "A red square."},
                  {"system", "Answer in English."},
                  {"user", "Say hello."}};
  CancelToken cancel;
  auto resp = provider->GenerateText(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->text, "Hello, world.");
  EXPECT_EQ(resp->model, "gemini-2.5-flash-001");
  EXPECT_EQ(resp->usage.input_tokens, 12);
  EXPECT_EQ(resp->usage.output_tokens, 5);
  EXPECT_EQ(resp->session, "");

  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].model, "gemini-2.5-flash");
  EXPECT_EQ(got[0].api_key, "k-123");
  EXPECT_EQ(got[0].content_type, "application/json");
  const Json& body = got[0].body;
  ASSERT_TRUE(body.is_object());
  Json want_contents = {
      {{"role", "user"}, {"parts", {{{"text", "Describe this picture."}}, InlinePart(kRedPng)}}},
      {{"role", "model"}, {"parts", {{{"text", "A red square."}}}}},
      {{"role", "user"}, {"parts", {{{"text", "Say hello."}}}}}};
  EXPECT_EQ(body["contents"], want_contents);
  EXPECT_EQ(body["systemInstruction"],
            Json({{"parts", {{{"text", "You are terse.\n\nAnswer in English."}}}}}));
  EXPECT_DOUBLE_EQ(body["generationConfig"]["temperature"].get<double>(), 0.25);
  EXPECT_EQ(body["generationConfig"]["maxOutputTokens"], 256);
  EXPECT_FALSE(body["generationConfig"].contains("responseMimeType"));
  EXPECT_FALSE(body["generationConfig"].contains("responseModalities"));
}

// An answer without usageMetadata is not free: tokens are approximated (ceil(bytes / 4)) from
// the text sent (system instruction and every turn) and the text answered.
TEST(GeminiProviderTest, MissingUsageMetadataIsEstimated) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    Json answer = TextAnswer({std::string(20, 'a')});
    answer.erase("usageMetadata");
    JsonReply(res, answer);
  });
  auto provider = MakeProvider(server.url());
  TextRequest req;
  req.model = "gemini-2.5-flash";
  req.system = std::string(8, 's');                                  // 2 tokens
  req.messages = {{"user", std::string(9, 'u'), {{"image/png", kRedPng}}},  // 3
                  {"assistant", std::string(4, 'x'), {}},            // 1
                  {"user", std::string(12, 'y'), {}}};               // 3
  CancelToken cancel;
  auto resp = provider->GenerateText(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->usage.input_tokens, 2 + 3 + 1 + 3);
  EXPECT_EQ(resp->usage.output_tokens, 5);
  EXPECT_TRUE(resp->usage.estimated);
}

TEST(GeminiProviderTest, StructuredOutputAsksForJsonWithTheSchema) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    Json answer = TextAnswer({R"({"title": "Fox", )", R"("tags": ["red"]})"});
    answer.erase("modelVersion");
    JsonReply(res, answer);
  });
  auto provider = MakeProvider(server.url(), "");
  TextRequest req;
  req.model = "gemini-2.5-pro";
  req.messages = {{"user", "Give me a title and tags."}};
  Json schema = {{"type", "object"},
                 {"properties",
                  {{"title", {{"type", "string"}}},
                   {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                 {"required", {"title", "tags"}}};
  req.json_schema = schema;
  req.json_schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  CancelToken cancel;
  auto resp = provider->GenerateText(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(Json::parse(resp->text), Json({{"title", "Fox"}, {"tags", {"red"}}}));
  EXPECT_EQ(resp->model, "gemini-2.5-pro");  // no modelVersion in the answer

  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].has_api_key);
  const Json& config = got[0].body["generationConfig"];
  EXPECT_EQ(config["responseMimeType"], "application/json");
  EXPECT_EQ(config["responseSchema"], schema);  // "$schema" is dropped: Gemini rejects it
  EXPECT_FALSE(got[0].body.contains("systemInstruction"));
}

TEST(GeminiProviderTest, GenerateImageDecodesImagesAndCallsUntilCount) {
  FakeGemini server([](int call, const Json&, httplib::Response& res) {
    JsonReply(res, ImageAnswer(call == 0 ? kRedPng : kBluePng, /*snake_case=*/call == 1));
  });
  auto provider = MakeProvider(server.url());
  ImageRequest req;
  req.model = "gemini-2.5-flash-image";
  req.prompt = "A lighthouse at dusk.";
  req.negative_prompt = "text, watermark";
  req.aspect_ratio = "16:9";
  req.count = 2;
  req.references = {{"image/png", kBluePng}};
  CancelToken cancel;
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 2u);
  EXPECT_EQ(resp->images[0].bytes, kRedPng);
  EXPECT_EQ(resp->images[0].mime, "image/png");
  EXPECT_EQ(resp->images[0].width, 2);
  EXPECT_EQ(resp->images[0].height, 2);
  EXPECT_EQ(resp->images[1].bytes, kBluePng);
  EXPECT_EQ(resp->images[1].width, 3);
  EXPECT_EQ(resp->images[1].height, 1);
  EXPECT_EQ(resp->usage.images, 2);
  EXPECT_EQ(resp->usage.input_tokens, 40);
  EXPECT_EQ(resp->usage.output_tokens, 2580);
  EXPECT_EQ(resp->model, "gemini-2.5-flash-image");

  auto got = server.received();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& r : got) {
    EXPECT_EQ(r.model, "gemini-2.5-flash-image");
    const Json& contents = r.body["contents"];
    ASSERT_EQ(contents.size(), 1u);
    EXPECT_EQ(contents[0]["role"], "user");
    ASSERT_EQ(contents[0]["parts"].size(), 2u);
    EXPECT_EQ(contents[0]["parts"][0]["text"], "A lighthouse at dusk. Avoid: text, watermark.");
    EXPECT_EQ(contents[0]["parts"][1], InlinePart(kBluePng));
    EXPECT_EQ(r.body["generationConfig"]["responseModalities"], Json({"TEXT", "IMAGE"}));
    EXPECT_EQ(r.body["generationConfig"]["imageConfig"]["aspectRatio"], "16:9");
  }
}

TEST(GeminiProviderTest, EditImageSendsEarlierTurnsAndThePreviousImage) {
  FakeGemini server(
      [](int, const Json&, httplib::Response& res) { JsonReply(res, ImageAnswer(kBluePng)); });
  auto provider = MakeProvider(server.url());
  ImageEditRequest req;
  req.model = "gemini-2.5-flash-image";
  req.history = {{"user", "A red square on white.", {}},
                 {"assistant", "Here is a red square.", {{"image/png", kRedPng}}},
                 {"user", "Make the square smaller.", {}},
                 {"assistant", "", {{"image/png", kRedPng}}}};
  req.instruction = "Now make it blue.";
  req.image = {"image/png", kRedPng};
  req.session = "ignored";
  CancelToken cancel;
  auto resp = provider->EditImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 1u);
  EXPECT_EQ(resp->images[0].bytes, kBluePng);
  EXPECT_EQ(resp->session, "");

  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  Json want = {
      {{"role", "user"}, {"parts", {{{"text", "A red square on white."}}}}},
      {{"role", "model"}, {"parts", {{{"text", "Here is a red square."}}, InlinePart(kRedPng)}}},
      {{"role", "user"}, {"parts", {{{"text", "Make the square smaller."}}}}},
      {{"role", "model"}, {"parts", {InlinePart(kRedPng)}}},
      {{"role", "user"}, {"parts", {{{"text", "Now make it blue."}}}}}};
  EXPECT_EQ(got[0].body["contents"], want);
  EXPECT_EQ(got[0].body["generationConfig"]["responseModalities"], Json({"TEXT", "IMAGE"}));
}

// A step's session keeps the user's requests only (the prompt, earlier instructions); the tweak
// must still alternate user -> model (the previous image) -> user, as models that require
// alternating turns reject two user turns in a row.
TEST(GeminiProviderTest, EditImageAlternatesTurnsWithThePreviousImageAsTheModelTurn) {
  FakeGemini server(
      [](int, const Json&, httplib::Response& res) { JsonReply(res, ImageAnswer(kBluePng)); });
  auto provider = MakeProvider(server.url());
  ImageEditRequest req;
  req.model = "gemini-2.5-flash-image";
  req.history = {{"user", "A red square on white.", {}}, {"user", "Make it smaller.", {}}};
  req.instruction = "Now make it blue.";
  req.image = {"image/png", kRedPng};
  req.width = 1024;
  req.height = 1024;
  CancelToken cancel;
  auto resp = provider->EditImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();

  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  Json want = {
      {{"role", "user"},
       {"parts", {{{"text", "A red square on white."}}, {{"text", "Make it smaller."}}}}},
      {{"role", "model"}, {"parts", {InlinePart(kRedPng)}}},
      {{"role", "user"}, {"parts", {{{"text", "Now make it blue."}}}}}};
  EXPECT_EQ(got[0].body["contents"], want);
  const Json& contents = got[0].body["contents"];
  for (size_t i = 1; i < contents.size(); ++i)
    EXPECT_NE(contents[i]["role"], contents[i - 1]["role"]) << "turn " << i;
  EXPECT_EQ(got[0].body["generationConfig"]["imageConfig"]["aspectRatio"], "1:1");
}

TEST(GeminiProviderTest, ImageSizeIsSentAsTheAspectRatioTheApiTakes) {
  FakeGemini server(
      [](int, const Json&, httplib::Response& res) { JsonReply(res, ImageAnswer(kRedPng)); });
  auto provider = MakeProvider(server.url());
  CancelToken cancel;
  const std::pair<std::pair<int, int>, const char*> cases[] = {
      {{512, 512}, "1:1"},   {{1280, 720}, "16:9"}, {{512, 768}, "2:3"},
      {{768, 1344}, "9:16"}, {{1184, 864}, "4:3"},  {{896, 1152}, "4:5"}};
  for (const auto& [size, ratio] : cases) {
    ImageRequest req;
    req.model = "gemini-2.5-flash-image";
    req.prompt = "A kite.";
    req.width = size.first;
    req.height = size.second;
    auto resp = provider->GenerateImage(req, cancel);
    ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
    EXPECT_EQ(server.received().back().body["generationConfig"]["imageConfig"]["aspectRatio"],
              ratio)
        << size.first << "x" << size.second;
  }
}

TEST(GeminiProviderTest, AnOddSizeGoesAsTheNearestRatioAndAnUnknownRatioIsRefused) {
  FakeGemini server(
      [](int, const Json&, httplib::Response& res) { JsonReply(res, ImageAnswer(kRedPng)); });
  auto provider = MakeProvider(server.url());
  CancelToken cancel;
  ImageRequest req;
  req.model = "gemini-2.5-flash-image";
  req.prompt = "A banner.";
  req.width = 1200;
  req.height = 400;  // 3:1
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received().back().body["generationConfig"]["imageConfig"]["aspectRatio"], "21:9");
  req.width = 1200;
  req.height = 628;  // the shipped ad size
  resp = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(server.received().back().body["generationConfig"]["imageConfig"]["aspectRatio"], "16:9");

  req.width = 512;
  req.height = 512;
  req.aspect_ratio = "7:3";
  resp = provider->GenerateImage(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_NE(resp.error().message().find("7:3"), std::string::npos) << resp.error().message();
  EXPECT_EQ(server.received().size(), 2u) << "an unknown ratio is refused without a call";
}

TEST(GeminiProviderTest, ImageAnswerWithoutImageIsUnavailable) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    JsonReply(res, TextAnswer({"I can only describe lighthouses, not draw them."}));
  });
  auto provider = MakeProvider(server.url());
  ImageRequest req;
  req.model = "gemini-2.5-flash-image";
  req.prompt = "A lighthouse.";
  CancelToken cancel;
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  EXPECT_NE(resp.error().message().find("the answer had no image"), std::string::npos);
  EXPECT_NE(resp.error().message().find("only describe lighthouses"), std::string::npos);
}

TEST(GeminiProviderTest, ImageAnswerStoppedForSafetyNamesTheReason) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    JsonReply(res, {{"candidates", {{{"finishReason", "IMAGE_SAFETY"}}}}});
  });
  auto provider = MakeProvider(server.url());
  ImageRequest req;
  req.model = "gemini-2.5-flash-image";
  req.prompt = "Something.";
  CancelToken cancel;
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  EXPECT_EQ(resp.error().message(), "gemini: the answer had no image: IMAGE_SAFETY");
}

TEST(GeminiProviderTest, BlockedPromptIsInvalidArgumentNamingTheReason) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    JsonReply(res, {{"promptFeedback", {{"blockReason", "PROHIBITED_CONTENT"}}},
                    {"usageMetadata", {{"promptTokenCount", 8}}}});
  });
  auto provider = MakeProvider(server.url());
  TextRequest req;
  req.model = "gemini-2.5-flash";
  req.messages = {{"user", "Something forbidden."}};
  CancelToken cancel;
  auto resp = provider->GenerateText(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_NE(resp.error().message().find("PROHIBITED_CONTENT"), std::string::npos);
}

TEST(GeminiProviderTest, RateLimitIsResourceExhaustedWithRetryAfter) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    res.set_header("Retry-After", "7");
    JsonReply(res,
              {{"error",
                {{"code", 429},
                 {"message", "Resource has been exhausted (e.g. check quota)."},
                 {"status", "RESOURCE_EXHAUSTED"}}}},
              429);
  });
  auto provider = MakeProvider(server.url());
  TextRequest req;
  req.model = "gemini-2.5-flash";
  req.messages = {{"user", "Hi."}};
  CancelToken cancel;
  auto resp = provider->GenerateText(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kResourceExhausted);
  EXPECT_EQ(resp.error().retry_after_ms(), std::optional<int64_t>(7000));
  EXPECT_NE(resp.error().message().find("Resource has been exhausted"), std::string::npos);
}

TEST(GeminiProviderTest, ServerErrorIsUnavailable) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    JsonReply(
        res,
        {{"error",
          {{"code", 500}, {"message", "An internal error has occurred."}, {"status", "INTERNAL"}}}},
        500);
  });
  auto provider = MakeProvider(server.url());
  ImageRequest req;
  req.model = "gemini-2.5-flash-image";
  req.prompt = "A cat.";
  CancelToken cancel;
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
}

TEST(GeminiProviderTest, MalformedJsonAnswerIsUnavailable) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    res.set_content(R"({"candidates": [{"content": )", "application/json");
  });
  auto provider = MakeProvider(server.url());
  TextRequest req;
  req.model = "gemini-2.5-flash";
  req.messages = {{"user", "Hi."}};
  CancelToken cancel;
  auto resp = provider->GenerateText(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
}

TEST(GeminiProviderTest, UnexpectedAnswerShapeIsUnavailable) {
  FakeGemini server([](int, const Json&, httplib::Response& res) {
    JsonReply(res, {{"candidates", "not a list"}});
  });
  auto provider = MakeProvider(server.url());
  TextRequest req;
  req.model = "gemini-2.5-flash";
  req.messages = {{"user", "Hi."}};
  CancelToken cancel;
  auto resp = provider->GenerateText(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
}

TEST(GeminiProviderTest, SlowServerPastTheTimeoutIsDeadlineExceeded) {
  FakeGemini* self = nullptr;
  FakeGemini server([&self](int, const Json&, httplib::Response& res) {
    self->Hold(std::chrono::milliseconds(5000));
    JsonReply(res, TextAnswer({"late"}));
  });
  self = &server;
  auto provider = MakeProvider(server.url(), "k", /*timeout_ms=*/300);
  TextRequest req;
  req.model = "gemini-2.5-flash";
  req.messages = {{"user", "Hi."}};
  CancelToken cancel;
  auto start = Clock::now();
  auto resp = provider->GenerateText(req, cancel);
  auto elapsed = Clock::now() - start;
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kDeadlineExceeded) << resp.error().ToString();
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000));
}

TEST(GeminiProviderTest, RejectsUnknownRolesAndBadModelNamesWithoutCalling) {
  FakeGemini server(
      [](int, const Json&, httplib::Response& res) { JsonReply(res, TextAnswer({"x"})); });
  auto provider = MakeProvider(server.url());
  CancelToken cancel;
  TextRequest req;
  req.model = "gemini-2.5-flash";
  req.messages = {{"tool", "Hi."}};
  auto resp = provider->GenerateText(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);

  req.messages = {{"user", "Hi."}};
  req.model = "gemini-2.5-flash:streamGenerateContent?alt=sse";
  resp = provider->GenerateText(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(server.received().empty());
}

TEST(GeminiProviderTest, CancelledTokenStopsBeforeCalling) {
  FakeGemini server(
      [](int, const Json&, httplib::Response& res) { JsonReply(res, ImageAnswer(kRedPng)); });
  auto provider = MakeProvider(server.url());
  ImageRequest req;
  req.model = "gemini-2.5-flash-image";
  req.prompt = "A cat.";
  CancelToken cancel;
  cancel.Cancel("execution stopped");
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kCancelled);
  EXPECT_TRUE(server.received().empty());
}

}  // namespace
}  // namespace atelier
