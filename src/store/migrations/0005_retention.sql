-- 0005: retention. The runs of scheduled jobs (one row per job: when its next run is due), so
-- that one replica among many claims each run with a conditional update; and the indexes that
-- let the retention schedule find old reports and mail outcomes without reading every row.

CREATE TABLE schedule_runs (
  job      TEXT    PRIMARY KEY,
  next_run INTEGER NOT NULL     -- Unix milliseconds
);

CREATE INDEX reports_created_at ON reports (created_at);
CREATE INDEX mail_outcomes_at ON mail_outcomes (at);
