#pragma once
// The rules of users, sessions and API tokens that both SQL stores apply, written once so that
// they cannot drift apart: each store only speaks its SQL. Pure functions.

#include <functional>
#include <optional>
#include <string>

#include "core/status.h"
#include "store/list_column.h"
#include "store/store.h"

namespace sms::store {

inline constexpr const char* kAdminRole = "admin";
inline constexpr char kScopeSeparator = ' ';  // scopes share one column (no scope holds a space)

// `before` after `patch`, updated at `now`.
UserRecord PatchedUser(const UserRecord& before, const UserPatch& patch, Millis now);

// True when the change from `before` to `after` ends the user's login sessions: a new
// password or a new role.
bool EndsSessions(const UserRecord& before, const UserRecord& after);

// At least one admin stays. `user` stops being one by a demotion to `role_after`, or, with
// nullopt, by deletion; when it is an admin that does, `count_admins` (asked only then) gives
// how many there are, and Conflict (on "role", or "username" for a deletion) says it is the
// last. REQUIRES: the count is read where no other writer can change the admins until the
// caller's write commits.
Status KeepOneAdmin(const UserRecord& user, const std::optional<std::string>& role_after,
                    const std::function<Result<int64_t>()>& count_admins);

// The errors both stores return.
Status UserNotFound(const std::string& username);
Status UserExists(const std::string& username);
Status TokenExists(const std::string& token_id);
Status TokenNotFound(const std::string& token_id);
Status SessionNotFound();

}  // namespace sms::store
