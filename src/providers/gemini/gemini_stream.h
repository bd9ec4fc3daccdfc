// GeminiStream: the chunks of a streamGenerateContent answer (alt=sse) merged into the one
// answer generateContent would have given (the first candidate's text parts joined, its last
// finishReason, the last usageMetadata and modelVersion, any promptFeedback), reporting each
// piece of text to a ProgressSink as it arrives. Private to the Gemini adapter; one per call.
#pragma once

#include <string>
#include <string_view>

#include "atelier/core/status.h"
#include "atelier/engine/provider.h"
#include "atelier/providers/http/sse_parser.h"

namespace atelier {

class GeminiStream {
 public:
  GeminiStream(std::string provider, ProgressSink* sink);
  void Feed(std::string_view bytes) { parser_.Feed(bytes); }
  // After a complete transfer with a 2xx status: the merged answer. An error chunk is
  // classified by its code as StatusFromHttp would; a stream that ends before a chunk with a
  // finishReason (or a blocked prompt's feedback) is Unavailable.
  Result<Json> Finish();

 private:
  void OnEvent(const SseEvent& e);

  std::string provider_;
  ProgressSink* sink_;
  SseParser parser_;
  std::string text_;
  std::string finish_reason_;
  Json usage_;
  Json feedback_;
  std::string model_version_;
  bool malformed_ = false;
  std::string malformed_data_;
  Status error_;
};

}  // namespace atelier
