#include "store/user_rules.h"

namespace sms::store {

UserRecord PatchedUser(const UserRecord& before, const UserPatch& patch, Millis now) {
  UserRecord u = before;
  if (patch.password_hash) u.password_hash = *patch.password_hash;
  if (patch.role) u.role = *patch.role;
  u.updated_at = now;
  return u;
}

bool EndsSessions(const UserRecord& before, const UserRecord& after) {
  return after.password_hash != before.password_hash || after.role != before.role;
}

Status KeepOneAdmin(const UserRecord& user, const std::optional<std::string>& role_after,
                    const std::function<Result<int64_t>()>& count_admins) {
  if (user.role != kAdminRole || role_after == kAdminRole) return Status::Ok();
  Result<int64_t> admins = count_admins();
  if (!admins.ok()) return admins.status();
  if (*admins > 1) return Status::Ok();
  return Status::Conflict("\"" + user.username + "\" is the last admin",
                          role_after ? "role" : "username");
}

Status UserNotFound(const std::string& username) {
  return Status::NotFound("user \"" + username + "\" not found");
}

Status UserExists(const std::string& username) {
  return Status::Conflict("user \"" + username + "\" exists", "username");
}

Status TokenExists(const std::string& token_id) {
  return Status::Conflict("token \"" + token_id + "\" exists", "token_id");
}

Status TokenNotFound(const std::string& token_id) {
  return Status::NotFound("token \"" + token_id + "\" not found");
}

Status SessionNotFound() { return Status::NotFound("session not found"); }

}  // namespace sms::store
