#include "atelier/providers/openai/openai_provider.h"

#include <cstdint>
#include <exception>
#include <string_view>
#include <utility>
#include <vector>

#include "atelier/core/json_limits.h"
#include "atelier/providers/http/base64.h"
#include "atelier/providers/http/token_count.h"
#include "chat_stream.h"

namespace atelier {
namespace {

constexpr size_t kExcerptChars = 200;

// Serialises without throwing on invalid UTF-8 in user text (replaced by U+FFFD instead).
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

bool Is2xx(int status) { return status >= 200 && status < 300; }

std::string DataUrl(const ImageInput& img) {
  std::string mime = img.mime.empty() ? "image/png" : img.mime;
  return "data:" + mime + ";base64," + Base64Encode(img.bytes);
}

uint32_t Be16(std::string_view b, size_t i) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[i])) << 8) | static_cast<uint8_t>(b[i + 1]);
}
uint32_t Be32(std::string_view b, size_t i) { return (Be16(b, i) << 16) | Be16(b, i + 2); }
uint32_t Le16(std::string_view b, size_t i) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[i + 1])) << 8) | static_cast<uint8_t>(b[i]);
}
uint32_t Le24(std::string_view b, size_t i) {
  return Le16(b, i) | (static_cast<uint32_t>(static_cast<uint8_t>(b[i + 2])) << 16);
}

// Fills mime, width and height from the file's own header where it can be read (PNG IHDR, JPEG
// SOFn, WebP VP8/VP8L/VP8X); leaves the defaults otherwise.
void SniffImage(GeneratedImage& img) {
  std::string_view b = img.bytes;
  if (b.size() >= 24 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    img.mime = "image/png";
    if (b.substr(12, 4) == "IHDR") {
      img.width = static_cast<int>(Be32(b, 16));
      img.height = static_cast<int>(Be32(b, 20));
    }
    return;
  }
  if (b.size() >= 3 && static_cast<uint8_t>(b[0]) == 0xFF && static_cast<uint8_t>(b[1]) == 0xD8 &&
      static_cast<uint8_t>(b[2]) == 0xFF) {
    img.mime = "image/jpeg";
    size_t i = 2;
    while (i + 4 <= b.size()) {
      if (static_cast<uint8_t>(b[i]) != 0xFF) return;
      uint8_t marker = static_cast<uint8_t>(b[i + 1]);
      if (marker == 0xFF) {  // fill byte
        ++i;
        continue;
      }
      if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        i += 2;  // markers without a length
        continue;
      }
      uint32_t len = Be16(b, i + 2);
      bool sof =
          marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof && i + 9 <= b.size()) {
        img.height = static_cast<int>(Be16(b, i + 5));
        img.width = static_cast<int>(Be16(b, i + 7));
        return;
      }
      if (marker == 0xDA || len < 2) return;  // image data starts: no SOF before it
      i += 2 + len;
    }
    return;
  }
  if (b.size() >= 16 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") {
    img.mime = "image/webp";
    std::string_view chunk = b.substr(12, 4);
    if (chunk == "VP8X" && b.size() >= 30) {
      img.width = static_cast<int>(Le24(b, 24) + 1);
      img.height = static_cast<int>(Le24(b, 27) + 1);
    } else if (chunk == "VP8 " && b.size() >= 30) {
      img.width = static_cast<int>(Le16(b, 26) & 0x3FFF);
      img.height = static_cast<int>(Le16(b, 28) & 0x3FFF);
    } else if (chunk == "VP8L" && b.size() >= 25) {
      uint32_t bits = Le16(b, 21) | (Le16(b, 23) << 16);
      img.width = static_cast<int>((bits & 0x3FFF) + 1);
      img.height = static_cast<int>(((bits >> 14) & 0x3FFF) + 1);
    }
  }
}

