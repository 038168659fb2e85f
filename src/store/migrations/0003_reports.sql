-- 0003: reports and the outcome of each mail job. A scheduled report's id is deterministic
-- ("daily-2026-11-27"), so the primary key is the claim that lets one replica send it.

CREATE TABLE reports (
  id         TEXT    PRIMARY KEY,
  kind       TEXT    NOT NULL,
  first_day  TEXT    NOT NULL,   -- YYYY-MM-DD in tz
  last_day   TEXT    NOT NULL,
  tz         TEXT    NOT NULL,
  emails     TEXT    NOT NULL,   -- one address per line
  summary    TEXT    NOT NULL,   -- JSON object
  created_at INTEGER NOT NULL,
  queued_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_unqueued ON reports (created_at) WHERE queued_at = 0;

CREATE TABLE mail_outcomes (
  id       TEXT    PRIMARY KEY,  -- the mail job id
  outcome  TEXT    NOT NULL CHECK (outcome IN ('sent', 'failed')),
  error    TEXT    NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL,
  at       INTEGER NOT NULL
);
