// ScheduleService: the schedules use case, one path for the HTTP API and the CLI. A schedule
// launches a template with fixed inputs at the times of a 5-field cron expression in a time zone
// (cron.h), or every N seconds from a start time. It is a row (atelier/store/automations.h) with its
// next due time; FireDue launches what is due and moves each row on.
//
// Once per due time, across restarts and processes: the launch of due time D of schedule S binds
// the idempotency key "schedule:S:D" in the transaction that creates the execution, and the row is
// moved on by compare-and-set of its revision afterwards. A process that dies between the two, or
// two processes firing together, make one execution: the second launch finds the key bound.
//
// Missed windows (the process was down, or paused by a long stall): when a schedule is found due,
// every due time up to now has passed and at most one execution is launched, for the latest one.
// It is "missed" when more than `misfire_grace_seconds` (default 60) have passed since it; then
// `catch_up` decides: "run_once" (default) launches it anyway, "skip" launches nothing. Either way
// the next due time is the first one after now. A paused schedule fires nothing; resuming it skips
// the windows it was paused through.
//
// A firing that cannot launch (the template was deleted, its inputs no longer fit a new version)
// moves on and records the error in the schedule's `last_error`; a store that is unavailable
// leaves the schedule due, to be fired on the next pass.
//
// Thread-safety: every method may be called from any thread; each blocks on the store.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/app/launch_service.h"
#include "atelier/app/periodic_thread.h"
#include "atelier/app/service_error.h"
#include "atelier/store/automations.h"

namespace atelier {

class ScheduleService {
 public:
  // Borrows all three, which must outlive it. `launch` drives what it creates (the server's).
  ScheduleService(App* app, LaunchService* launch, Clock* clock);

  // Creates a schedule from a request body:
  //   {"name", "template", "version"?, "inputs"?, "cron" + "time_zone"? | "every_seconds" +
  //    "start_at"?, "catch_up"?, "misfire_grace_seconds"?, "paused"?}
  // Refused (InvalidArgument naming the field) when a field is unknown, of the wrong type or out
  // of range, when the cron expression or time zone is invalid, when both or neither of `cron`
  // and `every_seconds` are given, or when the inputs do not fit the template (input_errors list
  // every problem); NotFound when the template does not exist; AlreadyExists for a taken name.
  ServiceResult<ScheduleRecord> Create(const std::string& ws, const Json& body);
  // Changes the fields given (the same fields as Create; `null` clears version or start_at) and
  // checks the result as Create does. A change of timing computes the next due time from now.
  ServiceResult<ScheduleRecord> Update(const std::string& ws, const std::string& id,
                                       const Json& patch);
  // Pause keeps the next due time; resume computes it from now (the paused windows are skipped).
  // Idempotent.
  ServiceResult<ScheduleRecord> SetPaused(const std::string& ws, const std::string& id,
                                          bool paused);
  ServiceResult<ScheduleRecord> Get(const std::string& ws, const std::string& id);
  ServiceResult<std::vector<ScheduleRecord>> List(const std::string& ws);
  ServiceResult<bool> Delete(const std::string& ws, const std::string& id);

  // The schedule as clients see it: its fields, next_due_at, the next `n` fire times (none while
  // paused) and what its last firing did. Times are ISO-8601 UTC.
  Json ToJson(const ScheduleRecord& rec, int n = 5) const;

  // Fires every schedule due by now (at most `limit` per call); returns how many executions it
  // launched (a replayed key counts: its execution stands for that due time).
  Result<int> FireDue(int limit = 100);

 private:
  // Launches (or skips) the latest due time of `rec` and moves it on; false when another writer
  // moved it first.
  Result<bool> FireOne(ScheduleRecord rec, int64_t now, int* launched);

  App* app_;
  LaunchService* launch_;
  Clock* clock_;
};

// Calls ScheduleService::FireDue every `poll_ms` on a thread of its own, from Start until Stop.
// Errors are passed to `log` (level, message) and retried on the next pass.
class ScheduleRunner {
 public:
  ScheduleRunner(ScheduleService* service, int64_t poll_ms,
                 std::function<void(const std::string& level, const std::string& msg)> log);
  void Start() { thread_.Start(); }
  void Stop() { thread_.Stop(); }  // idempotent; returns once the thread ended

 private:
  PeriodicThread thread_;
};

}  // namespace atelier