std::string Size(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

// gpt-image-* models always answer with b64_json and reject a response_format field; dall-e-2
// and dall-e-3 (and compatible servers) take it.
bool TakesResponseFormat(const std::string& model) { return model.rfind("gpt-image", 0) != 0; }

std::string FileNameFor(const std::string& mime) {
  if (mime == "image/jpeg" || mime == "image/jpg") return "image.jpg";
  if (mime == "image/webp") return "image.webp";
  return "image.png";
}

// The text of choices[0].message.content: a string, or an array of parts whose text parts are
// joined. nullopt when absent or of another shape.
std::optional<std::string> ContentText(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return std::nullopt;
  std::string out;
  for (const Json& part : content) {
    if (part.is_string()) {
      out += part.get<std::string>();
    } else if (part.is_object()) {
      auto text = part.find("text");
      if (text != part.end() && text->is_string()) out += text->get<std::string>();
    }
  }
  return out;
}

}  // namespace

OpenAiProvider::OpenAiProvider(std::string name, OpenAiConfig config,
                               std::shared_ptr<HttpClient> http)
    : name_(std::move(name)), config_(std::move(config)), http_(std::move(http)) {
  while (!config_.base_url.empty() && config_.base_url.back() == '/') config_.base_url.pop_back();
}

std::string OpenAiProvider::Url(const std::string& path) const {
  const std::string& base = config_.base_url;
  bool has_v1 = base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0;
  return base + (has_v1 ? "" : "/v1") + path;
}

std::string OpenAiProvider::ModelName(const std::string& model) const {
  std::string prefix = name_ + "/";
  if (model.size() > prefix.size() && model.compare(0, prefix.size(), prefix) == 0) {
    return model.substr(prefix.size());
  }
  return model;
}

HttpRequest OpenAiProvider::BaseRequest(const std::string& path, const CallInfo& call) const {
  HttpRequest r;
  r.method = "POST";
  r.url = Url(path);
  r.timeout_ms = config_.timeout_ms;
  r.headers.emplace_back("Accept", "application/json");
  if (!config_.api_key.empty())
    r.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  if (!call.idempotency_key.empty())
    r.headers.emplace_back("Idempotency-Key", call.idempotency_key);
  return r;
}

Status OpenAiProvider::Malformed(const std::string& why, const std::string& body) const {
  std::string excerpt = body.substr(0, kExcerptChars);
  if (body.size() > kExcerptChars) excerpt += "...";
  return Unavailable(name_ + ": malformed response: " + why + " (body: " + excerpt + ")");
}

