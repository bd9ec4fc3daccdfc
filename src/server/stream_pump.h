// Private to the server: serves every open Server-Sent Events stream from one thread.
//
// A stream reads the event log after the last id it sent (replay), then waits for more (live): the
// same read serves both, so what a client receives across reconnections (Last-Event-ID) is the
// log itself, with no gap and no duplicate. The pump wakes when the hub rings (a commit here),
// every `poll` (commits by other processes), when a write finishes, and for heartbeats. Streams at
// the same position of the same log share one read and one formatted text, so a thousand
// subscribers of one execution cost one read per commit. A stream whose client is slow has a
// write in flight and is skipped until it finishes; it then reads on from where it was, so a slow
// client never holds up the others and never loses an event. No stream holds a thread.
//
// Live progress (LiveBoard) travels beside the log: once a stream has caught up with the log, each
// round also sends the running steps' notices it has not sent yet (the latest of each step), in
// the same write as the events, as frames without an id. The board pokes the hub on each notice;
// the log is not read for them.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "atelier/app/app.h"
#include "event_hub.h"
#include "http_message.h"
#include "live_board.h"

namespace atelier::api {

struct StreamSpec {
  std::string ws;
  std::string execution_id;  // "" = the workspace stream
  int64_t last = 0;          // seq (execution stream) or gid (workspace stream) last sent
};

class StreamPump {
 public:
  // `live` may be null (no live progress).
  StreamPump(App* app, EventHub* hub, LiveBoard* live, std::chrono::milliseconds heartbeat,
             std::chrono::milliseconds poll);
  ~StreamPump();  // Stop()

  // Starts serving `spec` into `sink` (ends it at once when the pump has stopped).
  void Add(StreamSpec spec, std::shared_ptr<StreamSink> sink);
  // Ends every stream and the pump's thread. Idempotent.
  void Stop();
  size_t open_streams();

 private:
  struct Stream;
  struct Batch;
  void Run();
  Batch Read(const Stream& s);
  void Send(const std::shared_ptr<Stream>& s, std::string text);

  App* app_;
  EventHub* hub_;
  LiveBoard* live_;
  std::chrono::milliseconds heartbeat_;
  std::chrono::milliseconds poll_;
  std::mutex mu_;
  std::vector<std::shared_ptr<Stream>> streams_;  // guarded by mu_
  bool stopped_ = false;                          // guarded by mu_
  std::thread thread_;
};

}  // namespace atelier::api
