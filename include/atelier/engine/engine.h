// Engine: runs executions durably.
//
// One scheduling thread (the loop) owns the in-memory view of the executions this process drives;
// a bounded worker pool runs the steps that call providers. Every change is committed to the Store
// in one transaction per transition, and the loop group-commits the transitions it has in hand into
// one database transaction per round. Nothing that depends on a step (a successor, an event a
// client sees, a worker call) happens before that step's result is committed.
//
// Threading: every public method is thread-safe. Commands (Pause, Stop, ...) write to the store
// directly, guarded by compare-and-set on statuses, so they work whether or not this process drives
// the execution; a process that drives it notices within `poll_ms`.
// Ownership: the engine borrows every pointer passed to it; they must outlive it.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "atelier/core/graph.h"
#include "atelier/core/status.h"
#include "atelier/engine/blob_store.h"
#include "atelier/engine/clock.h"
#include "atelier/engine/live_progress.h"
#include "atelier/engine/milestones.h"
#include "atelier/engine/node_executor.h"
#include "atelier/engine/progress.h"
#include "atelier/engine/provider.h"
#include "atelier/engine/records.h"
#include "atelier/store/store.h"

namespace atelier {

// EngineOptions::max_step_output_bytes by default: 32 MiB, four times what one render may
// produce (kMaxRenderBytes), for a step with several rendered fields or an upstream value passed
// on, and far above what a step passes on in practice (images and documents are artifacts,
// stored as blobs, not in outputs).
inline constexpr int64_t kMaxStepOutputBytes = int64_t{32} << 20;

struct EngineOptions {
  int workers = 8;           // worker threads for steps that call providers
  int max_concurrency = 8;   // default limit on running steps per execution
  int64_t lease_ms = 30000;  // lease of this process on the steps and executions it drives
  int64_t poll_ms = 200;     // how often to look for changes made by other processes
  // Events carry an execution's progress at most this often (ms), and always in the transition
  // that changes the execution's status (so the one that ends it says 100%). Computing it walks
  // the execution's top-level steps, which a long chain of quick steps would pay on every step.
  int64_t progress_interval_ms = 100;
  int max_batch = 1024;      // transitions per database transaction
  // This process's lease owner id ("host:pid:nonce"); must be unique per process.
  std::string owner = "engine";
  // Whether a lease owner is known to be gone (its process no longer exists), so its leases can be
  // taken over before they expire. Optional.
  std::function<bool(const std::string& owner)> owner_is_dead;
  // Poison pills (a step that kills or exhausts its process every time it runs): a step left
  // running by a process that died, or whose lease ran out, counts a crash when its execution is
  // taken over (StepRecord::crashes; cleared when an attempt finishes and by Retry). At this many
  // crashes in a row the step fails (not retried; `Retry` runs it again) instead of running
  // again, and the process that took it over stays up. Its last chance (one crash short) runs
  // only while no other step on its last chance runs in this process, so a step that merely ran
  // beside a poison pill is not failed with it. 0 = never fail a step for crashing.
  int max_step_crashes = 3;
  // What provider calls cost; steps record their usage and cost with it. Optional.
  std::shared_ptr<const class PriceTable> prices;
  // Credits: every provider-calling step reserves its estimated cost (EstimateStep over
  // `prices`, in credits) in the workspace's ledger, in the transaction that starts it, and
  // settles its actual cost in the transaction that records its result; a failed, cancelled,
  // handed-back or recovered attempt is refunded. A step the balance cannot cover is not started
  // and its execution pauses with reason "insufficient_credits". Cache hits reserve nothing.
  bool credits = false;
  // Largest result one step may produce: its output and session as JSON, in bytes. A larger one
  // fails the step (invalid_argument, not retried): every output is held in memory while its
  // execution runs and is stored, so no step may hand the process gigabytes. 0: no limit.
  int64_t max_step_output_bytes = kMaxStepOutputBytes;
  // Live progress of a running step (see SetLiveObserver) reaches the live observer at most
  // this often (ms, on the engine's clock), per step; always its latest state.
  int64_t live_interval_ms = 100;
  // Whether this process drives executions (runs their steps). False in a process that only
  // serves the API (`atelier serve --workers 0`): Start, Drive and DriveMany answer
  // FailedPrecondition and no step runs here; launches and commands still commit, and a worker
  // process on the same database (`atelier worker`) adopts what they leave to run.
  bool drive = true;
};

// The reason an execution paused because its workspace ran out of credits.
inline constexpr const char* kInsufficientCredits = "insufficient_credits";

// What a decision on an approval step says.
struct Decision {
  std::string decision;  // "approve" | "reject" | "tweak"
  std::string comment;
  std::string instruction;  // for "tweak": what to change in the step the approval reviews
  // For "approve": the person's edit of the reviewed step's text (see Engine::Decide).
  std::optional<std::string> edit;
  std::string editor;  // who made the edit (an API key id), kept with the edited version
};

class Engine {
 public:
  using Observer = std::function<void(const Event& e, const Progress& p)>;
  using LiveObserver = std::function<void(const StepLive& live)>;

