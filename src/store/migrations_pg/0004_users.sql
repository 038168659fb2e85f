-- 0004 (PostgreSQL): users, login sessions and API tokens; see
-- src/store/migrations/0004_users.sql.

CREATE TABLE users (
  username      text   PRIMARY KEY,
  password_hash text   NOT NULL,
  role          text   NOT NULL,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL
);

CREATE TABLE sessions (
  jti        text   PRIMARY KEY,
  username   text   NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX sessions_username ON sessions (username);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_tokens (
  token_id    text   PRIMARY KEY,
  username    text   NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  name        text   NOT NULL,
  secret_hash text   NOT NULL,
  scopes      text   NOT NULL,
  created_at  bigint NOT NULL,
  expires_at  bigint NOT NULL
);
CREATE INDEX api_tokens_username ON api_tokens (username);
