// The provider adapters' handling of what a server answers: OpenAI, Gemini and ComfyUI bodies,
// statuses and headers, through the production GenerateText / GenerateImage / EditImage over a
// scripted HttpClient (no network). Input: one byte choosing provider and call, then the answers
// to the adapter's requests in order, separated by a line "@@"; each answer is like HTTP:
//   200
//   retry-after: 3
//
//   {"choices": [...]}
// (a status line, header lines, an empty line, the body; a chunk without a numeric first line is
// a 200 body). When the answers run out, the client reports the connection refused.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/providers/comfyui/comfyui_provider.h"
#include "atelier/providers/gemini/gemini_provider.h"
#include "atelier/providers/openai/openai_provider.h"

namespace {

using namespace atelier;

class ScriptedClient : public HttpClient {
 public:
  explicit ScriptedClient(std::vector<HttpResponse> answers) : answers_(std::move(answers)) {}
  Result<HttpResponse> Send(const HttpRequest&, CancelToken&) override {
    // A bound on calls: a loop over answers that never ends would show as a hang instead.
    if (next_ >= answers_.size() || ++calls_ > 64) return Err(Unavailable("connection refused"));
    return answers_[next_++];
  }

 private:
  std::vector<HttpResponse> answers_;
  size_t next_ = 0;
  int calls_ = 0;
};

HttpResponse ParseAnswer(std::string_view chunk) {
  HttpResponse r;
  r.status = 200;
  size_t nl = chunk.find('\n');
  std::string_view first = chunk.substr(0, nl);
  if (first.size() == 3 && first.find_first_not_of("0123456789") == std::string_view::npos) {
    r.status = std::stoi(std::string(first));
    chunk = nl == std::string_view::npos ? std::string_view() : chunk.substr(nl + 1);
    while (!chunk.empty()) {
      nl = chunk.find('\n');
      std::string_view line = chunk.substr(0, nl);
      chunk = nl == std::string_view::npos ? std::string_view() : chunk.substr(nl + 1);
      if (line.empty()) break;
      size_t colon = line.find(':');
      std::string name(line.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value(colon == std::string_view::npos ? "" : line.substr(colon + 1));
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      r.headers.emplace_back(std::move(name), std::move(value));
    }
  }
  r.body = std::string(chunk);
  return r;
}

std::vector<HttpResponse> ParseAnswers(std::string_view in) {
  std::vector<HttpResponse> out;
  constexpr std::string_view kSep = "\n@@\n";
  while (true) {
    size_t at = in.find(kSep);
    out.push_back(ParseAnswer(in.substr(0, at)));
    if (at == std::string_view::npos) break;
    in = in.substr(at + kSep.size());
  }
  return out;
}

Json ComfyWorkflow() {
  return Json::parse(R"({
    "3": {"class_type": "KSampler", "inputs": {"seed": 0, "steps": 20, "model": ["4", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "x.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "PROMPT", "clip": ["4", 1]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["3", 0]}},
    "10": {"class_type": "LoadImage", "inputs": {"image": "example.png", "upload": "image"}}
  })");
}

std::shared_ptr<Provider> MakeProvider(int which, std::shared_ptr<HttpClient> http) {
  switch (which) {
    case 0: {
      OpenAiConfig c;
      c.base_url = "http://openai.test";
      c.api_key = "k";
      return std::make_shared<OpenAiProvider>("openai", c, http);
    }
    case 1: {
      GeminiConfig c;
      c.base_url = "http://gemini.test";
      c.api_key = "k";
      return std::make_shared<GeminiProvider>("gemini", c, http);
    }
    default: {
      ComfyUiConfig c;
      c.base_url = "http://comfy.test";
      c.workflow = ComfyWorkflow();
      c.inject = {{"prompt", "6.inputs.text"},           {"seed", "3.inputs.seed"},
                  {"width", "5.inputs.width"},           {"height", "5.inputs.height"},
                  {"batch_size", "5.inputs.batch_size"}, {"image", "10.inputs.image"}};
      c.poll_interval_ms = 0;
      c.timeout_ms = 60000;
      return std::make_shared<ComfyUiProvider>("comfy", c, http);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int which = data[0] % 3;       // openai, gemini, comfyui
  const int call = (data[0] / 3) % 4;  // text, text with schema, image (2 of them), edit
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  auto http = std::make_shared<ScriptedClient>(ParseAnswers(rest));
  auto provider = MakeProvider(which, http);
  CancelToken cancel;
  CallInfo info;
  info.idempotency_key = "e/s/v1/a1";
  const std::string png("\x89PNG\r\n\x1a\n", 8);
  if (call <= 1) {
    TextRequest req;
    req.model = "m";
    req.system = "be brief";
    req.messages = {{"user", "hello", {}}};
    if (call == 1) req.json_schema = {{"type", "object"}};
    req.call = info;
    (void)provider->GenerateText(req, cancel);
  } else if (call == 2) {
    ImageRequest req;
    req.model = "m";
    req.prompt = "a cat";
    req.count = 2;
    req.width = 64;
    req.height = 64;
    req.call = info;
    (void)provider->GenerateImage(req, cancel);
  } else {
    ImageEditRequest req;
    req.model = "m";
    req.instruction = "bluer";
    req.image = {"image/png", png};
    req.history = {{"user", "a cat", {}}, {"assistant", "", {}}};
    req.count = 1;
    req.width = 64;
    req.height = 64;
    req.call = info;
    (void)provider->EditImage(req, cancel);
  }
  return 0;
}
