-- 0001 (PostgreSQL): inventory, status history and fleet counters; the model of the SQLite
-- schema (src/store/migrations/0001_init.sql). Times are bigint milliseconds since the Unix
-- epoch (UTC); 0 means never. Empty text means unknown. Text is COLLATE "C" so that sorting and
-- uniqueness compare bytes (as SQLite's BINARY does), whatever the database's locale.
--
-- One difference in layout: a server's last_seen lives in a narrow table of its own,
-- server_liveness. Every heartbeat moves last_seen, and PostgreSQL writes a new row version
-- with an entry in every index of the table whenever an indexed column changes; in servers that
-- would be eleven index entries per heartbeat, in server_liveness it is three.

CREATE TABLE servers (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  server_id         text COLLATE "C" NOT NULL,
  server_name       text COLLATE "C" NOT NULL,
  ipv4              text COLLATE "C" NOT NULL DEFAULT '',
  -- ipv4 as a 32-bit number (-1 when empty) so that sort=ipv4 is numeric: 10.0.0.9 < 10.0.0.10
  ipv4_num          bigint   NOT NULL DEFAULT -1,
  hostname          text COLLATE "C" NOT NULL DEFAULT '',
  status            smallint NOT NULL DEFAULT 0 CHECK (status IN (0, 1)),  -- 0 off, 1 on
  "interval"        integer  NOT NULL DEFAULT 30,                          -- seconds
  created_time      bigint   NOT NULL,
  last_updated      bigint   NOT NULL,
  status_changed_at bigint   NOT NULL DEFAULT 0,
  -- PgError() names the field from these constraint names.
  CONSTRAINT servers_server_id_key UNIQUE (server_id),
  CONSTRAINT servers_server_name_key UNIQUE (server_name)
);

-- One index per sortable column, ending with id: ORDER BY <column>, id (either direction) walks
-- it without a sort step, and a keyset page (<column>, id) > ($1, $2) is one range scan.
-- server_id and server_name are unique, so their UNIQUE indexes order them alone.
CREATE INDEX servers_ipv4 ON servers (ipv4_num, id);
CREATE INDEX servers_hostname ON servers (hostname, id);
CREATE INDEX servers_status ON servers (status, id);
CREATE INDEX servers_created_time ON servers (created_time, id);
CREATE INDEX servers_last_updated ON servers (last_updated, id);
CREATE INDEX servers_status_changed_at ON servers (status_changed_at, id);

-- One row per server (the store writes both in one transaction). status and "interval" are
-- copies of the servers columns, kept equal by the store, for the sweep's index; the heartbeat
-- fast path also checks its status, so that a server another transaction just turned off is
-- not touched.
CREATE TABLE server_liveness (
  id         bigint   PRIMARY KEY REFERENCES servers (id) ON DELETE CASCADE,
  last_seen  bigint   NOT NULL DEFAULT 0,  -- received_at of the newest heartbeat
  status     smallint NOT NULL DEFAULT 0,
  "interval" integer  NOT NULL DEFAULT 30
);
CREATE INDEX server_liveness_last_seen ON server_liveness (last_seen, id);  -- sort=last_seen
-- The offline sweep: servers that are on, by the time their next heartbeat was due.
CREATE INDEX server_liveness_due ON server_liveness ((last_seen + "interval" * 1000))
WHERE status = 1;

CREATE TABLE status_events (
  id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  server bigint   NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
  status smallint NOT NULL CHECK (status IN (0, 1)),
  at     bigint   NOT NULL,
  cause  text     NOT NULL  -- created, registered, heartbeat, timeout
);
CREATE INDEX status_events_server_at ON status_events (server, at, id);

-- Fleet counters kept by statement-level triggers, so that /stats and unfiltered list totals
-- cost O(1) at any fleet size and a batch of N rows costs one counter update, not N. Sharded
-- by backend: concurrent workers mostly add to different rows instead of queueing on one.
-- Stats sums the shards.
CREATE TABLE fleet_counts (
  shard    integer PRIMARY KEY,
  total    bigint NOT NULL DEFAULT 0,
  on_count bigint NOT NULL DEFAULT 0
);
INSERT INTO fleet_counts (shard) SELECT generate_series(0, 15);

CREATE FUNCTION fleet_counts_add(d_total bigint, d_on bigint) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF d_total <> 0 OR d_on <> 0 THEN
    UPDATE fleet_counts SET total = total + d_total, on_count = on_count + d_on
    WHERE shard = pg_backend_pid() % 16;
  END IF;
END $$;

CREATE FUNCTION servers_count_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM fleet_counts_add(count(*), coalesce(sum(status), 0)) FROM new_rows;
  RETURN NULL;
END $$;

CREATE FUNCTION servers_count_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM fleet_counts_add(-count(*), -coalesce(sum(status), 0)) FROM old_rows;
  RETURN NULL;
END $$;

-- Statement-level with transition tables: fires once per UPDATE statement of servers (the
-- heartbeat fast path writes server_liveness only, so never fires it).
CREATE FUNCTION servers_count_update() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM fleet_counts_add(0, (SELECT coalesce(sum(status), 0) FROM new_rows) -
                              (SELECT coalesce(sum(status), 0) FROM old_rows));
  RETURN NULL;
END $$;

CREATE TRIGGER servers_count_insert AFTER INSERT ON servers
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION servers_count_insert();
CREATE TRIGGER servers_count_delete AFTER DELETE ON servers
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION servers_count_delete();
CREATE TRIGGER servers_count_update AFTER UPDATE ON servers
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION servers_count_update();
