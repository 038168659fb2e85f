#include "roles/management/identity_api.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "auth/api_token.h"
#include "auth/password.h"
#include "auth/scopes.h"
#include "core/json_input.h"
#include "core/time.h"
#include "roles/management/web_session.h"

namespace sms::management {
namespace {

namespace json = boost::json;

constexpr int kDefaultTokenDays = 90;
constexpr int kMaxTokenDays = 365;
constexpr Millis kDay = 24 * 3600 * 1000LL;
constexpr size_t kMaxTokenNameLength = 100;

struct Deps {
  std::shared_ptr<Access> access;
  store::IdentityStorePtr store;
  ClockPtr clock;
};

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const std::string& s : items) out.emplace_back(s);
  return out;
}

json::object UserJson(const store::UserRecord& u) {
  return {{"username", u.username},
          {"role", u.role},
          {"created_at", FormatTime(u.created_at)},
          {"updated_at", FormatTime(u.updated_at)}};
}

json::object TokenJson(const store::ApiTokenRecord& t) {
  return {{"token_id", t.token_id},
          {"name", t.name},
          {"username", t.username},
          {"scopes", Strings(t.scopes)},
          {"created_at", FormatTime(t.created_at)},
          {"expires_at", FormatTime(t.expires_at)}};
}

http::Response NoContent() {
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

http::Response Throttled(Millis retry_after) {
  Millis seconds = (retry_after + 999) / 1000;
  http::Response r = http::ErrorResponse(
      429, "too_many_attempts",
      "too many failed attempts; try again in " + std::to_string(seconds) + " s");
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

Status ValidateRole(const std::string& role) {
  if (auth::ScopesOf(role)) return Status::Ok();
  return Status::InvalidArgument("role is one of admin, operator, viewer", "role");
}

// ---- auth --------------------------------------------------------------------------------

// The answer to a login or a renewal: a cookie session gets its JWT in the HttpOnly cookie and
// only the CSRF token in the body (a page never holds the JWT); a Bearer one gets the JWT.
http::Response SessionAnswer(const Deps& d, const http::Request& req, const LoginResult& login) {
  const http::Caller& c = login.caller;
  Millis ttl = c.cookie ? d.access->cookie_idle() : d.access->session_ttl();
  json::object body{{"token_type", "Bearer"},
                    {"expires_in", ttl / 1000},
                    {"expires_at", FormatTime(c.expires_at)},
                    {"username", c.name},
                    {"role", c.role},
                    {"scopes", Strings(c.scopes)}};
  if (c.cookie) {
    body["token_type"] = "cookie";
    body["csrf_token"] = c.csrf_token;
  } else {
    body["access_token"] = login.token;
  }
  http::Response r = http::JsonResponse(200, json::serialize(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (c.cookie) r.headers.emplace_back("Set-Cookie", SessionCookie(req, login.token, ttl));
  return r;
}

http::Response Login(const Deps& d, const http::Request& req) {
  auto obj = ParseObject(req.body);
  if (!obj.ok()) return http::ErrorResponse(obj.status());
  std::string username, password;
  for (Status s :
       {RejectUnknown(*obj, {"username", "password", "cookie"}),
        RequireString(*obj, "username", username), RequireString(*obj, "password", password)}) {
    if (!s.ok()) return http::ErrorResponse(s);
  }
  const json::value* cookie = obj->if_contains("cookie");
  if (cookie != nullptr && !cookie->is_bool()) {
    return http::ErrorResponse(400, "invalid_argument", "cookie must be true or false", "cookie");
  }
  // A name no user can have never reaches the log (it could forge lines) nor the store.
  if (!ValidateUsername(username).ok() || password.size() > auth::kMaxPasswordLength) {
    return http::ErrorResponse(401, "unauthenticated", "invalid username or password");
  }
  auto login =
      d.access->LogIn(username, password, req.remote, cookie != nullptr && cookie->as_bool());
  if (!login.ok()) {
    if (login.status().code() == Code::kUnauthenticated) {
      spdlog::info("audit: failed login as '{}' from {}", username, req.remote);
    }
    return http::ErrorResponse(login.status());
  }
  if (login->retry_after > 0) {
    spdlog::info("audit: login as '{}' from {} throttled", username, req.remote);
    return Throttled(login->retry_after);
  }
  return SessionAnswer(d, req, *login);
}

http::Response Refresh(const Deps& d, const http::Request& req) {
  auto renewed = d.access->Renew(req.caller);
  if (!renewed.ok()) return http::ErrorResponse(renewed.status());
  return SessionAnswer(d, req, *renewed);
}

http::Response Logout(const Deps& d, const http::Request& req) {
  if (req.caller.credential != "session") {
    return http::ErrorResponse(400, "invalid_argument",
                               "logout ends a login session; revoke an API token with "
                               "DELETE /api/v1/tokens/{token_id}",
                               "authorization");
  }
  Status s = d.store->DeleteSession(req.caller.credential_id);
  if (!s.ok() && s.code() != Code::kNotFound) return http::ErrorResponse(s);
  http::Response r = NoContent();
  if (req.caller.cookie) r.headers.emplace_back("Set-Cookie", SessionCookie(req, "", 0));
  return r;
}

// A user changes their own password, proving the current one; every session of theirs ends
// (this one included), so each device logs in again.
http::Response ChangePassword(const Deps& d, const http::Request& req) {
  if (req.caller.credential != "session") {
    return http::ErrorResponse(400, "invalid_argument",
                               "a password is changed from a login session, not an API token",
                               "authorization");
  }
  auto obj = ParseObject(req.body);
  if (!obj.ok()) return http::ErrorResponse(obj.status());
  std::string current, next;
  for (Status s : {RejectUnknown(*obj, {"current_password", "new_password"}),
                   RequireString(*obj, "current_password", current),
                   RequireString(*obj, "new_password", next)}) {
    if (!s.ok()) return http::ErrorResponse(s);
  }
  if (Status s = auth::CheckPassword(next); !s.ok()) {
    return http::ErrorResponse(400, "invalid_argument", s.message(), "new_password");
  }
  auto checked = d.access->CheckPassword(req.caller.name, current, req.remote);
  if (!checked.ok() && checked.status().code() == Code::kUnauthenticated) {
    return http::ErrorResponse(400, "invalid_argument", "the current password is wrong",
                               "current_password");
  }
  if (!checked.ok()) return http::ErrorResponse(checked.status());
  if (*checked > 0) return Throttled(*checked);
  auto hash = auth::HashPassword(next);
  if (!hash.ok()) return http::ErrorResponse(hash.status());
  store::UserPatch patch;
  patch.password_hash = *hash;
  auto user = d.store->UpdateUser(req.caller.name, patch, d.clock->Now());
  if (!user.ok()) return http::ErrorResponse(user.status());
  spdlog::info("audit: {} changed their password", req.caller.name);
  return NoContent();
}

http::Response Me(const http::Request& req) {
  const http::Caller& c = req.caller;
  json::object body{{"username", c.name},
                    {"role", c.role},
                    {"scopes", Strings(c.scopes)},
                    {"credential", c.credential},
                    {"expires_at", FormatTime(c.expires_at)}};
  if (c.cookie) body["csrf_token"] = c.csrf_token;
  return http::JsonResponse(200, json::serialize(body));
}

// ---- users -------------------------------------------------------------------------------

http::Response ListUsers(const Deps& d, const http::Request&) {
  auto users = d.store->ListUsers();
  if (!users.ok()) return http::ErrorResponse(users.status());
  json::array items;
  for (const auto& u : *users) items.emplace_back(UserJson(u));
  json::object body{{"total", items.size()}, {"items", std::move(items)}};
  return http::JsonResponse(200, json::serialize(body));
}

http::Response CreateUser(const Deps& d, const http::Request& req) {
  auto obj = ParseObject(req.body);
  if (!obj.ok()) return http::ErrorResponse(obj.status());
  std::string username, password, role;
  for (Status s : {RejectUnknown(*obj, {"username", "password", "role"}),
                   RequireString(*obj, "username", username),
                   RequireString(*obj, "password", password), RequireString(*obj, "role", role)}) {
    if (!s.ok()) return http::ErrorResponse(s);
  }
  for (Status s : {ValidateUsername(username), auth::CheckPassword(password), ValidateRole(role)}) {
    if (!s.ok()) return http::ErrorResponse(s);
  }
  auto hash = auth::HashPassword(password);
  if (!hash.ok()) return http::ErrorResponse(hash.status());
  Millis now = d.clock->Now();
  store::UserRecord user{username, *hash, role, now, now};
  if (Status s = d.store->CreateUser(user); !s.ok()) return http::ErrorResponse(s);
  spdlog::info("audit: {} created user '{}' ({})", req.caller.name, username, role);
  http::Response r = http::JsonResponse(201, json::serialize(UserJson(user)));
  r.headers.emplace_back("Location", "/api/v1/users/" + username);
  return r;
}

http::Response GetUser(const Deps& d, const http::Request& req) {
  auto user = d.store->GetUser(req.params.at("username"));
  if (!user.ok()) return http::ErrorResponse(user.status());
  return http::JsonResponse(200, json::serialize(UserJson(*user)));
}

Result<store::UserPatch> ParseUserPatch(std::string_view body) {
  auto obj = ParseObject(body);
  if (!obj.ok()) return obj.status();
  if (Status s = RejectUnknown(*obj, {"password", "role"}); !s.ok()) return s;
  store::UserPatch patch;
  auto password = ReadString(*obj, "password", false);
  if (!password.ok()) return password.status();
  auto role = ReadString(*obj, "role", false);
  if (!role.ok()) return role.status();
  if (!password->has_value() && !role->has_value()) {
    return Status::InvalidArgument("nothing to update: give password or role", "");
  }
  if (role->has_value()) {
    if (Status s = ValidateRole(**role); !s.ok()) return s;
    patch.role = **role;
  }
  if (password->has_value()) {
    if (Status s = auth::CheckPassword(**password); !s.ok()) return s;
    auto hash = auth::HashPassword(**password);
    if (!hash.ok()) return hash.status();
    patch.password_hash = *hash;
  }
  return patch;
}

http::Response UpdateUser(const Deps& d, const http::Request& req) {
  auto patch = ParseUserPatch(req.body);
  if (!patch.ok()) return http::ErrorResponse(patch.status());
  auto user = d.store->UpdateUser(req.params.at("username"), *patch, d.clock->Now());
  if (!user.ok()) return http::ErrorResponse(user.status());
  spdlog::info("audit: {} changed user '{}'{}{}", req.caller.name, user->username,
               patch->role ? " role to " + *patch->role : "",
               patch->password_hash ? " password" : "");
  return http::JsonResponse(200, json::serialize(UserJson(*user)));
}

http::Response DeleteUser(const Deps& d, const http::Request& req) {
  Status s = d.store->DeleteUser(req.params.at("username"));
  if (!s.ok()) return http::ErrorResponse(s);
  spdlog::info("audit: {} deleted user '{}'", req.caller.name, req.params.at("username"));
  return NoContent();
}

// ---- API tokens --------------------------------------------------------------------------

bool IsAdmin(const http::Caller& c) { return auth::HasScope(c.scopes, auth::kUsersAdmin); }

http::Response ListTokens(const Deps& d, const http::Request& req) {
  auto tokens = d.store->ListApiTokens(IsAdmin(req.caller) ? "" : req.caller.name);
  if (!tokens.ok()) return http::ErrorResponse(tokens.status());
  json::array items;
  for (const auto& t : *tokens) items.emplace_back(TokenJson(t));
  json::object body{{"total", items.size()}, {"items", std::move(items)}};
  return http::JsonResponse(200, json::serialize(body));
}

// The scopes a new token asks for: a non-empty subset of the caller's, never the ones that
// manage identities.
Result<std::vector<std::string>> TokenScopes(const json::object& obj, const http::Caller& c) {
  const json::value* v = obj.if_contains("scopes");
  if (v == nullptr || !v->is_array() || v->get_array().empty()) {
    return Status::InvalidArgument("scopes is a non-empty array of scope names", "scopes");
  }
  std::vector<std::string> scopes;
  for (const json::value& item : v->get_array()) {
    if (!item.is_string()) return Status::InvalidArgument("scopes holds strings", "scopes");
    std::string s(item.get_string());
    if (s == auth::kTokensManage || s == auth::kUsersAdmin) {
      return Status::InvalidArgument("a token cannot hold scope '" + s + "'", "scopes");
    }
    if (!auth::HasScope(c.scopes, s)) {
      return Status::InvalidArgument("scope '" + s.substr(0, 64) + "' is unknown or not yours",
                                     "scopes");
    }
    if (!auth::HasScope(scopes, s)) scopes.push_back(s);
  }
  return scopes;
}

Result<int64_t> TokenDays(const json::object& obj) {
  const json::value* v = obj.if_contains("expires_in_days");
  if (v == nullptr) return kDefaultTokenDays;
  if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > kMaxTokenDays) {
    return Status::InvalidArgument("expires_in_days is an integer from 1 to 365",
                                   "expires_in_days");
  }
  return v->get_int64();
}

http::Response CreateToken(const Deps& d, const http::Request& req) {
  if (req.caller.credential != "session") {
    return http::ErrorResponse(403, "permission_denied",
                               "API tokens are created by a logged-in user, not by a token");
  }
  auto obj = ParseObject(req.body);
  if (!obj.ok()) return http::ErrorResponse(obj.status());
  std::string name;
  if (Status s = RejectUnknown(*obj, {"name", "scopes", "expires_in_days"}); !s.ok()) {
    return http::ErrorResponse(s);
  }
  if (Status s = RequireString(*obj, "name", name); !s.ok()) return http::ErrorResponse(s);
  if (name.empty() || name.size() > kMaxTokenNameLength) {
    return http::ErrorResponse(400, "invalid_argument", "name has 1 to 100 characters", "name");
  }
  auto scopes = TokenScopes(*obj, req.caller);
  if (!scopes.ok()) return http::ErrorResponse(scopes.status());
  auto days = TokenDays(*obj);
  if (!days.ok()) return http::ErrorResponse(days.status());
  auth::ApiTokenParts parts = auth::MakeApiToken();
  Millis now = d.clock->Now();
  store::ApiTokenRecord t{
      parts.token_id,    req.caller.name, name, auth::HashSecret(parts.secret), *scopes, now,
      now + *days * kDay};
  if (Status s = d.store->InsertApiToken(t); !s.ok()) return http::ErrorResponse(s);
  spdlog::info("audit: {} created API token {}", req.caller.name, t.token_id);
  json::object body = TokenJson(t);
  body["token"] = parts.text;  // the only time it is shown
  http::Response r = http::JsonResponse(201, json::serialize(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::Response DeleteToken(const Deps& d, const http::Request& req) {
  Status s = d.store->DeleteApiToken(req.params.at("token_id"),
                                     IsAdmin(req.caller) ? "" : req.caller.name);
  if (!s.ok()) return http::ErrorResponse(s);
  spdlog::info("audit: {} revoked API token {}", req.caller.name, req.params.at("token_id"));
  return NoContent();
}

}  // namespace

void RegisterIdentity(http::Router& router, std::shared_ptr<Access> access,
                      store::IdentityStorePtr store, ClockPtr clock,
                      std::shared_ptr<WorkPool> hashing) {
  Deps d{std::move(access), std::move(store), std::move(clock)};
  using Fn = http::Response (*)(const Deps&, const http::Request&);
  auto add = [&](const char* method, const char* pattern, std::string_view scope, Fn fn) {
    router.Add(method, pattern, scope, [d, fn](http::Request& req) { return fn(d, req); });
  };
  // An argon2id hash takes a core for a while: these run on the pool, never on an I/O thread.
  auto hashed = [&](const char* method, const char* pattern, std::string_view scope, Fn fn) {
    router.AddDeferred(method, pattern, scope,
                       http::Offload(hashing, [d, fn](http::Request& req) { return fn(d, req); }));
  };
  hashed("POST", "/api/v1/auth/login", http::kPublic, Login);
  add("POST", "/api/v1/auth/logout", http::kAuthenticated, Logout);
  add("POST", "/api/v1/auth/refresh", http::kAuthenticated, Refresh);
  router.Add("GET", "/api/v1/auth/me", http::kAuthenticated, Me);
  hashed("POST", "/api/v1/auth/password", http::kAuthenticated, ChangePassword);
  add("GET", "/api/v1/users", auth::kUsersAdmin, ListUsers);
  hashed("POST", "/api/v1/users", auth::kUsersAdmin, CreateUser);
  add("GET", "/api/v1/users/{username}", auth::kUsersAdmin, GetUser);
  hashed("PATCH", "/api/v1/users/{username}", auth::kUsersAdmin, UpdateUser);
  add("DELETE", "/api/v1/users/{username}", auth::kUsersAdmin, DeleteUser);
  add("GET", "/api/v1/tokens", auth::kTokensManage, ListTokens);
  add("POST", "/api/v1/tokens", auth::kTokensManage, CreateToken);
  add("DELETE", "/api/v1/tokens/{token_id}", auth::kTokensManage, DeleteToken);
}

}  // namespace sms::management
