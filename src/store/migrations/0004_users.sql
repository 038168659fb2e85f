-- 0004: users of the management API, their login sessions (the jti of each issued JWT) and
-- their API tokens. Deleting a user deletes its sessions and tokens (foreign keys are on for
-- every connection). Times are Unix milliseconds.

CREATE TABLE users (
  username      TEXT    PRIMARY KEY,
  password_hash TEXT    NOT NULL,   -- argon2id, PHC string
  role          TEXT    NOT NULL,   -- admin, operator, viewer
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
  jti        TEXT    PRIMARY KEY,
  username   TEXT    NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_username ON sessions (username);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
  token_id    TEXT    PRIMARY KEY,
  username    TEXT    NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  name        TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL,   -- hex SHA-256 of the secret
  scopes      TEXT    NOT NULL,   -- space-separated
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX api_tokens_username ON api_tokens (username);
