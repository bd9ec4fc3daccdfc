#include "atelier/providers/http/sse_parser.h"

namespace atelier {

void SseParser::Feed(std::string_view bytes) {
  for (char c : bytes) {
    if (c == '\n' && after_cr_) {  // the LF of a CRLF: the CR ended the line already
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      Line(pending_);
      pending_.clear();
    } else {
      pending_.push_back(c);
    }
  }
}

void SseParser::Line(std::string_view line) {
  if (line.empty()) {
    if (has_data_) on_event_(event_);
    event_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // a comment (keep-alive)
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) event_.data.push_back('\n');
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.event = std::string(value);
  }
}

}  // namespace atelier
