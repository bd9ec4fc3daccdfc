#include "migrations.h"

namespace atelier::sqlite {
namespace {

// JSON columns hold nlohmann::json::dump() text, with SQL NULL for a null value. Statuses are
// stored by name. There are deliberately no foreign keys: the engine writes parents before
// children within a transition, and a dangling reference must fail only its own transition
// rather than the whole batch.
constexpr const char* kV1 = R"sql(
CREATE TABLE workspaces (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE templates (
  workspace_id TEXT NOT NULL,
  id           TEXT NOT NULL,
  version      INTEGER NOT NULL,
  name         TEXT NOT NULL,
  category     TEXT NOT NULL DEFAULT '',
  description  TEXT NOT NULL DEFAULT '',
  definition   TEXT,
  content_hash TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (id, version)
);
CREATE INDEX templates_by_name ON templates (workspace_id, name);

CREATE TABLE executions (
  id               TEXT PRIMARY KEY,
  workspace_id     TEXT NOT NULL,
  template_id      TEXT NOT NULL DEFAULT '',
  template_version INTEGER NOT NULL DEFAULT 0,
  status           TEXT NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  inputs           TEXT,
  error            TEXT,
  created_at       INTEGER NOT NULL DEFAULT 0,
  updated_at       INTEGER NOT NULL DEFAULT 0,
  started_at       INTEGER NOT NULL DEFAULT 0,
  finished_at      INTEGER NOT NULL DEFAULT 0,
  owner            TEXT NOT NULL DEFAULT '',
  owner_expires_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX executions_by_workspace ON executions (workspace_id, created_at DESC);
CREATE INDEX executions_by_status ON executions (status);

CREATE TABLE steps (
  execution_id     TEXT NOT NULL,
  step_id          TEXT NOT NULL,
  node_id          TEXT NOT NULL DEFAULT '',
  parent_step_id   TEXT NOT NULL DEFAULT '',
  item_index       INTEGER NOT NULL DEFAULT -1,
  status           TEXT NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 0,
  attempt_base     INTEGER NOT NULL DEFAULT 0,
  version          INTEGER NOT NULL DEFAULT 1,
  output           TEXT,
  error            TEXT,
  created_at       INTEGER NOT NULL DEFAULT 0,
  updated_at       INTEGER NOT NULL DEFAULT 0,
  started_at       INTEGER NOT NULL DEFAULT 0,
  finished_at      INTEGER NOT NULL DEFAULT 0,
  due_at           INTEGER NOT NULL DEFAULT 0,
  lease_owner      TEXT NOT NULL DEFAULT '',
  lease_expires_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (execution_id, step_id)
) WITHOUT ROWID;

CREATE TABLE events (
  execution_id TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  ts           INTEGER NOT NULL DEFAULT 0,
  type         TEXT NOT NULL,
  step_id      TEXT NOT NULL DEFAULT '',
  payload      TEXT,
  PRIMARY KEY (execution_id, seq)
) WITHOUT ROWID;

CREATE TABLE artifacts (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  step_id      TEXT NOT NULL DEFAULT '',
  step_version INTEGER NOT NULL DEFAULT 1,
  kind         TEXT NOT NULL DEFAULT '',
  mime         TEXT NOT NULL DEFAULT '',
  sha256       TEXT NOT NULL DEFAULT '',
  size         INTEGER NOT NULL DEFAULT 0,
  name         TEXT NOT NULL DEFAULT '',
  meta         TEXT,
  created_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX artifacts_by_execution ON artifacts (execution_id);
)sql";

// Sessions and kept versions, for tweaks that continue a step's conversation.
constexpr const char* kV2 = R"sql(
ALTER TABLE steps ADD COLUMN session TEXT;

CREATE TABLE step_versions (
  execution_id TEXT NOT NULL,
  step_id      TEXT NOT NULL,
  version      INTEGER NOT NULL,
  output       TEXT,
  session      TEXT,
  meta         TEXT,
  created_at   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (execution_id, step_id, version)
) WITHOUT ROWID;
)sql";

}  // namespace

// Reusable results of generative steps.
constexpr const char* kV3 = R"sql(
CREATE TABLE step_cache (
  workspace_id TEXT NOT NULL,
  key          TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  step_id      TEXT NOT NULL,
  version      INTEGER NOT NULL,
  output       TEXT,
  session      TEXT,
  created_at   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;
)sql";

// What each step's provider calls used and cost.
constexpr const char* kV4 = R"sql(
ALTER TABLE steps ADD COLUMN usage TEXT;
)sql";

// Sub-executions: the step of another execution that runs this one (subworkflow nodes).
constexpr const char* kV5 = R"sql(
ALTER TABLE executions ADD COLUMN parent_execution_id TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN parent_step_id TEXT NOT NULL DEFAULT '';
CREATE INDEX executions_by_parent ON executions (parent_execution_id)
  WHERE parent_execution_id != '';
)sql";

