-- 0003 (PostgreSQL): reports and the outcome of each mail job; see
-- src/store/migrations/0003_reports.sql.

CREATE TABLE reports (
  id         text   PRIMARY KEY,
  kind       text   NOT NULL,
  first_day  text   NOT NULL,
  last_day   text   NOT NULL,
  tz         text   NOT NULL,
  emails     text   NOT NULL,
  summary    text   NOT NULL,
  created_at bigint NOT NULL,
  queued_at  bigint NOT NULL DEFAULT 0
);
CREATE INDEX reports_unqueued ON reports (created_at) WHERE queued_at = 0;

CREATE TABLE mail_outcomes (
  id       text    PRIMARY KEY,
  outcome  text    NOT NULL CHECK (outcome IN ('sent', 'failed')),
  error    text    NOT NULL DEFAULT '',
  attempts integer NOT NULL,
  at       bigint  NOT NULL
);
