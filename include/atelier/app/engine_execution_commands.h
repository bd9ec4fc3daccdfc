// EngineExecutionCommands: ExecutionCommands over the App's engine and store.
// Borrows the App, which must outlive it. Thread-safe (as the engine and the store are).
#pragma once

#include <functional>

#include "atelier/app/app.h"
#include "atelier/app/execution_commands.h"

namespace atelier {

class EngineExecutionCommands : public ExecutionCommands {
 public:
  // `drive_here`: after a command that re-opens an execution, drive it in this process (the
  // server: executions keep running with no client connected). The CLI drives them itself.
  EngineExecutionCommands(App* app, bool drive_here) : app_(app), drive_here_(drive_here) {}

  ServiceResult<ExecutionRecord> Pause(const std::string& ws, const std::string& id) override;
  ServiceResult<ExecutionRecord> Resume(const std::string& ws, const std::string& id) override;
  ServiceResult<ExecutionRecord> Stop(const std::string& ws, const std::string& id) override;
  ServiceResult<ExecutionRecord> Retry(const std::string& ws, const std::string& id) override;
  ServiceResult<ExecutionRecord> RetryStep(const std::string& ws, const std::string& id,
                                           const std::string& step) override;
  ServiceResult<ExecutionRecord> Decide(const std::string& ws, const std::string& id,
                                        const std::string& step, const Decision& d) override;
  ServiceResult<ExecutionRecord> Tweak(const std::string& ws, const std::string& id,
                                       const std::string& step, const std::string& instruction,
                                       const std::string& comment) override;
  ServiceResult<ExecutionRecord> Regenerate(const std::string& ws, const std::string& id,
                                            const std::string& step) override;
  ServiceResult<ExecutionRecord> Revert(const std::string& ws, const std::string& id,
                                        const std::string& step, int version) override;
  ServiceResult<void> EditAttachments(const std::string& ws, const std::string& id,
                                      const std::string& step,
                                      const Engine::AttachmentEdit& edit) override;
  ServiceResult<void> MarkMilestone(const std::string& ws, const std::string& id,
                                    const std::string& milestone,
                                    const MilestoneMarkRequest& mark) override;

 private:
  // Runs `command`; then, when `drive` and this process drives executions, drives the execution;
  // answers it as it stands.
  ServiceResult<ExecutionRecord> Run(const std::string& ws, const std::string& id, bool drive,
                                     const std::function<Status()>& command);
  // The step's record, or NotFound naming it (and NotFound for an unknown execution).
  Result<StepRecord> FindStep(const std::string& ws, const std::string& id,
                              const std::string& step);

  App* app_;
  bool drive_here_;
};

}  // namespace atelier
