-- 0009: alerts. Channels and rules (lists as JSON text), alerts, their notifications (the
-- delivery outbox; `key` makes one notification per transition, rule and channel), flapping
-- state and grouping windows (shared by every replica), and alert_outbox, which a trigger fills
-- in the transaction that writes a status transition. store/alert_store.h has the contracts.

CREATE TABLE alert_channels (
  id         TEXT    NOT NULL PRIMARY KEY,
  name       TEXT    NOT NULL UNIQUE,
  type       TEXT    NOT NULL,
  config     TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE alert_rules (
  seq            INTEGER PRIMARY KEY,
  id             TEXT    NOT NULL UNIQUE,
  name           TEXT    NOT NULL,
  channels       TEXT    NOT NULL,
  tags           TEXT    NOT NULL,
  server_ids     TEXT    NOT NULL,
  events         TEXT    NOT NULL,
  after_seconds  INTEGER NOT NULL,
  repeat_minutes INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);

CREATE TABLE alerts (
  id             TEXT    NOT NULL PRIMARY KEY,
  rule_id        TEXT    NOT NULL,
  server_id      TEXT    NOT NULL,
  event          TEXT    NOT NULL,
  state          TEXT    NOT NULL,
  since          INTEGER NOT NULL,
  due_at         INTEGER NOT NULL,
  opened_at      INTEGER NOT NULL,
  acked_at       INTEGER NOT NULL,
  acked_by       TEXT    NOT NULL,
  resolved_at    INTEGER NOT NULL,
  next_repeat_at INTEGER NOT NULL,
  repeats        INTEGER NOT NULL,
  server         TEXT    NOT NULL
);
CREATE INDEX alerts_server_state ON alerts (server_id, state);
CREATE INDEX alerts_since ON alerts (since);
CREATE INDEX alerts_due ON alerts (due_at) WHERE state = 'pending';
CREATE INDEX alerts_repeat ON alerts (next_repeat_at) WHERE state = 'open' AND next_repeat_at > 0;

CREATE TABLE alert_notifications (
  seq         INTEGER PRIMARY KEY,
  id          TEXT    NOT NULL UNIQUE,
  key         TEXT    NOT NULL UNIQUE,
  channel_id  TEXT    NOT NULL,
  rule_id     TEXT    NOT NULL,
  alert_id    TEXT    NOT NULL,
  event       TEXT    NOT NULL,
  payload     TEXT    NOT NULL,
  state       TEXT    NOT NULL,
  grp         TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  next_at     INTEGER NOT NULL,
  lease_until INTEGER NOT NULL,
  error       TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  done_at     INTEGER NOT NULL
);
CREATE INDEX alert_notifications_due ON alert_notifications (next_at) WHERE state = 'pending';
CREATE INDEX alert_notifications_held ON alert_notifications (grp) WHERE state = 'held';
CREATE INDEX alert_notifications_state ON alert_notifications (state, seq);

CREATE TABLE alert_flaps (
  server_id      TEXT    NOT NULL PRIMARY KEY,
  times          TEXT    NOT NULL,
  flapping_since INTEGER NOT NULL
);

CREATE TABLE alert_windows (
  rule_id   TEXT    NOT NULL PRIMARY KEY,
  opened_at INTEGER NOT NULL,
  closes_at INTEGER NOT NULL
);

CREATE TABLE alert_outbox (
  id       INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL,
  server   INTEGER NOT NULL,
  status   INTEGER NOT NULL,
  at       INTEGER NOT NULL
);

CREATE TRIGGER status_events_alert_outbox AFTER INSERT ON status_events
WHEN NEW.cause IN ('heartbeat', 'timeout') BEGIN
  INSERT INTO alert_outbox (event_id, server, status, at)
  VALUES (NEW.id, NEW.server, NEW.status, NEW.at);
END;
