#include "postgres_migrations.h"

namespace atelier::postgres {
namespace {

// Version 1 is the SQLite store's schema at its version 8, written for PostgreSQL. JSON columns
// hold nlohmann::json::dump() text (TEXT, not jsonb, so a value reads back byte for byte), with
// NULL for a null value. Statuses are stored by name. Every text column sorts by code point
// (COLLATE "C"), as SQLite's do, whatever the database's locale: listings and cursors depend on
// it. There are no foreign keys: a dangling reference fails only its own transition.
//
// Event positions: events.gid is not a sequence (sequence numbers are taken in call order, not
// commit order, so a reader could pass a number whose transaction commits later). Commit takes
// the batch's gids from the one row of event_positions as its last statement before COMMIT; the
// row lock it takes is held until the transaction ends, so positions are handed out in commit
// order and a rolled-back transaction gives its numbers back. See docs/architecture.md.
//
// workspaces and api_keys keep an insertion order (ord) for the listings that SQLite orders by
// rowid. credit_ledger ids come from an identity column: they increase across the database but,
// like any sequence, not strictly in commit order.
constexpr const char* kV1 = R"sql(
CREATE TABLE workspaces (
  ord        BIGINT GENERATED ALWAYS AS IDENTITY,
  id         TEXT COLLATE "C" PRIMARY KEY,
  name       TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE templates (
  workspace_id TEXT COLLATE "C" NOT NULL,
  id           TEXT COLLATE "C" NOT NULL,
  version      INTEGER NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  category     TEXT COLLATE "C" NOT NULL DEFAULT '',
  description  TEXT COLLATE "C" NOT NULL DEFAULT '',
  definition   TEXT COLLATE "C",
  content_hash TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at   BIGINT NOT NULL DEFAULT 0,
  deleted_at   BIGINT NOT NULL DEFAULT 0,
  builtin      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (id, version)
);
CREATE INDEX templates_by_name ON templates (workspace_id, name);

CREATE TABLE executions (
  id                  TEXT COLLATE "C" PRIMARY KEY,
  workspace_id        TEXT COLLATE "C" NOT NULL,
  template_id         TEXT COLLATE "C" NOT NULL DEFAULT '',
  template_version    INTEGER NOT NULL DEFAULT 0,
  status              TEXT COLLATE "C" NOT NULL,
  reason              TEXT COLLATE "C" NOT NULL DEFAULT '',
  inputs              TEXT COLLATE "C",
  error               TEXT COLLATE "C",
  created_at          BIGINT NOT NULL DEFAULT 0,
  updated_at          BIGINT NOT NULL DEFAULT 0,
  started_at          BIGINT NOT NULL DEFAULT 0,
  finished_at         BIGINT NOT NULL DEFAULT 0,
  owner               TEXT COLLATE "C" NOT NULL DEFAULT '',
  owner_expires_at    BIGINT NOT NULL DEFAULT 0,
  parent_execution_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  parent_step_id      TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX executions_by_workspace ON executions (workspace_id, created_at DESC, id DESC);
CREATE INDEX executions_by_status ON executions (status);
CREATE INDEX executions_by_owner ON executions (owner) WHERE owner != '';
CREATE INDEX executions_by_parent ON executions (parent_execution_id)
  WHERE parent_execution_id != '';

CREATE TABLE steps (
  execution_id     TEXT COLLATE "C" NOT NULL,
  step_id          TEXT COLLATE "C" NOT NULL,
  node_id          TEXT COLLATE "C" NOT NULL DEFAULT '',
  parent_step_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
  item_index       INTEGER NOT NULL DEFAULT -1,
  status           TEXT COLLATE "C" NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 0,
  attempt_base     INTEGER NOT NULL DEFAULT 0,
  version          INTEGER NOT NULL DEFAULT 1,
  output           TEXT COLLATE "C",
  error            TEXT COLLATE "C",
  created_at       BIGINT NOT NULL DEFAULT 0,
  updated_at       BIGINT NOT NULL DEFAULT 0,
  started_at       BIGINT NOT NULL DEFAULT 0,
  finished_at      BIGINT NOT NULL DEFAULT 0,
  due_at           BIGINT NOT NULL DEFAULT 0,
  lease_owner      TEXT COLLATE "C" NOT NULL DEFAULT '',
  lease_expires_at BIGINT NOT NULL DEFAULT 0,
  session          TEXT COLLATE "C",
  usage            TEXT COLLATE "C",
  crashes          INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (execution_id, step_id)
);
CREATE INDEX steps_by_lease_owner ON steps (lease_owner) WHERE lease_owner != '';

CREATE TABLE event_positions (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  last_gid BIGINT NOT NULL
);
INSERT INTO event_positions (id, last_gid) VALUES (1, 0);

CREATE TABLE events (
  gid          BIGINT PRIMARY KEY,
  execution_id TEXT COLLATE "C" NOT NULL,
  seq          BIGINT NOT NULL,
  workspace_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  ts           BIGINT NOT NULL DEFAULT 0,
  type         TEXT COLLATE "C" NOT NULL,
  step_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
  payload      TEXT COLLATE "C",
  UNIQUE (execution_id, seq)
);
CREATE INDEX events_by_workspace ON events (workspace_id, gid);

CREATE TABLE artifacts (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL,
  execution_id TEXT COLLATE "C" NOT NULL,
  step_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
  step_version INTEGER NOT NULL DEFAULT 1,
  kind         TEXT COLLATE "C" NOT NULL DEFAULT '',
  mime         TEXT COLLATE "C" NOT NULL DEFAULT '',
  sha256       TEXT COLLATE "C" NOT NULL DEFAULT '',
  size         BIGINT NOT NULL DEFAULT 0,
  name         TEXT COLLATE "C" NOT NULL DEFAULT '',
  meta         TEXT COLLATE "C",
  created_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX artifacts_by_execution ON artifacts (execution_id);
CREATE INDEX artifacts_by_workspace ON artifacts (workspace_id, created_at);

CREATE TABLE step_versions (
  execution_id TEXT COLLATE "C" NOT NULL,
  step_id      TEXT COLLATE "C" NOT NULL,
  version      INTEGER NOT NULL,
  output       TEXT COLLATE "C",
  session      TEXT COLLATE "C",
  meta         TEXT COLLATE "C",
  created_at   BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (execution_id, step_id, version)
);

CREATE TABLE step_cache (
  workspace_id TEXT COLLATE "C" NOT NULL,
  key          TEXT COLLATE "C" NOT NULL,
  execution_id TEXT COLLATE "C" NOT NULL,
  step_id      TEXT COLLATE "C" NOT NULL,
  version      INTEGER NOT NULL,
  output       TEXT COLLATE "C",
  session      TEXT COLLATE "C",
  created_at   BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, key)
);

CREATE TABLE api_keys (
  ord          BIGINT GENERATED ALWAYS AS IDENTITY,
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL,
  role         TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL DEFAULT '',
  prefix       TEXT COLLATE "C" NOT NULL DEFAULT '',
  secret_hash  TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at   BIGINT NOT NULL DEFAULT 0,
  revoked_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, created_at);

CREATE TABLE credit_ledger (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id    TEXT COLLATE "C" NOT NULL,
  kind            TEXT COLLATE "C" NOT NULL,
  amount          BIGINT NOT NULL,
  key             TEXT COLLATE "C" NOT NULL,
  reservation_key TEXT COLLATE "C" NOT NULL DEFAULT '',
  execution_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
  step_id         TEXT COLLATE "C" NOT NULL DEFAULT '',
  note            TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at      BIGINT NOT NULL DEFAULT 0,
  UNIQUE (workspace_id, key)
);
CREATE INDEX credit_ledger_by_execution ON credit_ledger (workspace_id, execution_id);
CREATE INDEX credit_ledger_by_reservation ON credit_ledger (workspace_id, reservation_key);

CREATE TABLE credit_balances (
  workspace_id TEXT COLLATE "C" PRIMARY KEY,
  balance      BIGINT NOT NULL DEFAULT 0,
  granted      BIGINT NOT NULL DEFAULT 0,
  reserved     BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE credit_open_reservations (
  workspace_id TEXT COLLATE "C" NOT NULL,
  key          TEXT COLLATE "C" NOT NULL,
  ledger_id    BIGINT NOT NULL,
  amount       BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, key)
);

CREATE TABLE idempotency_keys (
  workspace_id TEXT COLLATE "C" NOT NULL,
  key          TEXT COLLATE "C" NOT NULL,
  request_hash TEXT COLLATE "C" NOT NULL DEFAULT '',
  execution_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at   BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (workspace_id, key)
);
)sql";

// Artifact bytes by SHA-256 (PostgresBlobStore), so that a cluster shares nothing but the
// database. Rows are only ever added; a blob's bytes never change.
constexpr const char* kV2 = R"sql(
CREATE TABLE blobs (
  sha256     TEXT COLLATE "C" PRIMARY KEY,
  size       BIGINT NOT NULL,
  bytes      BYTEA NOT NULL,
  created_at BIGINT NOT NULL DEFAULT 0
);
)sql";

// Schedules and webhook triggers (atelier/store/automations.h): the columns queried, and the spec
// and state documents.
constexpr const char* kV3 = R"sql(
CREATE TABLE schedules (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  paused       BOOLEAN NOT NULL DEFAULT FALSE,
  next_due_at  BIGINT NOT NULL DEFAULT 0,
  revision     BIGINT NOT NULL DEFAULT 1,
  created_at   BIGINT NOT NULL DEFAULT 0,
  updated_at   BIGINT NOT NULL DEFAULT 0,
  spec         TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT '{}',
  UNIQUE (workspace_id, name)
);
CREATE INDEX schedules_due ON schedules (next_due_at) WHERE NOT paused;

CREATE TABLE triggers (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  secret       TEXT COLLATE "C" NOT NULL,
  paused       BOOLEAN NOT NULL DEFAULT FALSE,
  revision     BIGINT NOT NULL DEFAULT 1,
  created_at   BIGINT NOT NULL DEFAULT 0,
  updated_at   BIGINT NOT NULL DEFAULT 0,
  spec         TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT '{}',
  UNIQUE (workspace_id, name)
);
)sql";

// Forks: the execution and step a fork was started from (Engine::Fork).
constexpr const char* kV4 = R"sql(
ALTER TABLE executions ADD COLUMN forked_from_execution_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN forked_from_step_id TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX executions_by_fork_origin ON executions (forked_from_execution_id)
  WHERE forked_from_execution_id != '';
)sql";

