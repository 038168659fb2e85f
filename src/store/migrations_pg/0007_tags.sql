-- 0007 (PostgreSQL): server tags; the model of src/store/migrations/0007_tags.sql. servers.tags
-- holds the list as shown, joined by ','; server_tags, derived from it by triggers, is its index
-- for ?tag= filters.

ALTER TABLE servers ADD COLUMN tags text COLLATE "C" NOT NULL DEFAULT '';

CREATE TABLE server_tags (
  tag    text COLLATE "C" NOT NULL,
  server bigint NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
  PRIMARY KEY (tag, server)
);
CREATE INDEX server_tags_server ON server_tags (server);  -- the cascade on delete

CREATE FUNCTION server_tags_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM server_tags WHERE server = OLD.id;
  END IF;
  INSERT INTO server_tags (tag, server)
  SELECT DISTINCT t, NEW.id FROM unnest(string_to_array(NEW.tags, ',')) AS t WHERE t <> '';
  RETURN NULL;
END $$;

-- Row-level, and only when there is something to do: a server registered by its heartbeat has
-- no tags, and the heartbeat paths never set the column.
CREATE TRIGGER server_tags_insert AFTER INSERT ON servers
FOR EACH ROW WHEN (NEW.tags <> '') EXECUTE FUNCTION server_tags_sync();
CREATE TRIGGER server_tags_update AFTER UPDATE OF tags ON servers
FOR EACH ROW WHEN (OLD.tags IS DISTINCT FROM NEW.tags) EXECUTE FUNCTION server_tags_sync();
