-- 0011 (PostgreSQL): server names unique regardless of case; the model of the SQLite migration
-- (src/store/migrations/0011_name_keys.sql). lower() under COLLATE "C" folds ASCII only; the
-- step (store/name_normalization.h KeyStoredNames) keys the other names in C++, as on SQLite,
-- so that both stores use the one NameKey.
ALTER TABLE servers ADD COLUMN name_key text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE servers ADD COLUMN name_clash text COLLATE "C" NOT NULL DEFAULT '';
UPDATE servers SET name_key = lower(server_name);
-- @step: KeyStoredNames runs here, inside this migration's transaction.
ALTER TABLE servers ALTER COLUMN name_key DROP DEFAULT;
CREATE UNIQUE INDEX servers_name_key ON servers (name_key, name_clash);
