#pragma once
// Access: who calls the management API and whether they may. A login is a JWT (HS256) whose jti
// is a row in the sessions table, so logout, a password or role change and deleting the user end
// it at once; an API token is looked up by id and proven by its secret's hash. Either way the
// caller's scopes come from the user's role as stored now (a token: its scopes within that
// role). Access is also the router's guard: 401 without a valid credential, 403 without the
// route's scope. Thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "http/message.h"
#include "http/router.h"
#include "store/identity_store.h"

namespace sms::management {

struct AccessOptions {
  Millis session_ttl = 15 * 60'000;                            // --jwt-ttl-minutes
  // A cookie session (the dashboard) ends this long after its last renewal: an idle page is
  // logged out, one in use renews (POST /api/v1/auth/refresh). --session-idle-minutes
  Millis cookie_idle = 30 * 60'000;
  auth::ThrottleOptions user_throttle;                         // per username
  auth::ThrottleOptions address_throttle{.max_failures = 20};  // per client address
  // Successful logins are limited too (each costs an argon2id hash and a session row): this
  // many in a row, less than a minute apart, lock the username (or the address) for a minute.
  auth::ThrottleOptions user_logins{
      .max_failures = 30, .first_lock = 60'000, .max_lock = 60'000, .forget_after = 60'000};
  auth::ThrottleOptions address_logins{
      .max_failures = 120, .first_lock = 60'000, .max_lock = 60'000, .forget_after = 60'000};
};

struct LoginResult {
  Millis retry_after = 0;  // > 0: throttled, nothing was checked
  std::string token;       // the JWT
  http::Caller caller;     // csrf_token set for a cookie session
};

class Access {
 public:
  Access(auth::Jwt jwt, store::IdentityStorePtr store, ClockPtr clock, AccessOptions options = {});

  // The router guard: lets public and agent routes through; otherwise fills req.caller from the
  // Authorization header or, without one, the session cookie (web_session.h), and answers 401
  // (WWW-Authenticate: Bearer), 403 (scope missing; or 403 csrf_failed: a cookie request with
  // a method other than GET/HEAD/OPTIONS whose X-CSRF-Token is not its session's) or 503 (the
  // store is down).
  std::optional<http::Response> Guard(http::Request& req, const http::Route& route) const;

  // The caller `credential` (a JWT or an API token, without "Bearer ") stands for.
  // Unauthenticated, with a reason that never quotes it, when it is not valid now; Unavailable
  // when the store is down.
  Result<http::Caller> Authenticate(std::string_view credential) const;

  // Checks a password and starts a session. Throttled (retry_after > 0) after repeated failures
  // for the username or from `address`, and after many logins in a short time (see
  // AccessOptions::user_logins). Unauthenticated "invalid username or password" for an
  // unknown user and a wrong password alike (both take the time of an argon2id check).
  // With `cookie`, the session lasts cookie_idle (renewed by Renew) instead of session_ttl,
  // and the result carries its CSRF token.
  Result<LoginResult> LogIn(const std::string& username, std::string_view password,
                            const std::string& address, bool cookie = false);

  // Replaces the login session of `caller` by a new one of the same kind and a fresh lifetime
  // (the old JWT stops working). InvalidArgument for an API token; Unauthenticated when the
  // session ended meanwhile.
  Result<LoginResult> Renew(const http::Caller& caller);

  // Checks a password under the same throttle as LogIn, starting no session: the time to wait
  // (> 0: throttled, nothing was checked), 0 when it matches; Unauthenticated when it does not.
  Result<Millis> CheckPassword(const std::string& username, std::string_view password,
                               const std::string& address);

  Millis session_ttl() const { return o_.session_ttl; }
  Millis cookie_idle() const { return o_.cookie_idle; }

 private:
  Result<http::Caller> FromJwt(std::string_view token, Millis now) const;
  std::optional<http::Response> FromCookie(http::Request& req, const http::Route& route) const;
  std::optional<http::Response> Permit(http::Request& req, const http::Route& route,
                                       Result<http::Caller> caller) const;
  Result<LoginResult> StartSession(const store::UserRecord& user, Millis now, bool cookie);
  Result<http::Caller> FromApiToken(std::string_view token, Millis now) const;
  Result<store::UserRecord> Verified(const std::string& username, std::string_view password,
                                     const std::string& address, Millis now, Millis* retry);

  auth::Jwt jwt_;
  store::IdentityStorePtr store_;
  ClockPtr clock_;
  AccessOptions o_;
  std::string dummy_hash_;  // checked for unknown users, so they take as long as known ones
  auth::LoginThrottle users_;
  auth::LoginThrottle addresses_;
  auth::LoginThrottle user_logins_;     // every success counts as an attempt here
  auth::LoginThrottle address_logins_;
};

// The first admin: when the store has no user and `username` is set, creates it with
// `password`. InvalidArgument (field "admin_password") for a password that is too short,
// or when only one of the two is set. Another replica creating it at the same time is fine.
// Returns true when it created the user.
Result<bool> EnsureFirstAdmin(store::IdentityStore& store, const std::string& username,
                              const std::string& password, Millis now);

// A username: 1..64 of [A-Za-z0-9._@-]. InvalidArgument naming `field` otherwise.
Status ValidateUsername(std::string_view username, const std::string& field = "username");

}  // namespace sms::management
