-- 0011: server names unique regardless of case, as host names are (DNS). A server keeps its
-- name as written; name_key is the name by which it is unique: NFC with Unicode case folding
-- (core/validation.h NameKey), written on every create, rename, import and registration.
-- Case folding beyond ASCII is beyond SQL: lower() fills the ASCII names here, and the step
-- that runs with this migration (store/name_normalization.h KeyStoredNames) the others.
--
-- Servers stored before whose names are then one name are never merged nor renamed: the
-- oldest of each set keeps name_key alone, every other one is told apart by name_clash (its
-- server_id; '' for every other server), which no name can hold, and all of the set are listed
-- in server_name_collisions (nfc: the key they share), which every start reports until they
-- are renamed. A name_key shared with such a server stays taken.
ALTER TABLE servers ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE servers ADD COLUMN name_clash TEXT NOT NULL DEFAULT '';
UPDATE servers SET name_key = lower(server_name);
-- @step: KeyStoredNames runs here, inside this migration's transaction.
CREATE UNIQUE INDEX servers_name_key ON servers (name_key, name_clash);
