// Provider: a text and image generation backend, in the engine's terms (no HTTP here).
// Implementations: OfflineProvider (deterministic, no network); HTTP adapters in later modules.
// Every method may be called concurrently from worker threads and blocks until the call ends,
// the token is cancelled (Cancelled) or the provider fails.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
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
};

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

struct CallInfo {
  std::string idempotency_key;  // "EXEC/STEP/vVERSION/aATTEMPT"
  int attempt = 1;              // 1-based, cumulative for the step
  Json knobs = Json::object();  // provider-specific test knobs from node data (latency_ms, ...)
};

struct TextRequest {
  std::string model;
  std::string system;
  std::vector<ChatMessage> messages;
  double temperature = 0.7;
  int max_tokens = 1024;
  CallInfo call;
};

struct TextResponse {
  std::string text;
  std::string model;
  Usage usage;
};

struct ImageRequest {
  std::string model;
  std::string prompt;
  std::string negative_prompt;
  int width = 512;
  int height = 512;
  int count = 1;
  std::optional<int64_t> seed;
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
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string name() const = 0;
  // InvalidArgument for a bad request; Unavailable / ResourceExhausted / DeadlineExceeded for
  // transient failures; Cancelled when `cancel` fires.
  virtual Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) = 0;
  virtual Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) = 0;
};

// Maps a model alias or name to a provider. Thread-safe after setup.
class ProviderRegistry {
 public:
  void Add(std::shared_ptr<Provider> p) { providers_[p->name()] = std::move(p); }
  // Routes `model` (an alias such as "default", or "provider/model") to a provider; the fallback
  // is the provider named "offline" when nothing else is configured. NotFound otherwise.
  Result<Provider*> Resolve(const std::string& model) const;

 private:
  std::unordered_map<std::string, std::shared_ptr<Provider>> providers_;
};

}  // namespace atelier
