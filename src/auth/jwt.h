#pragma once
// JSON Web Tokens for the API: HS256 only (RFC 7519 / 7515), signed and verified with one
// secret of at least 32 bytes. Verification pins the algorithm: a token whose header names
// another one ("none", HS512, RS256, …) is refused before its signature is looked at, so a
// token can never choose how it is checked. Thread-safe (immutable after Make).

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::auth {

inline constexpr size_t kMinSecretBytes = 32;
inline constexpr size_t kMaxTokenBytes = 8192;  // a longer Authorization value is refused unread

struct Claims {
  std::string sub;                  // the user (or API token) name
  std::string role;                 // admin, operator, viewer
  std::vector<std::string> scopes;  // "scope" claim, space-separated in the token
  std::string jti;                  // unique id: revocation is by jti
  Millis iat = 0;                   // issued at (ms; seconds in the token)
  Millis nbf = 0;                   // not before (0: none)
  Millis exp = 0;                   // expires
};

class Jwt {
 public:
  // InvalidArgument (field "jwt_secret") when the secret is shorter than kMinSecretBytes.
  static Result<Jwt> Make(std::string secret);

  // The compact token "header.payload.signature" of `claims` (times truncated to seconds).
  std::string Sign(const Claims& claims) const;

  // The claims of a token this secret signed, valid at `now`. Unauthenticated, with a message
  // that names the reason and never the token, when: it is not three base64url segments, its
  // header is not {"alg":"HS256"} (typ JWT or absent), the signature does not match (compared
  // in constant time), a claim is missing or of the wrong type, it expired (exp <= now), or it
  // is not valid yet (nbf > now, or iat more than `skew` ahead of now).
  Result<Claims> Verify(std::string_view token, Millis now, Millis skew = 60'000) const;

  // base64url(HMAC-SHA256(secret, "derive:" + label)): a value only holders of the secret can
  // compute, the same on every replica (a session's CSRF token is Derive("csrf:" + jti)).
  std::string Derive(std::string_view label) const;

 private:
  explicit Jwt(std::string secret) : secret_(std::move(secret)) {}
  std::string Mac(std::string_view signing_input) const;
  std::string secret_;
};

// base64url without padding (RFC 4648 §5), as JWS uses it.
std::string Base64UrlEncode(std::string_view bytes);
// Strict: the canonical encoding only (no padding, no whitespace). false on anything else.
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace sms::auth