  Engine(Store* store, BlobStore* blobs, const NodeRegistry* nodes,
         const ProviderRegistry* providers, Clock* clock, IdGenerator* ids, EngineOptions opts);
  ~Engine();  // Shutdown()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Stores the template as a new version when it changed (content-addressed). `builtin`: as a
  // template of the shipped catalog (see Store::PutTemplate: AlreadyExists when the name belongs
  // to a template of the other kind).
  Result<TemplateRecord> RegisterTemplate(const std::string& ws, const Template& t,
                                          bool builtin = false);

  // Creates a queued execution of `tmpl` with `inputs` checked against its declared inputs
  // (InvalidArgument listing every problem). Does not start it. `with` are committed in the same
  // transaction (an IdempotencyPut binding a request key to the execution, say: one with an
  // empty execution_id is bound to the new execution); when one of them refuses it, nothing is
  // created and the answer is AlreadyExists. `notify`, when not null, is the callback the launch
  // asked for (checked by the caller): kept in the execution_created event's payload for the
  // notifier (atelier/app/notifier.h); the engine does not read it.
  Result<ExecutionRecord> Launch(const std::string& ws, const TemplateRecord& tmpl,
                                 const Json& inputs, std::vector<Op> with = {},
                                 const Json& notify = Json());

  // A fork: a new execution of the same template that starts again from one step of a
  // completed, failed or stopped execution (docs/api.md, "Fork").
  struct ForkRequest {
    std::string step;              // the node to run again, with everything downstream of it
    Json inputs = Json::object();  // inputs to change: these keys replace the source's
    int template_version = 0;      // another version of the template (0: the source's)
    bool dry_run = false;          // check everything, create nothing (the record it would be)
  };
  // Creates the fork queued, like Launch (it does not start it): the step and everything
  // downstream are new, and every other step whose outcome cannot have changed is kept as the
  // source committed it (output, session, images as new artifact rows over the same bytes), so
  // it calls no provider and costs nothing. A step is kept only when it succeeded (or was
  // skipped) in the source, is defined the same in the fork's template version (type, settings,
  // incoming edges), reads no input that changed, and follows only kept steps; a step that is
  // not upstream of `step` and cannot be kept runs again with what follows it, while one upstream
  // of it refuses the fork (FailedPrecondition naming it: fork from it instead). The new
  // execution records where it came from (forked_from_*), and its execution_created event lists
  // what was kept and which inputs changed. InvalidArgument for inputs the template refuses or a
  // map item as `step`; NotFound for an unknown execution, version or step; FailedPrecondition
  // for an execution still running or waiting, or a sub-execution. `with` as for Launch.
  Result<ExecutionRecord> Fork(const std::string& ws, const std::string& id,
                               const ForkRequest& req, std::vector<Op> with = {});

