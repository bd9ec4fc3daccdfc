#include "atelier/providers/offline/offline_provider.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <utility>

#include "image_synth.h"
#include "json_synth.h"
#include "png_reader.h"
#include "png_writer.h"
#include "prng.h"
#include "text_synth.h"

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

constexpr int kTextChunks = 8;  // pieces the text is reported in, to whoever watches
constexpr int kImageSteps = 4;  // simulated sampling steps per image

// Reports `text` to the call's progress sink (when it has one) in kTextChunks pieces cut at
// UTF-8 character boundaries, waiting the knob stream_chunk_ms before each: what a streaming
// API shows, with no network. The answer itself does not change.
Status StreamText(const CallInfo& call, const std::string& text, CancelToken& cancel) {
  if (call.progress == nullptr) return Status::Ok();
  auto delay = Knob(call.knobs, "stream_chunk_ms");
  if (!delay) return delay.error();
  call.progress->Restart();
  size_t from = 0;
  for (int k = 1; k <= kTextChunks; ++k) {
    size_t to = text.size() * static_cast<size_t>(k) / kTextChunks;
    while (to < text.size() && (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80) ++to;
    if (*delay > 0 && !cancel.SleepFor(*delay)) {
      return Cancelled("offline provider: cancelled while streaming: " + cancel.reason());
    }
    if (to > from) call.progress->Text(std::string_view(text).substr(from, to - from));
    from = std::max(from, to);
  }
  return Status::Ok();
}

// Reports kImageSteps sampling steps per image to the call's progress sink, waiting
// stream_chunk_ms before each, as an image server would while it samples.
Status StreamSteps(const CallInfo& call, int images, CancelToken& cancel) {
  if (call.progress == nullptr) return Status::Ok();
  auto delay = Knob(call.knobs, "stream_chunk_ms");
  if (!delay) return delay.error();
  call.progress->Restart();
  const int64_t total = static_cast<int64_t>(images) * kImageSteps;
  for (int64_t k = 1; k <= total; ++k) {
    if (*delay > 0 && !cancel.SleepFor(*delay)) {
      return Cancelled("offline provider: cancelled while sampling: " + cancel.reason());
    }
    call.progress->Steps(k, total);
  }
  return Status::Ok();
}

int64_t Tokens(size_t chars) { return std::max<int64_t>(1, static_cast<int64_t>(chars / 4)); }

std::string SessionId(uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(hash));
  return std::string("offline:") + buf;
}

Status CheckSize(int width, int height) {
  auto in_range = [](int v) { return v >= kMinImageSide && v <= kMaxImageSide; };
  if (in_range(width) && in_range(height)) return Status::Ok();
  return InvalidArgument("offline provider: image size " + std::to_string(width) + "x" +
                         std::to_string(height) + " is outside " + std::to_string(kMinImageSide) +
                         ".." + std::to_string(kMaxImageSide));
}

Status CheckCount(int count) {
  if (count >= 1 && count <= kMaxImages) return Status::Ok();
  return InvalidArgument("offline provider: image count " + std::to_string(count) +
                         " is outside 1.." + std::to_string(kMaxImages));
}

// "16:9" -> the size with that ratio whose longer side is 512. Decimal terms ("1.91:1") are
// accepted; anything else, or a ratio so extreme that a side falls under 16, is refused.
Result<std::pair<int, int>> SizeForAspectRatio(const std::string& ratio) {
  auto bad = [&](const std::string& why) {
    return Err(InvalidArgument("offline provider: aspect_ratio '" + ratio + "' " + why));
  };
  size_t colon = ratio.find(':');
  if (colon == std::string::npos) return bad("is not of the form W:H");
  auto term = [](const std::string& s, double& out) {
    if (s.empty() || s.size() > 12) return false;
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || c == '.')) return false;
    }
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(out) && out > 0;
  };
  double w = 0, h = 0;
  if (!term(ratio.substr(0, colon), w) || !term(ratio.substr(colon + 1), h)) {
    return bad("is not of the form W:H with positive numbers");
  }
  constexpr int kLonger = 512;
  int width = w >= h ? kLonger : static_cast<int>(std::lround(kLonger * w / h));
  int height = h >= w ? kLonger : static_cast<int>(std::lround(kLonger * h / w));
  if (width < kMinImageSide || height < kMinImageSide) {
    return bad("is too extreme (a side would be under " + std::to_string(kMinImageSide) + ")");
  }
  return std::make_pair(width, height);
}

}  // namespace

