// RetentionService: the retention use case, one path for the HTTP API and the CLI. A workspace's
// policy deletes finished executions (with their steps, events, kept versions and artifacts) that
// are older than `max_age_days`, or beyond the newest `keep_last` of their template, or, with both
// rules, those that both rules let go (old AND not among the newest K: the newest K of a template
// stay however old). With no rule (the default) the workspace keeps everything.
//
// What is never deleted (atelier/store/retention.h says how the store keeps it): anything of an
// execution that is queued, running, paused or waiting, nor of a finished parent whose child is
// not finished; an execution with a notification still pending or not yet read by the notifier;
// a blob that any artifact row (of any execution, any workspace) still names, or that was stored
// again within `blob_grace_ms`. A cache hit or a fork copying from an execution being deleted
// finds it gone at commit time and runs the step instead.
//
// Sweeps go in batches of `batch` executions, each one short write transaction, with a pause
// between batches, so the engine's commits never wait long behind one. Blobs are removed after
// the rows that named them are gone, by the collector, from a queue written in the purge's own
// transaction: a crash in between leaves them queued for the next pass, never a row pointing at
// missing bytes.
//
// Thread-safety: every method may be called from any thread; each blocks on the store.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/app/periodic_thread.h"
#include "atelier/app/service_error.h"
#include "atelier/engine/clock.h"
#include "atelier/store/retention.h"

namespace atelier {

struct RetentionOptions {
  int batch = 50;                       // executions (trees) per purge transaction
  int64_t pause_ms = 20;                // between two batches of one sweep
  int max_per_sweep = 5000;             // trees one sweep of one workspace deletes at most
  int64_t blob_grace_ms = 3600 * 1000;  // a blob put since then stays (a step may be writing it)
  int blobs_per_pass = 500;             // queued blobs one collection looks at, at most
  int preview_limit = 10000;            // trees a preview measures, at most
};

// What one sweep of one workspace did.
struct SweepReport {
  int64_t at = 0;
  std::vector<std::string> deleted;     // roots
  std::map<std::string, int64_t> kept;  // reason (kKept*) -> trees
  RetentionFootprint freed;
  bool complete = true;  // false when it stopped at max_per_sweep or a stop was asked
};

// What one pass of the blob collector did.
struct CollectReport {
  int64_t looked_at = 0;
  int64_t removed = 0;
  int64_t bytes = 0;
  int64_t still_named = 0;  // an artifact row names it again (a fork, a cache hit, a new step)
  int64_t recent = 0;       // stored again within the grace time: looked at again later
  bool more = false;        // the queue may hold more that another pass would take now
};

class RetentionService {
 public:
  // Borrows both, which must outlive it.
  RetentionService(App* app, Clock* clock, RetentionOptions opts = {});

  // The workspace's policy as clients see it:
  //   {"max_age_days": N|null, "keep_last": K|null, "keeps_everything": bool,
  //    "updated_at": ISO|null, "last_sweep": {...}|null, "totals": {"executions", "bytes"}}
  ServiceResult<Json> Get(const std::string& ws);
  // Sets the policy from {"max_age_days": 1..36500|null, "keep_last": 1..1000000|null} (a field
  // left out is cleared, as null). Refused (InvalidArgument naming the field) for an unknown
  // field, a non-integer, or a value out of range. Answers as Get.
  ServiceResult<Json> Set(const std::string& ws, const Json& body);
  // The dry run: what a sweep would delete now under the stored policy (`policy` null or {}), or
  // under `policy` (the body Set takes: a proposal). Deletes nothing.
  //   {"executions", "sub_executions", "steps", "events", "artifacts", "blobs", "bytes",
  //    "examples": [{"id", "template_id", "status", "finished_at"}] (the oldest 20),
  //    "truncated": bool (more than preview_limit would go; the figures cover that many)}
  // A tree the sweep's own checks keep at that moment (a notification still pending) is counted.
  ServiceResult<Json> Preview(const std::string& ws, const Json& policy = Json());
  // Sweeps the workspace now under its stored policy, then collects the blobs it freed.
  //   {"deleted", "kept": {reason: n}, "freed": {...}, "blobs_removed", "bytes_removed",
  //    "complete"}
  ServiceResult<Json> RunNow(const std::string& ws);

  // One sweep of one workspace under its stored policy (none: nothing); records it in the
  // policy's state. `stop`, when given and true, ends it between batches.
  Result<SweepReport> Sweep(const std::string& ws, const std::atomic<bool>* stop = nullptr);
  // Every workspace with a policy, one after the other.
  Result<int64_t> SweepAll(const std::atomic<bool>* stop = nullptr);
  // Removes the queued blobs that nothing names any more (at most blobs_per_pass).
  Result<CollectReport> CollectBlobs();

 private:
  struct Policy {
    int max_age_days = 0;  // 0 = no age rule
    int keep_last = 0;     // 0 = no count rule
    bool keeps_everything() const { return max_age_days == 0 && keep_last == 0; }
  };
  static ServiceResult<Policy> ParsePolicy(const Json& body);
  static Json PolicyDoc(const Policy& p);
  static Policy PolicyOf(const Json& spec);
  RetentionQuery QueryFor(const Policy& p, int64_t now, int limit) const;
  Json ToJson(const std::optional<RetentionRecord>& rec) const;
  // Adds the sweep to the row's state (last_sweep, totals), by compare-and-set.
  void Record(const std::string& ws, const SweepReport& r);

  App* app_;
  Clock* clock_;
  RetentionOptions opts_;
};

// Sweeps every workspace with a policy and collects blobs every `interval_ms` on a thread of its
// own (the first pass `first_ms` after Start), until Stop. Errors go to `log` and are retried on
// the next pass.
class RetentionRunner {
 public:
  RetentionRunner(RetentionService* service, int64_t interval_ms, int64_t first_ms,
                  std::function<void(const std::string& level, const std::string& msg)> log);
  void Start() { thread_.Start(); }
  void Stop() { thread_.Stop(); }  // idempotent; ends a sweep between two batches

 private:
  void Pass(const std::atomic<bool>& stopping);

  RetentionService* service_;
  std::function<void(const std::string&, const std::string&)> log_;
  PeriodicThread thread_;  // last: stopped before the rest goes
};

}  // namespace atelier