// Outbound notifications (atelier/store/automations.h): endpoints (the shape of triggers), the
// deliveries to send, and how far the notifier has read the event log. The cursor starts at the
// newest event stored now, so that events from before notifications existed are not reported.
// Deliveries are found by due time (the sender: pending ones only), by workspace newest event
// first (listings, with the execution's and the endpoint's own indexes for their filters).
constexpr const char* kV5 = R"sql(
CREATE TABLE notification_endpoints (
  id           TEXT COLLATE "C" PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  secret       TEXT COLLATE "C" NOT NULL,
  paused       BOOLEAN NOT NULL DEFAULT FALSE,
  revision     BIGINT NOT NULL DEFAULT 1,
  created_at   BIGINT NOT NULL DEFAULT 0,
  updated_at   BIGINT NOT NULL DEFAULT 0,
  spec         TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT '{}',
  UNIQUE (workspace_id, name)
);

CREATE TABLE notification_deliveries (
  id              TEXT COLLATE "C" PRIMARY KEY,
  workspace_id    TEXT COLLATE "C" NOT NULL,
  endpoint_id     TEXT COLLATE "C" NOT NULL,
  execution_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
  event_gid       BIGINT NOT NULL DEFAULT 0,
  event_type      TEXT COLLATE "C" NOT NULL DEFAULT '',
  url             TEXT COLLATE "C" NOT NULL DEFAULT '',
  status          TEXT COLLATE "C" NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  revision        BIGINT NOT NULL DEFAULT 1,
  created_at      BIGINT NOT NULL DEFAULT 0,
  updated_at      BIGINT NOT NULL DEFAULT 0,
  body            TEXT COLLATE "C" NOT NULL DEFAULT '',
  state           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at, id)
  WHERE status = 'pending';
