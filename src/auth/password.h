#pragma once
// Passwords at rest: argon2id (libsodium crypto_pwhash_str, its "interactive" cost), never the
// password itself. Thread-safe.

#include <string>
#include <string_view>

#include "core/status.h"

namespace sms::auth {

inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordLength = 1024;

// InvalidArgument (field "password") when shorter than kMinPasswordLength or longer than
// kMaxPasswordLength characters.
Status CheckPassword(std::string_view password);

// The argon2id string ("$argon2id$v=19$m=…") of `password`, salted at random. REQUIRES:
// CheckPassword(password).ok(). Internal when out of memory.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash` (a string HashPassword made); false otherwise,
// including for a malformed hash.
bool VerifyPassword(std::string_view password, const std::string& hash);

}  // namespace sms::auth
