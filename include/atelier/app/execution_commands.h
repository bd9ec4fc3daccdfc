// ExecutionCommands: the use cases that act on an execution that exists (pause, resume, stop,
// retry, decisions on waiting steps, tweak, regenerate, revert, attachments, milestone marks),
// the one path by which the server, the CLI and the MCP server change an execution. Each checks
// the request, runs the engine's command (a guarded write that works whether or not a process
// drives the execution) and, in a process that drives executions (the server), drives what the
// command re-opened.
//
// Implementations: EngineExecutionCommands (engine_execution_commands.h); tests hand fakes.
// Thread-safety: every method may be called from any thread at once; each blocks on the store.
// Errors (ServiceError::status): NotFound for an unknown execution or step in `ws` (another
// workspace's id answers the same), FailedPrecondition when the execution or step is not in a
// state the command applies to, InvalidArgument for a malformed request (naming the field),
// and whatever the store answers.
#pragma once

#include <string>
#include <vector>

#include "atelier/app/service_error.h"
#include "atelier/engine/engine.h"
#include "atelier/engine/records.h"

namespace atelier {

// A manual milestone mark.
struct MilestoneMarkRequest {
  std::string by;               // who marks it, at most 200 characters; "" = `fallback_by`
  std::string fallback_by;      // who the caller is when `by` is not given (an API key's name)
  std::string note;             // at most 4000 characters
  Json extra = Json::object();  // more keys for the `milestone_marked` event
};

class ExecutionCommands {
 public:
  virtual ~ExecutionCommands() = default;

  // The execution commands. Each answers the execution as it stands after the command.
  // Pause: running steps finish, nothing new starts. Resume: a paused or interrupted execution.
  // Stop: cancels running steps. Retry: re-runs failed, cancelled and never-run steps.
  virtual ServiceResult<ExecutionRecord> Pause(const std::string& ws, const std::string& id) = 0;
  virtual ServiceResult<ExecutionRecord> Resume(const std::string& ws, const std::string& id) = 0;
  virtual ServiceResult<ExecutionRecord> Stop(const std::string& ws, const std::string& id) = 0;
  virtual ServiceResult<ExecutionRecord> Retry(const std::string& ws, const std::string& id) = 0;

  // Re-runs a map's failed and cancelled items (or one failed item) in place.
  virtual ServiceResult<ExecutionRecord> RetryStep(const std::string& ws, const std::string& id,
                                                   const std::string& step) = 0;
  // A decision on a waiting step: "approve", "reject" or "tweak" (which needs an instruction;
  // InvalidArgument naming "instruction" otherwise). NotFound for a step the execution lacks.
  virtual ServiceResult<ExecutionRecord> Decide(const std::string& ws, const std::string& id,
                                                const std::string& step, const Decision& d) = 0;
  // Tweak: on a waiting approval, the decision "tweak"; on a generative step, its session
  // continued with the instruction as a new version. The instruction must not be empty.
  virtual ServiceResult<ExecutionRecord> Tweak(const std::string& ws, const std::string& id,
                                               const std::string& step,
                                               const std::string& instruction,
                                               const std::string& comment) = 0;
  // Runs a step again as a new version.
  virtual ServiceResult<ExecutionRecord> Regenerate(const std::string& ws, const std::string& id,
                                                    const std::string& step) = 0;
  // Makes kept version `version` (1 or more; InvalidArgument naming "version" otherwise) of a step
  // current again.
  virtual ServiceResult<ExecutionRecord> Revert(const std::string& ws, const std::string& id,
                                                const std::string& step, int version) = 0;
  // Adds, removes and chooses the primary image of an attach step's document (a new version).
  virtual ServiceResult<void> EditAttachments(const std::string& ws, const std::string& id,
                                              const std::string& step,
                                              const Engine::AttachmentEdit& edit) = 0;
  // Marks a manual milestone (see MilestoneMarkRequest for the limits).
  virtual ServiceResult<void> MarkMilestone(const std::string& ws, const std::string& id,
                                            const std::string& milestone,
                                            const MilestoneMarkRequest& mark) = 0;
};

}  // namespace atelier
