-- 0007: server tags (core/tags.h: 1-64 characters of [a-z0-9._:-], at most 16 a server).
-- servers.tags holds a server's list as the API shows it, joined by ',' (no tag holds one);
-- server_tags is its index for ?tag= filters, one row per (tag, server). Triggers derive the
-- index from the column, so every path that writes a server (create, update, import,
-- registration) keeps the two equal without knowing about the index.

ALTER TABLE servers ADD COLUMN tags TEXT NOT NULL DEFAULT '';

CREATE TABLE server_tags (
  tag    TEXT    NOT NULL,
  server INTEGER NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
  PRIMARY KEY (tag, server)
) WITHOUT ROWID;
CREATE INDEX server_tags_server ON server_tags (server);  -- the cascade on delete

-- Servers per tag, kept by triggers (as fleet_counts keeps the fleet's): a list filtered by tags
-- knows how many servers each tag has without counting them, and picks its plan from that.
CREATE TABLE tag_counts (
  tag     TEXT    PRIMARY KEY,
  servers INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER server_tags_count_insert AFTER INSERT ON server_tags BEGIN
  INSERT INTO tag_counts (tag, servers) VALUES (NEW.tag, 1)
  ON CONFLICT (tag) DO UPDATE SET servers = servers + 1;
END;
CREATE TRIGGER server_tags_count_delete AFTER DELETE ON server_tags BEGIN
  UPDATE tag_counts SET servers = servers - 1 WHERE tag = OLD.tag;
END;

-- A list "a,b" as the JSON array ["a","b"]: tags hold no quote or backslash.
CREATE TRIGGER server_tags_insert AFTER INSERT ON servers WHEN NEW.tags <> '' BEGIN
  INSERT INTO server_tags (tag, server)
  SELECT DISTINCT value, NEW.id FROM json_each('["' || replace(NEW.tags, ',', '","') || '"]');
END;
CREATE TRIGGER server_tags_update AFTER UPDATE OF tags ON servers
WHEN NEW.tags IS NOT OLD.tags BEGIN
  DELETE FROM server_tags WHERE server = OLD.id;
  INSERT INTO server_tags (tag, server)
  SELECT DISTINCT value, NEW.id FROM json_each('["' || replace(NEW.tags, ',', '","') || '"]')
  WHERE NEW.tags <> '';
END;
