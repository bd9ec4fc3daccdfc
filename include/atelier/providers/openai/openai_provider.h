// OpenAiProvider: a Provider for servers that speak the OpenAI HTTP API (OpenAI itself,
// llama.cpp's server, vLLM, Ollama, LocalAI...).
//
//   GenerateText  -> POST {base_url}/v1/chat/completions (structured output through
//                    response_format json_schema when the request carries a schema)
//   GenerateImage -> POST {base_url}/v1/images/generations
//   EditImage     -> POST {base_url}/v1/images/edits (multipart/form-data)
//
// A base_url that already ends in "/v1" is accepted as is. A model named "NAME/model", where NAME
// is this provider's name, is sent as "model". Chat completions keep no server-side state, so
// every call sends the whole conversation and responses carry no session handle.
//
// Usage: a chat answer without a "usage" object gets an estimate (Usage::estimated) of
// ApproxTokens over the system prompt and every message's text sent, and over the answer.
//
// Errors: non-2xx answers map through StatusFromHttp; a 2xx answer that is not the documented
// JSON is Unavailable ("NAME: malformed response: ..."), since a proxy or a restarting server is
// the usual cause and a retry may cure it; transport errors are the HttpClient's.
//
// Owns nothing but its configuration and a share of the HttpClient. Immutable after
// construction: every method may be called concurrently from any thread; each blocks for the
// duration of the HTTP call(s) and returns Cancelled soon after the token fires.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "atelier/engine/provider.h"
#include "atelier/providers/http/http_client.h"

namespace atelier {

// base_url: "https://api.openai.com", "http://127.0.0.1:8080", ...; the key is sent as a bearer
// token; timeout_ms per HTTP call.
struct OpenAiConfig : HttpEndpoint {
  OpenAiConfig() { base_url = "https://api.openai.com"; }
  // Sent as "response_format" to the image endpoints; "" leaves it out (for servers that reject
  // the field). Never sent for gpt-image-* models, which reject it and always answer b64_json.
  // Answers may carry b64_json or a url either way.
  std::string image_response_format = "b64_json";
  // Chat answers stream ("stream": true, read as Server-Sent Events) when the call has a
  // progress sink (someone watches the step), for live progress; the response is the same.
  // False: always one piece (for a compatible server that refuses the stream fields).
  bool stream = true;
};

class OpenAiProvider final : public Provider {
 public:
  OpenAiProvider(std::string name, OpenAiConfig config, std::shared_ptr<HttpClient> http);

  std::string name() const override { return name_; }
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override;
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override;
  Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken& cancel) override;

 private:
  std::string Url(const std::string& path) const;  // path like "/chat/completions"
  std::string ModelName(const std::string& model) const;
  HttpRequest BaseRequest(const std::string& path, const CallInfo& call) const;
  // Turns an images endpoint's answer into images; fetches url-only entries with `http_`.
  Result<ImageResponse> ParseImages(const HttpResponse& resp, const std::string& model, int width,
                                    int height, CancelToken& cancel);
  Status Malformed(const std::string& why, const std::string& body) const;

  std::string name_;
  OpenAiConfig config_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace atelier