// Workspace-wide event positions, and what the server keeps per workspace: API keys, the credits
// ledger, launch idempotency keys and soft-deleted templates.
//
// events becomes a rowid table whose rowid is the gid: appends go to the end of the table, and
// gid = max + 1 inside the (serialised) write transaction, so gids increase in commit order. The
// old key (execution_id, seq) stays unique through an index; workspace_id is copied from the
// execution on insert so that workspace streams read one index range instead of joining.
// Existing events get gids in (execution_id, seq) order.
//
// credit_balances keeps each workspace's sums up to date on every ledger insert (in the same
// transaction), and credit_open_reservations the reservations nothing has closed yet, so neither
// GetBalance nor a require_funds check scans the ledger.
constexpr const char* kV6 = R"sql(
CREATE TABLE events_v6 (
  gid          INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  workspace_id TEXT NOT NULL DEFAULT '',
  ts           INTEGER NOT NULL DEFAULT 0,
  type         TEXT NOT NULL,
  step_id      TEXT NOT NULL DEFAULT '',
  payload      TEXT
);
INSERT INTO events_v6 (execution_id, seq, workspace_id, ts, type, step_id, payload)
  SELECT e.execution_id, e.seq, COALESCE(x.workspace_id, ''), e.ts, e.type, e.step_id, e.payload
  FROM events e LEFT JOIN executions x ON x.id = e.execution_id
  ORDER BY e.execution_id, e.seq;
DROP TABLE events;
ALTER TABLE events_v6 RENAME TO events;
CREATE UNIQUE INDEX events_by_execution ON events (execution_id, seq);
CREATE INDEX events_by_workspace ON events (workspace_id, gid);

CREATE INDEX artifacts_by_workspace ON artifacts (workspace_id, created_at);

ALTER TABLE templates ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  role         TEXT NOT NULL,
  name         TEXT NOT NULL DEFAULT '',
  prefix       TEXT NOT NULL DEFAULT '',
  secret_hash  TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL DEFAULT 0,
  revoked_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE credit_ledger (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id    TEXT NOT NULL,
  kind            TEXT NOT NULL,
  amount          INTEGER NOT NULL,
  key             TEXT NOT NULL,
  reservation_key TEXT NOT NULL DEFAULT '',
  execution_id    TEXT NOT NULL DEFAULT '',
  step_id         TEXT NOT NULL DEFAULT '',
  note            TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (workspace_id, key)
);
CREATE INDEX credit_ledger_by_execution ON credit_ledger (workspace_id, execution_id);
CREATE INDEX credit_ledger_by_reservation ON credit_ledger (workspace_id, reservation_key);

CREATE TABLE credit_balances (
  workspace_id TEXT PRIMARY KEY,
  balance      INTEGER NOT NULL DEFAULT 0,
  granted      INTEGER NOT NULL DEFAULT 0,
  reserved     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE credit_open_reservations (
  workspace_id TEXT NOT NULL,
  key          TEXT NOT NULL,
  ledger_id    INTEGER NOT NULL,
  amount       INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  workspace_id TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL DEFAULT '',
  execution_id TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;
)sql";

// How many times in a row a process died while running each step (poison-pill guard).
constexpr const char* kV7 = R"sql(
ALTER TABLE steps ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
)sql";

// Templates seeded from the catalog shipped in the binary (read-only; cloned to be edited).
constexpr const char* kV8 = R"sql(
ALTER TABLE templates ADD COLUMN builtin INTEGER NOT NULL DEFAULT 0;
)sql";

// Schedules and webhook triggers (atelier/store/automations.h): the columns queried, and the spec
// and state documents.
constexpr const char* kV9 = R"sql(
CREATE TABLE schedules (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  name         TEXT NOT NULL,
  paused       INTEGER NOT NULL DEFAULT 0,
  next_due_at  INTEGER NOT NULL DEFAULT 0,
  revision     INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL DEFAULT 0,
  spec         TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT '{}',
  UNIQUE (workspace_id, name)
);
CREATE INDEX schedules_due ON schedules (paused, next_due_at);

