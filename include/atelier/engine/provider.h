// Provider: a text and image generation backend, in the engine's terms (no HTTP here).
// Implementations: OfflineProvider (deterministic, no network); HTTP adapters in later modules.
// Every method may be called concurrently from worker threads and blocks until the call ends,
// the token is cancelled (Cancelled) or the provider fails.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/core/template.h"
#include "atelier/engine/cancel.h"

namespace atelier {

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t images = 0;
  // True when the provider reported no usage and the tokens were approximated from the text
  // sent and received (ApproxTokens), so a paid call is never recorded as free.
  bool estimated = false;
};

// The token count of `text` by the rule of thumb of OpenAI's documentation: about 4 bytes of
// English per token, rounded up (ceil(UTF-8 bytes / 4)). For usage a provider did not report.
inline int64_t ApproxTokens(std::string_view text) {
  return static_cast<int64_t>((text.size() + 3) / 4);
}

// An image handed to a provider: a reference image, or the previous image of a session.
struct ImageInput {
  std::string mime;   // "image/png", "image/jpeg", ...
  std::string bytes;  // encoded file
};

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
  std::vector<ImageInput> images;  // images attached to this turn (multimodal providers)
};

// Live progress of one provider call, for people watching a running step. Nothing here is
// durable or part of the result: the response is what counts, and it is the same whether a sink
// was given or not. A provider that can report progress (a streaming text API, an image server's
// sampling steps) calls the sink from the thread that runs the call, as the answer arrives;
// implementations must be quick and must not call back into the provider.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // The answer starts (again): what was reported before is void (a retried stream, a fallback
  // to the next provider of an alias).
  virtual void Restart() = 0;
  // The next piece of the answer's text, in order (a streaming API's delta).
  virtual void Text(std::string_view delta) = 0;
  // Image work: `value` of `max` steps done.
  virtual void Steps(int64_t value, int64_t max) = 0;
};

struct CallInfo {
  std::string idempotency_key;  // "EXEC/STEP/vVERSION/aATTEMPT"
  int attempt = 1;              // 1-based, cumulative for the step
  Json knobs = Json::object();  // provider-specific test knobs from node data (latency_ms, ...)
  // Where to report live progress, or null. Borrowed: outlives the call. With a sink, providers
  // that can stream do (same response as without); without one they answer as they always did.
  ProgressSink* progress = nullptr;
};

struct TextRequest {
  std::string model;
  std::string system;
  std::vector<ChatMessage> messages;  // the conversation so far, oldest first; last is the user's
  double temperature = 0.7;
  int max_tokens = 1024;
  // A JSON Schema the answer must follow (structured output), or null for free text. The
  // provider asks for it where the API supports that; the caller validates the answer.
  Json json_schema;
  std::string session;  // the provider's conversation handle from an earlier turn, if any
  CallInfo call;
};

struct TextResponse {
  std::string text;
  std::string model;
  Usage usage;
  std::string session;  // a conversation handle to continue from, when the provider has one
};

struct ImageRequest {
  std::string model;
  std::string prompt;
  std::string negative_prompt;
  int width = 512;
  int height = 512;
  std::string aspect_ratio;  // "16:9" for providers that take a ratio instead of a size
  int count = 1;
  std::optional<int64_t> seed;
  std::vector<ImageInput> references;  // style or character references
  CallInfo call;
};

// Refines an earlier image with an instruction, continuing its session where the provider keeps
// one (the previous turns and the previous image are always sent as well).
struct ImageEditRequest {
  std::string model;
  std::string instruction;
  ImageInput image;                  // the image to refine
  std::vector<ChatMessage> history;  // earlier turns of the step's session, oldest first
  int width = 512;
  int height = 512;
  int count = 1;
  std::string session;
  CallInfo call;
};

struct GeneratedImage {
  std::string mime;   // "image/png"
  std::string bytes;  // encoded file
  int width = 0;
  int height = 0;
};

struct ImageResponse {
  std::vector<GeneratedImage> images;
  std::string model;
  Usage usage;
  std::string session;  // a conversation handle to continue from, when the provider has one
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string name() const = 0;
  // InvalidArgument for a bad request; Unavailable / ResourceExhausted / DeadlineExceeded for
  // transient failures; Cancelled when `cancel` fires.
  virtual Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) = 0;
  virtual Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) = 0;
  // InvalidArgument when the provider cannot edit images; otherwise as GenerateImage.
  virtual Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken& cancel) {
    (void)cancel;
    return Err(InvalidArgument("provider '" + name() + "' cannot edit images (model '" + req.model +
                               "')"));
  }
};

// One place a model name can be served: a provider and the model name it knows.
struct ModelRoute {
  Provider* provider = nullptr;
  std::string model;
};

// Maps model names and aliases to providers. Set up once, then read-only: thread-safe.
class ProviderRegistry {
 public:
  void Add(std::shared_ptr<Provider> p) { providers_[p->name()] = std::move(p); }
  // An alias ("default", "fast", "image", ...) and its ordered fallback list of
  // {provider name, model}. InvalidArgument naming an unknown provider.
  Status SetAlias(const std::string& alias,
                  const std::vector<std::pair<std::string, std::string>>& targets);
  // Where `model` can be served, in the order to try: an alias's list; "provider/model"; a
  // provider's own name; otherwise the provider named "offline" when there is one (the
  // embedded default, so templates run with no configuration). NotFound otherwise.
  Result<std::vector<ModelRoute>> Routes(const std::string& model) const;
  Provider* Find(const std::string& name) const {
    auto it = providers_.find(name);
    return it == providers_.end() ? nullptr : it->second.get();
  }

 private:
  std::unordered_map<std::string, std::shared_ptr<Provider>> providers_;
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>> aliases_;
};

}  // namespace atelier
