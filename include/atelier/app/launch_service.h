// LaunchService: the launch use case, the one path by which the server, the CLI and the MCP server
// start an execution. It finds the template (by id or by name, at a version or the current one),
// checks the inputs against its declaration (every problem at once), and, when the caller gives
// an idempotency key, binds the key in the transaction that creates the execution: a repeated
// request answers the execution the first one made, a key reused for another request is refused,
// and of two racing requests with one key only one creates anything.
//
// Implementations: EngineLaunchService (engine_launch_service.h); tests hand the server fakes.
// Thread-safety: Launch may be called from any thread at once; it blocks on the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "atelier/app/service_error.h"
#include "atelier/engine/records.h"

namespace atelier {

// What a client asked for. A field left out is not the same as a field given with its default:
// the request, with only the fields given, is what an idempotency key is bound to.
struct LaunchRequest {
  std::optional<std::string> template_id;    // one of these two names the template
  std::optional<std::string> template_name;  // (the id wins when both are given)
  std::optional<int64_t> version;            // of the template; absent = the current one
  std::optional<Json> inputs;                // an object; absent = no inputs
  // A callback for this execution's events, {"url", "events"?} (docs/notifications.md): the URL's
  // host must be on the allow-list. Absent = none.
  std::optional<Json> notify;
  // 1 to 200 characters, no line breaks. Absent = every call launches.
  std::optional<std::string> idempotency_key;

  // The request as a JSON object of the fields given (keys sorted): what a key is bound to.
  Json ToJson() const;
};

// A fork of a completed, failed or stopped execution (Engine::Fork): a new execution that runs
// `step` and what follows it again and keeps the rest. Like a launch, the fields given are what
// an idempotency key is bound to.
struct ForkRequest {
  std::string execution_id;          // the source (from the path)
  std::optional<std::string> step;   // required: the step to run again
  std::optional<Json> inputs;        // an object: inputs to change
  std::optional<int64_t> version;    // another version of the source's template
  // Changed node settings, {"NODE": {"KEY": VALUE, ...}, ...} (a null VALUE removes the key),
  // over `version` (or the source's): stored as a new version of the template when they change
  // it (content-addressed, as an edit is), which the fork then runs. Only the step forked from
  // and what follows it may change: a change upstream refuses the fork.
  std::optional<Json> settings;
  std::optional<std::string> idempotency_key;

  Json ToJson() const;
};

struct LaunchOutcome {
  enum class Kind {
    kCreated,    // a new execution: `execution`
    kReplayed,   // the key was bound to this same request: `execution` is the one it made
    kKeyReused,  // the key was bound to another request, which made `other_execution_id`
  };
  Kind kind = Kind::kCreated;
  ExecutionRecord execution;
  std::string other_execution_id;
};

class LaunchService {
 public:
  virtual ~LaunchService() = default;

  // Launches within workspace `ws`. Errors (ServiceError::status):
  //   InvalidArgument: a malformed key or version, no template named, an empty template id, or
  //     inputs that do not fit (then input_errors lists every problem);
  //   NotFound: no such template (or version) in `ws`;
  //   whatever the store answers (Unavailable, Internal, ...).
  virtual ServiceResult<LaunchOutcome> Launch(const std::string& ws,
                                              const LaunchRequest& request) = 0;
  // Forks within `ws`, with the same idempotency contract. Errors: InvalidArgument (a malformed
  // key, version or settings, no step, inputs that do not fit: input_errors lists them),
  // NotFound (no such execution, version, step or node), FailedPrecondition (an execution not
  // finished, a sub-execution, a step upstream that cannot be kept, settings of a built-in
  // template), and whatever the store answers.
  virtual ServiceResult<LaunchOutcome> Fork(const std::string& ws, const ForkRequest& request) = 0;
};

}  // namespace atelier