  // Launch + Drive in one: the execution's rows are committed by the loop (group-committed with
  // other work), then it runs here. The future holds the record once committed, or the error.
  std::future<Result<ExecutionRecord>> Start(const std::string& ws, const TemplateRecord& tmpl,
                                             const Json& inputs);

  // Starts driving the execution in this process: takes it over (steps whose lease expired, or
  // whose owner is gone, return to ready) and runs it until it rests. FailedPrecondition when
  // another live process drives it; NotFound for an unknown id.
  Status Drive(const std::string& ws, const std::string& id);
  // Drive for many executions at once, as a process does when it starts: every take-over is
  // committed together (each all-or-nothing on its own). One status per id, in order, each as
  // Drive would answer it.
  std::vector<Status> DriveMany(const std::string& ws, const std::vector<std::string>& ids);
  // Claims up to `limit` of the workspace's executions that wait for a process (queued, or
  // running with no live lease; oldest first; Store::ClaimExecutions) and takes them over in one
  // commit, as DriveMany does. Processes claiming at once never get the same execution. An
  // execution claimed but not taken over (its template is gone, a step still leased elsewhere)
  // is handed back as it was, with why in `refused`.
  struct Claimed {
    int claimed = 0;  // claimed from the store: `limit` means more may wait
    int taken = 0;    // taken over, now driven here
    std::vector<std::pair<std::string, Status>> refused;  // execution id, why
  };
  Result<Claimed> ClaimMany(const std::string& ws, int limit);
  // Whether this engine drives executions (EngineOptions::drive).
  bool drives() const;
  // Blocks until this engine is no longer driving the execution (completed, failed, stopped,
  // waiting, paused, or engine shut down) and returns the stored record.
  Result<ExecutionRecord> WaitUntilRest(const std::string& ws, const std::string& id);

  // Commands. FailedPrecondition (naming the current state) for transitions the state machine
  // refuses. They do not start driving; call Drive() to continue running here.
  Status Pause(const std::string& ws, const std::string& id);
  Status Resume(const std::string& ws, const std::string& id);
  Status Stop(const std::string& ws, const std::string& id);
  // Resumes (and drives here, unless EngineOptions::drive is false) every execution of the
  // workspace paused for insufficient credits (after a grant). Returns how many were resumed.
  Result<int> ResumeAfterGrant(const std::string& ws);
  // Re-runs only failed, cancelled and never-run steps of a failed or stopped execution.
  Status Retry(const std::string& ws, const std::string& id);
  // A decision on a waiting approval step. "approve" with an `edit`: the text of the step the
  // approval reviews (ApprovalTarget) is replaced by the edit, as a new version of that step
  // (StepVersion meta {"source": "edit", "by", "from_version", "approval"}, revertable like any
  // version; event `step_edited`), and the approval is approved in the same transaction, so
  // what follows reads the edited text. A step whose output has `json` (a schema) takes an edit
  // that parses as JSON, which becomes its `json` too; `artifact_id` (the old text's document)
  // is dropped. FailedPrecondition when the approval reviews no step, that step has not
  // succeeded or its output has no text, or a step that already used its output (other than
  // the approval and what follows it) has run; InvalidArgument for an edit with another
  // decision or an unparsable JSON edit.
  Status Decide(const std::string& ws, const std::string& id, const std::string& step_id,
                const Decision& d);

  // New versions of a succeeded generate_text / generate_image / refine step (earlier versions
  // are kept, see Store::ListStepVersions); regenerate and revert also rebuild an export, attach,
  // transform or code step. Every step downstream becomes stale and re-runs when the execution is
  // driven; nothing else re-runs. A completed, failed, stopped or waiting execution is re-opened
  // (running). A map item ("sections[2]") is a step of its own: it gets its own version, its
  // map collects every item's result again (the other items do not run) and what follows the
  // map re-runs; a failed item can be regenerated. FailedPrecondition when the step is not a
  // succeeded step of those types, its map is still running, or something downstream is running.
  // Tweak: continues the step's session with `instruction` (the provider sees the earlier turns
  // and the previous output or image, and refines it).
  Status Tweak(const std::string& ws, const std::string& id, const std::string& step_id,
               const std::string& instruction);
  // Regenerate: the same settings again, as a new version.
  Status Regenerate(const std::string& ws, const std::string& id, const std::string& step_id);
  // Revert: a new version equal to kept version `version` (NotFound if there is none).
  Status Revert(const std::string& ws, const std::string& id, const std::string& step_id,
                int version);

