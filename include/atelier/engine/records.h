// The durable records of the engine: templates, executions, steps, events, artifacts, and the
// state machines over execution and step statuses. Plain values; safe to copy across threads.
// Timestamps are milliseconds since the Unix epoch (from the engine's Clock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/core/template.h"

namespace atelier {

enum class ExecStatus { kQueued, kRunning, kPaused, kWaiting, kCompleted, kFailed, kStopped };
enum class StepStatus {
  kPending,
  kReady,
  kRunning,
  kSucceeded,
  kFailed,
  kSkipped,
  kWaiting,
  kCancelled,
  kStale,
};

const char* ExecStatusName(ExecStatus s);  // "running"
const char* StepStatusName(StepStatus s);
std::optional<ExecStatus> ExecStatusFromName(std::string_view name);
std::optional<StepStatus> StepStatusFromName(std::string_view name);

// The state machines (ARCHITECTURE §2). OK, or FailedPrecondition naming both states:
// "execution cannot go from completed to paused".
Status CheckExecTransition(ExecStatus from, ExecStatus to);
Status CheckStepTransition(StepStatus from, StepStatus to);
bool IsTerminal(ExecStatus s);  // completed, failed, stopped

struct TemplateRecord {
  std::string id;            // "tpl_..."; stable across versions
  int version = 0;           // 1, 2, ...
  std::string workspace_id;
  std::string name;
  std::string category;
  std::string description;
  Json definition;           // the template JSON as stored
  std::string content_hash;  // sha-like hash of the canonical definition
  int64_t created_at = 0;
  // Seeded from the catalog shipped in the binary (templates/*.json): clonable, not editable in
  // place. Only a newer shipped definition adds versions to it (see Store::PutTemplate).
  bool builtin = false;
};

struct ExecutionRecord {
  std::string id;  // "ex_..."
  std::string workspace_id;
  std::string template_id;
  int template_version = 0;
  ExecStatus status = ExecStatus::kQueued;
  std::string reason;  // why it is paused, failed, stopped or waiting ("" when none)
  Json inputs = Json::object();
  Json error;          // {code, message, step} of the failure, or null
  int64_t created_at = 0, updated_at = 0, started_at = 0, finished_at = 0;
  // The process driving it ("" when none) and until when that claim holds.
  std::string owner;
  int64_t owner_expires_at = 0;
  // For a sub-execution (run by a subworkflow step): that step's execution and step id.
  std::string parent_execution_id;
  std::string parent_step_id;
  // For a fork (Engine::Fork): the execution and the step it was started from ("" otherwise).
  std::string forked_from_execution_id;
  std::string forked_from_step_id;
};

struct StepRecord {
  std::string execution_id;
  std::string step_id;         // the node id, or "MAPID[INDEX]" for a map item
  std::string node_id;         // the template node it runs (the map node for items)
  std::string parent_step_id;  // the map step of an item, else ""
  int item_index = -1;         // position in the map's list, else -1
  StepStatus status = StepStatus::kPending;
  int attempt = 0;       // attempts started, cumulative (part of the idempotency key)
  int attempt_base = 0;  // `attempt` when the current retry budget began (manual retry resets)
  int version = 1;       // bumped by tweak / regenerate (later issues)
  Json output;           // null until succeeded
  Json error;            // {code, message} of the last failure, or null
  int64_t created_at = 0, updated_at = 0, started_at = 0, finished_at = 0;
  int64_t due_at = 0;    // a pending timer: when a failed step becomes ready again (0 = none)
  std::string lease_owner;
  int64_t lease_expires_at = 0;
  // How many times in a row a process died (or lost its lease) while running this step, as
  // counted when another process took it over. Cleared when an attempt finishes and by a manual
  // retry; the engine fails the step when it reaches EngineOptions::max_step_crashes.
  int crashes = 0;
  // What the step's provider calls used and cost, summed over its attempts in this version:
  // {"input_tokens", "output_tokens", "images", "cost", "provider", "model"}; null when none.
  Json usage;
  // The conversation the step holds with its model (messages, previous image, provider handle),
  // and while a tweak or regeneration is due, what it asks ("pending"). Null for other steps.
  Json session;
};

// Whether map item `item` belongs to the run of `map` as it is now. A map's run writes its items at
// the map's version; an item then gets versions of its own (tweak, regenerate, revert), so its
// version only grows from there; a new run of the map (a new map version) starts above every item
// it had. Items of an earlier run (a longer list before) stay below it.
inline bool IsCurrentItem(const StepRecord& item, const StepRecord& map) {
  return item.version >= map.version;
}

// A reusable result: a generative step's output, keyed by its type, settings and resolved
// inputs within a workspace.
struct CacheEntry {
  std::string workspace_id;
  std::string key;
  std::string execution_id;  // where it was made
  std::string step_id;
  int version = 1;
  Json output;
  Json session;
  int64_t created_at = 0;
};

// One kept version of a step: what it produced and the session that produced it.
struct StepVersion {
  std::string execution_id;
  std::string step_id;
  int version = 1;
  Json output;
  Json session;
  Json meta = Json::object();  // {"source": "run"|"tweak"|"regenerate"|"revert", ...}
  int64_t created_at = 0;
};

struct Event {
  std::string execution_id;
  int64_t seq = 0;  // assigned by the store: 1, 2, 3, ... per execution, no gaps
  // Assigned by the store: increasing across the whole database in commit order (the position
  // in workspace-wide streams). 0 on events not read from or committed to a store.
  int64_t gid = 0;
  int64_t ts = 0;
  std::string type;     // "step_succeeded"
  std::string step_id;  // "" for execution-level events
  Json payload = Json::object();
};

struct ArtifactRecord {
  std::string id;  // "art_..."
  std::string workspace_id;
  std::string execution_id;
  std::string step_id;
  int step_version = 1;
  std::string kind;  // "document" | "image"
  std::string mime;  // "text/markdown", "application/json", "image/png"
  std::string sha256;
  int64_t size = 0;
  std::string name;  // suggested file name, "caption.md"
  Json meta = Json::object();  // width, height, ...
  int64_t created_at = 0;
};

}  // namespace atelier
