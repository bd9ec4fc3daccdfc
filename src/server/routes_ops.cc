// Operations: liveness, readiness, metrics and the OpenAPI document (no API key needed).
#include "api.h"

namespace atelier::api {

void AddOpsRoutes(std::vector<Route>* routes) {
  routes->push_back({{"GET", "/healthz", false, Role::kViewer, "Liveness: the process is up"},
                     [](Call&) -> ApiResult {
                       return Ok({{"status", "ok"}});
                     }});
  routes->push_back({{"GET", "/readyz", false, Role::kViewer, "Readiness: the store answers"},
                     [](Call& c) -> ApiResult {
                       auto v = c.app().store().SchemaVersion();
                       if (!v)
                         return Fail(ApiError{503, "unavailable",
                                              "store unreachable: " + v.error().message(),
                                              Json::object()});
                       return Ok({{"status", "ready"}, {"schema_version", *v}});
                     }});
  routes->push_back(
      {{"GET", "/metrics", false, Role::kViewer, "Prometheus metrics"}, [](Call& c) -> ApiResult {
         c.res.set_content(c.svc.metrics.Render(c.app()), "text/plain; version=0.0.4");
         return Reply{200, Json(), true};
       }});
  routes->push_back(
      {{"GET", "/api/v1/openapi.json", false, Role::kViewer, "This API's OpenAPI 3.1 document"},
       [](Call& c) -> ApiResult {
         c.res.set_content(OpenApiJson(), "application/json");
         return Reply{200, Json(), true};
       }});
}

}  // namespace atelier::api
