#include "atelier/app/notifier.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <utility>

#include "atelier/app/failure_run.h"
#include "atelier/app/notifications.h"
#include "atelier/blob/sha256.h"
#include "atelier/engine/cancel.h"
#include "atelier/engine/timestamp.h"
#include "atelier/providers/http/host_allow_list.h"
#include "atelier/providers/http/http_client.h"
#include "atelier/providers/http/http_url.h"

namespace atelier {
namespace {

// How much of the log one Expand reads: at most kStretch gids, at most kBatch events.
constexpr int64_t kStretch = 50'000;
constexpr int kBatch = 500;
// An attempt's claim outlives its timeout by this much before another sender may take it over.
constexpr int64_t kClaimSlackMs = 30'000;

bool Lists(const Json& events, const std::string& type) {
  if (!events.is_array()) return false;
  return std::any_of(events.begin(), events.end(),
                     [&](const Json& e) { return e.is_string() && e.get<std::string>() == type; });
}

// What Expand needs of an execution: its row and what its launch asked for.
struct ExecInfo {
  ExecutionRecord rec;
  std::string template_name;
  Json notify;  // the launch's callback {"url", "events"}, or null
};

std::string Shorten(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

}  // namespace

int64_t NotifyBackoffMs(const NotifierOptions& o, int failed) {
  int64_t wait = std::max<int64_t>(o.first_backoff_ms, 1);
  for (int i = 1; i < failed && wait < o.max_backoff_ms; ++i) wait *= 3;
  return std::min(wait, o.max_backoff_ms);
}

struct Notifier::Impl {
  App* app;
  Clock* clock;
  std::shared_ptr<HttpClient> http;
  std::shared_ptr<const HostAllowList> allow;
  NotifierOptions opts;
  Log log;
  NotificationService service;
  CancelToken stopping;  // fired by Stop: attempts in flight give up at once

  Impl(App* a, Clock* c, std::shared_ptr<HttpClient> h, std::shared_ptr<const HostAllowList> al,
       NotifierOptions o, Log l)
      : app(a),
        clock(c),
        http(std::move(h)),
        allow(std::move(al)),
        opts(o),
        log(std::move(l)),
        service(a, c) {}

  // The execution an event belongs to, or nullopt when it is gone.
  Result<std::optional<ExecInfo>> Execution(const std::string& ws, const std::string& id) {
    auto rec = app->store().GetExecution(ws, id);
    if (!rec) {
      if (rec.error().code() == Code::kNotFound) return std::optional<ExecInfo>();
      return Err(rec.error());
    }
    ExecInfo info;
    info.rec = std::move(*rec);
    auto first = app->store().ReadEvents(ws, id, 0, 1);
    if (!first) return Err(first.error());
    if (!first->empty() && first->front().type == "execution_created") {
      const Json& p = first->front().payload;
      info.template_name = p.value("template_name", "");
      if (auto n = p.find("notify"); n != p.end() && n->is_object()) info.notify = *n;
    }
    return std::optional<ExecInfo>(std::move(info));
  }

  DeliveryRecord Make(const EndpointRecord& ep, const std::string& url, const WorkspaceEvent& we,
                      const ExecInfo& ex) {
    const Event& ev = we.event;
    DeliveryRecord d;
    d.id = "dlv_" + Sha256Hex(ep.id + "|" + std::to_string(ev.gid)).substr(0, 24);
    d.workspace_id = we.workspace_id;
    d.endpoint_id = ep.id;
    d.execution_id = ev.execution_id;
    d.event_gid = ev.gid;
    d.event_type = ev.type;
    d.url = url;
    d.status = "pending";
    d.revision = 1;
    d.created_at = d.updated_at = d.next_attempt_at = clock->NowMs();
    Json exec = {{"id", ex.rec.id},
                 {"template_id", ex.rec.template_id},
                 {"template_name", ex.template_name},
                 {"template_version", ex.rec.template_version},
                 {"url", "/api/v1/executions/" + ex.rec.id}};
    if (auto to = ev.payload.find("to"); to != ev.payload.end()) exec["status"] = *to;
    if (ev.type == "execution_failed" && !ex.rec.error.is_null()) exec["error"] = ex.rec.error;
    if (!ex.rec.parent_execution_id.empty())
      exec["parent_execution_id"] = ex.rec.parent_execution_id;
    Json body = {{"id", d.id},
                 {"type", ev.type},
                 {"created_at", FormatTimestamp(ev.ts)},
                 {"workspace_id", we.workspace_id},
                 {"execution", std::move(exec)},
                 {"event",
                  {{"id", ev.gid},
                   {"seq", ev.seq},
                   {"type", ev.type},
                   {"step_id", ev.step_id},
                   {"ts", FormatTimestamp(ev.ts)},
                   {"payload", ev.payload}}}};
    d.body = body.dump();
    return d;
  }

