#include "atelier/providers/comfyui/comfyui_provider.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "atelier/providers/http/curl_http_client.h"
#include "tests/loopback_server.h"

namespace atelier {
namespace {

using Clock = std::chrono::steady_clock;

const std::string& kRedPng = testing::RedPng();
const std::string& kBluePng = testing::BluePng();

// A text-to-image graph as ComfyUI's "Save (API format)" writes it, with a LoadImage node for
// image-to-image.
Json Workflow() {
  return Json::parse(R"({
    "3": {"class_type": "KSampler", "inputs": {"seed": 0, "steps": 20, "cfg": 7.0,
          "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0,
          "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "PROMPT", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly, blurry", "clip": ["4", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
    "10": {"class_type": "LoadImage", "inputs": {"image": "example.png", "upload": "image"}}
  })");
}

std::map<std::string, std::string> Inject() {
  return {{"prompt", "6.inputs.text"},
          {"negative_prompt", "7.inputs.text"},
          {"seed", "3.inputs.seed"},
          {"width", "5.inputs.width"},
          {"height", "5.inputs.height"}};
}

struct ViewQuery {
  std::string filename, subfolder, type;
};

struct Upload {
  std::string name, filename, content_type, content, overwrite;
};

// A loopback stand-in for a ComfyUI server: /prompt, /history/{id}, /view, /upload/image, /queue.
// Each queued prompt finishes after `polls_before_done` history polls with one image per batch
// item (plus a preview that the provider should skip), unless `mode` says otherwise.
class FakeComfy : public testing::LoopbackServer {
 public:
  enum class Mode { kSucceed, kExecutionError, kNeverFinish, kRejectWith400, kRejectWith200 };

  explicit FakeComfy(Mode mode = Mode::kSucceed, int polls_before_done = 2)
      : mode_(mode), polls_before_done_(polls_before_done) {
    svr().Post("/prompt", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      Json body = Json::parse(req.body, nullptr, false);
      posted_.push_back(body);
      authorizations_.push_back(req.get_header_value("Authorization"));
      if (mode_ == Mode::kRejectWith400 || mode_ == Mode::kRejectWith200) {
        Json answer = {{"error",
                        {{"type", "prompt_outputs_failed_validation"},
                         {"message", "Prompt outputs failed validation"},
                         {"details", ""},
                         {"extra_info", Json::object()}}},
                       {"node_errors",
                        {{"4",
                          {{"errors",
                            {{{"type", "value_not_in_list"},
                              {"message", "Value not in list"},
                              {"details", "ckpt_name: 'missing.safetensors' not in []"},
                              {"extra_info", Json::object()}}}},
                           {"dependent_outputs", {"9"}},
                           {"class_type", "CheckpointLoaderSimple"}}}}}};
        res.status = mode_ == Mode::kRejectWith400 ? 400 : 200;
        res.set_content(answer.dump(), "application/json");
        return;
      }
      std::string id = "prompt-" + std::to_string(posted_.size());
      int batch = 1;
      if (body.is_object() && body["prompt"].contains("5"))
        batch = body["prompt"]["5"]["inputs"].value("batch_size", 1);
      prompts_[id] = {0, batch};
      res.set_content(
          Json({{"prompt_id", id}, {"number", posted_.size()}, {"node_errors", Json::object()}})
              .dump(),
          "application/json");
    });
    svr().Get(R"(/history/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      std::string id = req.matches[1];
      ++history_polls_;
      auto it = prompts_.find(id);
      if (it == prompts_.end() || mode_ == Mode::kNeverFinish ||
          ++it->second.polls <= polls_before_done_) {
        res.set_content("{}", "application/json");
        return;
      }
      Json entry;
      if (mode_ == Mode::kExecutionError) {
        entry = {
            {"prompt", Json::array()},
            {"outputs", Json::object()},
            {"status",
             {{"status_str", "error"},
              {"completed", false},
              {"messages",
               Json::array({Json::array({"execution_start", {{"prompt_id", id}, {"timestamp", 1}}}),
                            Json::array({"execution_error",
                                         {{"prompt_id", id},
                                          {"node_id", "3"},
                                          {"node_type", "KSampler"},
                                          {"exception_message",
                                           "CUDA out of memory. Tried to allocate 2.00 GiB"},
                                          {"exception_type", "torch.OutOfMemoryError"},
                                          {"traceback", {"..."}}}})})}}}};
      } else {
        Json images = Json::array();
        for (int i = 0; i < it->second.batch; ++i) {
          images.push_back({{"filename", "ComfyUI " + id + "_" + std::to_string(i) + "_.png"},
                            {"subfolder", "atelier/out"},
                            {"type", "output"}});
        }
        entry = {
            {"prompt", Json::array()},
            {"outputs",
             {{"9", {{"images", images}}},
              {"12",
               {{"images",
                 {{{"filename", "ComfyUI_temp_1.png"}, {"subfolder", ""}, {"type", "temp"}}}}}}}},
            {"status",
             {{"status_str", "success"},
              {"completed", true},
              {"messages",
               Json::array({Json::array({"execution_success", {{"prompt_id", id}}})})}}}};
      }
      res.set_content(Json({{id, entry}}).dump(), "application/json");
    });
    svr().Get("/view", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      ViewQuery q{req.get_param_value("filename"), req.get_param_value("subfolder"),
                  req.get_param_value("type")};
      views_.push_back(q);
      // Alternates the two test images so that callers can tell files apart.
      const std::string& bytes = views_.size() % 2 == 1 ? kRedPng : kBluePng;
      res.set_content(bytes, "image/png");
    });
    svr().Post("/upload/image", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      Upload u;
      if (req.has_file("image")) {
        auto f = req.get_file_value("image");
        u.name = f.name;
        u.filename = f.filename;
        u.content_type = f.content_type;
        u.content = f.content;
      }
      if (req.has_file("overwrite")) u.overwrite = req.get_file_value("overwrite").content;
      uploads_.push_back(u);
      if (u.content.empty()) {
        res.status = 400;
        return;
      }
      res.set_content(
          Json({{"name", "stored-" + u.filename}, {"subfolder", ""}, {"type", "input"}}).dump(),
          "application/json");
    });
    svr().Post("/queue", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      queue_posts_.push_back(Json::parse(req.body, nullptr, false));
      res.set_content("{}", "application/json");
    });
    Start();
  }

  std::string url() const { return base_url(); }
  std::vector<Json> posted() {
    std::lock_guard<std::mutex> l(mu_);
    return posted_;
  }
  std::vector<ViewQuery> views() {
    std::lock_guard<std::mutex> l(mu_);
    return views_;
  }
  std::vector<Upload> uploads() {
    std::lock_guard<std::mutex> l(mu_);
    return uploads_;
  }
  std::vector<Json> queue_posts() {
    std::lock_guard<std::mutex> l(mu_);
    return queue_posts_;
  }
  int history_polls() {
    std::lock_guard<std::mutex> l(mu_);
    return history_polls_;
  }
  std::vector<std::string> authorizations() {  // of each POST /prompt
    std::lock_guard<std::mutex> l(mu_);
    return authorizations_;
  }

 private:
  struct PromptState {
    int polls = 0;
    int batch = 1;
  };

  Mode mode_;
  int polls_before_done_;
  std::mutex mu_;
  std::vector<Json> posted_;
  std::map<std::string, PromptState> prompts_;
  std::vector<ViewQuery> views_;
  std::vector<Upload> uploads_;
  std::vector<Json> queue_posts_;
  int history_polls_ = 0;
  std::vector<std::string> authorizations_;
};

