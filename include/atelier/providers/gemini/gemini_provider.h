// GeminiProvider: Google's Gemini models through the generateContent REST API
// (POST {base_url}/v1beta/models/{model}:generateContent), for text, structured output, image
// generation and multi-turn image editing.
//
// Gemini keeps no server-side conversation: every call sends the whole conversation (earlier turns
// with their images), so the session string it returns is always empty and the history the engine
// keeps is the session. An image edit continues that conversation with the instruction and the
// previous image, which lets the model refine the same picture instead of starting over.
//
// Usage: from usageMetadata (thinking tokens count as output); an answer without it gets an
// estimate (Usage::estimated) of ApproxTokens over the text sent and the text answered.
//
// Models: req.model is sent as is after removing a leading "<provider name>/" ("gemini/x" -> "x")
// and a leading "models/"; InvalidArgument for a model name with characters other than letters,
// digits, '.', '-' and '_'.
//
// Ownership: the provider shares `http` with its creator. Thread-safety: stateless after
// construction; every method may be called concurrently. Every method blocks on HTTP.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "atelier/engine/provider.h"
#include "atelier/providers/http/http_client.h"

namespace atelier {

// The key is sent as x-goog-api-key; timeout_ms per HTTP call.
struct GeminiConfig : HttpEndpoint {
  GeminiConfig() { base_url = "https://generativelanguage.googleapis.com"; }
  // Text answers stream (streamGenerateContent?alt=sse) when the call has a progress sink (someone
  // watches the step), for live progress; the response is the same. False: always one piece.
  bool stream = true;
};

class GeminiProvider final : public Provider {
 public:
  GeminiProvider(std::string name, GeminiConfig config, std::shared_ptr<HttpClient> http);

  std::string name() const override { return name_; }

  // Joins the text parts of the first candidate. req.json_schema, when set, asks for JSON
  // ("responseMimeType" and "responseSchema"). "system" messages join req.system in the system
  // instruction; "assistant" turns are sent as "model" turns. Errors: InvalidArgument for a bad
  // request or a blocked prompt (promptFeedback.blockReason); Unavailable for a malformed answer
  // or one without candidates or text; otherwise what StatusFromHttp and HttpClient return.
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override;

  // One user turn: the prompt and " Avoid: <negative_prompt>.", then the reference images.
  // generationConfig.imageConfig.aspectRatio is req.aspect_ratio, else the supported ratio
  // within 3% of width:height; InvalidArgument naming the supported ratios (1:1, 2:3, 3:2, 3:4,
  // 4:3, 4:5, 5:4, 9:16, 16:9, 21:9) when there is none. Calls again until `count` images
  // arrived (every call is billed). Unavailable when an answer has no image; other errors as
  // GenerateText.
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override;

  // Alternating turns: the history (consecutive turns of one role joined), a model turn holding
  // the image to refine, then a user turn with the instruction; with no history, one user turn
  // with the instruction and the image. The aspect ratio of width:height is sent when supported
  // (left out otherwise: the model keeps the image's shape). Errors as GenerateImage.
  Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken& cancel) override;

 private:
  Result<std::string> ModelId(const std::string& model) const;
  // Sends one generateContent request and returns the parsed 2xx answer. With `progress`, the
  // request streams (streamGenerateContent, alt=sse) and the chunks are merged into that answer.
  Result<Json> Call(const std::string& model_id, const Json& body, CancelToken& cancel,
                    ProgressSink* progress = nullptr) const;
  // Repeats the call with `body` (contents and system instruction; the generation config is
  // added here, with imageConfig.aspectRatio unless `aspect_ratio` is "") until `count` images
  // arrived.
  Result<ImageResponse> GenerateImages(const std::string& model, Json body, int count,
                                       const std::string& aspect_ratio, CancelToken& cancel) const;

  std::string name_;
  GeminiConfig config_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace atelier
