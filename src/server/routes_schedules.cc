// Schedules: templates launched with fixed inputs on a cron expression or a fixed interval
// (ScheduleService, atelier/app/schedules.h; docs/schedules.md). The server fires them.
#include "api.h"

namespace atelier::api {
namespace {

ApiResult Answer(Call& c, const ServiceResult<ScheduleRecord>& r, int status = 200) {
  if (!r) return Fail(ErrorWithInputs(r.error()));
  return Ok(c.svc.schedules->ToJson(*r), status);
}

ApiResult Create(Call& c) {
  auto body = ParseObjectBody(c);
  if (!body) return Fail(body.error());
  return Answer(c, c.svc.schedules->Create(c.ws(), *body), 201);
}

ApiResult List(Call& c) {
  auto list = c.svc.schedules->List(c.ws());
  if (!list) return Fail(ErrorWithInputs(list.error()));
  Json items = Json::array();
  for (const auto& s : *list) items.push_back(c.svc.schedules->ToJson(s));
  return Ok({{"items", items}});
}

ApiResult Get(Call& c) { return Answer(c, c.svc.schedules->Get(c.ws(), c.param("id"))); }

ApiResult Update(Call& c) {
  // Another workspace's id answers 404 like a missing one, whatever the body.
  if (auto cur = c.svc.schedules->Get(c.ws(), c.param("id")); !cur) return Answer(c, cur);
  auto body = ParseObjectBody(c);
  if (!body) return Fail(body.error());
  return Answer(c, c.svc.schedules->Update(c.ws(), c.param("id"), *body));
}

ApiResult Pause(Call& c) {
  return Answer(c, c.svc.schedules->SetPaused(c.ws(), c.param("id"), true));
}

ApiResult Resume(Call& c) {
  return Answer(c, c.svc.schedules->SetPaused(c.ws(), c.param("id"), false));
}

ApiResult Delete(Call& c) {
  auto r = c.svc.schedules->Delete(c.ws(), c.param("id"));
  if (!r) return Fail(ErrorWithInputs(r.error()));
  return Reply{204, Json(), false};
}

}  // namespace

void AddScheduleRoutes(std::vector<Route>* r) {
  const Role V = Role::kViewer, E = Role::kEditor;
  const std::string s = "/api/v1/schedules/{id}";
  r->push_back({{"GET", "/api/v1/schedules", true, V, "List schedules"}, List});
  r->push_back({{"POST", "/api/v1/schedules", true, E,
                 "Create a schedule: a template launched on a cron expression or an interval"},
                Create,
                {},
                Json(),
                201});
  r->push_back({{"GET", s, true, V, "Get a schedule with its next five fire times"}, Get});
  r->push_back({{"PATCH", s, true, E, "Change a schedule's fields"}, Update});
  r->push_back(
      {{"DELETE", s, true, E, "Delete a schedule (its executions stay)"}, Delete, {}, Json(), 204});
  r->push_back({{"POST", s + "/pause", true, E, "Pause: nothing fires until resumed"}, Pause});
  r->push_back({{"POST", s + "/resume", true, E,
                 "Resume: the next due time after now (paused windows are skipped)"},
                Resume});
}

}  // namespace atelier::api