CREATE TABLE triggers (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  name         TEXT NOT NULL,
  secret       TEXT NOT NULL,
  paused       INTEGER NOT NULL DEFAULT 0,
  revision     INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL DEFAULT 0,
  spec         TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT '{}',
  UNIQUE (workspace_id, name)
);
)sql";

// Forks: the execution and step a fork was started from (Engine::Fork).
constexpr const char* kV10 = R"sql(
ALTER TABLE executions ADD COLUMN forked_from_execution_id TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN forked_from_step_id TEXT NOT NULL DEFAULT '';
CREATE INDEX executions_by_fork_origin ON executions (forked_from_execution_id)
  WHERE forked_from_execution_id != '';
)sql";

// Outbound notifications (atelier/store/automations.h): endpoints (the shape of triggers), the
// deliveries to send, and how far the notifier has read the event log. The cursor starts at the
// newest event stored now, so that events from before notifications existed are not reported
// (events is a rowid table whose rowid is the gid, v6). Deliveries are found by due time (the
// sender), by workspace newest event first (listings, with the execution's and the endpoint's
// own indexes for their filters).
constexpr const char* kV11 = R"sql(
CREATE TABLE notification_endpoints (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  name         TEXT NOT NULL,
  secret       TEXT NOT NULL,
  paused       INTEGER NOT NULL DEFAULT 0,
  revision     INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL DEFAULT 0,
  updated_at   INTEGER NOT NULL DEFAULT 0,
  spec         TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT '{}',
  UNIQUE (workspace_id, name)
);

CREATE TABLE notification_deliveries (
  id              TEXT PRIMARY KEY,
  workspace_id    TEXT NOT NULL,
  endpoint_id     TEXT NOT NULL,
  execution_id    TEXT NOT NULL DEFAULT '',
  event_gid       INTEGER NOT NULL DEFAULT 0,
  event_type      TEXT NOT NULL DEFAULT '',
  url             TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  revision        INTEGER NOT NULL DEFAULT 1,
  created_at      INTEGER NOT NULL DEFAULT 0,
  updated_at      INTEGER NOT NULL DEFAULT 0,
  body            TEXT NOT NULL DEFAULT '',
  state           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
CREATE INDEX notification_deliveries_by_workspace
  ON notification_deliveries (workspace_id, event_gid DESC, id DESC);
CREATE INDEX notification_deliveries_by_execution
  ON notification_deliveries (execution_id, event_gid DESC, id DESC);
CREATE INDEX notification_deliveries_by_endpoint
  ON notification_deliveries (endpoint_id, event_gid DESC, id DESC);

CREATE TABLE notify_cursor (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  last_gid INTEGER NOT NULL
);
INSERT INTO notify_cursor (id, last_gid) VALUES (1, COALESCE((SELECT MAX(gid) FROM events), 0));
)sql";

// Retention (atelier/store/retention.h): each workspace's policy, and the blob hashes purges leave
// for the collector. Indexes for what a purge looks up by execution (the cache entries made from
// it, its idempotency keys) and for whether any artifact row still names a blob.
constexpr const char* kV12 = R"sql(
CREATE TABLE retention_policies (
  workspace_id TEXT PRIMARY KEY,
  revision     INTEGER NOT NULL DEFAULT 1,
  updated_at   INTEGER NOT NULL DEFAULT 0,
  spec         TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;

CREATE TABLE blob_queue (
  sha256    TEXT PRIMARY KEY,
  queued_at INTEGER NOT NULL DEFAULT 0,
  revision  INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
CREATE INDEX blob_queue_by_time ON blob_queue (queued_at, sha256);

CREATE INDEX artifacts_by_sha ON artifacts (sha256);
CREATE INDEX step_cache_by_execution ON step_cache (execution_id);
CREATE INDEX idempotency_keys_by_execution ON idempotency_keys (workspace_id, execution_id);
)sql";

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = {
      {1, kV1},
      {2, kV2},
      {3, kV3},
      {4, kV4},
      {5, kV5},
      {6, kV6},
      {7, kV7},
      {8, kV8},
      {9, kV9},
      {10, kV10},
      {11, kV11},
      {12, kV12},
  };
  return kAll;
}

}  // namespace atelier::sqlite
