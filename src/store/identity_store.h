#pragma once
// IdentityStore: the users of the management API, their sessions (logins) and API tokens. A
// narrow interface of Store (store.h): access control, the identity API and the first admin's
// bootstrap see only this. Implementations: SqliteStore, PostgresStore. Every method is
// thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

// A user of the management API. The password is only ever held as its argon2id hash.
struct UserRecord {
  std::string username;
  std::string password_hash;  // "$argon2id$…"
  std::string role;           // admin, operator, viewer
  Millis created_at = 0;
  Millis updated_at = 0;
};

// A change to a user; unset fields stay as they are.
struct UserPatch {
  std::optional<std::string> password_hash;
  std::optional<std::string> role;
};

// A login: the jti of the JWT it issued. A request with that JWT is let in only while the row
// exists (logout, a password or role change and deleting the user remove it) and not expired.
struct SessionRecord {
  std::string jti;
  std::string username;
  Millis created_at = 0;
  Millis expires_at = 0;
};

// An API token for automation: shown once as "sms_<token_id>_<secret>"; only the SHA-256 of
// the secret is stored.
struct ApiTokenRecord {
  std::string token_id;
  std::string username;  // the owner; the token never holds more than the owner's role
  std::string name;
  std::string secret_hash;  // hex SHA-256 of the secret
  std::vector<std::string> scopes;
  Millis created_at = 0;
  Millis expires_at = 0;
};

class IdentityStore {
 public:
  virtual ~IdentityStore() = default;
  IdentityStore() = default;
  IdentityStore(const IdentityStore&) = delete;
  IdentityStore& operator=(const IdentityStore&) = delete;

  // Conflict (field "username") when the username is taken.
  virtual Status CreateUser(const UserRecord& user) = 0;
  // NotFound when absent.
  virtual Result<UserRecord> GetUser(const std::string& username) = 0;
  // Every user, by username.
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Result<int64_t> CountUsers() = 0;
  // Applies `patch` (updated_at = now) and returns the user as stored. When the password or
  // the role changes, the user's sessions are deleted in the same transaction. NotFound when
  // absent; Conflict (field "role") when it would leave no admin. Atomic with respect to
  // concurrent updates and deletes (two demotions of the last two admins cannot both win).
  virtual Result<UserRecord> UpdateUser(const std::string& username, const UserPatch& patch,
                                        Millis now) = 0;
  // Deletes the user with its sessions and API tokens. NotFound when absent; Conflict (field
  // "username") when it is the last admin. Atomic as UpdateUser.
  virtual Status DeleteUser(const std::string& username) = 0;

  // Records a login; also deletes sessions that expired before `session.created_at`. NotFound
  // when the user does not exist.
  virtual Status InsertSession(const SessionRecord& session) = 0;
  // The user of session `jti` when it exists and expires after `now`; nullopt otherwise.
  virtual Result<std::optional<UserRecord>> SessionUser(const std::string& jti, Millis now) = 0;
  // Deletes session `jti` (logout). NotFound when absent.
  virtual Status DeleteSession(const std::string& jti) = 0;

  // Conflict (field "token_id") when the id exists; NotFound when the owner does not exist.
  virtual Status InsertApiToken(const ApiTokenRecord& token) = 0;
  // Token `token_id` with its owner, when it exists and expires after `now`; nullopt otherwise.
  virtual Result<std::optional<std::pair<ApiTokenRecord, UserRecord>>> ApiTokenUser(
      const std::string& token_id, Millis now) = 0;
  // The tokens of `username` (every user's when empty), newest first; expired ones included.
  virtual Result<std::vector<ApiTokenRecord>> ListApiTokens(const std::string& username) = 0;
  // Deletes token `token_id`; when `username` is not empty, only if that user owns it.
  // NotFound otherwise.
  virtual Status DeleteApiToken(const std::string& token_id, const std::string& username) = 0;
};

using IdentityStorePtr = std::shared_ptr<IdentityStore>;

}  // namespace sms::store
