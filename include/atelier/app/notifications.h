// NotificationService: outbound notifications, one path for the HTTP API and the CLI. A finished
// job tells the system that asked for it: chosen events of the workspace's executions are POSTed
// to a URL, signed, retried until the receiver accepts them. See docs/notifications.md.
//
// Two ways to ask:
//   an endpoint of the workspace ({"name", "url", "events"?, "template"?, "paused"?}): every
//     execution of the workspace (of one template, with "template") reports there;
//   a launch's `notify` ({"url", "events"?}): that execution alone reports there. Launch callbacks
//     are signed with the secret of the workspace's endpoint of kind "launch" (named
//     "launch-callbacks"), which every listing makes sure exists.
// The events: execution_completed, execution_failed, execution_stopped and approval_requested
// (a step waits for a person); all four when none are named.
//
// Only hosts on the operator's allow-list (the `http` node's, HostAllowList) may receive them: a
// URL whose host is not on it is refused when it is given, and every attempt checks the host
// again (DNS included) before anything is sent.
//
// The deliveries themselves are made by the Notifier (notifier.h); this service shows them and
// sends one again on request.
//
// Thread-safety: every method may be called from any thread; each blocks on the store.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/app/service_error.h"
#include "atelier/engine/clock.h"
#include "atelier/store/automations.h"

namespace atelier {

class HostAllowList;

// The event types a notification may report, in the order the docs list them.
const std::vector<std::string>& NotificationEventTypes();

// The name and kind of the endpoint that signs launch callbacks.
inline constexpr const char* kLaunchEndpointName = "launch-callbacks";

// Checks a launch's `notify` value against the allow-list: an object {"url", "events"?} with an
// http(s) URL whose host is allowed and known event types. Returns it normalised ({"url",
// "events"} with every event listed). InvalidArgument naming the field ("notify.url").
ServiceResult<Json> CheckLaunchNotify(const Json& notify, const HostAllowList& allow);

class NotificationService {
 public:
  // Borrows both, which must outlive it.
  NotificationService(App* app, Clock* clock);

  // ---- endpoints ----------------------------------------------------------------------------
  // Creates an endpoint from {"name", "url", "events"?, "template"?, "paused"?} with a new secret.
  // InvalidArgument naming the field (an unknown field, a URL that is not http(s) or whose host is
  // not on the allow-list, an unknown event), NotFound for the template, AlreadyExists for the
  // name (the launch endpoint's name is reserved).
  ServiceResult<EndpointRecord> Create(const std::string& ws, const Json& body);
  // Changes the fields given (checked as Create checks them; "template": null clears the
  // filter). The launch endpoint takes only "events" and "paused". Resuming a paused endpoint
  // makes the deliveries it held due at once.
  ServiceResult<EndpointRecord> Update(const std::string& ws, const std::string& id,
                                       const Json& patch);
  // A new secret; deliveries are signed with it from the next attempt on.
  ServiceResult<EndpointRecord> RotateSecret(const std::string& ws, const std::string& id);
  ServiceResult<EndpointRecord> Get(const std::string& ws, const std::string& id);
  // Every endpoint of the workspace by name, the launch endpoint included (made when missing).
  ServiceResult<std::vector<EndpointRecord>> List(const std::string& ws);
  // Pending deliveries to it are given up ("the endpoint was deleted"); the others stay. The
  // launch endpoint cannot be deleted (FailedPrecondition): receivers check its secret.
  ServiceResult<bool> Delete(const std::string& ws, const std::string& id);
  // The workspace's launch endpoint, made when missing.
  ServiceResult<EndpointRecord> LaunchEndpoint(const std::string& ws);

  // The endpoint as clients see it (the URL without its query string, where tokens travel); the
  // secret only when `with_secret`.
  Json ToJson(const EndpointRecord& rec, bool with_secret = false) const;

  // ---- deliveries ---------------------------------------------------------------------------
  ServiceResult<std::vector<DeliveryRecord>> ListDeliveries(const std::string& ws,
                                                            const DeliveryFilter& f);
  ServiceResult<DeliveryRecord> GetDelivery(const std::string& ws, const std::string& id);
  // Makes a delivered or failed delivery pending again, due now, with a fresh retry budget (its
  // id and body stay: the receiver can tell it from a new one). FailedPrecondition when it is
  // still pending (it will be sent anyway).
  ServiceResult<DeliveryRecord> Resend(const std::string& ws, const std::string& id);
  // The delivery as clients see it; the body (the JSON sent) only when `with_body`.
  Json ToJson(const DeliveryRecord& rec, bool with_body = false) const;

 private:
  // Makes the endpoint's held deliveries (made while it was paused) due now.
  Status ReleaseHeld(const std::string& ws, const std::string& endpoint_id);

  App* app_;
  Clock* clock_;
};

}  // namespace atelier
