// Retention (RetentionService, atelier/app/retention.h; docs/retention.md): the workspace's
// policy, the dry run that says what it would delete, and a sweep on demand.
#include "api.h"

namespace atelier::api {
namespace {

ApiResult Answer(const ServiceResult<Json>& r) {
  if (!r) return Fail(r.error());
  return Ok(*r);
}

ApiResult Get(Call& c) { return Answer(c.svc.retention->Get(c.ws())); }

ApiResult Set(Call& c) {
  auto body = ParseObjectBody(c);
  if (!body) return Fail(body.error());
  return Answer(c.svc.retention->Set(c.ws(), *body));
}

// No body (or {}): the stored policy; a body with rules: the policy it proposes.
ApiResult Preview(Call& c) {
  Json policy;
  if (c.req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto body = ParseObjectBody(c);
    if (!body) return Fail(body.error());
    policy = std::move(*body);
  }
  return Answer(c.svc.retention->Preview(c.ws(), policy));
}

ApiResult Run(Call& c) { return Answer(c.svc.retention->RunNow(c.ws())); }

}  // namespace

void AddRetentionRoutes(std::vector<Route>* r) {
  const Role V = Role::kViewer, A = Role::kAdmin;
  const std::string p = "/api/v1/retention";
  r->push_back(
      {{"GET", p, true, V, "The workspace's retention policy and what its sweeps did"}, Get});
  r->push_back({{"PUT", p, true, A,
                 "Set the retention policy: finished executions older than max_age_days, or "
                 "beyond the newest keep_last of their template, are deleted (null: no such "
                 "rule)"},
                Set});
  r->push_back({{"POST", p + "/preview", true, V,
                 "Dry run: what the stored policy (or the one in the body) would delete now, "
                 "and the bytes it frees; deletes nothing"},
                Preview});
  r->push_back({{"POST", p + "/run", true, A,
                 "Sweep now under the stored policy, then remove the blobs nothing names any "
                 "more"},
                Run});
}

}  // namespace atelier::api
