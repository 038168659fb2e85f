-- 0005 (PostgreSQL): runs of scheduled jobs and the indexes of the retention schedule; see
-- src/store/migrations/0005_retention.sql.

CREATE TABLE schedule_runs (
  job      text   PRIMARY KEY,
  next_run bigint NOT NULL
);

CREATE INDEX reports_created_at ON reports (created_at);
CREATE INDEX mail_outcomes_at ON mail_outcomes (at);
