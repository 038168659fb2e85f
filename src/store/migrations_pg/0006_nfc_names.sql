-- 0006 (PostgreSQL): server names in Unicode NFC; the model of the SQLite migration
-- (src/store/migrations/0006_nfc_names.sql). The names stored before are rewritten by the step
-- that runs with it (store/name_normalization.h), in C++ as on SQLite, so that both stores use
-- the one NormalizeName rather than PostgreSQL's normalize().

CREATE TABLE server_name_collisions (
  server_id   text COLLATE "C" NOT NULL PRIMARY KEY,
  server_name text COLLATE "C" NOT NULL,  -- as it was found (the collision stands while it is)
  nfc         text COLLATE "C" NOT NULL   -- the name the servers of the set share in NFC
);
