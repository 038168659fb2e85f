-- 0008 (PostgreSQL): maintenance windows; the model of src/store/migrations/0008_maintenance.sql.

CREATE TABLE maintenance_windows (
  id             text COLLATE "C" PRIMARY KEY,
  name           text    NOT NULL,
  starts_at      bigint  NOT NULL DEFAULT 0,
  ends_at        bigint  NOT NULL DEFAULT 0,
  weekly_days    integer NOT NULL DEFAULT 0,
  weekly_start   integer NOT NULL DEFAULT 0,
  weekly_minutes integer NOT NULL DEFAULT 0,
  tags           text    NOT NULL DEFAULT '',
  server_ids     text    NOT NULL DEFAULT '',
  created_at     bigint  NOT NULL,
  updated_at     bigint  NOT NULL
);
CREATE INDEX maintenance_windows_ends_at ON maintenance_windows (ends_at);
