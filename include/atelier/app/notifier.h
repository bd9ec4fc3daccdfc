// Notifier: makes the deliveries of outbound notifications (notifications.h, docs/notifications.md).
//
// The event log is the outbox. An event a notification reports is committed in the same
// transaction as the change it reports, and gids follow commit order, so reading the log in gid
// order from a stored cursor misses nothing and a crash loses nothing: Expand turns the events
// after the cursor into delivery rows and moves the cursor in ONE transaction
// (AccountStore::AdvanceNotifyCursor), so each (endpoint, event) gets exactly one delivery, even
// with several processes reading at once (the one that moves the cursor first wins; the others
// write nothing and read on).
//
// A delivery's id is derived from its endpoint and event, and its body is fixed when it is made:
// every attempt sends the same bytes under the same X-Atelier-Delivery. SendDue claims due
// deliveries (a revision compare-and-set that moves their due time past the attempt's timeout, so
// another process does not send them meanwhile), POSTs them with
//   X-Atelier-Delivery   the delivery id (the receiver's deduplication key),
//   X-Atelier-Event      the event type,
//   X-Atelier-Timestamp  seconds since the epoch when this attempt was signed,
//   X-Atelier-Signature  "sha256=" + hex HMAC-SHA256 of "TIMESTAMP.BODY" under the endpoint's
//                        secret (the scheme inbound webhooks use, docs/webhooks.md),
// and records the answer: any 2xx delivers it; anything else (another status, a timeout, a
// refused connection, a host off the allow-list) is a failed attempt, tried again after a backoff
// that grows threefold from `first_backoff_ms` up to `max_backoff_ms`, until `max_attempts`
// attempts have failed (then "failed", sendable again through NotificationService::Resend). A
// crash mid-attempt leaves the claim to run out: the delivery is sent again, with the same id
// (at least once). Redirects are not followed (an attempt answered 3xx failed).
//
// Thread-safety: Expand and SendDue may be called from any thread (the store decides who wins);
// Start/Stop from the owner's.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "atelier/app/app.h"
#include "atelier/engine/clock.h"

namespace atelier {

class HttpClient;
class HostAllowList;

struct NotifierOptions {
  int64_t poll_ms = 500;              // how often Start's thread looks for events and due work
  int max_attempts = 10;              // failed attempts before a delivery is given up
  int64_t first_backoff_ms = 10'000;  // after the first failure; x3 after each next one
  int64_t max_backoff_ms = 6 * 3600'000LL;
  int64_t timeout_ms = 10'000;  // one attempt, connect to last byte
  int senders = 4;              // attempts in flight at once
  int64_t paused_recheck_ms = 30'000;  // a delivery of a paused endpoint waits this long a turn
};

class Notifier {
 public:
  using Log = std::function<void(const std::string& level, const std::string& msg)>;
  // Borrows `app` and `clock`, which must outlive it.
  Notifier(App* app, Clock* clock, std::shared_ptr<HttpClient> http,
           std::shared_ptr<const HostAllowList> allow, NotifierOptions opts, Log log = nullptr);
  ~Notifier();  // Stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Reads the event log after the cursor (a bounded stretch) and makes its deliveries. Returns
  // how many deliveries it made (0 when another process moved the cursor first).
  Result<int> Expand();
  // Sends the deliveries due now (at most `limit`), `senders` at a time. Returns how many
  // attempts it made.
  Result<int> SendDue(int limit = 64);

  // Expand and SendDue every poll_ms on a thread of its own, until Stop (idempotent; returns once
  // the thread and its attempts ended). Wake makes the thread look now.
  void Start();
  void Stop();
  void Wake();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool woken_ = false;
  std::thread thread_;
  void Loop();
};

// The wait before attempt `failed + 1` after `failed` failed attempts (failed >= 1).
int64_t NotifyBackoffMs(const NotifierOptions& o, int failed);

}  // namespace atelier