std::shared_ptr<ComfyUiProvider> MakeProvider(const std::string& url,
                                              std::map<std::string, std::string> inject = Inject(),
                                              int64_t timeout_ms = 5000) {
  ComfyUiConfig config;
  config.base_url = url;
  config.workflow = Workflow();
  config.inject = std::move(inject);
  config.poll_interval_ms = 10;
  config.timeout_ms = timeout_ms;
  config.client_id = "atelier-test";
  return std::make_shared<ComfyUiProvider>("comfy", config, std::make_shared<CurlHttpClient>());
}

ImageRequest MakeRequest() {
  ImageRequest req;
  req.model = "comfy/sdxl";
  req.prompt = "A lighthouse at dusk, oil painting";
  req.negative_prompt = "text, watermark";
  req.width = 768;
  req.height = 512;
  req.call.idempotency_key = "ex_1/hero/v1/a1";
  return req;
}

TEST(ComfyUiProviderTest, GenerateImageInjectsValuesPollsAndDownloads) {
  FakeComfy server;
  auto provider = MakeProvider(server.url());
  ImageRequest req = MakeRequest();
  req.seed = 42;
  CancelToken cancel;
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 1u);
  EXPECT_EQ(resp->images[0].bytes, kRedPng);
  EXPECT_EQ(resp->images[0].mime, "image/png");
  EXPECT_EQ(resp->images[0].width, 2);
  EXPECT_EQ(resp->images[0].height, 2);
  EXPECT_EQ(resp->usage.images, 1);
  EXPECT_EQ(resp->model, "comfy/sdxl");
  EXPECT_EQ(resp->session, "");

  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0]["client_id"], "atelier-test");
  Json want = Workflow();
  want["6"]["inputs"]["text"] = "A lighthouse at dusk, oil painting";
  want["7"]["inputs"]["text"] = "text, watermark";
  want["3"]["inputs"]["seed"] = 42;
  want["5"]["inputs"]["width"] = 768;
  want["5"]["inputs"]["height"] = 512;
  EXPECT_EQ(posted[0]["prompt"], want);  // nothing else changed; no image injected

  EXPECT_GE(server.history_polls(), 3);  // two "not yet" answers, then the entry
  auto views = server.views();
  ASSERT_EQ(views.size(), 1u);  // the "temp" preview is skipped
  EXPECT_EQ(views[0].filename, "ComfyUI prompt-1_0_.png");
  EXPECT_EQ(views[0].subfolder, "atelier/out");
  EXPECT_EQ(views[0].type, "output");
  EXPECT_TRUE(server.uploads().empty());
}

