// EstimateLaunch: what a launch request would cost before it is made (POST
// /api/v1/executions/estimate), from the same estimate as `atelier estimate` (estimate.h), with
// whether the workspace's credits cover it. The request is checked exactly as a launch checks it,
// so a form learns of bad inputs before launching. Reads only; launches nothing.
#pragma once

#include <string>

#include "atelier/app/app.h"
#include "atelier/app/launch_service.h"

namespace atelier {

// {"template": {id, version, name}, "steps": [...], "total": {...}, "assumptions": [...]} as
// EstimateCost gives them (costs in credits), plus "credits": {"unit": "micro-credits",
// "needed" (the total in micro-credits, as a reservation rounds it), "balance", "covered"
// (balance >= needed), "charged" (whether this server charges credits at all)}.
// Errors: those of a launch with the same request (InvalidArgument naming the field, or "inputs"
// with every input problem in input_errors; NotFound for an unknown template), and whatever the
// store answers. The idempotency key is ignored.
ServiceResult<Json> EstimateLaunch(App& app, const std::string& ws, const LaunchRequest& request);

}  // namespace atelier
