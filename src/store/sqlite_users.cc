// SqliteStore: users, login sessions and API tokens (small tables). Every write is one
// BEGIN IMMEDIATE transaction on the writer, so the "at least one admin" check of UpdateUser
// and DeleteUser and their write cannot interleave with another writer's, in this process or
// another one on the same file. Foreign keys are on (sqlite_connection.cc): deleting a user
// cascades to its sessions and tokens.

#include "core/status_macros.h"
#include "store/sqlite_store.h"
#include "store/user_rules.h"

namespace sms::store {
namespace {

constexpr const char* kUserColumns = "username, password_hash, role, created_at, updated_at";
constexpr const char* kTokenColumns =
    "token_id, username, name, secret_hash, scopes, created_at, expires_at";

// The user whose columns (kUserColumns) start at `first`.
UserRecord ReadUser(const Statement& st, int first = 0) {
  return UserRecord{st.Text(first), st.Text(first + 1), st.Text(first + 2), st.Int(first + 3),
                    st.Int(first + 4)};
}

ApiTokenRecord ReadToken(const Statement& st) {
  ApiTokenRecord t;
  t.token_id = st.Text(0);
  t.username = st.Text(1);
  t.name = st.Text(2);
  t.secret_hash = st.Text(3);
  t.scopes = SplitColumn(st.Text(4), kScopeSeparator);
  t.created_at = st.Int(5);
  t.expires_at = st.Int(6);
  return t;
}

Result<std::optional<UserRecord>> FindUser(Connection& conn, const std::string& username) {
  ASSIGN_OR_RETURN(Statement st, conn.Prepare(std::string("SELECT ") + kUserColumns +
                                              " FROM users WHERE username = ?"));
  st.Bind(1, username);
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<UserRecord>();
  return std::optional<UserRecord>(ReadUser(st));
}

// The user `username`; NotFound when there is none.
Result<UserRecord> RequireUser(Connection& conn, const std::string& username) {
  ASSIGN_OR_RETURN(std::optional<UserRecord> found, FindUser(conn, username));
  if (!found) return UserNotFound(username);
  return std::move(*found);
}

Result<int64_t> CountAdmins(Connection& conn) {
  ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT count(*) FROM users WHERE role = ?"));
  st.Bind(1, kAdminRole);
  ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

// Runs `sql` with one text parameter; the number of rows it changed.
Result<int64_t> RunWithKey(Connection& conn, const char* sql, const std::string& key) {
  ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql));
  st.Bind(1, key);
  RETURN_IF_ERROR(st.Run());
  return conn.Changes();
}

Status WriteUser(Connection& conn, const UserRecord& u) {
  ASSIGN_OR_RETURN(Statement st, conn.Prepare("UPDATE users SET password_hash = ?, role = ?, "
                                              "updated_at = ? WHERE username = ?"));
  st.Bind(1, u.password_hash).Bind(2, u.role).Bind(3, u.updated_at).Bind(4, u.username);
  return st.Run();
}

}  // namespace

Status SqliteStore::CreateUser(const UserRecord& user) {
  bool inserted = false;
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    ASSIGN_OR_RETURN(Statement st, conn.Prepare(std::string("INSERT INTO users (") + kUserColumns +
                                                ") VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
    st.Bind(1, user.username).Bind(2, user.password_hash).Bind(3, user.role);
    st.Bind(4, user.created_at).Bind(5, user.updated_at);
    RETURN_IF_ERROR(st.Run());
    inserted = conn.Changes() > 0;
    return Status::Ok();
  }));
  return inserted ? Status::Ok() : UserExists(user.username);
}

Result<UserRecord> SqliteStore::GetUser(const std::string& username) {
  UserRecord found;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) {
    ASSIGN_OR_RETURN(found, RequireUser(conn, username));
    return Status::Ok();
  }));
  return found;
}

Result<std::vector<UserRecord>> SqliteStore::ListUsers() {
  std::vector<UserRecord> out;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) {
    ASSIGN_OR_RETURN(Statement st, conn.Prepare(std::string("SELECT ") + kUserColumns +
                                                " FROM users ORDER BY username"));
    return st.ForEachRow([&](Statement& row) { out.push_back(ReadUser(row)); });
  }));
  return out;
}

Result<int64_t> SqliteStore::CountUsers() {
  int64_t count = 0;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) {
    ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT count(*) FROM users"));
    return st.ForEachRow([&](Statement& row) { count = row.Int(0); });
  }));
  return count;
}

Result<UserRecord> SqliteStore::UpdateUser(const std::string& username, const UserPatch& patch,
                                           Millis now) {
  UserRecord u;
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    ASSIGN_OR_RETURN(const UserRecord before, RequireUser(conn, username));
    u = PatchedUser(before, patch, now);
    RETURN_IF_ERROR(KeepOneAdmin(before, u.role, [&] { return CountAdmins(conn); }));
    RETURN_IF_ERROR(WriteUser(conn, u));
    if (EndsSessions(before, u)) {
      RETURN_IF_ERROR(RunWithKey(conn, "DELETE FROM sessions WHERE username = ?", username));
    }
    return tx.Commit();
  }));
  return u;
}

