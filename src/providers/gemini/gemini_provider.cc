#include "atelier/providers/gemini/gemini_provider.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "atelier/core/json_limits.h"
#include "atelier/engine/image_format.h"
#include "atelier/providers/http/base64.h"
#include "atelier/providers/http/token_count.h"
#include "gemini_stream.h"

namespace atelier {
namespace {

// Gemini rejects a generationConfig.responseSchema that carries these JSON Schema keywords.
constexpr const char* kSchemaKeysToDrop[] = {"$schema", "$id"};

std::string Excerpt(const std::string& s, size_t max = 200) {
  if (s.size() <= max) return s;
  return s.substr(0, max) + "...";
}

// Serialises without throwing: invalid UTF-8 in user text is replaced rather than rejected.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// The member `key` of an object, or nullptr.
const Json* Member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string StringMember(const Json& j, const char* key) {
  const Json* v = Member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

Json TextPart(const std::string& text) { return Json{{"text", text}}; }

Json ImagePart(const ImageInput& image) {
  std::string mime = image.mime.empty() ? SniffImageMime(image.bytes) : image.mime;
  if (mime.empty()) mime = "application/octet-stream";
  return Json{{"inline_data", {{"mime_type", mime}, {"data", Base64Encode(image.bytes)}}}};
}

// Appends the turns of `messages` to `contents`; "system" messages go to `system` instead.
Status AppendTurns(const std::string& provider, const std::vector<ChatMessage>& messages,
                   Json& contents, std::string& system) {
  for (const auto& m : messages) {
    if (m.role == "system") {
      if (!m.content.empty()) system += (system.empty() ? "" : "\n\n") + m.content;
      continue;
    }
    std::string role;
    if (m.role == "user") {
      role = "user";
    } else if (m.role == "assistant" || m.role == "model") {
      role = "model";
    } else {
      return InvalidArgument(provider + ": unknown message role '" + m.role +
                             "' (expected system, user or assistant)");
    }
    Json parts = Json::array();
    if (!m.content.empty()) parts.push_back(TextPart(m.content));
    for (const auto& image : m.images) parts.push_back(ImagePart(image));
    // Gemini rejects a turn without parts; an empty turn carries nothing anyway.
    if (parts.empty()) continue;
    contents.push_back({{"role", role}, {"parts", std::move(parts)}});
  }
  return Status::Ok();
}

const Json* FirstCandidateParts(const Json& answer) {
  const Json* candidates = Member(answer, "candidates");
  if (!candidates || !candidates->is_array() || candidates->empty()) return nullptr;
  const Json* content = Member((*candidates)[0], "content");
  const Json* parts = content ? Member(*content, "parts") : nullptr;
  return parts && parts->is_array() ? parts : nullptr;
}

std::string FinishReason(const Json& answer) {
  const Json* candidates = Member(answer, "candidates");
  if (!candidates || !candidates->is_array() || candidates->empty()) return "";
  return StringMember((*candidates)[0], "finishReason");
}

bool IsThought(const Json& part) {
  const Json* t = Member(part, "thought");
  return t && t->is_boolean() && t->get<bool>();
}

// The text parts of the first candidate, thoughts left out.
std::string JoinText(const Json& answer) {
  std::string text;
  const Json* parts = FirstCandidateParts(answer);
  if (!parts) return text;
  for (const auto& part : *parts) {
    if (IsThought(part)) continue;
    text += StringMember(part, "text");
  }
  return text;
}

// The approximate tokens of the text parts of `parts` (an array of parts), images left out.
int64_t ApproxTextTokens(const Json* parts) {
  int64_t n = 0;
  if (!parts || !parts->is_array()) return n;
  for (const auto& part : *parts) n += ApproxTokens(StringMember(part, "text"));
  return n;
}

// Adds the usage of `answer` to the request `body`. An answer without usageMetadata gets an
// estimate (ApproxTokens of the text sent: system instruction and every turn, and of the text
// answered) instead of counting as free.
void AddUsage(const Json& answer, const Json& body, Usage& usage) {
  const Json* meta = Member(answer, "usageMetadata");
  if (!meta) {
    int64_t sent = 0;
    if (const Json* system = Member(body, "systemInstruction"))
      sent += ApproxTextTokens(Member(*system, "parts"));
    if (const Json* contents = Member(body, "contents"); contents && contents->is_array()) {
      for (const auto& turn : *contents) sent += ApproxTextTokens(Member(turn, "parts"));
    }
    usage.input_tokens += sent;
    usage.output_tokens += ApproxTokens(JoinText(answer));
    usage.estimated = true;
    return;
  }
  usage.input_tokens += TokenCount(*meta, "promptTokenCount");
  // Thinking tokens are billed as output.
  usage.output_tokens +=
      TokenCount(*meta, "candidatesTokenCount") + TokenCount(*meta, "thoughtsTokenCount");
}

// The decoded images of the first candidate's parts (inline_data or inlineData), thoughts left
// out.
Result<std::vector<GeneratedImage>> ExtractImages(const std::string& provider, const Json& answer) {
  std::vector<GeneratedImage> images;
  const Json* parts = FirstCandidateParts(answer);
  if (!parts) return images;
  for (const auto& part : *parts) {
    if (IsThought(part)) continue;
    const Json* data = Member(part, "inline_data");
    if (!data) data = Member(part, "inlineData");
    if (!data) continue;
    std::string mime = StringMember(*data, "mime_type");
    if (mime.empty()) mime = StringMember(*data, "mimeType");
    if (!mime.empty() && mime.rfind("image/", 0) != 0) continue;
    auto bytes = Base64Decode(StringMember(*data, "data"));
    if (!bytes) {
      return Err(Unavailable(
          provider + ": an image in the answer is not valid base64: " + bytes.error().message()));
    }
    if (bytes->empty()) continue;
    GeneratedImage img;
    std::string sniffed = SniffImageMime(*bytes);
    img.mime = !sniffed.empty() ? sniffed : !mime.empty() ? mime : "application/octet-stream";
    auto [w, h] = SniffImageSize(*bytes);
    img.width = w;
    img.height = h;
    img.bytes = std::move(*bytes);
    images.push_back(std::move(img));
  }
  return images;
}

// The aspect ratios generationConfig.imageConfig.aspectRatio takes.
constexpr const char* kAspectRatios[] = {"1:1", "2:3",  "3:2",  "3:4", "4:3",
                                         "4:5", "5:4", "9:16", "16:9", "21:9"};

std::string AllowedRatios() {
  std::string out;
  for (const char* r : kAspectRatios) out += (out.empty() ? "" : ", ") + std::string(r);
  return out;
}

double RatioValue(const std::string& ratio) {
  size_t colon = ratio.find(':');
  return std::stod(ratio.substr(0, colon)) / std::stod(ratio.substr(colon + 1));
}

// The supported ratio nearest to width:height (by the log of the ratio), "" for no size. Gemini
// takes no pixel size: a 1200x628 ad comes back at 16:9 and a 3:1 banner at 21:9, the nearest
// shape it can draw, rather than failing a shipped template.
std::string NearestRatio(int width, int height) {
  if (width <= 0 || height <= 0) return "";
  const double want = static_cast<double>(width) / height;
  std::string best;
  double best_distance = 0;
  for (const char* r : kAspectRatios) {
    double distance = std::fabs(std::log(want / RatioValue(r)));
    if (best.empty() || distance < best_distance) {
      best = r;
      best_distance = distance;
    }
  }
  return best;
}

std::string BaseUrl(const std::string& url) {
  std::string u = url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  return u;
}

}  // namespace

GeminiProvider::GeminiProvider(std::string name, GeminiConfig config,
                               std::shared_ptr<HttpClient> http)
    : name_(std::move(name)), config_(std::move(config)), http_(std::move(http)) {}

Result<std::string> GeminiProvider::ModelId(const std::string& model) const {
  std::string id = model;
  if (id.rfind(name_ + "/", 0) == 0) id = id.substr(name_.size() + 1);
  if (id.rfind("models/", 0) == 0) id = id.substr(7);
  if (id.empty()) return Err(InvalidArgument(name_ + ": no model named in '" + model + "'"));
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return Err(InvalidArgument(name_ + ": invalid model name '" + model + "'"));
  }
  return id;
}

Result<Json> GeminiProvider::Call(const std::string& model_id, const Json& body,
                                  CancelToken& cancel, ProgressSink* progress) const {
  if (cancel.cancelled()) return Err(Cancelled(name_ + ": cancelled: " + cancel.reason()));
  HttpRequest req;
  req.method = "POST";
  req.url = BaseUrl(config_.base_url) + "/v1beta/models/" + model_id +
            (progress ? ":streamGenerateContent?alt=sse" : ":generateContent");
  req.headers.push_back({"Content-Type", "application/json"});
  if (!config_.api_key.empty()) req.headers.push_back({"x-goog-api-key", config_.api_key});
  req.body = Dump(body);
  req.timeout_ms = config_.timeout_ms;
  std::optional<GeminiStream> chunks;
  if (progress) {
    chunks.emplace(name_, progress);
    req.on_body = [&chunks](std::string_view bytes) { chunks->Feed(bytes); };
  }
  auto resp = http_->Send(req, cancel);
  if (!resp) return Err(resp.error());
  if (resp->status < 200 || resp->status > 299) return Err(StatusFromHttp(name_, *resp));
  Json answer;
  if (chunks && resp->Header("content-type").find("text/event-stream") != std::string::npos) {
    auto merged = chunks->Finish();
    if (!merged) return Err(merged.error());
    answer = std::move(*merged);
  } else {
    if (Status deep = CheckJsonTextDepth(resp->body); !deep.ok())
      return Err(Unavailable(name_ + ": the answer cannot be read: " + deep.message()));
    answer = Json::parse(resp->body, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) {
      return Err(Unavailable(name_ + ": the answer is not a JSON object: " + Excerpt(resp->body)));
    }
  }
  if (const Json* feedback = Member(answer, "promptFeedback")) {
    std::string reason = StringMember(*feedback, "blockReason");
    if (!reason.empty()) {
      std::string message = StringMember(*feedback, "blockReasonMessage");
      return Err(InvalidArgument(name_ + ": the prompt was blocked: " + reason +
                                 (message.empty() ? "" : " (" + message + ")")));
    }
  }
  return answer;
}

Result<TextResponse> GeminiProvider::GenerateText(const TextRequest& req, CancelToken& cancel) {
  auto model_id = ModelId(req.model);
  if (!model_id) return Err(model_id.error());
  try {
    Json contents = Json::array();
    std::string system = req.system;
    if (Status s = AppendTurns(name_, req.messages, contents, system); !s.ok()) return Err(s);
    if (contents.empty()) return Err(InvalidArgument(name_ + ": the request has no messages"));

    Json body = {{"contents", std::move(contents)}};
    if (!system.empty()) body["systemInstruction"] = {{"parts", Json::array({TextPart(system)})}};
    Json config = {{"temperature", req.temperature}};
    if (req.max_tokens > 0) config["maxOutputTokens"] = req.max_tokens;
    if (!req.json_schema.is_null()) {
      Json schema = req.json_schema;
      if (schema.is_object()) {
        for (const char* key : kSchemaKeysToDrop) schema.erase(key);
      }
      config["responseMimeType"] = "application/json";
      config["responseSchema"] = std::move(schema);
    }
    body["generationConfig"] = std::move(config);

    auto answer = Call(*model_id, body, cancel, config_.stream ? req.call.progress : nullptr);
    if (!answer) return Err(answer.error());
    if (!FirstCandidateParts(*answer)) {
      std::string reason = FinishReason(*answer);
      return Err(
          Unavailable(name_ + ": the answer had no text" + (reason.empty() ? "" : ": " + reason)));
    }
    TextResponse out;
    out.text = JoinText(*answer);
    std::string version = StringMember(*answer, "modelVersion");
    out.model = version.empty() ? req.model : version;
    AddUsage(*answer, body, out.usage);
    return out;
  } catch (const Json::exception& e) {
    return Err(Unavailable(name_ + ": unexpected answer: " + e.what()));
  }
}

Result<ImageResponse> GeminiProvider::GenerateImages(const std::string& model, Json body, int count,
                                                     const std::string& aspect_ratio,
                                                     CancelToken& cancel) const {
  auto model_id = ModelId(model);
  if (!model_id) return Err(model_id.error());
  if (count < 1) return Err(InvalidArgument(name_ + ": count must be at least 1"));
  body["generationConfig"] = {{"responseModalities", Json::array({"TEXT", "IMAGE"})}};
  if (!aspect_ratio.empty())
    body["generationConfig"]["imageConfig"] = {{"aspectRatio", aspect_ratio}};
  ImageResponse out;
  out.model = model;
  try {
    // Each call returns at least one image (or fails), so at most `count` calls.
    for (int call = 0; call < count && static_cast<int>(out.images.size()) < count; ++call) {
      auto answer = Call(*model_id, body, cancel);
      if (!answer) return Err(answer.error());
      AddUsage(*answer, body, out.usage);
      std::string version = StringMember(*answer, "modelVersion");
      if (!version.empty()) out.model = version;
      auto images = ExtractImages(name_, *answer);
      if (!images) return Err(images.error());
      if (images->empty()) {
        std::string why = FinishReason(*answer);
        std::string text = JoinText(*answer);
        if (why.empty() || (why == "STOP" && !text.empty())) why = Excerpt(text);
        if (why.empty()) why = "(empty answer)";
        return Err(Unavailable(name_ + ": the answer had no image: " + why));
      }
      for (auto& img : *images) {
        if (static_cast<int>(out.images.size()) == count) break;
        out.images.push_back(std::move(img));
      }
    }
  } catch (const Json::exception& e) {
    return Err(Unavailable(name_ + ": unexpected answer: " + e.what()));
  }
  out.usage.images = static_cast<int64_t>(out.images.size());
  return out;
}

Result<ImageResponse> GeminiProvider::GenerateImage(const ImageRequest& req, CancelToken& cancel) {
  // The API takes an aspect ratio, not a size: an explicit ratio must be one it knows; a size is
  // sent as the nearest ratio it knows (none without a size).
  std::string ratio = req.aspect_ratio;
  if (!ratio.empty()) {
    bool known = false;
    for (const char* r : kAspectRatios) known |= ratio == r;
    if (!known)
      return Err(InvalidArgument(name_ + ": aspect ratio '" + ratio +
                                 "' is not supported; use one of " + AllowedRatios()));
  } else {
    ratio = NearestRatio(req.width, req.height);
  }
  std::string prompt = req.prompt;
  if (!req.negative_prompt.empty()) prompt += " Avoid: " + req.negative_prompt + ".";
  if (prompt.empty()) return Err(InvalidArgument(name_ + ": the image prompt is empty"));
  Json parts = Json::array({TextPart(prompt)});
  for (const auto& ref : req.references) parts.push_back(ImagePart(ref));
  Json body = {{"contents", Json::array({{{"role", "user"}, {"parts", std::move(parts)}}})}};
  return GenerateImages(req.model, std::move(body), req.count, ratio, cancel);
}

Result<ImageResponse> GeminiProvider::EditImage(const ImageEditRequest& req, CancelToken& cancel) {
  if (req.image.bytes.empty()) return Err(InvalidArgument(name_ + ": no image to edit"));
  if (req.instruction.empty())
    return Err(InvalidArgument(name_ + ": the edit instruction is empty"));
  Json turns = Json::array();
  std::string system;
  if (Status s = AppendTurns(name_, req.history, turns, system); !s.ok()) return Err(s);
  // Turns alternate user -> model -> user: consecutive turns of one role (a session keeps the
  // user's requests one after another) become one turn, the previous image is the model's
  // answer to them, and the instruction follows as the user's next turn.
  Json contents = Json::array();
  for (auto& turn : turns) {
    if (!contents.empty() && contents.back()["role"] == turn["role"]) {
      for (auto& part : turn["parts"]) contents.back()["parts"].push_back(std::move(part));
    } else {
      contents.push_back(std::move(turn));
    }
  }
  Json image = ImagePart(req.image);
  if (contents.empty()) {
    // No earlier turns: the image to edit comes with the instruction.
    contents.push_back(
        {{"role", "user"}, {"parts", Json::array({TextPart(req.instruction), image})}});
  } else {
    if (contents.back()["role"] != "model") {
      contents.push_back({{"role", "model"}, {"parts", Json::array()}});
    }
    Json& last = contents.back()["parts"];
    if (std::find(last.begin(), last.end(), image) == last.end()) last.push_back(image);
    contents.push_back({{"role", "user"}, {"parts", Json::array({TextPart(req.instruction)})}});
  }
  Json body = {{"contents", std::move(contents)}};
  if (!system.empty()) body["systemInstruction"] = {{"parts", Json::array({TextPart(system)})}};
  // The edit keeps the previous image's shape; its ratio is sent when it is one the API takes.
  auto out = GenerateImages(req.model, std::move(body), req.count,
                            NearestRatio(req.width, req.height), cancel);
  if (!out) return out;
  out->session.clear();
  return out;
}

}  // namespace atelier
