// PostgresStore: users, login sessions and API tokens (small tables). UpdateUser and
// DeleteUser take LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE (which conflicts with itself
// and with every row write to users, not with reads) before they count the admins, so two
// replicas demoting or deleting the last two admins at once run one after the other and the
// second sees the first's result. Deleting a user cascades to its sessions and tokens.

#include "store/postgres_store.h"
#include "store/user_rules.h"

namespace sms::store {
namespace {

const std::string kUserColumns = "username, password_hash, role, created_at, updated_at";
const std::string kTokenColumns =
    "token_id, username, name, secret_hash, scopes, created_at, expires_at";

const std::string kInsertUserSql = "INSERT INTO users (" + kUserColumns +
                                   ") VALUES ($1, $2, $3, $4, $5) "
                                   "ON CONFLICT DO NOTHING RETURNING username";
const std::string kGetUserSql = "SELECT " + kUserColumns + " FROM users WHERE username = $1";
const std::string kListUsersSql = "SELECT " + kUserColumns + " FROM users ORDER BY username";
const std::string kCountUsersSql = "SELECT count(*) FROM users";
const std::string kLockUsersSql = "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE";
const std::string kCountAdminsSql = "SELECT count(*) FROM users WHERE role = $1";
const std::string kWriteUserSql =
    "UPDATE users SET password_hash = $2, role = $3, updated_at = $4 WHERE username = $1";
const std::string kDeleteUserSql = "DELETE FROM users WHERE username = $1";
const std::string kUserSessionsSql = "DELETE FROM sessions WHERE username = $1";

const std::string kUserKeyShareSql = "SELECT 1 FROM users WHERE username = $1 FOR KEY SHARE";
const std::string kPurgeSessionsSql = "DELETE FROM sessions WHERE expires_at < $1";
const std::string kInsertSessionSql =
    "INSERT INTO sessions (jti, username, created_at, expires_at) VALUES ($1, $2, $3, $4)";
const std::string kSessionUserSql =
    "SELECT u.username, u.password_hash, u.role, u.created_at, u.updated_at "
    "FROM sessions s JOIN users u ON u.username = s.username "
    "WHERE s.jti = $1 AND s.expires_at > $2";
const std::string kDeleteSessionSql = "DELETE FROM sessions WHERE jti = $1 RETURNING jti";

const std::string kInsertTokenSql = "INSERT INTO api_tokens (" + kTokenColumns +
                                    ") VALUES ($1, $2, $3, $4, $5, $6, $7) "
                                    "ON CONFLICT DO NOTHING RETURNING token_id";
const std::string kTokenUserSql =
    "SELECT t.token_id, t.username, t.name, t.secret_hash, t.scopes, t.created_at, "
    "t.expires_at, u.username, u.password_hash, u.role, u.created_at, u.updated_at "
    "FROM api_tokens t JOIN users u ON u.username = t.username "
    "WHERE t.token_id = $1 AND t.expires_at > $2";
const std::string kListTokensSql =
    "SELECT " + kTokenColumns + " FROM api_tokens ORDER BY created_at DESC, token_id";
const std::string kListUserTokensSql = "SELECT " + kTokenColumns +
                                       " FROM api_tokens WHERE username = $1 "
                                       "ORDER BY created_at DESC, token_id";
const std::string kDeleteTokenSql = "DELETE FROM api_tokens WHERE token_id = $1 RETURNING 1";
const std::string kDeleteOwnTokenSql =
    "DELETE FROM api_tokens WHERE token_id = $1 AND username = $2 RETURNING 1";

// The user whose columns (kUserColumns) start at `first`.
UserRecord ReadUser(const pqxx::row& row, int first = 0) {
  return UserRecord{row[first].as<std::string>(), row[first + 1].as<std::string>(),
                    row[first + 2].as<std::string>(), row[first + 3].as<int64_t>(),
                    row[first + 4].as<int64_t>()};
}

ApiTokenRecord ReadToken(const pqxx::row& row) {
  ApiTokenRecord t;
  t.token_id = row[0].as<std::string>();
  t.username = row[1].as<std::string>();
  t.name = row[2].as<std::string>();
  t.secret_hash = row[3].as<std::string>();
  t.scopes = SplitColumn(row[4].as<std::string>(), kScopeSeparator);
  t.created_at = row[5].as<int64_t>();
  t.expires_at = row[6].as<int64_t>();
  return t;
}

// Locks users against writes and reads `username` in `tx`; nullopt when absent.
std::optional<UserRecord> LockAndFindUser(pqxx::work& tx, PgConnection& conn,
                                          const std::string& username) {
  tx.exec(kLockUsersSql);
  pqxx::result r = ExecPrepared(tx, conn, kGetUserSql, username);
  if (r.empty()) return std::nullopt;
  return ReadUser(r[0]);
}

// KeepOneAdmin's count. REQUIRES: users is locked in `tx`.
std::function<Result<int64_t>()> AdminCount(pqxx::work& tx, PgConnection& conn) {
  return [&tx, &conn]() -> Result<int64_t> {
    return ExecPrepared(tx, conn, kCountAdminsSql, std::string(kAdminRole))[0][0].as<int64_t>();
  };
}

}  // namespace

Status PostgresStore::CreateUser(const UserRecord& u) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    pqxx::result r = ExecPrepared(tx, conn, kInsertUserSql, u.username, u.password_hash, u.role,
                                  u.created_at, u.updated_at);
    if (r.empty()) return UserExists(u.username);
    tx.commit();
    return Status::Ok();
  });
}

