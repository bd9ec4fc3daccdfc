// EngineLaunchService: LaunchService over the App's store, account store and engine.
// Borrows the App, which must outlive it. Thread-safe (as the engine and the store are).
#pragma once

#include "atelier/app/app.h"
#include "atelier/app/launch_service.h"

namespace atelier {

// The template `request` names in `ws` (by id or by name, at its version or the current one),
// with the checks Launch makes, in the order clients have always met them.
ServiceResult<TemplateRecord> FindLaunchTemplate(App& app, const std::string& ws,
                                                 const LaunchRequest& request);
// The inputs of `request` resolved against the template's declaration (defaults filled in), or
// InvalidArgument naming "inputs" with every problem in input_errors: what Launch refuses.
ServiceResult<Json> ResolveLaunchInputs(const Template& tmpl, const LaunchRequest& request);

class EngineLaunchService : public LaunchService {
 public:
  // `drive_here`: drive each new execution in this process at once (the server: executions keep
  // running with no client connected). The CLI drives them itself, with its progress display.
  EngineLaunchService(App* app, bool drive_here) : app_(app), drive_here_(drive_here) {}

  ServiceResult<LaunchOutcome> Launch(const std::string& ws, const LaunchRequest& request) override;

 private:
  // The outcome for a key found bound to `bound`.
  ServiceResult<LaunchOutcome> Replay(const std::string& ws, const IdempotencyRecord& bound,
                                      const std::string& request_hash);
  LaunchOutcome Created(const std::string& ws, ExecutionRecord rec);

  App* app_;
  bool drive_here_;
};

}  // namespace atelier
