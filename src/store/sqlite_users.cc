// SqliteStore: users, login sessions and API tokens (small tables). Every write is one
// BEGIN IMMEDIATE transaction on the writer, so the "at least one admin" check of UpdateUser
// and DeleteUser and their write cannot interleave with another writer's, in this process or
// another one on the same file. Foreign keys are on (sqlite_connection.cc): deleting a user
// cascades to its sessions and tokens.

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
  Result<Statement> st =
      conn.Prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE username = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, username);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<UserRecord>();
  return std::optional<UserRecord>(ReadUser(*st));
}

Result<int64_t> CountAdmins(Connection& conn) {
  Result<Statement> st = conn.Prepare("SELECT count(*) FROM users WHERE role = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, kAdminRole);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  return *row ? st->Int(0) : 0;
}

// Runs `sql` with one text parameter; the number of rows it changed.
Result<int64_t> RunWithKey(Connection& conn, const char* sql, const std::string& key) {
  Result<Statement> st = conn.Prepare(sql);
  if (!st.ok()) return st.status();
  st->Bind(1, key);
  Status run = st->Run();
  if (!run.ok()) return run;
  return conn.Changes();
}

Status WriteUser(Connection& conn, const UserRecord& u) {
  Result<Statement> st = conn.Prepare(
      "UPDATE users SET password_hash = ?, role = ?, updated_at = ? WHERE username = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, u.password_hash).Bind(2, u.role).Bind(3, u.updated_at).Bind(4, u.username);
  return st->Run();
}

}  // namespace

Status SqliteStore::CreateUser(const UserRecord& user) {
  bool inserted = false;
  Status s = WithWriter([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(std::string("INSERT INTO users (") + kUserColumns +
                                        ") VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    if (!st.ok()) return st.status();
    st->Bind(1, user.username).Bind(2, user.password_hash).Bind(3, user.role);
    st->Bind(4, user.created_at).Bind(5, user.updated_at);
    Status run = st->Run();
    inserted = run.ok() && conn.Changes() > 0;
    return run;
  });
  if (!s.ok()) return s;
  if (!inserted) return UserExists(user.username);
  return Status::Ok();
}

Result<UserRecord> SqliteStore::GetUser(const std::string& username) {
  std::optional<UserRecord> found;
  Status s = WithReader([&](Connection& conn) {
    Result<std::optional<UserRecord>> u = FindUser(conn, username);
    if (!u.ok()) return u.status();
    found = std::move(*u);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!found) return UserNotFound(username);
  return std::move(*found);
}

Result<std::vector<UserRecord>> SqliteStore::ListUsers() {
  std::vector<UserRecord> out;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st =
        conn.Prepare(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY username");
    if (!st.ok()) return st.status();
    for (;;) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      out.push_back(ReadUser(*st));
    }
  });
  if (!s.ok()) return s;
  return out;
}

Result<int64_t> SqliteStore::CountUsers() {
  int64_t count = 0;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st = conn.Prepare("SELECT count(*) FROM users");
    if (!st.ok()) return st.status();
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) count = st->Int(0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return count;
}

Result<UserRecord> SqliteStore::UpdateUser(const std::string& username, const UserPatch& patch,
                                           Millis now) {
  UserRecord u;
  Status s = WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    Result<std::optional<UserRecord>> found = FindUser(conn, username);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return UserNotFound(username);
    const UserRecord before = **found;
    u = PatchedUser(before, patch, now);
    st = KeepOneAdmin(before, u.role, [&] { return CountAdmins(conn); });
    if (st.ok()) st = WriteUser(conn, u);
    if (st.ok() && EndsSessions(before, u)) {
      st = RunWithKey(conn, "DELETE FROM sessions WHERE username = ?", username).status();
    }
    return st.ok() ? tx.Commit() : st;
  });
  if (!s.ok()) return s;
  return u;
}

Status SqliteStore::DeleteUser(const std::string& username) {
  return WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    Result<std::optional<UserRecord>> found = FindUser(conn, username);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return UserNotFound(username);
    st = KeepOneAdmin(**found, std::nullopt, [&] { return CountAdmins(conn); });
    if (!st.ok()) return st;
    // Sessions and tokens go by ON DELETE CASCADE.
    Result<int64_t> deleted = RunWithKey(conn, "DELETE FROM users WHERE username = ?", username);
    if (!deleted.ok()) return deleted.status();
    return tx.Commit();
  });
}

// ---- Sessions --------------------------------------------------------------------------------

