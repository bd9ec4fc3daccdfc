#include "atelier/app/launch_estimate.h"

#include <cmath>

#include "atelier/app/engine_launch_service.h"
#include "atelier/app/estimate.h"

namespace atelier {

ServiceResult<Json> EstimateLaunch(App& app, const std::string& ws, const LaunchRequest& request) {
  auto tmpl = FindLaunchTemplate(app, ws, request);
  if (!tmpl) return ServiceFail(tmpl.error());
  auto graph = app.engine().GraphFor(ws, tmpl->id, tmpl->version);
  if (!graph) return ServiceFail(graph.error());
  const Template& t = (*graph)->tmpl();
  auto inputs = ResolveLaunchInputs(t, request);
  if (!inputs) return ServiceFail(inputs.error());
  auto balance = app.accounts().GetBalance(ws);
  if (!balance) return ServiceFail(balance.error());

  Json est = EstimateCost(t, *inputs, app.providers(), app.prices());
  // Reservations are made per step in micro-credits, each rounded: the sum of those.
  int64_t needed = 0;
  for (const auto& s : est["steps"])
    needed += static_cast<int64_t>(std::llround(s["cost"].get<double>() * 1e6));
  est["template"] = {{"id", tmpl->id}, {"version", tmpl->version}, {"name", t.name}};
  est["credits"] = {{"unit", "micro-credits"},
                    {"needed", needed},
                    {"balance", balance->balance},
                    {"covered", balance->balance >= needed},
                    {"charged", app.charges_credits()}};
  return est;
}

}  // namespace atelier
