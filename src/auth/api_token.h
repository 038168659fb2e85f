#pragma once
// API tokens and random ids. A token is "sms_<token_id>_<secret>": the id (12 hex characters)
// finds it, the secret (32 random bytes, base64url) proves it. Only the SHA-256 of the secret is
// stored, so a copy of the database lets nobody in. Stateless; thread-safe.

#include <string>
#include <string_view>

namespace sms::auth {

struct ApiTokenParts {
  std::string token_id;
  std::string secret;
  std::string text;  // "sms_<token_id>_<secret>", what the caller is shown once
};

// `bytes` random bytes (libsodium) as lower-case hex.
std::string RandomHex(size_t bytes);

// A new token.
ApiTokenParts MakeApiToken();

// True when `text` looks like an API token (its prefix): it is then never read as a JWT.
bool IsApiToken(std::string_view text);

// The id and secret of `text`; false when it is not a well-formed token.
bool ParseApiToken(std::string_view text, ApiTokenParts* out);

// Lower-case hex SHA-256 of `secret`, as stored.
std::string HashSecret(std::string_view secret);

// True when `secret` hashes to `hash`, compared in constant time.
bool SecretMatches(std::string_view secret, std::string_view hash);

}  // namespace sms::auth
