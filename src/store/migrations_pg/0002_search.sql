-- 0002 (PostgreSQL): substring search (the list's q and server_name filters) through a pg_trgm
-- GIN index, so a search over a large fleet reads candidate rows instead of every row; the
-- equivalent of SQLite's FTS5 trigram table (src/store/migrations/0002_search.sql). One indexed
-- text per server (its searchable fields joined by U+001F) keeps it to one index lookup per
-- search. It lives in its own table, kept by triggers, so that rewriting a server's row (status
-- and last_updated are indexed, so such an update is never HOT and adds an entry to every index
-- of servers) does not re-index its trigrams. The index only narrows the candidates: the exact
-- ILIKE ... ESCAPE on servers decides.
--
-- pg_trgm is a trusted extension: a database owner may create it. It goes to the first schema
-- of the search_path unless it is installed already.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE servers_search (
  id   bigint PRIMARY KEY REFERENCES servers (id) ON DELETE CASCADE,
  text text COLLATE "C" NOT NULL
);
INSERT INTO servers_search (id, text)
SELECT id, server_id || chr(31) || server_name || chr(31) || hostname || chr(31) || ipv4
FROM servers;
CREATE INDEX servers_search_text ON servers_search USING gin (text gin_trgm_ops);

CREATE FUNCTION servers_search_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO servers_search (id, text)
  SELECT id, server_id || chr(31) || server_name || chr(31) || hostname || chr(31) || ipv4
  FROM new_rows;
  RETURN NULL;
END $$;

CREATE FUNCTION servers_search_update() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE servers_search
  SET text = NEW.server_id || chr(31) || NEW.server_name || chr(31) || NEW.hostname ||
             chr(31) || NEW.ipv4
  WHERE id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER servers_search_insert AFTER INSERT ON servers
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION servers_search_insert();
-- Heartbeats rewrite these columns with the same values when a server turns on; only a real
-- change touches the index. The heartbeat fast path does not name them, so never fires this.
CREATE TRIGGER servers_search_update AFTER UPDATE OF server_name, hostname, ipv4 ON servers
FOR EACH ROW WHEN (OLD.server_name IS DISTINCT FROM NEW.server_name
                   OR OLD.hostname IS DISTINCT FROM NEW.hostname
                   OR OLD.ipv4 IS DISTINCT FROM NEW.ipv4)
EXECUTE FUNCTION servers_search_update();
