// The providers file, end to end: an OpenAI-compatible server on loopback serves the "default"
// and "image" aliases of a real App, and the file's mistakes are named precisely.
#include <httplib.h>

#include <atomic>

#include "atelier/app/app.h"
#include "app/providers_config.h"
#include "atelier/providers/http/base64.h"
#include "tests/loopback_server.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// A tiny PNG (1x1) the fake server returns as a generated image.
std::string OnePixelPng() {
  static const unsigned char kPng[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
      0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90,
      0x77, 0x53, 0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8,
      0xCF, 0xC0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xDD, 0x8D, 0xB0, 0x00, 0x00, 0x00,
      0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(kPng), sizeof kPng);
}

// Plays an OpenAI-compatible API on loopback, recording what it was asked.
class FakeOpenAi : public LoopbackServer {
 public:
  FakeOpenAi() {
    svr().Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      ++chats;
      auth = req.get_header_value("Authorization");
      auto body = Json::parse(req.body);
      model = body.value("model", "");
      Json answer = {{"model", model},
                     {"choices", {{{"message", {{"role", "assistant"}, {"content", "served by the fake"}}}}}},
                     {"usage", {{"prompt_tokens", 12}, {"completion_tokens", 4}}}};
      res.set_content(answer.dump(), "application/json");
    });
    svr().Post("/v1/images/generations", [this](const httplib::Request&, httplib::Response& res) {
      ++images;
      Json answer = {{"data", {{{"b64_json", Base64Encode(OnePixelPng())}}}}};
      res.set_content(answer.dump(), "application/json");
    });
    Start();
  }
  std::string url() const { return base_url(); }
  std::atomic<int> chats{0}, images{0};
  std::string auth, model;
};

TEST(ProvidersFile, AliasesRouteARealAppToAnOpenAiCompatibleServer) {
  FakeOpenAi server;
  TempDir d;
  setenv("ATELIER_TEST_KEY", "sk-test-123", 1);
  WriteAll(d / "providers.json", Json{
      {"providers", {{"local", {{"type", "openai"}, {"base_url", server.url()},
                                {"api_key_env", "ATELIER_TEST_KEY"},
                                {"limits", {{"concurrent", 2}}}}}}},
      {"models", {{"default", {{{"provider", "local"}, {"model", "llama-3-8b"}}}},
                  {"image", {{{"provider", "local"}, {"model", "sdxl"}}}}}}}.dump());
  AppOptions o;
  o.db_path = d / "atelier.db";
  o.providers_file = d / "providers.json";
  auto app = App::Open(o);
  ASSERT_TRUE(app.has_value()) << app.error().ToString();
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(ReadAll(SourcePath("templates/instagram_post.json")), &errors);
  ASSERT_TRUE(t.has_value());
  auto tmpl = (*app)->engine().RegisterTemplate(App::kWorkspace, *t);
  auto ex = (*app)->engine().Launch(App::kWorkspace, *tmpl, {{"product", "kombucha"}});
  ASSERT_TRUE(ex.has_value());
  ASSERT_TRUE((*app)->engine().Drive(App::kWorkspace, ex->id).ok());
  auto done = (*app)->engine().WaitUntilRest(App::kWorkspace, ex->id);
  ASSERT_EQ(done->status, ExecStatus::kCompleted) << done->reason;
  EXPECT_EQ(server.chats, 1);
  EXPECT_EQ(server.images, 1);
  EXPECT_EQ(server.auth, "Bearer sk-test-123");
  EXPECT_EQ(server.model, "llama-3-8b");
  auto steps = (*app)->store().GetSteps(App::kWorkspace, ex->id);
  for (const auto& s : *steps) {
    if (s.step_id == "caption") {
      EXPECT_EQ(s.output["text"], "served by the fake");
      EXPECT_EQ(s.output["provider"], "local");
    }
  }
  // The key never reaches the database.
  EXPECT_EQ(ReadAll(d / "atelier.db").find("sk-test-123"), std::string::npos);
}