  // Runs again the failed and cancelled items of map `step_id` (or the one failed item
  // `step_id` names) in any execution that has started, without a new version: the map collects
  // them with the others and what follows the map re-runs, e.g. while the execution waits at a
  // later approval, without deciding it. FailedPrecondition when the step is not a map or map
  // item, the map is still running, or it has no such item.
  Status RetryStep(const std::string& ws, const std::string& id, const std::string& step_id);

  // Changes the images of a succeeded `attach` step after the run (seed 004: add, remove, choose
  // the primary image), as a new version of the step (the earlier ones are kept). Images are
  // named by artifact id and must be images of this execution. Nothing downstream re-runs:
  // regenerate an export step to rebuild it with the new attachments. InvalidArgument naming
  // the id for an unknown artifact, one that is not an image, a removal of an image not
  // attached, or a primary not attached after the change; FailedPrecondition when the step is
  // not a succeeded attach step.
  struct AttachmentEdit {
    std::vector<std::string> add;     // appended in this order (ones already attached: ignored)
    std::vector<std::string> remove;
    std::string primary;  // "" = unchanged (the first image left when the primary is removed)
  };
  Status EditAttachments(const std::string& ws, const std::string& id, const std::string& step_id,
                         const AttachmentEdit& edit);

  // Milestones (docs/templates.md): the execution's business states, from its steps and the
  // manual marks in its event log. An empty view when the template declares none.
  Result<MilestonesView> Milestones(const std::string& ws, const std::string& id);
  // A person marks manual milestone `milestone` of the execution: appends `milestone_marked`
  // {milestone, label, by, note} (plus `extra`'s keys). Refused as CheckMarkable says
  // (NotFound, FailedPrecondition); InvalidArgument when `by` is empty. A mark is final: it is
  // not undone, and it stands when earlier milestones are later re-opened (a tweak).
  Status MarkMilestone(const std::string& ws, const std::string& id, const std::string& milestone,
                       const std::string& by, const std::string& note,
                       const Json& extra = Json::object());

  // Called on the loop thread after each commit, for each committed event of a driven
  // execution. Must be quick and must not call back into the engine.
  void SetObserver(Observer o);
  // Called on worker threads while steps that call providers run (generate_text,
  // generate_image), with each step's latest live progress, coalesced to at most one call per
  // step per EngineOptions::live_interval_ms. Nothing it receives is stored: it is not an event
  // and the event log never sees it. Must be quick and thread-safe and must not call back into
  // the engine. Without an observer, providers are called without a progress sink (they answer
  // in one piece). Takes effect for steps started after the call.
  void SetLiveObserver(LiveObserver o);

  // The compiled graph of a template version (cached).
  Result<std::shared_ptr<const Graph>> GraphFor(const std::string& ws,
                                                const std::string& template_id, int version);

  // Stops the loop: running steps get `grace_ms` to finish and commit; the rest are cancelled and
  // handed back (their steps return to ready, to be resumed later). Idempotent.
  void Shutdown(int64_t grace_ms = 5000);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Content hash of a template definition (stable across key order), used for versioning.
std::string TemplateContentHash(const Json& definition);

// The inputs a fork gives its template `t`: the source execution's, for the inputs `t` declares,
// with `changes` (an object) over them. Not yet checked against `t` (ResolveInputs does that).
Json ForkInputs(const Template& t, const Json& source, const Json& changes);

}  // namespace atelier
