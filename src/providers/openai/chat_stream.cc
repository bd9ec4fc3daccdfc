#include "chat_stream.h"

#include <exception>
#include <utility>

#include "atelier/core/json_limits.h"
#include "atelier/providers/http/http_client.h"
#include "atelier/providers/http/token_count.h"

namespace atelier {
namespace {

// The HTTP status an error event stands for, so that StatusFromHttp classifies it as it would
// the same error answered at once: a numeric code when the event has one, else its type.
int StatusOfError(const Json& error) {
  if (error.is_object()) {
    for (const char* key : {"code", "status"}) {
      auto it = error.find(key);
      if (it != error.end() && it->is_number_integer()) {
        int code = it->get<int>();
        if (code >= 400 && code <= 599) return code;
      }
    }
    std::string kind =
        error.value("type", "") + " " +
        (error.contains("code") && error["code"].is_string() ? error["code"].get<std::string>()
                                                             : std::string());
    if (kind.find("rate_limit") != std::string::npos ||
        kind.find("insufficient_quota") != std::string::npos)
      return 429;
    if (kind.find("invalid_request") != std::string::npos) return 400;
    if (kind.find("authentication") != std::string::npos) return 401;
    if (kind.find("permission") != std::string::npos) return 403;
  }
  return 500;  // a server error, or one we cannot read: worth another try
}

}  // namespace

ChatStream::ChatStream(std::string provider, ProgressSink* sink)
    : provider_(std::move(provider)),
      sink_(sink),
      parser_([this](const SseEvent& e) { OnEvent(e); }) {
  if (sink_ != nullptr) sink_->Restart();
}

void ChatStream::OnEvent(const SseEvent& e) {
  if (!error_.ok() || malformed_) return;
  if (e.data == "[DONE]") {
    finished_ = true;
    return;
  }
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
  if (auto err = j.find("error"); err != j.end() || e.event == "error") {
    HttpResponse as_answer;
    as_answer.status = StatusOfError(err != j.end() ? *err : Json());
    as_answer.body = e.data;
    error_ = StatusFromHttp(provider_, as_answer);
    return;
  }
  if (auto model = j.find("model"); model != j.end() && model->is_string() && out_.model.empty())
    out_.model = model->get<std::string>();
  if (auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    out_.usage.input_tokens = TokenCount(*usage, "prompt_tokens");
    out_.usage.output_tokens = TokenCount(*usage, "completion_tokens");
    usage_reported_ = true;
  }
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) return;  // the usage chunk
  const Json& choice = (*choices)[0];
  if (!choice.is_object()) return;
  if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
    if (auto content = delta->find("content"); content != delta->end() && content->is_string()) {
      const std::string& piece = content->get_ref<const std::string&>();
      out_.text += piece;
      if (sink_ != nullptr && !piece.empty()) sink_->Text(piece);
    }
    if (auto refusal = delta->find("refusal"); refusal != delta->end() && refusal->is_string())
      refusal_ += refusal->get<std::string>();
  }
  if (auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string())
    finished_ = true;
}

Result<TextResponse> ChatStream::Finish(const std::string& model) {
  if (!error_.ok()) return Err(error_);
  if (malformed_) {
    return Err(Unavailable(provider_ +
                           ": malformed response: a streamed chunk is not a JSON object (" +
                           malformed_data_ + ")"));
  }
  if (!finished_) {
    return Err(Unavailable(provider_ + ": the streamed answer ended before its last chunk (" +
                           std::to_string(out_.text.size()) + " bytes of text received)"));
  }
  if (out_.text.empty() && !refusal_.empty())
    return Err(InvalidArgument(provider_ + ": model refused: " + refusal_));
  TextResponse out = out_;
  if (out.model.empty()) out.model = model;
  return out;
}

}  // namespace atelier
