-- 0010 (PostgreSQL): the live event feed (GET /api/v1/events/stream) reads status transitions
-- by `seq`, a number that grows in the order transitions COMMIT; the model of the SQLite
-- migration (src/store/migrations/0010_dashboard.sql).
--
-- The identity `id` cannot serve: it is taken at INSERT, and transactions commit in any order.
-- Worker A inserts id 7, worker B inserts id 8 and commits first; a reader that saw 8 and
-- resumes "after 8" would never see 7. So `seq` is given at COMMIT instead: a deferred
-- constraint trigger runs as the transaction commits, takes a transaction-scoped advisory lock
-- and numbers the transaction's rows from a sequence. The lock is held until the commit is
-- visible, so a transaction numbered later commits later: seq order is commit order, and a
-- reader that sees seq N sees every row below it (a gap is a rolled-back commit, never a row
-- to come). The lock is taken only at commit, after every other lock of the transaction, so
-- it cannot close a cycle with them, and it serializes only the commits of transactions that
-- wrote transitions (heartbeat batches that write none never take it).
ALTER TABLE status_events ADD COLUMN seq bigint;
CREATE SEQUENCE status_events_commit_seq;
CREATE UNIQUE INDEX status_events_seq ON status_events (seq) WHERE seq IS NOT NULL;

CREATE FUNCTION status_events_number() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(5459283, 10);  -- ('SMS', migration 10)
  UPDATE status_events SET seq = nextval('status_events_commit_seq') WHERE id = NEW.id;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER status_events_commit_order AFTER INSERT ON status_events
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION status_events_number();

-- Rollups for the dashboard's overview (as in the SQLite migration): the fleet's counts once a
-- minute and each UTC day's mean uptime, each row written once by whichever replica is first.
CREATE TABLE fleet_minutes (
  minute   bigint PRIMARY KEY,
  total    bigint NOT NULL,
  on_count bigint NOT NULL
);
CREATE TABLE uptime_days (
  day         bigint PRIMARY KEY,
  avg_ppb     bigint NOT NULL,  -- mean uptime x 1e9
  servers     bigint NOT NULL,
  computed_at bigint NOT NULL
);
