// Server-Sent Events: the two stream routes and the pump that serves them (stream_pump.h).
#include <algorithm>
#include <map>

#include "atelier/api/records_json.h"
#include "api.h"
#include "stream_pump.h"

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
  cv_.wait_for(l, max, [&] { return closed_ || poked_ || generation_ != seen; });
  poked_ = false;
}

void EventHub::Poke() {
  {
    std::lock_guard<std::mutex> l(mu_);
    poked_ = true;
  }
  cv_.notify_all();
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

// ---- the pump ----------------------------------------------------------------------------------

namespace {
using SteadyClock = std::chrono::steady_clock;
constexpr int kPage = 200;
}  // namespace

struct StreamPump::Stream {
  StreamSpec spec;
  std::shared_ptr<StreamSink> sink;
  std::atomic<bool> busy{false};  // a write is in flight
  std::atomic<bool> dead{false};  // the client went away, or the stream ended
  bool fresh = true;              // nothing read yet
  bool more = false;              // the last read filled a page: read again at once
  uint64_t live_seen = 0;         // the newest live notice sent (LiveBoard numbers)
  uint64_t seen_gen = 0;
  SteadyClock::time_point last_read{};
  SteadyClock::time_point last_write = SteadyClock::now();
};

// One read of a log from a position, formatted once for every stream at that position.
struct StreamPump::Batch {
  bool ok = true;
  bool finished = false;  // the execution is over and everything up to `last` is in `text`
  bool full = false;      // a whole page: there may be more
  int64_t last = 0;
  std::string text;
};

StreamPump::StreamPump(App* app, EventHub* hub, LiveBoard* live,
                       std::chrono::milliseconds heartbeat, std::chrono::milliseconds poll)
    : app_(app), hub_(hub), live_(live), heartbeat_(heartbeat), poll_(poll) {
  thread_ = std::thread([this] { Run(); });
}

StreamPump::~StreamPump() { Stop(); }

void StreamPump::Add(StreamSpec spec, std::shared_ptr<StreamSink> sink) {
  auto s = std::make_shared<Stream>();
  s->spec = std::move(spec);
  s->sink = std::move(sink);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!stopped_) {
      streams_.push_back(s);
      s = nullptr;
    }
  }
  if (s) {
    s->sink->End();
    return;
  }
  hub_->Poke();
}

void StreamPump::Stop() {
  std::vector<std::shared_ptr<Stream>> ending;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  hub_->Close();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> l(mu_);
    ending.swap(streams_);
  }
  for (auto& s : ending) s->sink->End();
}

size_t StreamPump::open_streams() {
  std::lock_guard<std::mutex> l(mu_);
  return streams_.size();
}

StreamPump::Batch StreamPump::Read(const Stream& s) {
  Batch b;
  b.last = s.spec.last;
  Result<std::vector<Event>> events;
  const bool workspace = s.spec.execution_id.empty();
  if (workspace) {
    events = app_->accounts().ReadWorkspaceEvents(s.spec.ws, s.spec.last, kPage);
  } else {
    // Status first, then events: an execution that had finished before this read has all its
    // events in the log already.
    auto rec = app_->store().GetExecution(s.spec.ws, s.spec.execution_id);
    if (!rec) {
      b.ok = false;
      return b;
    }
    b.finished = IsTerminal(rec->status);
    events = app_->store().ReadEvents(s.spec.ws, s.spec.execution_id, s.spec.last, kPage);
  }
  if (!events) {
    b.ok = false;
    return b;
  }
  b.full = static_cast<int>(events->size()) >= kPage;
  if (b.full) b.finished = false;
  for (const Event& e : *events) {
    int64_t id = workspace ? e.gid : e.seq;
    Json data = ToJson(e);
    data["execution_id"] = e.execution_id;
    data["gid"] = e.gid;
    b.text += "id: " + std::to_string(id) + "\nevent: " + e.type + "\ndata: " + data.dump() + "\n\n";
    b.last = id;
  }
  return b;
}

void StreamPump::Send(const std::shared_ptr<Stream>& s, std::string text) {
  s->busy = true;
  s->last_write = SteadyClock::now();
  s->sink->Write(std::move(text), [this, s](bool ok) {
    if (!ok) s->dead = true;
    s->busy = false;
    hub_->Poke();
  });
}

