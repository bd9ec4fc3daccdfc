// Server-Sent Events. Each stream reads the event log after the last id it sent (replay), then
// waits on the hub for more (live): the same read serves both, so the union of what a client
// receives across reconnections (Last-Event-ID) is the log itself, with no gap and no duplicate.
#include <chrono>
#include <memory>

#include "atelier/engine/records_json.h"
#include "server/api.h"

namespace atelier::api {

void EventHub::Ring() {
  {
    std::lock_guard<std::mutex> l(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

uint64_t EventHub::generation() {
  std::lock_guard<std::mutex> l(mu_);
  return generation_;
}

void EventHub::Wait(uint64_t seen, std::chrono::milliseconds max) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, max, [&] { return closed_ || generation_ != seen; });
}

void EventHub::Close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool EventHub::closed() {
  std::lock_guard<std::mutex> l(mu_);
  return closed_;
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPage = 200;

struct Stream {
  App* app = nullptr;
  EventHub* hub = nullptr;
  std::string ws;
  std::string execution_id;  // "" = the workspace stream
  int64_t last = 0;          // seq (execution stream) or gid (workspace stream) last sent
  std::chrono::milliseconds heartbeat{15000};
  std::chrono::milliseconds poll{500};
  Clock::time_point last_write = Clock::now();
  bool opened = false;

  static bool Write(httplib::DataSink& sink, const std::string& text) {
    return sink.write(text.data(), text.size());
  }

  // Called by the HTTP library until it returns false (abort) or calls sink.done().
  bool Pump(httplib::DataSink& sink) {
    if (!opened) {
      opened = true;
      last_write = Clock::now();
      return Write(sink, "retry: 1000\n: stream open\n\n");
    }
    if (hub->closed()) {
      sink.done();
      return true;
    }
    uint64_t gen = hub->generation();
    bool finished = false;
    Result<std::vector<Event>> events;
    if (execution_id.empty()) {
      events = app->accounts().ReadWorkspaceEvents(ws, last, kPage);
    } else {
      // Status first, then events: an execution that had finished before this read has all its
      // events in the log already.
      auto rec = app->store().GetExecution(ws, execution_id);
      if (!rec) return false;
      finished = IsTerminal(rec->status);
      events = app->store().ReadEvents(ws, execution_id, last, kPage);
    }
    if (!events) return false;
    if (!events->empty()) {
      std::string out;
      for (const Event& e : *events) {
        int64_t id = execution_id.empty() ? e.gid : e.seq;
        Json data = ToJson(e);
        data["execution_id"] = e.execution_id;
        data["gid"] = e.gid;
        out +=
            "id: " + std::to_string(id) + "\nevent: " + e.type + "\ndata: " + data.dump() + "\n\n";
        last = id;
      }
      last_write = Clock::now();
      return Write(sink, out);
    }
    if (finished) {
      sink.done();
      return true;
    }
    auto now = Clock::now();
    if (now - last_write >= heartbeat) {
      last_write = now;
      return Write(sink, ": heartbeat\n\n");
    }
    auto until_heartbeat =
        std::chrono::duration_cast<std::chrono::milliseconds>(heartbeat - (now - last_write));
    hub->Wait(gen, std::min(poll, until_heartbeat));
    return true;
  }
};

tl::expected<int64_t, ApiError> LastEventId(const Call& c, int64_t def) {
  std::string text;
  std::string field;
  if (c.req.has_header("Last-Event-ID")) {
    text = c.req.get_header_value("Last-Event-ID");
    field = "Last-Event-ID";
  } else if (c.req.has_param("after")) {
    text = c.req.get_param_value("after");
    field = "after";
  } else {
    return def;
  }
  int64_t v = 0;
  bool ok = !text.empty() && text.size() < 19;
  for (char ch : text) {
    if (ch < '0' || ch > '9') ok = false;
    if (ok) v = v * 10 + (ch - '0');
  }
  if (!ok)
    return Fail(
        BadRequest(field + " must be a non-negative integer event id, got '" + text + "'", field));
  return v;
}

ApiResult Open(Call& c, std::shared_ptr<Stream> s) {
  s->app = &c.app();
  s->hub = &c.svc.hub;
  s->ws = c.ws();
  s->heartbeat = std::chrono::milliseconds(std::max<int64_t>(c.svc.opts.heartbeat_ms, 10));
  s->poll = std::chrono::milliseconds(std::max<int64_t>(c.svc.opts.stream_poll_ms, 10));
  c.res.set_header("Cache-Control", "no-cache");
  c.res.set_header("X-Accel-Buffering", "no");
  c.res.set_chunked_content_provider(
      "text/event-stream", [s](size_t, httplib::DataSink& sink) { return s->Pump(sink); });
  return Reply{200, Json(), true};
}

}  // namespace

ApiResult StreamExecutionEvents(Call& c) {
  auto rec = c.app().store().GetExecution(c.ws(), c.param("id"));
  if (!rec) return Fail(rec.error());
  auto last = LastEventId(c, 0);
  if (!last) return Fail(last.error());
  auto s = std::make_shared<Stream>();
  s->execution_id = rec->id;
  s->last = *last;
  return Open(c, s);
}

ApiResult StreamWorkspaceEvents(Call& c) {
  // Without Last-Event-ID a workspace stream starts at the present (?after=0 replays it all).
  auto now = c.app().accounts().LastWorkspaceEventId(c.ws());
  if (!now) return Fail(now.error());
  auto last = LastEventId(c, *now);
  if (!last) return Fail(last.error());
  auto s = std::make_shared<Stream>();
  s->last = *last;
  return Open(c, s);
}

}  // namespace atelier::api