Result<TextResponse> OpenAiProvider::GenerateText(const TextRequest& req, CancelToken& cancel) {
  const std::string model = ModelName(req.model);
  Json messages = Json::array();
  if (!req.system.empty()) messages.push_back({{"role", "system"}, {"content", req.system}});
  for (const ChatMessage& m : req.messages) {
    if (m.images.empty()) {
      messages.push_back({{"role", m.role}, {"content", m.content}});
      continue;
    }
    Json parts = Json::array();
    if (!m.content.empty()) parts.push_back({{"type", "text"}, {"text", m.content}});
    for (const ImageInput& img : m.images) {
      parts.push_back({{"type", "image_url"}, {"image_url", {{"url", DataUrl(img)}}}});
    }
    messages.push_back({{"role", m.role}, {"content", std::move(parts)}});
  }
  Json body = {{"model", model},
               {"messages", std::move(messages)},
               {"temperature", req.temperature},
               {"max_tokens", req.max_tokens}};
  if (!req.json_schema.is_null()) {
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", "output"}, {"schema", req.json_schema}, {"strict", true}}}};
  }

  // Approximated from the text sent (the system prompt and the whole conversation) and received
  // when the server reports no usage: a call is never counted as free.
  auto estimate_usage = [&req](TextResponse& out) {
    int64_t sent = ApproxTokens(req.system);
    for (const ChatMessage& m : req.messages) sent += ApproxTokens(m.content);
    out.usage.input_tokens = sent;
    out.usage.output_tokens = ApproxTokens(out.text);
    out.usage.estimated = true;
  };

  // Someone watches: the answer streams, piece by piece, and is assembled into the same response.
  const bool stream = req.call.progress != nullptr && config_.stream;
  std::optional<ChatStream> chunks;
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
    chunks.emplace(name_, req.call.progress);
  }
  HttpRequest http_req = BaseRequest("/chat/completions", req.call);
  http_req.headers.emplace_back("Content-Type", "application/json");
  http_req.body = Dump(body);
  if (stream) {
    for (auto& [header, value] : http_req.headers) {
      if (header == "Accept") value = "text/event-stream, application/json";
    }
    http_req.on_body = [&chunks](std::string_view bytes) { chunks->Feed(bytes); };
  }
  auto resp = http_->Send(http_req, cancel);
  if (!resp) return Err(resp.error());
  if (!Is2xx(resp->status)) return Err(StatusFromHttp(name_, *resp));
  // A compatible server that does not stream answers in one piece: read that below.
  if (stream && resp->Header("content-type").find("text/event-stream") != std::string::npos) {
    auto out = chunks->Finish(model);
    if (out && !chunks->usage_reported()) estimate_usage(*out);
    return out;
  }

  try {
    if (Status deep = CheckJsonTextDepth(resp->body); !deep.ok())
      return Err(Malformed(deep.message(), resp->body));
    Json j = Json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Err(Malformed("not JSON", resp->body));
    if (!j.is_object()) return Err(Malformed("not a JSON object", resp->body));
    auto choices = j.find("choices");
    if (choices == j.end() || !choices->is_array() || choices->empty() ||
        !(*choices)[0].is_object()) {
      return Err(Malformed("no choices", resp->body));
    }
    const Json& choice = (*choices)[0];
    auto message = choice.find("message");
    if (message == choice.end() || !message->is_object()) {
      return Err(Malformed("choices[0] has no message", resp->body));
    }
    auto content = message->find("content");
    std::optional<std::string> text;
    if (content != message->end()) text = ContentText(*content);
    if (!text) {
      // Structured output lets a model decline; that answer will not change on a retry.
      auto refusal = message->find("refusal");
      if (refusal != message->end() && refusal->is_string()) {
        return Err(InvalidArgument(name_ + ": model refused: " + refusal->get<std::string>()));
      }
      return Err(Malformed("choices[0].message has no content", resp->body));
    }
    TextResponse out;
    out.text = std::move(*text);
    auto model_field = j.find("model");
    out.model = model_field != j.end() && model_field->is_string() ? model_field->get<std::string>()
                                                                   : model;
    auto usage = j.find("usage");
    if (usage != j.end() && usage->is_object()) {
      out.usage.input_tokens = TokenCount(*usage, "prompt_tokens");
      out.usage.output_tokens = TokenCount(*usage, "completion_tokens");
    } else {
      estimate_usage(out);  // some compatible servers answer without usage
    }
    return out;
  } catch (const std::exception& e) {
    return Err(Malformed(e.what(), resp->body));
  }
}

Result<ImageResponse> OpenAiProvider::GenerateImage(const ImageRequest& req, CancelToken& cancel) {
  const std::string model = ModelName(req.model);
  std::string prompt = req.prompt;
  if (!req.negative_prompt.empty()) prompt += " Avoid: " + req.negative_prompt;
  Json body = {{"model", model},
               {"prompt", prompt},
               {"n", req.count},
               {"size", Size(req.width, req.height)}};
  if (!config_.image_response_format.empty() && TakesResponseFormat(model)) {
    body["response_format"] = config_.image_response_format;
  }
  HttpRequest http_req = BaseRequest("/images/generations", req.call);
  http_req.headers.emplace_back("Content-Type", "application/json");
  http_req.body = Dump(body);
  auto resp = http_->Send(http_req, cancel);
  if (!resp) return Err(resp.error());
  if (!Is2xx(resp->status)) return Err(StatusFromHttp(name_, *resp));
  return ParseImages(*resp, model, req.width, req.height, cancel);
}

