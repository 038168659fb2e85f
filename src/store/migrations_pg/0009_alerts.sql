-- 0009 (PostgreSQL): alerts; see src/store/migrations/0009_alerts.sql.

CREATE TABLE alert_channels (
  id         text COLLATE "C" PRIMARY KEY,
  name       text COLLATE "C" NOT NULL,
  type       text   NOT NULL,
  config     text   NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  CONSTRAINT alert_channels_name_key UNIQUE (name)
);

CREATE TABLE alert_rules (
  seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id             text COLLATE "C" NOT NULL UNIQUE,
  name           text    NOT NULL,
  channels       text    NOT NULL,
  tags           text    NOT NULL,
  server_ids     text    NOT NULL,
  events         text    NOT NULL,
  after_seconds  integer NOT NULL,
  repeat_minutes integer NOT NULL,
  created_at     bigint  NOT NULL,
  updated_at     bigint  NOT NULL
);

CREATE TABLE alerts (
  id             text COLLATE "C" PRIMARY KEY,
  rule_id        text COLLATE "C" NOT NULL,
  server_id      text COLLATE "C" NOT NULL,
  event          text    NOT NULL,
  state          text    NOT NULL,
  since          bigint  NOT NULL,
  due_at         bigint  NOT NULL,
  opened_at      bigint  NOT NULL,
  acked_at       bigint  NOT NULL,
  acked_by       text    NOT NULL,
  resolved_at    bigint  NOT NULL,
  next_repeat_at bigint  NOT NULL,
  repeats        integer NOT NULL,
  server         text    NOT NULL
);
CREATE INDEX alerts_server_state ON alerts (server_id, state);
CREATE INDEX alerts_since ON alerts (since);
CREATE INDEX alerts_due ON alerts (due_at) WHERE state = 'pending';
CREATE INDEX alerts_repeat ON alerts (next_repeat_at) WHERE state = 'open' AND next_repeat_at > 0;

CREATE TABLE alert_notifications (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          text COLLATE "C" NOT NULL UNIQUE,
  key         text COLLATE "C" NOT NULL UNIQUE,
  channel_id  text    NOT NULL,
  rule_id     text    NOT NULL,
  alert_id    text    NOT NULL,
  event       text    NOT NULL,
  payload     text    NOT NULL,
  state       text    NOT NULL,
  grp         text    NOT NULL,
  attempts    integer NOT NULL,
  next_at     bigint  NOT NULL,
  lease_until bigint  NOT NULL,
  error       text    NOT NULL,
  created_at  bigint  NOT NULL,
  done_at     bigint  NOT NULL
);
CREATE INDEX alert_notifications_due ON alert_notifications (next_at) WHERE state = 'pending';
CREATE INDEX alert_notifications_held ON alert_notifications (grp) WHERE state = 'held';
CREATE INDEX alert_notifications_state ON alert_notifications (state, seq);

CREATE TABLE alert_flaps (
  server_id      text COLLATE "C" PRIMARY KEY,
  times          text   NOT NULL,
  flapping_since bigint NOT NULL
);

CREATE TABLE alert_windows (
  rule_id   text COLLATE "C" PRIMARY KEY,
  opened_at bigint NOT NULL,
  closes_at bigint NOT NULL
);

CREATE TABLE alert_outbox (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id bigint   NOT NULL,
  server   bigint   NOT NULL,
  status   smallint NOT NULL,
  at       bigint   NOT NULL
);

CREATE FUNCTION status_events_alert_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO alert_outbox (event_id, server, status, at)
  VALUES (NEW.id, NEW.server, NEW.status, NEW.at);
  RETURN NULL;
END
$$;

CREATE TRIGGER status_events_alert_outbox AFTER INSERT ON status_events
FOR EACH ROW WHEN (NEW.cause IN ('heartbeat', 'timeout'))
EXECUTE FUNCTION status_events_alert_outbox();
