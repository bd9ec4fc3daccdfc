#include "atelier/app/engine_execution_commands.h"

namespace atelier {

ServiceResult<ExecutionRecord> EngineExecutionCommands::Run(
    const std::string& ws, const std::string& id, bool drive,
    const std::function<Status()>& command) {
  if (Status s = command(); !s.ok()) return ServiceFail(s);
  if (drive && drive_here_) {
    Status s = app_->engine().Drive(ws, id);
    (void)s;  // FailedPrecondition: another live process drives it, which is fine
  }
  auto rec = app_->store().GetExecution(ws, id);
  if (!rec) return ServiceFail(rec.error());
  return std::move(*rec);
}

Result<StepRecord> EngineExecutionCommands::FindStep(const std::string& ws, const std::string& id,
                                                     const std::string& step) {
  auto steps = app_->store().GetSteps(ws, id);
  if (!steps) return Err(steps.error());
  auto rec = app_->store().GetExecution(ws, id);
  if (!rec) return Err(rec.error());
  for (auto& s : *steps)
    if (s.step_id == step) return s;
  return Err(NotFound("execution " + id + " has no step '" + step + "'"));
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::Pause(const std::string& ws,
                                                              const std::string& id) {
  return Run(ws, id, false, [&] { return app_->engine().Pause(ws, id); });
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::Resume(const std::string& ws,
                                                               const std::string& id) {
  return Run(ws, id, true, [&] { return app_->engine().Resume(ws, id); });
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::Stop(const std::string& ws,
                                                             const std::string& id) {
  return Run(ws, id, false, [&] { return app_->engine().Stop(ws, id); });
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::Retry(const std::string& ws,
                                                              const std::string& id) {
  return Run(ws, id, true, [&] { return app_->engine().Retry(ws, id); });
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::RetryStep(const std::string& ws,
                                                                  const std::string& id,
                                                                  const std::string& step) {
  return Run(ws, id, true, [&] { return app_->engine().RetryStep(ws, id, step); });
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::Decide(const std::string& ws,
                                                               const std::string& id,
                                                               const std::string& step,
                                                               const Decision& d) {
  auto found = FindStep(ws, id, step);
  if (!found) return ServiceFail(found.error());
  if (d.decision == "tweak" && d.instruction.empty())
    return ServiceFail({InvalidArgument("field 'instruction' must not be empty"), "instruction"});
  return Run(ws, id, true, [&] { return app_->engine().Decide(ws, id, step, d); });
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::Tweak(const std::string& ws,
                                                              const std::string& id,
                                                              const std::string& step,
                                                              const std::string& instruction,
                                                              const std::string& comment) {
  auto found = FindStep(ws, id, step);
  if (!found) return ServiceFail(found.error());
  if (instruction.empty())
    return ServiceFail({InvalidArgument("field 'instruction' must not be empty"), "instruction"});
  if (found->status == StepStatus::kWaiting) {
    return Run(ws, id, true, [&] {
      return app_->engine().Decide(ws, id, step, Decision{"tweak", comment, instruction});
    });
  }
  // A generative step: continue its session with the instruction, as a new version.
  return Run(ws, id, true, [&] { return app_->engine().Tweak(ws, id, step, instruction); });
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::Regenerate(const std::string& ws,
                                                                   const std::string& id,
                                                                   const std::string& step) {
  return Run(ws, id, true, [&] { return app_->engine().Regenerate(ws, id, step); });
}

ServiceResult<ExecutionRecord> EngineExecutionCommands::Revert(const std::string& ws,
                                                               const std::string& id,
                                                               const std::string& step,
                                                               int version) {
  if (version < 1)
    return ServiceFail({InvalidArgument("field 'version' must be 1 or more"), "version"});
  return Run(ws, id, true, [&] { return app_->engine().Revert(ws, id, step, version); });
}

ServiceResult<void> EngineExecutionCommands::EditAttachments(const std::string& ws,
                                                             const std::string& id,
                                                             const std::string& step,
                                                             const Engine::AttachmentEdit& edit) {
  if (Status s = app_->engine().EditAttachments(ws, id, step, edit); !s.ok()) return ServiceFail(s);
  return {};
}

ServiceResult<void> EngineExecutionCommands::MarkMilestone(const std::string& ws,
                                                           const std::string& id,
                                                           const std::string& milestone,
                                                           const MilestoneMarkRequest& mark) {
  constexpr size_t kMaxBy = 200, kMaxNote = 4000;
  if (mark.by.size() > kMaxBy)
    return ServiceFail({InvalidArgument("field 'by' must be at most 200 characters"), "by"});
  if (mark.note.size() > kMaxNote)
    return ServiceFail({InvalidArgument("field 'note' must be at most 4000 characters"), "note"});
  const std::string& by = mark.by.empty() ? mark.fallback_by : mark.by;
  if (Status s = app_->engine().MarkMilestone(ws, id, milestone, by, mark.note, mark.extra);
      !s.ok())
    return ServiceFail(s);
  return {};
}

}  // namespace atelier
