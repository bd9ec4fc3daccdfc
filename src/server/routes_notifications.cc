// Outbound notifications (NotificationService, atelier/app/notifications.h; docs/notifications.md):
// the endpoints of a workspace, and the deliveries made to them with their status, attempts and
// last error, each sendable again.
#include "api.h"

namespace atelier::api {
namespace {

ApiResult Answer(Call& c, const ServiceResult<EndpointRecord>& r, int status = 200,
                 bool with_secret = false) {
  if (!r) return Fail(r.error());
  return Ok(c.svc.notifications->ToJson(*r, with_secret), status);
}

ApiResult Create(Call& c) {
  auto body = ParseObjectBody(c);
  if (!body) return Fail(body.error());
  return Answer(c, c.svc.notifications->Create(c.ws(), *body), 201, /*with_secret=*/true);
}

ApiResult List(Call& c) {
  auto list = c.svc.notifications->List(c.ws());
  if (!list) return Fail(list.error());
  Json items = Json::array();
  for (const auto& e : *list) items.push_back(c.svc.notifications->ToJson(e));
  return Ok({{"items", items}});
}

ApiResult Get(Call& c) { return Answer(c, c.svc.notifications->Get(c.ws(), c.param("id"))); }

ApiResult Update(Call& c) {
  // Another workspace's id answers 404 like a missing one, whatever the body.
  if (auto cur = c.svc.notifications->Get(c.ws(), c.param("id")); !cur) return Answer(c, cur);
  auto body = ParseObjectBody(c);
  if (!body) return Fail(body.error());
  return Answer(c, c.svc.notifications->Update(c.ws(), c.param("id"), *body));
}

ApiResult Rotate(Call& c) {
  return Answer(c, c.svc.notifications->RotateSecret(c.ws(), c.param("id")), 200,
                /*with_secret=*/true);
}

ApiResult Delete(Call& c) {
  auto r = c.svc.notifications->Delete(c.ws(), c.param("id"));
  if (!r) return Fail(r.error());
  return Reply{204, Json(), false};
}

// Newest first; the cursor is "GID.ID" of the last item of the previous page.
ApiResult Deliveries(Call& c) {
  auto limit = QueryInt(c, "limit", 50, 1, 500);
  if (!limit) return Fail(limit.error());
  DeliveryFilter f;
  f.endpoint_id = Query(c, "endpoint_id");
  f.execution_id = Query(c, "execution_id");
  f.status = Query(c, "status");
  if (!f.status.empty() && f.status != "pending" && f.status != "delivered" &&
      f.status != "failed")
    return Fail(BadRequest(
        "query parameter 'status' must be one of pending, delivered, failed; got '" + f.status +
            "'",
        "status"));
  if (std::string cursor = Query(c, "cursor"); !cursor.empty()) {
    const size_t dot = cursor.find('.');
    bool ok = dot != std::string::npos && dot > 0 && dot <= 18 && dot + 1 < cursor.size();
    int64_t gid = 0;
    for (size_t i = 0; ok && i < dot; ++i) {
      if (cursor[i] < '0' || cursor[i] > '9') ok = false;
      else gid = gid * 10 + (cursor[i] - '0');
    }
    if (!ok) return Fail(BadRequest("malformed cursor '" + cursor + "'", "cursor"));
    f.before_gid = gid;
    f.before_id = cursor.substr(dot + 1);
  }
  f.limit = static_cast<int>(*limit) + 1;
  auto list = c.svc.notifications->ListDeliveries(c.ws(), f);
  if (!list) return Fail(list.error());
  return Ok(PageOf(
      *list, *limit, [&](const DeliveryRecord& d) { return c.svc.notifications->ToJson(d); },
      [](const DeliveryRecord& d) { return std::to_string(d.event_gid) + "." + d.id; }));
}

ApiResult Delivery(Call& c) {
  auto d = c.svc.notifications->GetDelivery(c.ws(), c.param("id"));
  if (!d) return Fail(d.error());
  return Ok(c.svc.notifications->ToJson(*d, /*with_body=*/true));
}

ApiResult Resend(Call& c) {
  auto d = c.svc.notifications->Resend(c.ws(), c.param("id"));
  if (!d) return Fail(d.error());
  if (c.svc.notifier_wake) c.svc.notifier_wake();
  return Ok(c.svc.notifications->ToJson(*d, /*with_body=*/true));
}

}  // namespace

void AddNotificationRoutes(std::vector<Route>* r) {
  const Role V = Role::kViewer, E = Role::kEditor;
  const std::string e = "/api/v1/notifications/endpoints";
  const std::string d = "/api/v1/notifications/deliveries";
  r->push_back({{"GET", e, true, V,
                 "List notification endpoints (the launch callbacks endpoint included)"},
                List});
  r->push_back({{"POST", e, true, E,
                 "Create a notification endpoint; answers its secret, shown only here and on "
                 "rotate"},
                Create,
                {},
                Json(),
                201});
  r->push_back({{"GET", e + "/{id}", true, V, "Get a notification endpoint (never its secret)"},
                Get});
  r->push_back({{"PATCH", e + "/{id}", true, E, "Change an endpoint's fields"}, Update});
  r->push_back({{"DELETE", e + "/{id}", true, E,
                 "Delete an endpoint (its deliveries stay; pending ones are given up)"},
                Delete,
                {},
                Json(),
                204});
  r->push_back({{"POST", e + "/{id}/rotate", true, E,
                 "A new signing secret, used from the next attempt on"},
                Rotate});
  r->push_back({{"GET", d, true, V,
                 "Deliveries, newest event first: status, attempts, last error (cursor "
                 "pagination)"},
                Deliveries,
                {"endpoint_id", "execution_id", "status", "cursor", "limit"}});
  r->push_back({{"GET", d + "/{id}", true, V, "A delivery with the body it sends"}, Delivery});
  r->push_back({{"POST", d + "/{id}/resend", true, E,
                 "Send a delivered or failed delivery again (same id and body, a fresh retry "
                 "budget)"},
                Resend});
}

}  // namespace atelier::api