// ComfyUI behind an authenticating proxy: the providers file's api_key_env is sent as a bearer
// token; without one, no Authorization header at all.
TEST(ComfyUiProviderTest, AConfiguredKeyIsSentAsABearerToken) {
  FakeComfy server;
  ComfyUiConfig config;
  config.base_url = server.url();
  config.workflow = Workflow();
  config.inject = Inject();
  config.poll_interval_ms = 10;
  config.api_key = "sk-comfy";
  ComfyUiProvider keyed("comfy", config, std::make_shared<CurlHttpClient>());
  CancelToken cancel;
  ASSERT_TRUE(keyed.GenerateImage(MakeRequest(), cancel).has_value());
  ASSERT_TRUE(MakeProvider(server.url())->GenerateImage(MakeRequest(), cancel).has_value());
  EXPECT_EQ(server.authorizations(), (std::vector<std::string>{"Bearer sk-comfy", ""}));
}

TEST(ComfyUiProviderTest, SeedFromIdempotencyKeyIsReproducibleAndEachImageGetsItsOwn) {
  FakeComfy server(FakeComfy::Mode::kSucceed, 0);
  auto provider = MakeProvider(server.url());
  ImageRequest req = MakeRequest();
  req.count = 2;
  CancelToken cancel;
  auto first = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  ASSERT_EQ(first->images.size(), 2u);
  EXPECT_EQ(first->images[0].bytes, kRedPng);
  EXPECT_EQ(first->images[1].bytes, kBluePng);
  EXPECT_EQ(first->usage.images, 2);
  auto again = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  req.call.idempotency_key = "ex_1/hero/v1/a2";
  req.count = 1;
  auto other = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(other.has_value()) << other.error().ToString();

  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 5u);
  std::vector<int64_t> seeds;
  for (const auto& p : posted) seeds.push_back(p["prompt"]["3"]["inputs"]["seed"].get<int64_t>());
  EXPECT_EQ(seeds[1], seeds[0] + 1);  // two images, two runs, two seeds
  EXPECT_EQ(seeds[2], seeds[0]);      // the same attempt again: the same seeds
  EXPECT_EQ(seeds[3], seeds[1]);
  EXPECT_NE(seeds[4], seeds[0]);  // another attempt: another seed
  for (int64_t s : seeds) {
    EXPECT_GE(s, 0);
    EXPECT_LT(s, int64_t{1} << 53);
  }
}

TEST(ComfyUiProviderTest, BatchSizeInjectRunsTheWorkflowOnce) {
  FakeComfy server(FakeComfy::Mode::kSucceed, 1);
  auto inject = Inject();
  inject["batch_size"] = "5.inputs.batch_size";
  auto provider = MakeProvider(server.url(), inject);
  ImageRequest req = MakeRequest();
  req.count = 3;
  CancelToken cancel;
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->images.size(), 3u);
  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0]["prompt"]["5"]["inputs"]["batch_size"], 3);
  EXPECT_EQ(server.views().size(), 3u);
}

