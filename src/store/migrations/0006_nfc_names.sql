-- 0006: server names in Unicode NFC. From this version on a name is normalised before it is
-- compared or stored (core/validation.h NormalizeName). NFC is beyond SQL: the step that runs
-- with this migration (store/name_normalization.h) rewrites the names stored before, but leaves
-- servers whose names would then be one name as they are and lists them here; every start
-- warns about the ones still standing until all but one of each set are renamed.

CREATE TABLE server_name_collisions (
  server_id   TEXT NOT NULL PRIMARY KEY,
  server_name TEXT NOT NULL,  -- as it was found (the collision stands while it still is)
  nfc         TEXT NOT NULL   -- the name the servers of the set share in NFC
);
