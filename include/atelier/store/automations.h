// Rows that start executions by themselves (schedules, inbound webhook triggers) and the rows of
// outbound notifications (endpoints, deliveries).
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
#include <vector>

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

// An outbound notification endpoint (NotificationService, atelier/app/notifications.h): where
// chosen events of the workspace's executions are POSTed, signed with `secret`. `spec` (url, the
// events, a template filter, the kind) and `state` are documents the store never interprets. The
// same shape as TriggerRecord; found by workspace and id.
struct EndpointRecord {
  std::string id;  // "ntf_..."
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

// One notification to send: one event of one execution for one endpoint. Its id is the same on
// every attempt and every resend (the receiver's deduplication key). `body` is the exact text
// POSTed every time. A delivery is "pending" (due at next_attempt_at; a sender claims it by moving
// next_attempt_at on with UpdateDelivery), "delivered" or "failed" (gave up; a resend makes it
// pending again). `state` (the last attempt's answer or error, when it was delivered) is a
// document the store never interprets.
struct DeliveryRecord {
  std::string id;  // "dlv_..."
  std::string workspace_id;
  std::string endpoint_id;
  std::string execution_id;
  int64_t event_gid = 0;  // the event it reports (Event::gid)
  std::string event_type;
  std::string url;
  std::string status = "pending";  // "pending" | "delivered" | "failed"
  int attempts = 0;
  int64_t next_attempt_at = 0;  // ms since the epoch
  int64_t revision = 0;         // 1 when inserted, one more at every UpdateDelivery
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::string body;
  Json state = Json::object();
};

// Which deliveries ListDeliveries returns: newest event first, ties by id descending.
struct DeliveryFilter {
  std::string endpoint_id;   // "" = any
  std::string execution_id;  // "" = any
  std::string status;        // "" = any
  // Cursor for the next page: only deliveries ordered after (before_gid, before_id), i.e.
  // event_gid < before_gid, or equal and id < before_id. Unused when before_id is "".
  int64_t before_gid = 0;
  std::string before_id;
  int limit = 50;
};

// An event with the workspace of its execution (reads across workspaces).
struct WorkspaceEvent {
  std::string workspace_id;
  Event event;
};

}  // namespace atelier