TEST(ComfyUiProviderTest, MissingNodeOrInputIsInvalidArgumentAndNothingIsQueued) {
  FakeComfy server;
  CancelToken cancel;
  auto inject = Inject();
  inject["seed"] = "99.inputs.seed";
  auto resp = MakeProvider(server.url(), inject)->GenerateImage(MakeRequest(), cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_NE(resp.error().message().find("'99'"), std::string::npos) << resp.error().message();

  inject = Inject();
  inject["width"] = "5.inputs.wdth";
  resp = MakeProvider(server.url(), inject)->GenerateImage(MakeRequest(), cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_NE(resp.error().message().find("inputs.wdth"), std::string::npos)
      << resp.error().message();
  EXPECT_TRUE(server.posted().empty());
}

TEST(ComfyUiProviderTest, ValuesWithoutAnInjectEntryAreNotSent) {
  FakeComfy server(FakeComfy::Mode::kSucceed, 0);
  auto provider = MakeProvider(server.url(), {{"prompt", "6.inputs.text"}});
  CancelToken cancel;
  auto resp = provider->GenerateImage(MakeRequest(), cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 1u);
  Json want = Workflow();
  want["6"]["inputs"]["text"] = "A lighthouse at dusk, oil painting";
  EXPECT_EQ(posted[0]["prompt"], want);
}

TEST(ComfyUiProviderTest, RejectedWorkflowIsInvalidArgumentWithComfyUisMessage) {
  for (auto mode : {FakeComfy::Mode::kRejectWith400, FakeComfy::Mode::kRejectWith200}) {
    FakeComfy server(mode);
    CancelToken cancel;
    auto resp = MakeProvider(server.url())->GenerateImage(MakeRequest(), cancel);
    ASSERT_FALSE(resp.has_value());
    EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
    const std::string& m = resp.error().message();
    EXPECT_NE(m.find("Prompt outputs failed validation"), std::string::npos) << m;
    EXPECT_NE(m.find("missing.safetensors"), std::string::npos) << m;
    EXPECT_NE(m.find("CheckpointLoaderSimple"), std::string::npos) << m;
  }
}

TEST(ComfyUiProviderTest, ExecutionErrorInHistoryIsUnavailableWithTheMessage) {
  FakeComfy server(FakeComfy::Mode::kExecutionError, 1);
  CancelToken cancel;
  auto resp = MakeProvider(server.url())->GenerateImage(MakeRequest(), cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable);
  const std::string& m = resp.error().message();
  EXPECT_NE(m.find("CUDA out of memory"), std::string::npos) << m;
  EXPECT_NE(m.find("KSampler"), std::string::npos) << m;
  EXPECT_TRUE(server.views().empty());
}

TEST(ComfyUiProviderTest, CancelWhilePollingReturnsCancelledPromptly) {
  FakeComfy server(FakeComfy::Mode::kNeverFinish);
  ComfyUiConfig config;
  config.base_url = server.url();
  config.workflow = Workflow();
  config.inject = Inject();
  config.poll_interval_ms = 2000;  // cancellation must not wait for the next poll
  auto provider =
      std::make_shared<ComfyUiProvider>("comfy", config, std::make_shared<CurlHttpClient>());
  CancelToken cancel;
  std::thread canceller([&] {
    while (server.history_polls() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancel.Cancel("execution stopped");
  });
  auto start = Clock::now();
  auto resp = provider->GenerateImage(MakeRequest(), cancel);
  auto elapsed = Clock::now() - start;
  canceller.join();
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kCancelled) << resp.error().ToString();
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
  // The abandoned prompt is taken off ComfyUI's queue.
  auto deletes = server.queue_posts();
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0], Json({{"delete", {"prompt-1"}}}));
}

TEST(ComfyUiProviderTest, RunPastTheTimeoutIsDeadlineExceeded) {
  FakeComfy server(FakeComfy::Mode::kNeverFinish);
  auto provider = MakeProvider(server.url(), Inject(), /*timeout_ms=*/300);
  CancelToken cancel;
  auto start = Clock::now();
  auto resp = provider->GenerateImage(MakeRequest(), cancel);
  auto elapsed = Clock::now() - start;
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kDeadlineExceeded) << resp.error().ToString();
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

