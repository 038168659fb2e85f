-- 0010: the live event feed (GET /api/v1/events/stream) reads status transitions by `seq`, a
-- number that grows in the order transitions COMMIT, so that a client resuming after seq N
-- (Last-Event-ID), on this replica or another, misses none. On SQLite one writer commits at a
-- time and a trigger numbers each row as it is inserted, inside that writer's transaction; a
-- separate counter (not the rowid, which SQLite may hand out again after the newest row is
-- deleted) keeps numbers from ever being reused. Rows from before this migration have no seq.
ALTER TABLE status_events ADD COLUMN seq INTEGER;
CREATE TABLE event_seq (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  last INTEGER NOT NULL
);
INSERT INTO event_seq (id, last) VALUES (1, 0);
CREATE TRIGGER status_events_seq AFTER INSERT ON status_events BEGIN
  UPDATE event_seq SET last = last + 1 WHERE id = 1;
  UPDATE status_events SET seq = (SELECT last FROM event_seq WHERE id = 1) WHERE id = NEW.id;
END;
CREATE UNIQUE INDEX status_events_seq ON status_events (seq) WHERE seq IS NOT NULL;

-- Rollups for the dashboard's overview at any fleet size (GET /api/v1/stats/series, and the
-- 7 and 30 day averages of /api/v1/stats): the fleet's counts once a minute, copied from
-- fleet_counts (O(1)), and each UTC day's mean uptime, computed once when the day closes.
-- Written by whichever management replica is first; a row is never rewritten.
CREATE TABLE fleet_minutes (
  minute   INTEGER PRIMARY KEY,  -- ms since the epoch, a multiple of 60 000
  total    INTEGER NOT NULL,
  on_count INTEGER NOT NULL
);
CREATE TABLE uptime_days (
  day         INTEGER PRIMARY KEY,  -- the UTC day's start, ms since the epoch
  avg_ppb     INTEGER NOT NULL,     -- mean uptime of the servers that existed, x 1e9
  servers     INTEGER NOT NULL,
  computed_at INTEGER NOT NULL
);