CREATE INDEX notification_deliveries_by_workspace
  ON notification_deliveries (workspace_id, event_gid DESC, id DESC);
CREATE INDEX notification_deliveries_by_execution
  ON notification_deliveries (execution_id, event_gid DESC, id DESC);
CREATE INDEX notification_deliveries_by_endpoint
  ON notification_deliveries (endpoint_id, event_gid DESC, id DESC);

CREATE TABLE notify_cursor (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  last_gid BIGINT NOT NULL
);
INSERT INTO notify_cursor (id, last_gid) SELECT 1, COALESCE(MAX(gid), 0) FROM events;
)sql";

// Retention (atelier/store/retention.h): each workspace's policy and what its sweeps did (spec
// and state documents, the revision their compare-and-set reads), and the hashes of the artifact
// rows a purge deleted, waiting for the collector, first queued first. Blobs become removable, so
// each records when its bytes were last put (PostgresBlobStore::Put; 0 for those stored before):
// the collector leaves a blob put since its grace time, whose artifact row may not be committed
// yet. The indexes serve a purge's look-ups by execution (the step cache, idempotency keys) and
// the question whether any artifact row still names a hash.
constexpr const char* kV6 = R"sql(
CREATE TABLE retention_policies (
  workspace_id TEXT COLLATE "C" PRIMARY KEY,
  revision     BIGINT NOT NULL DEFAULT 1,
  updated_at   BIGINT NOT NULL DEFAULT 0,
  spec         TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE blob_queue (
  sha256    TEXT COLLATE "C" PRIMARY KEY,
  queued_at BIGINT NOT NULL DEFAULT 0,
  revision  BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX blob_queue_by_time ON blob_queue (queued_at, sha256);

CREATE INDEX artifacts_by_sha256 ON artifacts (sha256);
CREATE INDEX step_cache_by_execution ON step_cache (execution_id);
CREATE INDEX idempotency_keys_by_execution ON idempotency_keys (workspace_id, execution_id);

ALTER TABLE blobs ADD COLUMN touched_at BIGINT NOT NULL DEFAULT 0;
)sql";

// Version 7: the calls to each provider that every process of a cluster counts against the
// providers file's limits (PostgresLimitCounter): one row a call, from its start until it has left
// the last minute; a call whose process died stops counting as in flight when its lease runs out.
constexpr const char* kV7 = R"sql(
CREATE TABLE provider_calls (
  id         BIGSERIAL PRIMARY KEY,
  provider   TEXT COLLATE "C" NOT NULL,
  owner      TEXT COLLATE "C" NOT NULL,
  started_at BIGINT NOT NULL,
  tokens     BIGINT NOT NULL DEFAULT 0,
  ended      BOOLEAN NOT NULL DEFAULT FALSE,
  expires_at BIGINT NOT NULL
);
CREATE INDEX provider_calls_by_provider ON provider_calls (provider, started_at);
CREATE INDEX provider_calls_by_owner ON provider_calls (owner) WHERE NOT ended;
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = {
      {1, kV1},
      {2, kV2},
      {3, kV3},
      {4, kV4},
      {5, kV5},
      {6, kV6},
      {7, kV7},
  };
  return kAll;
}

}  // namespace atelier::postgres