void StreamPump::Run() {
  for (;;) {
    uint64_t gen = hub_->generation();
    std::vector<std::shared_ptr<Stream>> streams;
    {
      std::lock_guard<std::mutex> l(mu_);
      streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                    [](const auto& s) { return s->dead && !s->busy; }),
                     streams_.end());
      streams = streams_;
    }
    if (hub_->closed()) return;
    auto now = SteadyClock::now();
    auto wake = now + poll_;
    std::map<std::string, Batch> batches;  // by log and position, for this round
    for (const auto& s : streams) {
      if (s->dead || s->busy) continue;
      bool due = s->fresh || s->more || s->seen_gen != gen || now - s->last_read >= poll_;
      std::string text;
      if (due) {
        std::string key = s->spec.ws + '\n' + s->spec.execution_id + '\n' +
                          std::to_string(s->spec.last);
        auto it = batches.find(key);
        if (it == batches.end()) it = batches.emplace(key, Read(*s)).first;
        const Batch& b = it->second;
        s->fresh = false;
        s->seen_gen = gen;
        s->last_read = now;
        if (!b.ok) {
          s->dead = true;
          s->sink->End();
          continue;
        }
        s->more = b.full;
        if (!b.text.empty()) {
          s->spec.last = b.last;
          text = b.text;
        } else if (b.finished) {
          s->dead = true;
          s->sink->End();
          continue;
        }
      }
      // Live notices once the stream has caught up with the log, so that a step's progress
      // never comes before the event that started it.
      if (live_ != nullptr && !s->more && !s->fresh) {
        uint64_t newest = s->live_seen;
        text += live_->Since(s->spec.ws, s->spec.execution_id, s->live_seen, &newest);
        s->live_seen = newest;
      }
      if (!text.empty()) {
        Send(s, std::move(text));
        continue;
      }
      if (now - s->last_write >= heartbeat_) {
        Send(s, ": heartbeat\n\n");
        continue;
      }
      wake = std::min({wake, s->last_write + heartbeat_, s->last_read + poll_});
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - SteadyClock::now());
    hub_->Wait(gen, std::max(wait, std::chrono::milliseconds(1)));
  }
}

// ---- the routes --------------------------------------------------------------------------------

namespace {

tl::expected<int64_t, ApiError> LastEventId(const Call& c, int64_t def, bool* given) {
  std::string text;
  std::string field;
  *given = true;
  if (c.req.has_header("Last-Event-ID")) {
    text = c.req.get_header_value("Last-Event-ID");
    field = "Last-Event-ID";
  } else if (c.req.has_param("after")) {
    text = c.req.get_param_value("after");
    field = "after";
  } else {
    *given = false;
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

ApiResult Open(Call& c, StreamSpec spec) {
  c.res.set_header("Cache-Control", "no-cache");
  c.res.set_header("X-Accel-Buffering", "no");
  c.res.content_type = "text/event-stream";
  StreamPump* pump = c.svc.pump;
  c.res.on_stream = [pump, spec = std::move(spec)](std::shared_ptr<StreamSink> sink) mutable {
    sink->Write("retry: 1000\n: stream open\n\n", nullptr);
    pump->Add(std::move(spec), std::move(sink));
  };
  return Reply{200, Json(), true};
}

}  // namespace

ApiResult StreamExecutionEvents(Call& c) {
  auto rec = c.app().store().GetExecution(c.ws(), c.param("id"));
  if (!rec) return Fail(rec.error());
  bool given = false;
  auto last = LastEventId(c, 0, &given);
  if (!last) return Fail(last.error());
  if (given && IsTerminal(rec->status)) {
    // A client reconnecting to a finished execution's stream it has read to the end: 204 tells
    // EventSource clients to stop reconnecting (the SSE specification's way to end a stream).
    auto after = c.app().store().ReadEvents(c.ws(), rec->id, *last, 1);
    if (!after) return Fail(after.error());
    if (after->empty()) return Reply{204, Json(), false};
  }
  return Open(c, StreamSpec{c.ws(), rec->id, *last});
}

ApiResult StreamWorkspaceEvents(Call& c) {
  // Without Last-Event-ID a workspace stream starts at the present (?after=0 replays it all).
  auto now = c.app().accounts().LastWorkspaceEventId(c.ws());
  if (!now) return Fail(now.error());
  bool given = false;
  auto last = LastEventId(c, *now, &given);
  if (!last) return Fail(last.error());
  return Open(c, StreamSpec{c.ws(), "", *last});
}

}  // namespace atelier::api
