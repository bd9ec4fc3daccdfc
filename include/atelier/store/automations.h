// Rows that start executions by themselves: schedules and inbound webhook triggers.
//
// What a store keeps of a schedule: a row per schedule with the few columns the store queries
// (workspace, name, paused, the next due time, a revision for compare-and-set) and two JSON
// documents it never interprets: `spec`, what the user asked (template, inputs, cron or interval,
// catch-up policy), and `state`, what happened (the last firing). ScheduleService
// (atelier/app/schedules.h) owns their meaning; a store only keeps and finds rows.
//
// Firing once per due time across processes rests on two things, neither of them here alone: the
// launch binds the idempotency key "schedule:ID:DUE" (so two processes firing the same due time
// create one execution), and the row moves on with UpdateSchedule's revision check (so only one of
// them advances it).
#pragma once

#include <cstdint>
#include <string>

#include "atelier/engine/records.h"

namespace atelier {

struct ScheduleRecord {
  std::string id;  // "sch_..."
  std::string workspace_id;
  std::string name;  // unique within the workspace
  bool paused = false;
  int64_t next_due_at = 0;  // ms since the epoch; DueSchedules finds unpaused rows due by now
  // 1 when inserted, one more at every UpdateSchedule; UpdateSchedule applies only over the
  // revision the caller read.
  int64_t revision = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  Json spec = Json::object();   // what was asked (ScheduleService's document)
  Json state = Json::object();  // what happened (last firing, its execution, its error)
};

// An inbound webhook (TriggerService, atelier/app/triggers.h): a URL that launches a template when
// a signed POST arrives. Found by id alone (the URL carries no workspace). `secret` is the HMAC key
// senders sign with; `spec` (template, fixed inputs, body mapping) and `state` (the last delivery)
// are documents the store never interprets. A retried delivery launches nothing twice: the launch
// binds the idempotency key "webhook:ID:DELIVERY".
struct TriggerRecord {
  std::string id;  // "trg_..."
  std::string workspace_id;
  std::string name;  // unique within the workspace
  std::string secret;
  bool paused = false;
  int64_t revision = 0;  // as ScheduleRecord::revision
  int64_t created_at = 0;
  int64_t updated_at = 0;
  Json spec = Json::object();
  Json state = Json::object();
};

}  // namespace atelier
