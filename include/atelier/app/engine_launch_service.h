// EngineLaunchService: LaunchService over the App's store, account store and engine.
// Borrows the App, which must outlive it. Thread-safe (as the engine and the store are).
#pragma once

#include <functional>
#include <optional>
#include <vector>

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
  ServiceResult<LaunchOutcome> Fork(const std::string& ws, const ForkRequest& request) override;

 private:
  // Creates with `create` (handed what to commit with it), binding `key` (when given) to the
  // request whose hash is `request_hash` in the same transaction; a key already bound answers
  // the execution it made, or that it was used for another request.
  using Create = std::function<Result<ExecutionRecord>(std::vector<Op> with)>;
  ServiceResult<LaunchOutcome> CreateOnce(const std::string& ws,
                                          const std::optional<std::string>& key,
                                          const std::string& request_hash, const Create& create);
  // The template version a fork runs: `request.version` (or the source's) with its settings.
  ServiceResult<int> ForkVersion(const std::string& ws, const ExecutionRecord& source,
                                 const ForkRequest& request);
  // The outcome for a key found bound to `bound`.
  ServiceResult<LaunchOutcome> Replay(const std::string& ws, const IdempotencyRecord& bound,
                                      const std::string& request_hash);
  LaunchOutcome Created(const std::string& ws, ExecutionRecord rec);

  App* app_;
  bool drive_here_;
};

}  // namespace atelier
