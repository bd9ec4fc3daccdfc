// TriggerService: inbound webhooks, one path for the HTTP API and the CLI. A trigger is a URL,
// POST /api/v1/hooks/{id}, that launches a template when a signed delivery arrives: a CMS that
// publishes a product asks for its images, a form posts a brief. See docs/webhooks.md.
//
// A delivery carries three headers:
//   X-Atelier-Timestamp  the sender's clock, seconds since the epoch;
//   X-Atelier-Signature  "sha256=" + hex HMAC-SHA256 of "TIMESTAMP.BODY" (the raw body bytes)
//                        under the trigger's secret;
//   X-Atelier-Delivery   the sender's id of this delivery (1 to 200 characters), the same on
//                        every retry of it.
// A signature that does not match, or a timestamp further than `tolerance_seconds` (default 300)
// from the server's clock (a captured delivery replayed later), is refused before anything else
// is looked at. The launch binds the idempotency key "webhook:ID:DELIVERY", so a retried delivery
// answers the execution the first one made, never a second one.
//
// The body becomes the inputs: with no `map`, its top-level fields are the inputs; with a `map`
// ({"input": "/json/pointer", ...}), each input takes the value at its pointer (a pointer with
// nothing there is refused naming it). The trigger's fixed `inputs` fill in what the delivery
// does not give. Then the inputs are checked as any launch's (every problem at once).
//
// Thread-safety: every method may be called from any thread; each blocks on the store.
#pragma once

#include <string>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/app/launch_service.h"
#include "atelier/app/service_error.h"
#include "atelier/store/automations.h"

namespace atelier {

// One delivery as it arrived: the trigger id from the URL, the three headers, the raw body.
struct Delivery {
  std::string trigger_id;
  std::string timestamp;
  std::string signature;
  std::string delivery_id;
  std::string body;
};

class TriggerService {
 public:
  // Borrows all three, which must outlive it. `launch` drives what it creates (the server's).
  TriggerService(App* app, LaunchService* launch, Clock* clock);

  // Creates a trigger from a request body {"name", "template", "version"?, "inputs"?, "map"?,
  // "tolerance_seconds"?, "paused"?} with a new secret. Refused as ScheduleService::Create refuses
  // (InvalidArgument naming the field, NotFound for the template, AlreadyExists for the name);
  // a `map` must be an object of input names to JSON pointers ("" or starting with '/'), each
  // naming an input the template declares.
  ServiceResult<TriggerRecord> Create(const std::string& ws, const Json& body);
  // Changes the fields given (null clears version or map), checked as Create checks them.
  ServiceResult<TriggerRecord> Update(const std::string& ws, const std::string& id,
                                      const Json& patch);
  // A new secret; deliveries signed with the old one are refused from now on.
  ServiceResult<TriggerRecord> RotateSecret(const std::string& ws, const std::string& id);
  ServiceResult<TriggerRecord> Get(const std::string& ws, const std::string& id);
  ServiceResult<std::vector<TriggerRecord>> List(const std::string& ws);
  ServiceResult<bool> Delete(const std::string& ws, const std::string& id);

  // The trigger as clients see it: its fields, its URL path and what its last delivery did. The
  // secret only when `with_secret` (answers to create and rotate).
  Json ToJson(const TriggerRecord& rec, bool with_secret = false) const;

  // What a sender puts in X-Atelier-Signature for `body` sent at `timestamp`.
  static std::string Sign(const std::string& secret, const std::string& timestamp,
                          const std::string& body);

  // Checks and launches one delivery. Errors (ServiceError::status):
  //   NotFound: no such trigger;
  //   Unauthenticated: a missing or malformed timestamp or signature, a timestamp outside the
  //     tolerance, a signature that does not match;
  //   FailedPrecondition: the trigger is paused;
  //   InvalidArgument: a missing or malformed delivery id (field "X-Atelier-Delivery"), a body
  //     that is not JSON or not an object (field "body"), a map pointer with nothing there, or
  //     inputs that do not fit (field "inputs", with input_errors);
  //   and a launch's: kKeyReused when a delivery id is reused with another body.
  ServiceResult<LaunchOutcome> Deliver(const Delivery& d);

 private:
  App* app_;
  LaunchService* launch_;
  Clock* clock_;
};

}  // namespace atelier