  // Records the outcome of the claimed delivery `d` (its revision is the claim's).
  void Record(DeliveryRecord d, const std::optional<int>& code, const std::string& error,
              bool delivered) {
    const int64_t now = clock->NowMs();
    d.updated_at = now;
    d.state["last_status_code"] = code ? Json(*code) : Json();
    d.state["last_error"] = delivered ? Json() : Json(error);
    if (delivered) {
      d.status = "delivered";
      d.state["delivered_at"] = now;
    } else {
      const int failed = d.attempts - d.state.value("budget_from", 0);
      if (failed >= opts.max_attempts) {
        d.status = "failed";
      } else {
        d.next_attempt_at = now + NotifyBackoffMs(opts, failed);
      }
    }
    auto applied = app->accounts().UpdateDelivery(d);
    if (!applied && log)
      log("warn", "delivery " + d.id + " not recorded: " + applied.error().ToString());
    // Not applied: it was sent again on request meanwhile, which stands.
  }

  void Attempt(DeliveryRecord d, const std::string& secret) {
    auto url = ParseHttpUrl(d.url);
    if (!url) return Record(std::move(d), std::nullopt, url.error().message(), false);
    auto pin = allow->Check(*url, "url: ", "url: ");
    if (!pin) return Record(std::move(d), std::nullopt, pin.error().message(), false);
    const std::string ts = std::to_string(clock->NowMs() / 1000);
    HttpRequest req;
    req.method = "POST";
    req.url = url->url;
    req.pin = *pin;
    req.body = d.body;
    req.timeout_ms = opts.timeout_ms;
    req.connect_timeout_ms = std::min<int64_t>(opts.timeout_ms, 10'000);
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", "Atelier-Notifier"},
                   {"X-Atelier-Delivery", d.id},
                   {"X-Atelier-Event", d.event_type},
                   {"X-Atelier-Timestamp", ts},
                   {"X-Atelier-Signature", "sha256=" + HmacSha256Hex(secret, ts + "." + d.body)}};
    auto resp = http->Send(req, stopping);
    if (!resp) {
      if (resp.error().code() == Code::kCancelled) {
        // The process is stopping: this attempt does not count, the next process sends it.
        d.attempts -= 1;
        d.next_attempt_at = clock->NowMs();
        d.updated_at = clock->NowMs();
        (void)app->accounts().UpdateDelivery(d);
        return;
      }
      return Record(std::move(d), std::nullopt, resp.error().message(), false);
    }
    if (resp->status >= 200 && resp->status < 300)
      return Record(std::move(d), resp->status, "", true);
    std::string why = "the receiver answered HTTP " + std::to_string(resp->status);
    if (resp->status >= 300 && resp->status < 400)
      why += " (redirects are not followed: point the endpoint at the final URL)";
    else if (!resp->body.empty())
      why += ": " + Shorten(resp->body, 300);
    Record(std::move(d), resp->status, why, false);
  }
};

Notifier::Notifier(App* app, Clock* clock, std::shared_ptr<HttpClient> http,
                   std::shared_ptr<const HostAllowList> allow, NotifierOptions opts, Log log)
    : impl_(std::make_unique<Impl>(app, clock, std::move(http), std::move(allow), opts,
                                   std::move(log))) {}

Notifier::~Notifier() { Stop(); }

Result<int> Notifier::Expand() {
  AccountStore& acc = impl_->app->accounts();
  auto cursor = acc.NotifyCursor();
  if (!cursor) return Err(cursor.error());
  auto last = acc.LastEventId();
  if (!last) return Err(last.error());
  if (*last <= *cursor) return 0;
  const int64_t upto = std::min(*last, *cursor + kStretch);
  auto events = acc.ReadEventsOfTypes(*cursor, upto, NotificationEventTypes(), kBatch);
  if (!events) return Err(events.error());
  const int64_t to =
      static_cast<int>(events->size()) == kBatch ? events->back().event.gid : upto;

  std::map<std::string, std::vector<EndpointRecord>> endpoints;  // by workspace
  std::map<std::string, std::optional<ExecInfo>> executions;     // by id
  std::vector<DeliveryRecord> made;
  for (const WorkspaceEvent& we : *events) {
    const Event& ev = we.event;
    auto eps = endpoints.find(we.workspace_id);
    if (eps == endpoints.end()) {
      auto list = acc.ListEndpoints(we.workspace_id);
      if (!list) return Err(list.error());
      eps = endpoints.emplace(we.workspace_id, std::move(*list)).first;
    }
    auto ex = executions.find(ev.execution_id);
    if (ex == executions.end()) {
      auto info = impl_->Execution(we.workspace_id, ev.execution_id);
      if (!info) return Err(info.error());
      ex = executions.emplace(ev.execution_id, std::move(*info)).first;
    }
    if (!ex->second) continue;  // the execution is gone: nothing to report
    const ExecInfo& info = *ex->second;
    // Sub-executions are their parent's business, but a person must hear of an approval.
    const bool sub = !info.rec.parent_execution_id.empty();
    for (const EndpointRecord& ep : eps->second) {
      const Json& sp = ep.spec;
      if (sp.value("kind", "") == "launch") continue;
      if (ev.gid <= sp.value("since_gid", int64_t{0})) continue;
      if (!Lists(sp.value("events", Json()), ev.type)) continue;
      if (sub && ev.type != "approval_requested") continue;
      if (const Json& t = sp.value("template", Json());
          t.is_string() && t.get<std::string>() != info.template_name)
        continue;
      made.push_back(impl_->Make(ep, sp.value("url", ""), we, info));
    }
    if (info.notify.is_object() && Lists(info.notify.value("events", Json()), ev.type)) {
      auto launch = impl_->service.LaunchEndpoint(we.workspace_id);
      if (!launch) return Err(launch.error().status);
      made.push_back(impl_->Make(*launch, info.notify.value("url", ""), we, info));
    }
  }
  auto moved = acc.AdvanceNotifyCursor(*cursor, to, made);
  if (!moved) return Err(moved.error());
  return *moved ? static_cast<int>(made.size()) : 0;
}

Result<int> Notifier::SendDue(int limit) {
  AccountStore& acc = impl_->app->accounts();
  const int64_t now = impl_->clock->NowMs();
  auto due = acc.DueDeliveries(now, limit);
  if (!due) return Err(due.error());
  std::map<std::pair<std::string, std::string>, std::optional<EndpointRecord>> endpoints;
  std::vector<std::pair<DeliveryRecord, std::string>> claimed;  // with the secret to sign with
  for (DeliveryRecord d : *due) {
    auto key = std::make_pair(d.workspace_id, d.endpoint_id);
    auto ep = endpoints.find(key);
    if (ep == endpoints.end()) {
      auto got = acc.GetEndpoint(d.workspace_id, d.endpoint_id);
      if (!got && got.error().code() != Code::kNotFound) return Err(got.error());
      ep = endpoints.emplace(key, got ? std::optional<EndpointRecord>(*got) : std::nullopt).first;
    }
    d.updated_at = now;
    if (!ep->second) {
      d.status = "failed";
      d.state["last_error"] = "the endpoint was deleted";
      (void)acc.UpdateDelivery(d);
      continue;
    }
    if (ep->second->paused) {  // held, not attempted: sent once the endpoint is resumed
      d.next_attempt_at = now + impl_->opts.paused_recheck_ms;
      d.state["held"] = "the endpoint is paused";
      (void)acc.UpdateDelivery(d);
      continue;
    }
    d.state.erase("held");
    d.attempts += 1;
    d.next_attempt_at = now + impl_->opts.timeout_ms + kClaimSlackMs;
    d.state["last_attempt_at"] = now;
    auto applied = acc.UpdateDelivery(d);
    if (!applied) return Err(applied.error());
    if (!*applied) continue;  // another sender claimed it first
    ++d.revision;
    claimed.emplace_back(std::move(d), ep->second->secret);
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < claimed.size(); i = next++)
      impl_->Attempt(std::move(claimed[i].first), claimed[i].second);
  };
  const size_t n = std::min<size_t>(claimed.size(), std::max(impl_->opts.senders, 1));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return static_cast<int>(claimed.size());
}

void Notifier::Start() {
  std::lock_guard l(mu_);
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] { Loop(); });
}