// A third-party OpenAI-compatible server that answers without a usage object: the step still
// records estimated tokens and a cost above zero under the price table.
TEST(ProvidersFile, AServerThatReportsNoUsageStillCosts) {
  std::atomic<int> chats{0};
  LoopbackServer server;
  server.svr().Post("/v1/chat/completions", [&](const httplib::Request&, httplib::Response& res) {
    ++chats;
    Json answer = {{"model", "compat-1"},
                   {"choices", {{{"message", {{"role", "assistant"}, {"content", "a caption without usage"}}}}}}};
    res.set_content(answer.dump(), "application/json");
  });
  server.Start();
  TempDir d;
  WriteAll(d / "providers.json",
           Json{{"providers", {{"compat", {{"type", "openai"}, {"base_url", server.base_url()}}}}},
                {"models", {{"default", {{{"provider", "compat"}, {"model", "compat-1"}}}}}},
                {"prices", {{"compat/compat-1", {{"input_per_1k", 1.0}, {"output_per_1k", 2.0}}}}}}
               .dump());
  AppOptions o;
  o.db_path = d / "atelier.db";
  o.providers_file = d / "providers.json";
  auto app = App::Open(o);
  ASSERT_TRUE(app.has_value()) << app.error().ToString();
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(R"({"name": "One call", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "caption", "type": "generate_text", "data": {"prompt": "Write a caption for tea", "model": "default"}},
      {"id": "done", "type": "end", "data": {"output": {"text": "{{steps.caption.text}}"}}}],
    "edges": [{"id": "1", "source": "start", "target": "caption"},
              {"id": "2", "source": "caption", "target": "done"}]})",
                             &errors);
  ASSERT_TRUE(t.has_value());
  auto tmpl = (*app)->engine().RegisterTemplate(App::kWorkspace, *t);
  ASSERT_TRUE(tmpl.has_value());
  auto ex = (*app)->engine().Launch(App::kWorkspace, *tmpl, Json::object());
  ASSERT_TRUE(ex.has_value());
  ASSERT_TRUE((*app)->engine().Drive(App::kWorkspace, ex->id).ok());
  auto done = (*app)->engine().WaitUntilRest(App::kWorkspace, ex->id);
  ASSERT_EQ(done->status, ExecStatus::kCompleted) << done->reason;
  EXPECT_EQ(chats, 1);
  auto steps = (*app)->store().GetSteps(App::kWorkspace, ex->id);
  bool seen = false;
  for (const auto& s : *steps) {
    if (s.step_id != "caption") continue;
    seen = true;
    ASSERT_TRUE(s.usage.is_object()) << "a paid call records usage";
    EXPECT_EQ(s.usage.value("input_tokens", int64_t{0}), 6);   // "Write a caption for tea": 23 bytes
    EXPECT_EQ(s.usage.value("output_tokens", int64_t{0}), 6);  // 23 bytes answered
    EXPECT_EQ(s.usage.value("estimated", false), true);
    EXPECT_GT(s.usage.value("cost", 0.0), 0.0);
    EXPECT_NEAR(s.usage.value("cost", 0.0), 6 / 1000.0 * 1.0 + 6 / 1000.0 * 2.0, 1e-12);
  }
  EXPECT_TRUE(seen);
}

Status Load(const Json& doc) {
  ProviderRegistry reg;
  reg.Add(std::make_shared<OfflineProvider>());  // as the App does
  SystemClock clock;
  return LoadProvidersConfig(doc, ".", &reg, &clock, [](const std::string& n) {
    return n == "SET_KEY" ? std::string("k") : std::string();
  });
}

TEST(ProvidersFile, MistakesAreNamedPrecisely) {
  auto expect = [](const Json& doc, const std::string& needle) {
    Status s = Load(doc);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << doc.dump();
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  expect({{"providers", {{"x", {{"type", "nope"}}}}}}, "providers.x.type: unknown provider type 'nope'");
  expect({{"providers", {{"x", {{"type", "openai"}, {"api_key_env", "UNSET_KEY"}}}}}},
         "providers.x.api_key_env: environment variable UNSET_KEY is not set");
  expect({{"providers", {{"x", {{"type", "openai"}, {"colour", 1}}}}}}, "providers.x.colour: unknown field");
  expect({{"providers", {{"x", {{"type", "openai"}, {"timeout_ms", "soon"}}}}}}, "providers.x.timeout_ms");
  expect({{"providers", {{"x", {{"type", "comfyui"}}}}}}, "providers.x.workflow: is required");
  expect({{"models", {{"default", {{{"provider", "ghost"}}}}}}}, "models.default[0].provider: 'ghost' is not configured");
  expect({{"models", {{"default", Json::array()}}}}, "models.default");
  expect({{"providers", {{"x", {{"type", "openai"}, {"limits", {{"concurrent", -1}}}}}}}}, "must not be negative");
  expect({{"extra", 1}}, "providers file.extra");
  EXPECT_TRUE(Load({{"providers", {{"x", {{"type", "openai"}, {"api_key_env", "SET_KEY"}}}}},
                    {"models", {{"default", {{{"provider", "x"}, {"model", "m"}}, {{"provider", "offline"}}}}}}})
                  .ok());
}

}  // namespace
}  // namespace atelier::testing