Result<TextResponse> OfflineProvider::GenerateText(const TextRequest& req, CancelToken& cancel) {
  if (Status s = SimulateCall(req.call, cancel); !s.ok()) return Err(std::move(s));

  TextResponse resp;
  if (req.json_schema.is_null()) {
    resp.text = offline::SynthesizeText(req);
  } else {
    auto value = offline::SynthesizeJson(req);
    if (!value) return Err(value.error());
    // Prompt words may carry broken UTF-8; replace it rather than let dump() throw.
    resp.text = value->dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  if (Status s = StreamText(req.call, resp.text, cancel); !s.ok()) return Err(std::move(s));
  resp.model = req.model;
  size_t input_chars = req.system.size();
  for (const auto& m : req.messages) input_chars += m.content.size();
  resp.usage.input_tokens = Tokens(input_chars);
  resp.usage.output_tokens = Tokens(resp.text.size());

  offline::Fnv1a conversation;
  conversation.Field(req.system).Int(static_cast<int64_t>(req.messages.size()));
  for (const auto& m : req.messages) {
    conversation.Field(m.role).Field(m.content).Int(static_cast<int64_t>(m.images.size()));
    for (const auto& img : m.images) conversation.Field(img.bytes);
  }
  conversation.Field("assistant").Field(resp.text);
  resp.session = SessionId(conversation.value());
  return resp;
}

Result<ImageResponse> OfflineProvider::GenerateImage(const ImageRequest& req, CancelToken& cancel) {
  int width = req.width, height = req.height;
  if (!req.aspect_ratio.empty()) {
    auto size = SizeForAspectRatio(req.aspect_ratio);
    if (!size) return Err(size.error());
    // An explicit size wins over the ratio; only the default size is replaced.
    if (width == 512 && height == 512) std::tie(width, height) = *size;
  }
  if (Status s = CheckSize(width, height); !s.ok()) return Err(std::move(s));
  if (Status s = CheckCount(req.count); !s.ok()) return Err(std::move(s));
  if (Status s = SimulateCall(req.call, cancel); !s.ok()) return Err(std::move(s));

  uint64_t base_seed =
      req.seed
          ? static_cast<uint64_t>(*req.seed)
          : offline::Fnv1a().Field(req.model).Field(req.prompt).Field(req.negative_prompt).value();
  uint64_t palette_seed = base_seed;
  std::string caption = req.prompt;
  if (!req.references.empty()) {
    offline::Fnv1a h;
    h.Int(static_cast<int64_t>(base_seed)).Int(static_cast<int64_t>(req.references.size()));
    for (const auto& ref : req.references) h.Field(ref.bytes);
    palette_seed = h.value();
    caption = "REF: " + req.prompt;
  }
  if (Status s = StreamSteps(req.call, req.count, cancel); !s.ok()) return Err(std::move(s));
  ImageResponse resp;
  resp.model = req.model;
  for (int i = 0; i < req.count; ++i) {
    // Generating is quick, but a batch of large images is worth stopping early.
    if (cancel.cancelled()) {
      return Err(Cancelled("offline provider: cancelled while drawing: " + cancel.reason()));
    }
    uint64_t layout_seed = offline::Fnv1a().Int(static_cast<int64_t>(base_seed)).Int(i).value();
    offline::RgbImage img = offline::RenderImage(caption, width, height, palette_seed, layout_seed);
    auto png = offline::EncodePng(img);
    if (!png) return Err(png.error());
    resp.images.push_back({"image/png", std::move(*png), width, height});
  }
  resp.usage.images = req.count;
  resp.session = SessionId(offline::Fnv1a().Field("").Field(req.prompt).value());
  return resp;
}

Result<ImageResponse> OfflineProvider::EditImage(const ImageEditRequest& req, CancelToken& cancel) {
  if (Status s = CheckCount(req.count); !s.ok()) return Err(std::move(s));
  std::optional<offline::RgbImage> previous = offline::DecodePng(req.image.bytes, kMaxImageSide);
  // A picture smaller than this provider ever draws is treated as foreign, so the output stays
  // within the documented size range.
  if (previous && (previous->width < kMinImageSide || previous->height < kMinImageSide)) {
    previous.reset();
  }
  if (!previous) {
    if (Status s = CheckSize(req.width, req.height); !s.ok()) return Err(std::move(s));
  }
  if (Status s = SimulateCall(req.call, cancel); !s.ok()) return Err(std::move(s));

  const std::string session =
      SessionId(offline::Fnv1a().Field(req.session).Field(req.instruction).value());
  if (!previous) {
    // Nothing to keep: draw afresh, and say so in the caption.
    ImageRequest fresh;
    fresh.model = req.model;
    fresh.prompt = "EDIT: " + req.instruction;
    fresh.width = req.width;
    fresh.height = req.height;
    fresh.count = req.count;
    fresh.call = req.call;
    fresh.call.knobs = Json::object();  // latency and failures were simulated above
    auto resp = GenerateImage(fresh, cancel);
    if (resp) resp->session = session;
    return resp;
  }

  if (Status s = StreamSteps(req.call, req.count, cancel); !s.ok()) return Err(std::move(s));
  const uint64_t seed = offline::Fnv1a().Field(req.image.bytes).Field(req.instruction).value();
  const int revision = offline::PngRevision(req.image.bytes) + 1;
  ImageResponse resp;
  resp.model = req.model;
  for (int i = 0; i < req.count; ++i) {
    if (cancel.cancelled()) {
      return Err(Cancelled("offline provider: cancelled while drawing: " + cancel.reason()));
    }
    offline::RgbImage img = offline::RenderEdit(*previous, req.instruction, seed, i);
    auto png = offline::EncodePng(img, revision);
    if (!png) return Err(png.error());
    resp.images.push_back({"image/png", std::move(*png), img.width, img.height});
  }
  resp.usage.images = req.count;
  resp.session = session;
  return resp;
}

}  // namespace atelier
