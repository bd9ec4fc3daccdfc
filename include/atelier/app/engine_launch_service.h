// EngineLaunchService: LaunchService over the App's store, account store and engine.
// Borrows the App, which must outlive it. Thread-safe (as the engine and the store are).
#pragma once

#include "atelier/app/app.h"
#include "atelier/app/launch_service.h"

namespace atelier {

class EngineLaunchService : public LaunchService {
 public:
  // `drive_here`: drive each new execution in this process at once (the server: executions keep
  // running with no client connected). The CLI drives them itself, with its progress display.
  EngineLaunchService(App* app, bool drive_here) : app_(app), drive_here_(drive_here) {}

  ServiceResult<LaunchOutcome> Launch(const std::string& ws, const LaunchRequest& request) override;

 private:
  // The template the request names; its checks in the order clients have always met them.
  ServiceResult<TemplateRecord> FindTemplate(const std::string& ws, const LaunchRequest& r);
  // The outcome for a key found bound to `bound`.
  ServiceResult<LaunchOutcome> Replay(const std::string& ws, const IdempotencyRecord& bound,
                                      const std::string& request_hash);
  LaunchOutcome Created(const std::string& ws, ExecutionRecord rec);

  App* app_;
  bool drive_here_;
};

}  // namespace atelier