TEST(ComfyUiProviderTest, EditImageUploadsTheImageAndInjectsItsNameAndTheInstruction) {
  FakeComfy server(FakeComfy::Mode::kSucceed, 1);
  auto inject = Inject();
  inject["image"] = "10.inputs.image";
  auto provider = MakeProvider(server.url(), inject);
  ImageEditRequest req;
  req.model = "comfy/img2img";
  req.instruction = "Make the sky stormy";
  req.image = {"image/png", kBluePng};
  req.history = {{"user", "A lighthouse", {}}};
  req.width = 640;
  req.height = 480;
  req.call.idempotency_key = "ex_2/edit/v1/a1";
  CancelToken cancel;
  auto resp = provider->EditImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 1u);
  EXPECT_EQ(resp->images[0].bytes, kRedPng);
  EXPECT_EQ(resp->session, "");

  auto uploads = server.uploads();
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].name, "image");
  EXPECT_EQ(uploads[0].content, kBluePng);
  EXPECT_EQ(uploads[0].content_type, "image/png");
  EXPECT_EQ(uploads[0].overwrite, "true");
  ASSERT_GT(uploads[0].filename.size(), 4u);
  EXPECT_EQ(uploads[0].filename.substr(uploads[0].filename.size() - 4), ".png");

  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 1u);
  const Json& graph = posted[0]["prompt"];
  EXPECT_EQ(graph["10"]["inputs"]["image"], "stored-" + uploads[0].filename);
  EXPECT_EQ(graph["6"]["inputs"]["text"], "Make the sky stormy");
  EXPECT_EQ(graph["7"]["inputs"]["text"], "ugly, blurry");  // the workflow's own negative
  EXPECT_EQ(graph["5"]["inputs"]["width"], 640);
  EXPECT_EQ(graph["5"]["inputs"]["height"], 480);
}

TEST(ComfyUiProviderTest, ReferenceImageIsUploadedForGenerateImage) {
  FakeComfy server(FakeComfy::Mode::kSucceed, 0);
  auto inject = Inject();
  inject["image"] = "10.inputs.image";
  auto provider = MakeProvider(server.url(), inject);
  ImageRequest req = MakeRequest();
  req.references = {{"image/png", kRedPng}, {"image/png", kBluePng}};
  CancelToken cancel;
  auto resp = provider->GenerateImage(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  auto uploads = server.uploads();
  ASSERT_EQ(uploads.size(), 1u);  // one image input: the first reference
  EXPECT_EQ(uploads[0].content, kRedPng);
  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0]["prompt"]["10"]["inputs"]["image"], "stored-" + uploads[0].filename);
}

TEST(ComfyUiProviderTest, EditImageWithoutAnImageInputIsInvalidArgument) {
  FakeComfy server;
  ImageEditRequest req;
  req.model = "comfy/sdxl";
  req.instruction = "Brighter";
  req.image = {"image/png", kRedPng};
  CancelToken cancel;
  auto resp = MakeProvider(server.url())->EditImage(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(server.uploads().empty());
}

TEST(ComfyUiProviderTest, GenerateTextIsInvalidArgument) {
  FakeComfy server;
  TextRequest req;
  req.model = "comfy/sdxl";
  req.messages = {{"user", "Hello"}};
  CancelToken cancel;
  auto resp = MakeProvider(server.url())->GenerateText(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(resp.error().message(), "comfyui provider 'comfy' generates images only");
}

TEST(ComfyUiProviderTest, HttpFailuresMapToRetryableCodes) {
  httplib::Server svr;
  int calls = 0;
  svr.Post("/prompt", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      res.status = 429;
      res.set_header("Retry-After", "3");
      res.set_content(R"({"error": "queue full"})", "application/json");
    } else if (calls == 2) {
      res.status = 500;
      res.set_content("Internal Server Error", "text/plain");
    } else {
      res.set_content("<html>not json", "text/html");
    }
  });
  int port = svr.bind_to_any_port("127.0.0.1");
  std::thread t([&] { svr.listen_after_bind(); });
  while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto provider = MakeProvider("http://127.0.0.1:" + std::to_string(port));
  CancelToken cancel;
  auto resp = provider->GenerateImage(MakeRequest(), cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kResourceExhausted) << resp.error().ToString();
  EXPECT_EQ(resp.error().retry_after_ms(), std::optional<int64_t>(3000));
  resp = provider->GenerateImage(MakeRequest(), cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
  resp = provider->GenerateImage(MakeRequest(), cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
  svr.stop();
  t.join();
}

}  // namespace
}  // namespace atelier
