#include "gemini_stream.h"

#include <exception>
#include <utility>

#include "atelier/core/json_limits.h"
#include "atelier/providers/http/http_client.h"

namespace atelier {
namespace {

const Json* Find(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

}  // namespace

GeminiStream::GeminiStream(std::string provider, ProgressSink* sink)
    : provider_(std::move(provider)),
      sink_(sink),
      parser_([this](const SseEvent& e) { OnEvent(e); }) {
  if (sink_ != nullptr) sink_->Restart();
}

void GeminiStream::OnEvent(const SseEvent& e) {
  if (!error_.ok() || malformed_) return;
  Json j;
  try {
    if (CheckJsonTextDepth(e.data).ok()) j = Json::parse(e.data, nullptr, false);
  } catch (const std::exception&) {
    j = Json();
  }
  if (!j.is_object()) {
    malformed_ = true;
    malformed_data_ = e.data.substr(0, 200);
    return;
  }
  if (const Json* err = Find(j, "error")) {
    HttpResponse as_answer;
    as_answer.status = 500;  // unreadable: a server error, worth another try
    if (const Json* code = Find(*err, "code"); code && code->is_number_integer()) {
      int c = code->get<int>();
      if (c >= 400 && c <= 599) as_answer.status = c;
    }
    as_answer.body = e.data;
    error_ = StatusFromHttp(provider_, as_answer);
    return;
  }
  if (const Json* usage = Find(j, "usageMetadata")) usage_ = *usage;
  if (const Json* feedback = Find(j, "promptFeedback")) feedback_ = *feedback;
  if (const Json* version = Find(j, "modelVersion"); version && version->is_string())
    model_version_ = version->get<std::string>();
  const Json* candidates = Find(j, "candidates");
  if (!candidates || !candidates->is_array() || candidates->empty()) return;
  const Json& first = (*candidates)[0];
  if (const Json* reason = Find(first, "finishReason"); reason && reason->is_string())
    finish_reason_ = reason->get<std::string>();
  const Json* content = Find(first, "content");
  const Json* parts = content ? Find(*content, "parts") : nullptr;
  if (!parts || !parts->is_array()) return;
  for (const Json& part : *parts) {
    const Json* thought = Find(part, "thought");
    if (thought && thought->is_boolean() && thought->get<bool>()) continue;
    const Json* text = Find(part, "text");
    if (!text || !text->is_string()) continue;
    const std::string& piece = text->get_ref<const std::string&>();
    text_ += piece;
    if (sink_ != nullptr && !piece.empty()) sink_->Text(piece);
  }
}

Result<Json> GeminiStream::Finish() {
  if (!error_.ok()) return Err(error_);
  if (malformed_) {
    return Err(
        Unavailable(provider_ + ": a streamed chunk is not a JSON object: " + malformed_data_));
  }
  const bool blocked = feedback_.is_object() && feedback_.contains("blockReason");
  if (finish_reason_.empty() && !blocked) {
    return Err(Unavailable(provider_ + ": the streamed answer ended before its last chunk (" +
                           std::to_string(text_.size()) + " bytes of text received)"));
  }
  // No parts when no text came, as a one-piece answer without text has none.
  Json candidate = {{"content", {{"role", "model"}}}, {"finishReason", finish_reason_}};
  if (!text_.empty()) candidate["content"]["parts"] = Json::array({{{"text", text_}}});
  Json answer = {{"candidates", Json::array({std::move(candidate)})}};
  if (!usage_.is_null()) answer["usageMetadata"] = usage_;
  if (!feedback_.is_null()) answer["promptFeedback"] = feedback_;
  if (!model_version_.empty()) answer["modelVersion"] = model_version_;
  return answer;
}

}  // namespace atelier
