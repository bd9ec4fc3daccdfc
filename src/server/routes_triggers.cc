// Inbound webhooks (TriggerService, atelier/app/triggers.h; docs/webhooks.md): the triggers of a
// workspace, managed with an API key, and POST /api/v1/hooks/{id}, which takes no key: a delivery
// is authenticated by its HMAC signature.
#include "api.h"
#include "atelier/api/records_json.h"

namespace atelier::api {
namespace {

ApiResult Answer(Call& c, const ServiceResult<TriggerRecord>& r, int status = 200,
                 bool with_secret = false) {
  if (!r) return Fail(ErrorWithInputs(r.error()));
  return Ok(c.svc.triggers->ToJson(*r, with_secret), status);
}

ApiResult Create(Call& c) {
  auto body = ParseObjectBody(c);
  if (!body) return Fail(body.error());
  return Answer(c, c.svc.triggers->Create(c.ws(), *body), 201, /*with_secret=*/true);
}

ApiResult List(Call& c) {
  auto list = c.svc.triggers->List(c.ws());
  if (!list) return Fail(ErrorWithInputs(list.error()));
  Json items = Json::array();
  for (const auto& t : *list) items.push_back(c.svc.triggers->ToJson(t));
  return Ok({{"items", items}});
}

ApiResult Get(Call& c) { return Answer(c, c.svc.triggers->Get(c.ws(), c.param("id"))); }

ApiResult Update(Call& c) {
  // Another workspace's id answers 404 like a missing one, whatever the body.
  if (auto cur = c.svc.triggers->Get(c.ws(), c.param("id")); !cur) return Answer(c, cur);
  auto body = ParseObjectBody(c);
  if (!body) return Fail(body.error());
  return Answer(c, c.svc.triggers->Update(c.ws(), c.param("id"), *body));
}

ApiResult Rotate(Call& c) {
  return Answer(c, c.svc.triggers->RotateSecret(c.ws(), c.param("id")), 200, /*with_secret=*/true);
}

ApiResult Delete(Call& c) {
  auto r = c.svc.triggers->Delete(c.ws(), c.param("id"));
  if (!r) return Fail(ErrorWithInputs(r.error()));
  return Reply{204, Json(), false};
}

// A delivery: 201 with the execution it launched; 200 (Idempotent-Replayed) for a retry of one.
ApiResult Deliver(Call& c) {
  Delivery d;
  d.trigger_id = c.param("id");
  d.timestamp = c.req.get_header_value("X-Atelier-Timestamp");
  d.signature = c.req.get_header_value("X-Atelier-Signature");
  d.delivery_id = c.req.get_header_value("X-Atelier-Delivery");
  d.body = c.req.body;
  auto out = c.svc.triggers->Deliver(d);
  if (!out) return Fail(ErrorWithInputs(out.error()));
  switch (out->kind) {
    case LaunchOutcome::Kind::kCreated:
      return Ok(ToJson(out->execution), 201);
    case LaunchOutcome::Kind::kReplayed:
      c.res.set_header("Idempotent-Replayed", "true");
      return Ok(ToJson(out->execution), 200);
    case LaunchOutcome::Kind::kKeyReused:
      break;
  }
  const std::string& other = out->other_execution_id;
  return Fail(ApiError{
      422,
      "idempotency_key_reused",
      "delivery '" + d.delivery_id + "' was already made with another body (" + other + ")",
      {{"field", "X-Atelier-Delivery"}, {"execution_id", other}}});
}

}  // namespace

void AddTriggerRoutes(std::vector<Route>* r) {
  const Role V = Role::kViewer, E = Role::kEditor;
  const std::string t = "/api/v1/triggers/{id}";
  r->push_back({{"GET", "/api/v1/triggers", true, V, "List webhook triggers"}, List});
  r->push_back({{"POST", "/api/v1/triggers", true, E,
                 "Create a webhook trigger; answers its secret, shown only here and on rotate"},
                Create,
                {},
                Json(),
                201});
  r->push_back({{"GET", t, true, V, "Get a trigger (never its secret)"}, Get});
  r->push_back({{"PATCH", t, true, E, "Change a trigger's fields"}, Update});
  r->push_back(
      {{"DELETE", t, true, E, "Delete a trigger (its executions stay)"}, Delete, {}, Json(), 204});
  r->push_back({{"POST", t + "/rotate", true, E,
                 "A new secret; deliveries signed with the old one are refused"},
                Rotate});
  r->push_back({{"POST", "/api/v1/hooks/{id}", false, V,
                 "Deliver to a trigger: signed with HMAC-SHA256, no API key; launches its "
                 "template"},
                Deliver,
                {},
                Json(),
                201});
}

}  // namespace atelier::api
