#include "roles/management/access.h"

#include <algorithm>

#include "auth/api_token.h"
#include "auth/password.h"
#include "auth/scopes.h"
#include "roles/management/web_session.h"

namespace sms::management {
namespace {

constexpr std::string_view kRealm = "Bearer realm=\"sms\"";

http::Response Challenge(const Status& why, bool credential_given) {
  http::Response r = http::ErrorResponse(401, "unauthenticated", why.message());
  r.headers.emplace_back("WWW-Authenticate", credential_given
                                                 ? std::string(kRealm) + ", error=\"invalid_token\""
                                                 : std::string(kRealm));
  return r;
}

std::vector<std::string> RoleScopes(const std::string& role) {
  return auth::ScopesOf(role).value_or(std::vector<std::string>{});
}

// A hash no password is known for.
std::string DummyHash() {
  auto hash = auth::HashPassword(auth::RandomHex(16));
  return hash.ok() ? *hash : std::string();
}

}  // namespace

Access::Access(auth::Jwt jwt, store::IdentityStorePtr store, ClockPtr clock, AccessOptions options)
    : jwt_(std::move(jwt)),
      store_(std::move(store)),
      clock_(std::move(clock)),
      o_(options),
      dummy_hash_(DummyHash()),
      users_(o_.user_throttle),
      addresses_(o_.address_throttle),
      user_logins_(o_.user_logins),
      address_logins_(o_.address_logins) {}

std::optional<http::Response> Access::Guard(http::Request& req, const http::Route& route) const {
  if (route.access == http::kPublic || route.access == http::kAgent) return std::nullopt;
  const std::string& header = req.Header("authorization");
  if (header.empty() && CookieValue(req.Header("cookie"), kSessionCookie)) {
    return FromCookie(req, route);
  }
  std::optional<std::string_view> credential = http::BearerCredential(header);
  if (!credential) {
    return Challenge(Status::Unauthenticated("this API needs 'Authorization: Bearer <token>': a "
                                             "token from POST /api/v1/auth/login or an API token"),
                     !header.empty());
  }
  return Permit(req, route, Authenticate(*credential));
}

std::optional<http::Response> Access::FromCookie(http::Request& req,
                                                 const http::Route& route) const {
  std::string_view token = *CookieValue(req.Header("cookie"), kSessionCookie);
  if (token.size() > auth::kMaxTokenBytes || auth::IsApiToken(token)) {
    return Challenge(Status::Unauthenticated("invalid session cookie"), true);
  }
  auto caller = FromJwt(token, clock_->Now());
  if (caller.ok()) {
    caller->cookie = true;
    caller->csrf_token = jwt_.Derive("csrf:" + caller->credential_id);
    // A cookie rides along with any request the browser makes, one a foreign page triggers
    // included: a change needs the token only our page can read (SameSite=Strict is the
    // second line). Compared in constant time, like a signature.
    const std::string& sent = req.Header(kCsrfHeader);
    if (!IsSafeMethod(req.method) &&
        !auth::SecretMatches(sent, auth::HashSecret(caller->csrf_token))) {
      return http::ErrorResponse(403, "csrf_failed",
                                 "a change made with the session cookie needs the header "
                                 "X-CSRF-Token (csrf_token of the login or of GET /api/v1/auth/me)",
                                 "x-csrf-token");
    }
  }
  return Permit(req, route, std::move(caller));
}

std::optional<http::Response> Access::Permit(http::Request& req, const http::Route& route,
                                             Result<http::Caller> caller) const {
  if (!caller.ok()) {
    if (caller.status().code() == Code::kUnauthenticated) return Challenge(caller.status(), true);
    return http::ErrorResponse(caller.status());
  }
  if (route.access != http::kAuthenticated && !auth::HasScope(caller->scopes, route.access)) {
    return http::ErrorResponse(403, "permission_denied",
                               "this API needs scope '" + route.access + "', which this " +
                                   (caller->credential == "api_token" ? "token" : "role") +
                                   " does not hold");
  }
  req.caller = std::move(*caller);
  return std::nullopt;
}

Result<http::Caller> Access::Authenticate(std::string_view credential) const {
  if (credential.size() > auth::kMaxTokenBytes) {
    return Status::Unauthenticated("invalid token: too long");
  }
  Millis now = clock_->Now();
  return auth::IsApiToken(credential) ? FromApiToken(credential, now) : FromJwt(credential, now);
}

Result<http::Caller> Access::FromJwt(std::string_view token, Millis now) const {
  auto claims = jwt_.Verify(token, now);
  if (!claims.ok()) return claims.status();
  auto user = store_->SessionUser(claims->jti, now);
  if (!user.ok()) return user.status();
  if (!user->has_value() || (*user)->username != claims->sub) {
    return Status::Unauthenticated(
        "invalid token: the session has ended (logged out, or the "
        "user changed)");
  }
  http::Caller c;
  c.name = (*user)->username;
  c.role = (*user)->role;
  c.scopes = RoleScopes(c.role);
  c.credential = "session";
  c.credential_id = claims->jti;
  c.expires_at = claims->exp;
  return c;
}

Result<http::Caller> Access::FromApiToken(std::string_view text, Millis now) const {
  auth::ApiTokenParts parts;
  if (!auth::ParseApiToken(text, &parts)) return Status::Unauthenticated("invalid API token");
  auto found = store_->ApiTokenUser(parts.token_id, now);
  if (!found.ok()) return found.status();
  if (!found->has_value() || !auth::SecretMatches(parts.secret, (*found)->first.secret_hash)) {
    return Status::Unauthenticated("invalid API token: unknown, revoked or expired");
  }
  const auto& [token, owner] = **found;
  http::Caller c;
  c.name = owner.username;
  c.role = owner.role;
  std::vector<std::string> held = RoleScopes(owner.role);
  for (const std::string& s : token.scopes) {
    if (auth::HasScope(held, s)) c.scopes.push_back(s);  // never more than the owner's role
  }
  c.credential = "api_token";
  c.credential_id = token.token_id;
  c.expires_at = token.expires_at;
  return c;
}

// The user when `password` is theirs and neither key is locked; *retry > 0 when one is.
Result<store::UserRecord> Access::Verified(const std::string& username, std::string_view password,
                                           const std::string& address, Millis now, Millis* retry) {
  *retry = std::max({users_.RetryAfter(username, now), addresses_.RetryAfter(address, now),
                     user_logins_.RetryAfter(username, now),
                     address_logins_.RetryAfter(address, now)});
  if (*retry > 0) return store::UserRecord{};
  auto user = store_->GetUser(username);
  if (!user.ok() && user.status().code() != Code::kNotFound) return user.status();
  bool known = user.ok();
  bool match = auth::VerifyPassword(password, known ? user->password_hash : dummy_hash_);
  if (!known || !match) {
    users_.Fail(username, now);
    addresses_.Fail(address, now);
    return Status::Unauthenticated("invalid username or password");
  }
  users_.Succeed(username);
  user_logins_.Fail(username, now);  // counted: successes are limited too
  address_logins_.Fail(address, now);
  return user;
}

Result<Millis> Access::CheckPassword(const std::string& username, std::string_view password,
                                     const std::string& address) {
  Millis retry = 0;
  auto user = Verified(username, password, address, clock_->Now(), &retry);
  if (!user.ok()) return user.status();
  return retry;
}

Result<LoginResult> Access::LogIn(const std::string& username, std::string_view password,
                                  const std::string& address, bool cookie) {
  Millis now = clock_->Now();
  LoginResult out;
  auto user = Verified(username, password, address, now, &out.retry_after);
  if (!user.ok()) return user.status();
  if (out.retry_after > 0) return out;
  return StartSession(*user, now, cookie);
}

Result<LoginResult> Access::Renew(const http::Caller& caller) {
  if (caller.credential != "session") {
    return Status::InvalidArgument("an API token is renewed by creating another", "authorization");
  }
  Millis now = clock_->Now();
  auto user = store_->SessionUser(caller.credential_id, now);
  if (!user.ok()) return user.status();
  if (!user->has_value()) return Status::Unauthenticated("the session has ended");
  auto renewed = StartSession(**user, now, caller.cookie);
  if (!renewed.ok()) return renewed;
  // The old JWT ends with its row; a lost delete only leaves it valid until it expires.
  Status s = store_->DeleteSession(caller.credential_id);
  if (!s.ok() && s.code() != Code::kNotFound) return s;
  return renewed;
}

Result<LoginResult> Access::StartSession(const store::UserRecord& user, Millis now, bool cookie) {
  auth::Claims claims;
  claims.sub = user.username;
  claims.role = user.role;
  claims.scopes = RoleScopes(user.role);
  claims.jti = auth::RandomHex(16);
  claims.iat = now;
  claims.exp = now + (cookie ? o_.cookie_idle : o_.session_ttl);
  store::SessionRecord session{claims.jti, claims.sub, now, claims.exp};
  if (Status s = store_->InsertSession(session); !s.ok()) return s;
  LoginResult out;
  out.token = jwt_.Sign(claims);
  out.caller = http::Caller{claims.sub, claims.role, claims.scopes,
                            "session",  claims.jti,  claims.exp / 1000 * 1000};
  out.caller.cookie = cookie;
  if (cookie) out.caller.csrf_token = jwt_.Derive("csrf:" + claims.jti);
  return out;
}

Status ValidateUsername(std::string_view username, const std::string& field) {
  bool ok = !username.empty() && username.size() <= 64 &&
            std::all_of(username.begin(), username.end(), [](char ch) {
              return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' ||
                     ch == '@' || ch == '-';
            });
  if (ok) return Status::Ok();
  return Status::InvalidArgument("a username has 1 to 64 of A-Z a-z 0-9 . _ @ -", field);
}

Result<bool> EnsureFirstAdmin(store::IdentityStore& store, const std::string& username,
                              const std::string& password, Millis now) {
  if (username.empty() != password.empty()) {
    return Status::InvalidArgument("set both SMS_ADMIN_USER and SMS_ADMIN_PASSWORD, or neither",
                                   "admin_password");
  }
  if (username.empty()) return false;
  if (Status s = ValidateUsername(username, "admin_user"); !s.ok()) return s;
  if (Status s = auth::CheckPassword(password); !s.ok()) {
    return Status::InvalidArgument("SMS_ADMIN_PASSWORD: " + s.message(), "admin_password");
  }
  auto count = store.CountUsers();
  if (!count.ok()) return count.status();
  if (*count > 0) return false;
  auto hash = auth::HashPassword(password);
  if (!hash.ok()) return hash.status();
  Status created = store.CreateUser(store::UserRecord{username, *hash, "admin", now, now});
  if (created.code() == Code::kConflict) return false;  // another replica was first
  if (!created.ok()) return created;
  return true;
}

}  // namespace sms::management
