// The approvals inbox: every approval step of the workspace waiting for a person's decision, with
// the content to judge (app/approvals.h). Decisions go through the execution routes.
#include "api.h"
#include "atelier/app/approvals.h"

namespace atelier::api {
namespace {

ApiResult List(Call& c) {
  auto limit = QueryInt(c, "limit", 50, 1, 200);
  if (!limit) return Fail(limit.error());
  auto page = ListApprovals(c.app(), c.ws(), Query(c, "cursor"), static_cast<int>(*limit));
  if (!page) {
    if (page.error().code() == Code::kInvalidArgument)
      return Fail(BadRequest(page.error().message(), "cursor"));
    return Fail(page.error());
  }
  Json items = Json::array();
  for (auto& item : page->items) items.push_back(std::move(item));
  return Ok(Page(std::move(items), page->next_cursor));
}

}  // namespace

void AddApprovalRoutes(std::vector<Route>* r) {
  r->push_back({{"GET", "/api/v1/approvals", true, Role::kViewer,
                 "Steps waiting for a person's decision, newest first, with the content to judge"},
                List,
                {"cursor", "limit"}});
}

}  // namespace atelier::api