Status SqliteStore::DeleteUser(const std::string& username) {
  return WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    ASSIGN_OR_RETURN(const UserRecord user, RequireUser(conn, username));
    RETURN_IF_ERROR(KeepOneAdmin(user, std::nullopt, [&] { return CountAdmins(conn); }));
    // Sessions and tokens go by ON DELETE CASCADE.
    RETURN_IF_ERROR(RunWithKey(conn, "DELETE FROM users WHERE username = ?", username));
    return tx.Commit();
  });
}

// ---- Sessions --------------------------------------------------------------------------------

Status SqliteStore::InsertSession(const SessionRecord& session) {
  return WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    RETURN_IF_ERROR(RequireUser(conn, session.username));
    ASSIGN_OR_RETURN(Statement purge, conn.Prepare("DELETE FROM sessions WHERE expires_at < ?"));
    purge.Bind(1, session.created_at);
    RETURN_IF_ERROR(purge.Run());
    ASSIGN_OR_RETURN(Statement ins, conn.Prepare("INSERT INTO sessions (jti, username, "
                                                 "created_at, expires_at) VALUES (?, ?, ?, ?)"));
    ins.Bind(1, session.jti).Bind(2, session.username);
    ins.Bind(3, session.created_at).Bind(4, session.expires_at);
    RETURN_IF_ERROR(ins.Run());
    return tx.Commit();
  });
}

Result<std::optional<UserRecord>> SqliteStore::SessionUser(const std::string& jti, Millis now) {
  std::optional<UserRecord> found;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) {
    ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("SELECT u.username, u.password_hash, u.role, u.created_at, "
                     "u.updated_at FROM sessions s JOIN users u "
                     "ON u.username = s.username WHERE s.jti = ? AND s.expires_at > ?"));
    st.Bind(1, jti).Bind(2, now);
    return st.ForEachRow([&](Statement& row) { found = ReadUser(row); });
  }));
  return found;
}

Status SqliteStore::DeleteSession(const std::string& jti) {
  int64_t deleted = 0;
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    ASSIGN_OR_RETURN(deleted, RunWithKey(conn, "DELETE FROM sessions WHERE jti = ?", jti));
    return Status::Ok();
  }));
  return deleted > 0 ? Status::Ok() : SessionNotFound();
}

// ---- API tokens ------------------------------------------------------------------------------

Status SqliteStore::InsertApiToken(const ApiTokenRecord& token) {
  std::string scopes = JoinColumn(token.scopes, kScopeSeparator);
  bool inserted = false;
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    RETURN_IF_ERROR(RequireUser(conn, token.username));
    ASSIGN_OR_RETURN(Statement ins,
                     conn.Prepare(std::string("INSERT INTO api_tokens (") + kTokenColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
    ins.Bind(1, token.token_id).Bind(2, token.username).Bind(3, token.name);
    ins.Bind(4, token.secret_hash).Bind(5, scopes);
    ins.Bind(6, token.created_at).Bind(7, token.expires_at);
    RETURN_IF_ERROR(ins.Run());
    inserted = conn.Changes() > 0;
    return inserted ? tx.Commit() : Status::Ok();
  }));
  return inserted ? Status::Ok() : TokenExists(token.token_id);
}

Result<std::optional<std::pair<ApiTokenRecord, UserRecord>>> SqliteStore::ApiTokenUser(
    const std::string& token_id, Millis now) {
  std::optional<std::pair<ApiTokenRecord, UserRecord>> found;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) {
    ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("SELECT t.token_id, t.username, t.name, t.secret_hash, t.scopes, "
                     "t.created_at, t.expires_at, u.username, u.password_hash, u.role, "
                     "u.created_at, u.updated_at FROM api_tokens t JOIN users u "
                     "ON u.username = t.username WHERE t.token_id = ? AND t.expires_at > ?"));
    st.Bind(1, token_id).Bind(2, now);
    return st.ForEachRow([&](Statement& row) { found.emplace(ReadToken(row), ReadUser(row, 7)); });
  }));
  return found;
}

Result<std::vector<ApiTokenRecord>> SqliteStore::ListApiTokens(const std::string& username) {
  std::vector<ApiTokenRecord> out;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) {
    ASSIGN_OR_RETURN(Statement st,
                     conn.Prepare(std::string("SELECT ") + kTokenColumns + " FROM api_tokens" +
                                  (username.empty() ? "" : " WHERE username = ?") +
                                  " ORDER BY created_at DESC, token_id"));
    if (!username.empty()) st.Bind(1, username);
    return st.ForEachRow([&](Statement& row) { out.push_back(ReadToken(row)); });
  }));
  return out;
}

Status SqliteStore::DeleteApiToken(const std::string& token_id, const std::string& username) {
  int64_t deleted = 0;
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare(username.empty()
                         ? "DELETE FROM api_tokens WHERE token_id = ?"
                         : "DELETE FROM api_tokens WHERE token_id = ? AND username = ?"));
    st.Bind(1, token_id);
    if (!username.empty()) st.Bind(2, username);
    RETURN_IF_ERROR(st.Run());
    deleted = conn.Changes();
    return Status::Ok();
  }));
  return deleted > 0 ? Status::Ok() : TokenNotFound(token_id);
}

}  // namespace sms::store
