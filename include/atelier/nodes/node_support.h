// Helpers shared by the node executors (builtin, review, export): rendering a node's fields,
// the tweak/regenerate request in a step's session, conversation turns, and trying a model's
// routes in order. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "atelier/engine/node_executor.h"

namespace atelier::nodes {

// data[key] rendered against the scope, or `fallback` when absent. InvalidArgument naming the
// field when a reference does not resolve.
Result<Json> RenderField(const NodeContext& ctx, const char* key, Json fallback = nullptr);
// As text: strings as they are, null as "", other values as JSON.
Result<std::string> RenderText(const NodeContext& ctx, const char* key, std::string fallback);
// An integer (a whole float or a numeric string is accepted, for rendered references).
Result<int64_t> RenderInt(const NodeContext& ctx, const char* key, int64_t fallback);
// A number (a numeric string is accepted).
Result<double> RenderNumber(const NodeContext& ctx, const char* key, double fallback);

// "images[3]" -> "images-3": map item ids as file names.
std::string FileStem(const std::string& step_id);
// The offline provider's test knobs (latency_ms, fail_first, stream_chunk_ms), rendered.
Result<Json> Knobs(const NodeContext& ctx);
// "WIDTHxHEIGHT", each side 16..2048.
Result<std::pair<int, int>> ParseSize(const std::string& s);
// A model's answer without ``` fences around it.
std::string StripFences(const std::string& text);

// Puts `bytes` in the blob store and appends this attempt's `index`-th artifact to `r`
// (kind "document" or "image"). Returns the artifact's id.
Result<std::string> AddArtifact(const NodeContext& ctx, NodeResult* r, int index,
                                const std::string& bytes, const std::string& kind,
                                const std::string& mime, const std::string& name,
                                Json meta = Json::object());
// Appends a generated image as an artifact named STEP.png (STEP-N.png when one of `count`) and
// returns the image object outputs carry: {artifact_id, sha256, mime, name, width, height}.
Result<Json> AddImage(const NodeContext& ctx, NodeResult* r, int index, int count,
                      const GeneratedImage& img, const std::string& prompt);

// What the engine asks of a generative step this time: "run", "tweak" (continue the stored
// session with `instruction`) or "regenerate" (same settings, a new version).
struct Pending {
  std::string mode = "run";
  std::string instruction;
};
Pending PendingOf(const NodeContext& ctx);

std::vector<ChatMessage> MessagesOf(const Json& list);
Json MessagesJson(const std::vector<ChatMessage>& messages);
// A stable seed for a regeneration, so a retry of the same attempt draws the same picture.
int64_t SeedFrom(const std::string& key);

// Tries each route of `model` in order (an alias's fallback list) while the failure is one a
// retry could cure; returns the first answer, or the last error. `used` names who answered.
template <class T, class F>
Result<T> WithFallback(const NodeContext& ctx, const std::string& model, F call,
                       std::string* used) {
  auto routes = ctx.providers->Routes(model);
  if (!routes) return Err(routes.error());
  Status last = Internal("no provider tried");
  for (size_t i = 0; i < routes->size(); ++i) {
    const ModelRoute& r = (*routes)[i];
    if (ctx.cancel->cancelled()) return Err(Cancelled(ctx.cancel->reason()));
    Result<T> out = call(*r.provider, r.model);
    if (out) {
      *used = r.provider->name();
      return out;
    }
    last = out.error();
    if (!IsRetryable(last) || i + 1 == routes->size()) break;
  }
  return Err(last);
}

// Sends `req` along the routes of `model` (WithFallback), each try with the route's model name;
// `used` gets the provider that answered.
template <class Request, class Response>
Result<Response> SendRouted(const NodeContext& ctx, const std::string& model, const Request& req,
                            Result<Response> (Provider::*send)(const Request&, CancelToken&),
                            std::string* used) {
  return WithFallback<Response>(
      ctx, model,
      [&](Provider& p, const std::string& name) {
        Request routed = req;
        routed.model = name;
        return (p.*send)(routed, *ctx.cancel);
      },
      used);
}
inline Result<TextResponse> SendRouted(const NodeContext& ctx, const std::string& model,
                                       const TextRequest& req, std::string* used) {
  return SendRouted(ctx, model, req, &Provider::GenerateText, used);
}
inline Result<ImageResponse> SendRouted(const NodeContext& ctx, const std::string& model,
                                        const ImageRequest& req, std::string* used) {
  return SendRouted(ctx, model, req, &Provider::GenerateImage, used);
}
inline Result<ImageResponse> SendRouted(const NodeContext& ctx, const std::string& model,
                                        const ImageEditRequest& req, std::string* used) {
  return SendRouted(ctx, model, req, &Provider::EditImage, used);
}

}  // namespace atelier::nodes