void Notifier::Stop() {
  {
    std::lock_guard l(mu_);
    stopped_ = true;
  }
  impl_->stopping.Cancel("the server is stopping");
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::Wake() {
  {
    std::lock_guard l(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Notifier::Loop() {
  // While the database is away every pass fails: said when it begins and when it ends.
  FailureRun failures;
  std::unique_lock l(mu_);
  while (!stopped_) {
    woken_ = false;
    l.unlock();
    std::string failed;  // the pass's first failure
    // Expand until the log is read, then send what is due.
    for (int round = 0; round < 20; ++round) {
      auto made = Expand();
      if (!made) {
        failed = "notifications not read yet: " + made.error().ToString();
        break;
      }
      auto cursor = impl_->app->accounts().NotifyCursor();
      auto last = impl_->app->accounts().LastEventId();
      if (!cursor || !last || *cursor >= *last) break;
    }
    if (auto sent = SendDue(); !sent && failed.empty())
      failed = "notifications not sent yet: " + sent.error().ToString();
    if (!failed.empty()) {
      if (failures.Failed() && impl_->log) impl_->log("warn", failed + " (will try again)");
    } else if (const FailureRun::Ended e = failures.Worked(); e.failures > 0 && impl_->log) {
      impl_->log("info", "notifications work again after " + std::to_string(e.failures) +
                             " failed passes over " + std::to_string(e.ms) + " ms");
    }
    l.lock();
    cv_.wait_for(l, std::chrono::milliseconds(std::max<int64_t>(impl_->opts.poll_ms, 10)),
                 [this] { return stopped_ || woken_; });
  }
}

}  // namespace atelier
