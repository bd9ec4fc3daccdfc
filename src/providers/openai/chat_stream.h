// ChatStream: a chat completion assembled from its streamed chunks ("stream": true), the same
// TextResponse the one-piece answer gives, reporting each piece of text to a ProgressSink as it
// arrives. Private to the OpenAI adapter; one per call, fed from the thread that runs it.
#pragma once

#include <string>
#include <string_view>

#include "atelier/core/status.h"
#include "atelier/engine/provider.h"
#include "atelier/providers/http/sse_parser.h"

namespace atelier {

class ChatStream {
 public:
  ChatStream(std::string provider, ProgressSink* sink);
  void Feed(std::string_view bytes) { parser_.Feed(bytes); }

  // After a complete transfer with a 2xx status: the answer (usage left zero when the stream
  // carried none: `usage_reported` says). An error event in the stream is classified as an HTTP
  // answer with its code would be (rate limits are ResourceExhausted, server errors Unavailable,
  // a bad request InvalidArgument); a stream that ends before its last chunk is Unavailable; a
  // refusal with no text is InvalidArgument.
  Result<TextResponse> Finish(const std::string& model);
  bool usage_reported() const { return usage_reported_; }

 private:
  void OnEvent(const SseEvent& e);

  std::string provider_;
  ProgressSink* sink_;
  SseParser parser_;
  TextResponse out_;
  std::string refusal_;
  bool usage_reported_ = false;
  bool finished_ = false;  // a finish_reason or [DONE] arrived
  bool malformed_ = false;
  std::string malformed_data_;
  Status error_;
};

}  // namespace atelier
