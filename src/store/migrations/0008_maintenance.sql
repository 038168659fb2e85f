-- 0008: maintenance windows (store/maintenance_store.h). A window is one-off ([starts_at,
-- ends_at)) or weekly (weekly_days != 0: bit d for weekday d, 0 Sunday; weekly_start minutes
-- after local midnight in --tz, for weekly_minutes). Scope: servers carrying any of `tags`
-- (joined by ','), and the servers of `server_ids` (joined by ','); both empty: every server.

CREATE TABLE maintenance_windows (
  id             TEXT    PRIMARY KEY,
  name           TEXT    NOT NULL,
  starts_at      INTEGER NOT NULL DEFAULT 0,
  ends_at        INTEGER NOT NULL DEFAULT 0,
  weekly_days    INTEGER NOT NULL DEFAULT 0,
  weekly_start   INTEGER NOT NULL DEFAULT 0,
  weekly_minutes INTEGER NOT NULL DEFAULT 0,
  tags           TEXT    NOT NULL DEFAULT '',
  server_ids     TEXT    NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
-- One-off windows by their end: those that overlap a time or an interval.
CREATE INDEX maintenance_windows_ends_at ON maintenance_windows (ends_at);
