-- 0002: substring search (the list's q and server_name filters) through a trigram index, so a
-- search over a large fleet reads candidate rows instead of every row. One indexed text per
-- server (its searchable fields joined by U+001F) keeps it to one index lookup per search;
-- detail=none keeps it small (tens of bytes a server). The index only narrows the candidates:
-- the exact LIKE ... ESCAPE on servers decides. External content: the text lives in servers.

CREATE VIEW servers_search_text AS
SELECT id, server_id || char(31) || server_name || char(31) || hostname || char(31) || ipv4 AS text
FROM servers;

CREATE VIRTUAL TABLE servers_search USING fts5 (
  text,
  content = 'servers_search_text', content_rowid = 'id',
  tokenize = 'trigram', detail = 'none', columnsize = 0
);
INSERT INTO servers_search (servers_search) VALUES ('rebuild');

CREATE TRIGGER servers_search_insert AFTER INSERT ON servers BEGIN
  INSERT INTO servers_search (rowid, text) VALUES (NEW.id,
    NEW.server_id || char(31) || NEW.server_name || char(31) || NEW.hostname || char(31) ||
    NEW.ipv4);
END;
CREATE TRIGGER servers_search_delete AFTER DELETE ON servers BEGIN
  INSERT INTO servers_search (servers_search, rowid, text) VALUES ('delete', OLD.id,
    OLD.server_id || char(31) || OLD.server_name || char(31) || OLD.hostname || char(31) ||
    OLD.ipv4);
END;
-- Heartbeats rewrite these columns with the same values when a server turns on; only a real
-- change touches the index.
CREATE TRIGGER servers_search_update AFTER UPDATE OF server_name, hostname, ipv4 ON servers
WHEN OLD.server_name IS NOT NEW.server_name OR OLD.hostname IS NOT NEW.hostname
  OR OLD.ipv4 IS NOT NEW.ipv4 BEGIN
  INSERT INTO servers_search (servers_search, rowid, text) VALUES ('delete', OLD.id,
    OLD.server_id || char(31) || OLD.server_name || char(31) || OLD.hostname || char(31) ||
    OLD.ipv4);
  INSERT INTO servers_search (rowid, text) VALUES (NEW.id,
    NEW.server_id || char(31) || NEW.server_name || char(31) || NEW.hostname || char(31) ||
    NEW.ipv4);
END;
