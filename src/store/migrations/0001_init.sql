-- 0001: inventory, status history and fleet counters. Times are INTEGER milliseconds since
-- the Unix epoch (UTC); 0 means never. Empty text means unknown.

CREATE TABLE servers (
  id                INTEGER PRIMARY KEY,
  server_id         TEXT    NOT NULL UNIQUE,
  server_name       TEXT    NOT NULL UNIQUE,
  ipv4              TEXT    NOT NULL DEFAULT '',
  -- ipv4 as a 32-bit number (-1 when empty) so that sort=ipv4 is numeric: 10.0.0.9 < 10.0.0.10
  ipv4_num          INTEGER NOT NULL DEFAULT -1,
  hostname          TEXT    NOT NULL DEFAULT '',
  status            INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1)),  -- 0 off, 1 on
  interval          INTEGER NOT NULL DEFAULT 30,                          -- seconds
  created_time      INTEGER NOT NULL,
  last_updated      INTEGER NOT NULL,
  last_seen         INTEGER NOT NULL DEFAULT 0,
  status_changed_at INTEGER NOT NULL DEFAULT 0
);

-- One index per sortable column (server_id and server_name have theirs from UNIQUE). Every
-- index ends with the rowid, so ORDER BY <column>, id walks it without a sort step.
CREATE INDEX servers_ipv4 ON servers (ipv4_num);
CREATE INDEX servers_hostname ON servers (hostname);
CREATE INDEX servers_status ON servers (status);
CREATE INDEX servers_created_time ON servers (created_time);
CREATE INDEX servers_last_updated ON servers (last_updated);
CREATE INDEX servers_last_seen ON servers (last_seen);
CREATE INDEX servers_status_changed_at ON servers (status_changed_at);
-- The offline sweep: servers that are on, by the time their next heartbeat was due.
CREATE INDEX servers_due ON servers (last_seen + interval * 1000) WHERE status = 1;

CREATE TABLE status_events (
  id     INTEGER PRIMARY KEY,
  server INTEGER NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
  status INTEGER NOT NULL CHECK (status IN (0, 1)),
  at     INTEGER NOT NULL,
  cause  TEXT    NOT NULL    -- created, registered, heartbeat, timeout
);
CREATE INDEX status_events_server_at ON status_events (server, at);

-- Fleet counters kept by triggers, so that /stats and unfiltered list totals cost O(1) at any
-- fleet size. The heartbeat fast path sets neither status nor inserts, so it fires none.
CREATE TABLE fleet_counts (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  total    INTEGER NOT NULL,
  on_count INTEGER NOT NULL
);
INSERT INTO fleet_counts (id, total, on_count) VALUES (1, 0, 0);

CREATE TRIGGER servers_count_insert AFTER INSERT ON servers BEGIN
  UPDATE fleet_counts SET total = total + 1, on_count = on_count + NEW.status WHERE id = 1;
END;
CREATE TRIGGER servers_count_delete AFTER DELETE ON servers BEGIN
  UPDATE fleet_counts SET total = total - 1, on_count = on_count - OLD.status WHERE id = 1;
END;
CREATE TRIGGER servers_count_status AFTER UPDATE OF status ON servers
WHEN NEW.status <> OLD.status BEGIN
  UPDATE fleet_counts SET on_count = on_count + NEW.status - OLD.status WHERE id = 1;
END;