Result<UserRecord> PostgresStore::GetUser(const std::string& username) {
  std::optional<UserRecord> found;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    pqxx::result r = ExecPrepared(tx, conn, kGetUserSql, username);
    if (!r.empty()) found = ReadUser(r[0]);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!found) return UserNotFound(username);
  return std::move(*found);
}

Result<std::vector<UserRecord>> PostgresStore::ListUsers() {
  std::vector<UserRecord> out;
  Status s = pool_.Run([&](PgConnection& conn) {
    out.clear();
    pqxx::nontransaction tx(conn.raw());
    for (const pqxx::row& row : ExecPrepared(tx, conn, kListUsersSql)) out.push_back(ReadUser(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<int64_t> PostgresStore::CountUsers() {
  int64_t count = 0;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    count = ExecPrepared(tx, conn, kCountUsersSql)[0][0].as<int64_t>();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return count;
}

Result<UserRecord> PostgresStore::UpdateUser(const std::string& username, const UserPatch& patch,
                                             Millis now) {
  UserRecord u;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    std::optional<UserRecord> before = LockAndFindUser(tx, conn, username);
    if (!before) return UserNotFound(username);
    u = PatchedUser(*before, patch, now);
    Status kept = KeepOneAdmin(*before, u.role, AdminCount(tx, conn));
    if (!kept.ok()) return kept;
    ExecPrepared(tx, conn, kWriteUserSql, u.username, u.password_hash, u.role, u.updated_at);
    if (EndsSessions(*before, u)) {
      ExecPrepared(tx, conn, kUserSessionsSql, username);
    }
    tx.commit();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return u;
}

Status PostgresStore::DeleteUser(const std::string& username) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    std::optional<UserRecord> found = LockAndFindUser(tx, conn, username);
    if (!found) return UserNotFound(username);
    Status kept = KeepOneAdmin(*found, std::nullopt, AdminCount(tx, conn));
    if (!kept.ok()) return kept;
    ExecPrepared(tx, conn, kDeleteUserSql, username);  // sessions and tokens cascade
    tx.commit();
    return Status::Ok();
  });
}

// ---- Sessions --------------------------------------------------------------------------------

Status PostgresStore::InsertSession(const SessionRecord& session) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    if (ExecPrepared(tx, conn, kUserKeyShareSql, session.username).empty()) {
      return UserNotFound(session.username);
    }
    ExecPrepared(tx, conn, kPurgeSessionsSql, session.created_at);
    ExecPrepared(tx, conn, kInsertSessionSql, session.jti, session.username, session.created_at,
                 session.expires_at);
    tx.commit();
    return Status::Ok();
  });
}

Result<std::optional<UserRecord>> PostgresStore::SessionUser(const std::string& jti, Millis now) {
  std::optional<UserRecord> found;
  Status s = pool_.Run([&](PgConnection& conn) {
    found.reset();
    pqxx::nontransaction tx(conn.raw());
    pqxx::result r = ExecPrepared(tx, conn, kSessionUserSql, jti, now);
    if (!r.empty()) found = ReadUser(r[0]);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return found;
}

Status PostgresStore::DeleteSession(const std::string& jti) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    if (ExecPrepared(tx, conn, kDeleteSessionSql, jti).empty()) {
      return SessionNotFound();
    }
    tx.commit();
    return Status::Ok();
  });
}

// ---- API tokens ------------------------------------------------------------------------------

Status PostgresStore::InsertApiToken(const ApiTokenRecord& t) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    if (ExecPrepared(tx, conn, kUserKeyShareSql, t.username).empty()) {
      return UserNotFound(t.username);
    }
    std::string scopes = JoinColumn(t.scopes, kScopeSeparator);
    pqxx::result r = ExecPrepared(tx, conn, kInsertTokenSql, t.token_id, t.username, t.name,
                                  t.secret_hash, scopes, t.created_at, t.expires_at);
    if (r.empty()) return TokenExists(t.token_id);
    tx.commit();
    return Status::Ok();
  });
}

Result<std::optional<std::pair<ApiTokenRecord, UserRecord>>> PostgresStore::ApiTokenUser(
    const std::string& token_id, Millis now) {
  std::optional<std::pair<ApiTokenRecord, UserRecord>> found;
  Status s = pool_.Run([&](PgConnection& conn) {
    found.reset();
    pqxx::nontransaction tx(conn.raw());
    pqxx::result r = ExecPrepared(tx, conn, kTokenUserSql, token_id, now);
    if (!r.empty()) found.emplace(ReadToken(r[0]), ReadUser(r[0], 7));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return found;
}

Result<std::vector<ApiTokenRecord>> PostgresStore::ListApiTokens(const std::string& username) {
  std::vector<ApiTokenRecord> out;
  Status s = pool_.Run([&](PgConnection& conn) {
    out.clear();
    pqxx::nontransaction tx(conn.raw());
    pqxx::result r = username.empty() ? ExecPrepared(tx, conn, kListTokensSql)
                                      : ExecPrepared(tx, conn, kListUserTokensSql, username);
    for (const pqxx::row& row : r) out.push_back(ReadToken(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PostgresStore::DeleteApiToken(const std::string& token_id, const std::string& username) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    pqxx::result r = username.empty()
                         ? ExecPrepared(tx, conn, kDeleteTokenSql, token_id)
                         : ExecPrepared(tx, conn, kDeleteOwnTokenSql, token_id, username);
    if (r.empty()) return TokenNotFound(token_id);
    tx.commit();
    return Status::Ok();
  });
}

}  // namespace sms::store