Result<ImageResponse> OpenAiProvider::EditImage(const ImageEditRequest& req, CancelToken& cancel) {
  const std::string model = ModelName(req.model);
  // The edits endpoint keeps no conversation: earlier requests travel as context in the prompt.
  std::string prompt;
  for (const ChatMessage& turn : req.history) {
    if (turn.role == "user" && !turn.content.empty()) {
      prompt += "Earlier request: " + turn.content + "\n";
    }
  }
  prompt += req.instruction;

  HttpRequest http_req = BaseRequest("/images/edits", req.call);
  const std::string mime = req.image.mime.empty() ? "image/png" : req.image.mime;
  http_req.form = {
      {"model", model, "", ""},
      {"prompt", prompt, "", ""},
      {"n", std::to_string(req.count), "", ""},
      {"size", Size(req.width, req.height), "", ""},
      {"image", req.image.bytes, FileNameFor(mime), mime},
  };
  if (!config_.image_response_format.empty() && TakesResponseFormat(model)) {
    http_req.form.push_back({"response_format", config_.image_response_format, "", ""});
  }
  auto resp = http_->Send(http_req, cancel);
  if (!resp) return Err(resp.error());
  if (!Is2xx(resp->status)) return Err(StatusFromHttp(name_, *resp));
  return ParseImages(*resp, model, req.width, req.height, cancel);
}

Result<ImageResponse> OpenAiProvider::ParseImages(const HttpResponse& resp,
                                                  const std::string& model, int width, int height,
                                                  CancelToken& cancel) {
  ImageResponse out;
  out.model = model;
  try {
    if (Status deep = CheckJsonTextDepth(resp.body); !deep.ok())
      return Err(Malformed(deep.message(), resp.body));
    Json j = Json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Err(Malformed("not JSON", resp.body));
    if (!j.is_object()) return Err(Malformed("not a JSON object", resp.body));
    auto data = j.find("data");
    if (data == j.end() || !data->is_array() || data->empty()) {
      return Err(Malformed("no data[]", resp.body));
    }
    for (const Json& item : *data) {
      if (!item.is_object()) return Err(Malformed("data[] entry is not an object", resp.body));
      GeneratedImage img;
      img.mime = "image/png";
      img.width = width;
      img.height = height;
      auto b64 = item.find("b64_json");
      auto url = item.find("url");
      if (b64 != item.end() && b64->is_string()) {
        auto bytes = Base64Decode(b64->get<std::string>());
        if (!bytes) return Err(Malformed("b64_json: " + bytes.error().message(), resp.body));
        img.bytes = std::move(*bytes);
      } else if (url != item.end() && url->is_string()) {
        const std::string u = url->get<std::string>();
        if (u.rfind("data:", 0) == 0) {
          size_t comma = u.find(',');
          if (comma == std::string::npos) return Err(Malformed("bad data URL", resp.body));
          auto bytes = Base64Decode(std::string_view(u).substr(comma + 1));
          if (!bytes) return Err(Malformed("data URL: " + bytes.error().message(), resp.body));
          img.bytes = std::move(*bytes);
        } else {
          HttpRequest get;
          get.method = "GET";
          get.url = u;
          get.timeout_ms = config_.timeout_ms;
          // No Authorization here: the URL may point at another host (a CDN, signed URL).
          // The one request that follows redirects: an image URL from the provider's answer may
          // be a CDN link that redirects to storage.
          get.follow_redirects = true;
          auto fetched = http_->Send(get, cancel);
          if (!fetched) return Err(fetched.error());
          if (!Is2xx(fetched->status)) return Err(StatusFromHttp(name_, *fetched));
          img.bytes = std::move(fetched->body);
        }
      } else {
        return Err(Malformed("data[] entry has neither b64_json nor url", resp.body));
      }
      if (img.bytes.empty()) return Err(Malformed("empty image", resp.body));
      SniffImage(img);
      out.images.push_back(std::move(img));
    }
    auto usage = j.find("usage");
    if (usage != j.end()) {
      out.usage.input_tokens = TokenCount(*usage, "input_tokens");
      out.usage.output_tokens = TokenCount(*usage, "output_tokens");
    }
  } catch (const std::exception& e) {
    return Err(Malformed(e.what(), resp.body));
  }
  out.usage.images = static_cast<int64_t>(out.images.size());
  return out;
}

}  // namespace atelier
