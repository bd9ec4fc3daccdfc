// SseParser: splits a Server-Sent Events stream (text/event-stream) into events as its bytes
// arrive, however the bytes are cut (a line, even a CRLF, may span two reads). For provider
// adapters that read streamed answers. One parser per stream; not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace atelier {

struct SseEvent {
  std::string event;  // the "event:" field, "" when absent (the default type, "message")
  std::string data;   // the "data:" lines joined with '\n'
};

class SseParser {
 public:
  explicit SseParser(std::function<void(const SseEvent&)> on_event)
      : on_event_(std::move(on_event)) {}
  // Feeds the next bytes; calls on_event for each event they complete (a blank line ends one).
  // Comments (":...") and fields other than event and data are skipped; an event without data
  // lines is not reported, as the specification says.
  void Feed(std::string_view bytes);

 private:
  void Line(std::string_view line);

  std::function<void(const SseEvent&)> on_event_;
  std::string pending_;    // an unfinished line
  bool after_cr_ = false;  // the last byte fed was a CR (a LF right after it ends nothing)
  SseEvent event_;
  bool has_data_ = false;
};

}  // namespace atelier