Status SqliteStore::InsertSession(const SessionRecord& session) {
  return WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    Result<std::optional<UserRecord>> found = FindUser(conn, session.username);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return UserNotFound(session.username);
    Result<Statement> purge = conn.Prepare("DELETE FROM sessions WHERE expires_at < ?");
    if (!purge.ok()) return purge.status();
    purge->Bind(1, session.created_at);
    if (st = purge->Run(); !st.ok()) return st;
    Result<Statement> ins = conn.Prepare(
        "INSERT INTO sessions (jti, username, created_at, expires_at) VALUES (?, ?, ?, ?)");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, session.jti).Bind(2, session.username);
    ins->Bind(3, session.created_at).Bind(4, session.expires_at);
    if (st = ins->Run(); !st.ok()) return st;
    return tx.Commit();
  });
}

Result<std::optional<UserRecord>> SqliteStore::SessionUser(const std::string& jti, Millis now) {
  std::optional<UserRecord> found;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(
        "SELECT u.username, u.password_hash, u.role, u.created_at, u.updated_at "
        "FROM sessions s JOIN users u ON u.username = s.username "
        "WHERE s.jti = ? AND s.expires_at > ?");
    if (!st.ok()) return st.status();
    st->Bind(1, jti).Bind(2, now);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) found = ReadUser(*st);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return found;
}

Status SqliteStore::DeleteSession(const std::string& jti) {
  int64_t deleted = 0;
  Status s = WithWriter([&](Connection& conn) {
    Result<int64_t> n = RunWithKey(conn, "DELETE FROM sessions WHERE jti = ?", jti);
    if (!n.ok()) return n.status();
    deleted = *n;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted > 0 ? Status::Ok() : SessionNotFound();
}

// ---- API tokens ------------------------------------------------------------------------------

Status SqliteStore::InsertApiToken(const ApiTokenRecord& token) {
  std::string scopes = JoinColumn(token.scopes, kScopeSeparator);
  bool inserted = false;
  Status s = WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    Result<std::optional<UserRecord>> found = FindUser(conn, token.username);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return UserNotFound(token.username);
    Result<Statement> ins = conn.Prepare(std::string("INSERT INTO api_tokens (") + kTokenColumns +
                                         ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    if (!ins.ok()) return ins.status();
    ins->Bind(1, token.token_id).Bind(2, token.username).Bind(3, token.name);
    ins->Bind(4, token.secret_hash).Bind(5, scopes);
    ins->Bind(6, token.created_at).Bind(7, token.expires_at);
    if (st = ins->Run(); !st.ok()) return st;
    inserted = conn.Changes() > 0;
    return inserted ? tx.Commit() : Status::Ok();
  });
  if (!s.ok()) return s;
  if (!inserted) return TokenExists(token.token_id);
  return Status::Ok();
}

Result<std::optional<std::pair<ApiTokenRecord, UserRecord>>> SqliteStore::ApiTokenUser(
    const std::string& token_id, Millis now) {
  std::optional<std::pair<ApiTokenRecord, UserRecord>> found;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(
        "SELECT t.token_id, t.username, t.name, t.secret_hash, t.scopes, t.created_at, "
        "t.expires_at, u.username, u.password_hash, u.role, u.created_at, u.updated_at "
        "FROM api_tokens t JOIN users u ON u.username = t.username "
        "WHERE t.token_id = ? AND t.expires_at > ?");
    if (!st.ok()) return st.status();
    st->Bind(1, token_id).Bind(2, now);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) found.emplace(ReadToken(*st), ReadUser(*st, 7));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return found;
}

Result<std::vector<ApiTokenRecord>> SqliteStore::ListApiTokens(const std::string& username) {
  std::vector<ApiTokenRecord> out;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(
        std::string("SELECT ") + kTokenColumns + " FROM api_tokens" +
        (username.empty() ? "" : " WHERE username = ?") + " ORDER BY created_at DESC, token_id");
    if (!st.ok()) return st.status();
    if (!username.empty()) st->Bind(1, username);
    for (;;) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      out.push_back(ReadToken(*st));
    }
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::DeleteApiToken(const std::string& token_id, const std::string& username) {
  int64_t deleted = 0;
  Status s = WithWriter([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(
        username.empty() ? "DELETE FROM api_tokens WHERE token_id = ?"
                         : "DELETE FROM api_tokens WHERE token_id = ? AND username = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, token_id);
    if (!username.empty()) st->Bind(2, username);
    Status run = st->Run();
    if (run.ok()) deleted = conn.Changes();
    return run;
  });
  if (!s.ok()) return s;
  return deleted > 0 ? Status::Ok() : TokenNotFound(token_id);
}

}  // namespace sms::store
