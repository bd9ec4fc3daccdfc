#include "providers/offline/offline_provider.h"

#include <algorithm>
#include <cstdint>

#include "providers/offline/image_synth.h"
#include "providers/offline/png_writer.h"
#include "providers/offline/prng.h"
#include "providers/offline/text_synth.h"

namespace atelier {
namespace {

constexpr int kMinImageSide = 16;
constexpr int kMaxImageSide = 2048;
constexpr int kMaxImages = 8;

// A non-negative integer knob; 0 when absent.
Result<int64_t> Knob(const Json& knobs, const char* key) {
  if (!knobs.is_object()) return 0;
  auto it = knobs.find(key);
  if (it == knobs.end() || it->is_null()) return 0;
  if (it->is_number_integer() || it->is_number_unsigned()) {
    if (it->is_number_unsigned()) {
      return static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), INT64_MAX));
    }
    int64_t v = it->get<int64_t>();
    if (v >= 0) return v;
  } else if (it->is_number_float()) {
    double v = it->get<double>();
    if (v >= 0 && v < 9.2e18) return static_cast<int64_t>(v);
  }
  return Err(InvalidArgument(std::string("offline provider: knob '") + key +
                             "' must be a non-negative number, got " + it->dump()));
}

// What every call does before generating: honour cancellation, latency_ms and fail_first.
Status SimulateCall(const CallInfo& call, CancelToken& cancel) {
  auto latency = Knob(call.knobs, "latency_ms");
  if (!latency) return latency.error();
  auto fail_first = Knob(call.knobs, "fail_first");
  if (!fail_first) return fail_first.error();

  if (cancel.cancelled()) {
    return Cancelled("offline provider: cancelled before start: " + cancel.reason());
  }
  if (*latency > 0 && !cancel.SleepFor(*latency)) {
    return Cancelled("offline provider: cancelled during simulated latency: " + cancel.reason());
  }
  if (call.attempt <= *fail_first) {
    return Unavailable("offline provider: simulated transient failure on attempt " +
                       std::to_string(call.attempt) + " of the first " +
                       std::to_string(*fail_first));
  }
  return Status::Ok();
}

int64_t Tokens(size_t chars) { return std::max<int64_t>(1, static_cast<int64_t>(chars / 4)); }

}  // namespace

Result<TextResponse> OfflineProvider::GenerateText(const TextRequest& req, CancelToken& cancel) {
  if (Status s = SimulateCall(req.call, cancel); !s.ok()) return Err(std::move(s));

  TextResponse resp;
  resp.text = offline::SynthesizeText(req);
  resp.model = req.model;
  size_t input_chars = req.system.size();
  for (const auto& m : req.messages) input_chars += m.content.size();
  resp.usage.input_tokens = Tokens(input_chars);
  resp.usage.output_tokens = Tokens(resp.text.size());
  return resp;
}

Result<ImageResponse> OfflineProvider::GenerateImage(const ImageRequest& req, CancelToken& cancel) {
  auto in_range = [](int v) { return v >= kMinImageSide && v <= kMaxImageSide; };
  if (!in_range(req.width) || !in_range(req.height)) {
    return Err(InvalidArgument("offline provider: image size " + std::to_string(req.width) + "x" +
                               std::to_string(req.height) + " is outside " +
                               std::to_string(kMinImageSide) + ".." +
                               std::to_string(kMaxImageSide)));
  }
  if (req.count < 1 || req.count > kMaxImages) {
    return Err(InvalidArgument("offline provider: image count " + std::to_string(req.count) +
                               " is outside 1.." + std::to_string(kMaxImages)));
  }
  if (Status s = SimulateCall(req.call, cancel); !s.ok()) return Err(std::move(s));

  uint64_t base_seed =
      req.seed
          ? static_cast<uint64_t>(*req.seed)
          : offline::Fnv1a().Field(req.model).Field(req.prompt).Field(req.negative_prompt).value();
  ImageResponse resp;
  resp.model = req.model;
  for (int i = 0; i < req.count; ++i) {
    // Generating is quick, but a batch of large images is worth stopping early.
    if (cancel.cancelled()) {
      return Err(Cancelled("offline provider: cancelled while drawing: " + cancel.reason()));
    }
    uint64_t layout_seed = offline::Fnv1a().Int(static_cast<int64_t>(base_seed)).Int(i).value();
    offline::RgbImage img =
        offline::RenderImage(req.prompt, req.width, req.height, base_seed, layout_seed);
    auto png = offline::EncodePng(img);
    if (!png) return Err(png.error());
    resp.images.push_back({"image/png", std::move(*png), req.width, req.height});
  }
  resp.usage.images = req.count;
  return resp;
}

}  // namespace atelier
