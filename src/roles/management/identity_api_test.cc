// The identity API and the guard, through the router as a client sees them: logins, scopes,
// logout, users (last admin), API tokens, throttling. SQLite in memory, a manual clock.
#include "roles/management/identity_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "auth/password.h"
#include "roles/management/management.h"
#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::management {
namespace {

namespace json = boost::json;
constexpr Millis kNow = 1'795'000'000'000;
constexpr const char* kAdminPassword = "admin password 1";

class IdentityApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kNow);
    ASSERT_OK_AND_ASSIGN(store_, store::MakeStore({"sqlite::memory:"}));
    ASSERT_OK_AND_ASSIGN(bool created, EnsureFirstAdmin(*store_, "root", kAdminPassword, kNow));
    ASSERT_TRUE(created);
    ASSERT_OK_AND_ASSIGN(auto history, history::MakeHistory({}, store_));
    ASSERT_OK_AND_ASSIGN(auto cache, cache::MakeCache({}));
    ManagementBackends b{store_, history, cache, clock_};
    AccessOptions options;
    options.user_throttle.max_failures = 3;
    options.user_logins.max_failures = 10;
    ASSERT_OK_AND_ASSIGN(auth::Jwt jwt, auth::Jwt::Make(std::string(32, 's')));
    b.access = std::make_shared<Access>(jwt, store_, clock_, options);
    mgmt_ = std::make_unique<Management>(b);
    mgmt_->Register(router_);
    admin_ = Login("root", kAdminPassword);
  }
  http::Response Call(const std::string& method, const std::string& path, const std::string& token,
                      std::string body = "", const std::string& remote = "10.0.0.1") {
    Headers headers;
    if (!token.empty()) headers.emplace_back("authorization", "Bearer " + token);
    return CallWith(method, path, std::move(headers), std::move(body), remote);
  }
  using Headers = std::vector<std::pair<std::string, std::string>>;
  http::Response CallWith(const std::string& method, const std::string& path, Headers headers,
                          std::string body = "", const std::string& remote = "10.0.0.1") {
    http::Request req;
    req.method = method;
    req.path = req.target = path;
    req.body = std::move(body);
    req.remote = remote;
    req.headers = std::move(headers);
    std::string route;
    return router_.Handle(req, &route);
  }
  std::string Login(const std::string& user, const std::string& password) {
    auto r = Call("POST", "/api/v1/auth/login", "",
                  json::serialize(json::object{{"username", user}, {"password", password}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(Body(r).at("access_token").as_string()) : "";
  }
  void AddUser(const std::string& user, const std::string& role) {
    auto r = Call("POST", "/api/v1/users", admin_,
                  json::serialize(json::object{
                      {"username", user}, {"password", user + " password"}, {"role", role}}));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  static json::value Body(const http::Response& r) { return json::parse(r.body); }
  static std::string Code(const http::Response& r) {
    return std::string(Body(r).at("error").at("code").as_string());
  }
  static std::string Header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  std::shared_ptr<ManualClock> clock_;
  store::StorePtr store_;
  std::unique_ptr<Management> mgmt_;
  http::Router router_;
  std::string admin_;
};

TEST_F(IdentityApiTest, EveryProtectedRouteNeedsAValidToken) {
  auto none = Call("GET", "/api/v1/servers", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Code(none), "unauthenticated");
  EXPECT_EQ(Header(none, "WWW-Authenticate"), "Bearer realm=\"sms\"");
  auto bad = Call("GET", "/api/v1/servers", "not.a.jwt");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(Header(bad, "WWW-Authenticate"), "Bearer realm=\"sms\", error=\"invalid_token\"");
  // Signed with another secret: refused.
  auth::Claims c{"root", "admin", {"servers:read"}, "jti-1", kNow, 0, kNow + 60'000};
  ASSERT_OK_AND_ASSIGN(auth::Jwt other, auth::Jwt::Make(std::string(32, 'o')));
  EXPECT_EQ(Call("GET", "/api/v1/servers", other.Sign(c)).status, 401);
  // Right secret, but no session with that jti: refused too.
  ASSERT_OK_AND_ASSIGN(auth::Jwt same, auth::Jwt::Make(std::string(32, 's')));
  EXPECT_EQ(Call("GET", "/api/v1/servers", same.Sign(c)).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/servers", admin_).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", "", "{}").status, 400);  // public
  // Expired.
  clock_->Advance(15 * 60'000);
  EXPECT_EQ(Call("GET", "/api/v1/servers", admin_).status, 401);
}

TEST_F(IdentityApiTest, LoginAnswersTheTokenAndWhoItIs) {
  auto r = Call("POST", "/api/v1/auth/login", "",
                R"({"username":"root","password":"admin password 1"})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Body(r).at("token_type"), "Bearer");
  EXPECT_EQ(Body(r).at("expires_in"), 900);
  EXPECT_EQ(Body(r).at("role"), "admin");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
  auto me = Call("GET", "/api/v1/auth/me", std::string(Body(r).at("access_token").as_string()));
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(Body(me).at("username"), "root");
  EXPECT_EQ(Body(me).at("credential"), "session");
  for (const char* body : {"", "[]", R"({"username":"root"})", R"({"password":"x"})",
                           R"({"username":"root","password":"admin password 1","x":1})"}) {
    EXPECT_EQ(Call("POST", "/api/v1/auth/login", "", body).status, 400) << body;
  }
}

TEST_F(IdentityApiTest, ScopesFollowTheRole) {
  AddUser("vera", "viewer");
  AddUser("otto", "operator");
  std::string viewer = Login("vera", "vera password"), op = Login("otto", "otto password");
  EXPECT_EQ(Call("GET", "/api/v1/servers", viewer).status, 200);
  auto denied = Call("POST", "/api/v1/servers", viewer, R"({"server_id":"a","server_name":"A"})");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(Code(denied), "permission_denied");
  EXPECT_EQ(store_->GetServer("a").status().code(), Code::kNotFound);  // nothing changed
  EXPECT_EQ(Call("POST", "/api/v1/servers", op, R"({"server_id":"a","server_name":"A"})").status,
            201);
  EXPECT_EQ(Call("GET", "/api/v1/users", op).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/users", admin_).status, 200);
}

TEST_F(IdentityApiTest, LogoutEndsTheSessionAndOnlyIt) {
  std::string other = Login("root", kAdminPassword);
  EXPECT_EQ(Call("POST", "/api/v1/auth/logout", admin_).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/servers", admin_).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/servers", other).status, 200);
}

TEST_F(IdentityApiTest, UsersNeverShowPasswordsAndTheLastAdminStays) {
  AddUser("otto", "operator");
  auto list = Call("GET", "/api/v1/users", admin_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(Body(list).at("total"), 2);
  EXPECT_EQ(list.body.find("argon2"), std::string::npos);
  EXPECT_EQ(list.body.find("password"), std::string::npos);
  auto dup = Call("POST", "/api/v1/users", admin_,
                  R"({"username":"otto","password":"another password","role":"viewer"})");
  EXPECT_EQ(dup.status, 409);
  for (const char* body : {R"({"username":"bad name","password":"long enough pw","role":"viewer"})",
                           R"({"username":"x","password":"short","role":"viewer"})",
                           R"({"username":"x","password":"long enough pw","role":"root"})"}) {
    EXPECT_EQ(Call("POST", "/api/v1/users", admin_, body).status, 400) << body;
  }
  auto last = Call("DELETE", "/api/v1/users/root", admin_);
  EXPECT_EQ(last.status, 409);
  EXPECT_EQ(Call("PATCH", "/api/v1/users/root", admin_, R"({"role":"viewer"})").status, 409);
  EXPECT_EQ(Call("GET", "/api/v1/users/root", admin_).status, 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/users/otto", admin_).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/users/otto", admin_).status, 404);
}

TEST_F(IdentityApiTest, APasswordOrRoleChangeEndsTheUsersSessions) {
  AddUser("otto", "operator");
  std::string op = Login("otto", "otto password");
  ASSERT_EQ(Call("PATCH", "/api/v1/users/otto", admin_, R"({"role":"viewer"})").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/servers", op).status, 401);
  op = Login("otto", "otto password");
  EXPECT_EQ(Call("POST", "/api/v1/servers", op, R"({"server_id":"a","server_name":"A"})").status,
            403);
  ASSERT_EQ(Call("PATCH", "/api/v1/users/otto", admin_, R"({"password":"a new password"})").status,
            200);
  EXPECT_EQ(Call("GET", "/api/v1/servers", op).status, 401);
  Login("otto", "a new password");
}

TEST_F(IdentityApiTest, UsersChangeTheirOwnPasswordProvingTheCurrentOne) {
  AddUser("vera", "viewer");
  std::string viewer = Login("vera", "vera password"), other = Login("vera", "vera password");
  auto wrong = Call("POST", "/api/v1/auth/password", viewer,
                    R"({"current_password":"not it at all","new_password":"a better password"})");
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("current_password"), std::string::npos);
  auto weak = Call("POST", "/api/v1/auth/password", viewer,
                   R"({"current_password":"vera password","new_password":"short"})");
  EXPECT_EQ(weak.status, 400);
  EXPECT_NE(weak.body.find("new_password"), std::string::npos);
  Login("vera", "vera password");  // nothing changed
  auto changed = Call("POST", "/api/v1/auth/password", viewer,
                      R"({"current_password":"vera password","new_password":"a better password"})");
  EXPECT_EQ(changed.status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", viewer).status, 401);  // every session ended
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", other).status, 401);
  Login("vera", "a better password");
}

TEST_F(IdentityApiTest, ApiTokensAreScopedShownOnceAndRevocable) {
  AddUser("otto", "operator");
  std::string op = Login("otto", "otto password");
  auto created = Call("POST", "/api/v1/tokens", op, R"({"name":"ci","scopes":["servers:read"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string token(Body(created).at("token").as_string());
  std::string id(Body(created).at("token_id").as_string());
  EXPECT_EQ(Call("GET", "/api/v1/servers", token).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/servers", token, R"({"server_id":"a","server_name":"A"})").status,
            403);
  auto listed = Call("GET", "/api/v1/tokens", op);
  EXPECT_EQ(Body(listed).at("total"), 1);
  EXPECT_EQ(listed.body.find(token), std::string::npos);  // never shown again
  EXPECT_EQ(listed.body.find(token.substr(token.size() - 20)), std::string::npos);
  // Beyond the caller's role, identity scopes, unknown scopes: refused.
  for (const char* body :
       {R"({"name":"x","scopes":["users:admin"]})", R"({"name":"x","scopes":["tokens:manage"]})",
        R"({"name":"x","scopes":["nope"]})", R"({"name":"x","scopes":[]})",
        R"({"name":"x","scopes":["servers:read"],"expires_in_days":0})"}) {
    EXPECT_EQ(Call("POST", "/api/v1/tokens", op, body).status, 400) << body;
  }
  EXPECT_EQ(
      Call("POST", "/api/v1/tokens", token, R"({"name":"x","scopes":["servers:read"]})").status,
      403);  // a token cannot make tokens (it lacks tokens:manage)
  // A tampered secret is refused.
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call("GET", "/api/v1/servers", tampered).status, 401);
  EXPECT_EQ(Call("DELETE", "/api/v1/tokens/" + id, op).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/servers", token).status, 401);
}

TEST_F(IdentityApiTest, ATokenExpiresAndShrinksWithItsOwnersRole) {
  AddUser("otto", "operator");
  std::string op = Login("otto", "otto password");
  auto created = Call("POST", "/api/v1/tokens", op,
                      R"({"name":"ci","scopes":["servers:write"],"expires_in_days":1})");
  ASSERT_EQ(created.status, 201);
  std::string token(Body(created).at("token").as_string());
  EXPECT_EQ(Call("DELETE", "/api/v1/servers/nope", token).status, 404);
  ASSERT_EQ(Call("PATCH", "/api/v1/users/otto", admin_, R"({"role":"viewer"})").status, 200);
  EXPECT_EQ(Call("DELETE", "/api/v1/servers/nope", token).status, 403);
  clock_->Advance(24 * 3600 * 1000LL);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", token).status, 401);
}

TEST_F(IdentityApiTest, RepeatedFailuresAreThrottledEvenWithTheRightPassword) {
  auto attempt = [&](const std::string& password) {
    return Call("POST", "/api/v1/auth/login", "",
                json::serialize(json::object{{"username", "root"}, {"password", password}}));
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(attempt("wrong password!").status, 401);
  auto throttled = attempt(kAdminPassword);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(Code(throttled), "too_many_attempts");
  EXPECT_EQ(Header(throttled, "Retry-After"), "60");
  clock_->Advance(60'000);
  EXPECT_EQ(attempt(kAdminPassword).status, 200);
  // A name no user can have is refused alike, and never throttles the real ones.
  auto odd = Call("POST", "/api/v1/auth/login", "",
                  R"({"username":"root\nforged log line","password":"whatever it is"})");
  EXPECT_EQ(odd.status, 401);
  // An unknown user fails the same way a wrong password does.
  auto unknown = Call("POST", "/api/v1/auth/login", "",
                      R"({"username":"ghost","password":"admin password 1"})");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(Body(unknown).at("error").at("message"), "invalid username or password");
}

TEST_F(IdentityApiTest, SuccessfulLoginsAreLimitedTooPerUser) {
  AddUser("carol", "viewer");
  auto attempt = [&](const std::string& user, const std::string& password) {
    return Call("POST", "/api/v1/auth/login", "",
                json::serialize(json::object{{"username", user}, {"password", password}}));
  };
  for (int i = 1; i < 10; ++i) EXPECT_EQ(attempt("root", kAdminPassword).status, 200) << i;
  auto limited = attempt("root", kAdminPassword);  // the 11th in a row, SetUp's included
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(Code(limited), "too_many_attempts");
  EXPECT_EQ(Header(limited, "Retry-After"), "60");
  EXPECT_EQ(attempt("carol", "carol password").status, 200);  // another user is not held
  clock_->Advance(60'000);
  EXPECT_EQ(attempt("root", kAdminPassword).status, 200);
}

// The dashboard's session: the JWT in an HttpOnly cookie, never in the body; a change made with
// it needs the CSRF header; Bearer tokens work as before.
TEST_F(IdentityApiTest, ACookieSessionNeedsItsCsrfTokenForChanges) {
  auto login = CallWith("POST", "/api/v1/auth/login", {},
                        R"({"username":"root","password":"admin password 1","cookie":true})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_FALSE(Body(login).as_object().contains("access_token"));
  std::string csrf(Body(login).at("csrf_token").as_string());
  std::string set = Header(login, "Set-Cookie");
  EXPECT_NE(set.find("; Path=/;"), std::string::npos) << set;
  EXPECT_NE(set.find("HttpOnly; SameSite=Strict"), std::string::npos) << set;
  EXPECT_NE(set.find("Max-Age=1800"), std::string::npos) << set;
  std::string cookie = set.substr(0, set.find(';'));
  ASSERT_EQ(cookie.rfind("sms_session=", 0), 0u);
  Headers with_cookie{{"cookie", "theme=dark; " + cookie}};
  EXPECT_EQ(CallWith("GET", "/api/v1/servers", with_cookie).status, 200);
  auto me = CallWith("GET", "/api/v1/auth/me", with_cookie);
  EXPECT_EQ(Body(me).at("csrf_token").as_string(), csrf);
  std::string server = R"({"server_id":"w1","server_name":"w1"})";
  auto refused = CallWith("POST", "/api/v1/servers", with_cookie, server);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(Code(refused), "csrf_failed");
  auto wrong = with_cookie;
  wrong.emplace_back("x-csrf-token", csrf.substr(1) + "A");
  EXPECT_EQ(CallWith("POST", "/api/v1/servers", wrong, server).status, 403);
  EXPECT_EQ(CallWith("GET", "/api/v1/servers/w1", with_cookie).status, 404);  // nothing made
  auto right = with_cookie;
  right.emplace_back("x-csrf-token", csrf);
  EXPECT_EQ(CallWith("POST", "/api/v1/servers", right, server).status, 201);
  // Bearer tokens need no CSRF token: nothing sends them on its own.
  EXPECT_EQ(Call("DELETE", "/api/v1/servers/w1", admin_).status, 204);
  // Logout clears the cookie and ends the session.
  auto out = CallWith("POST", "/api/v1/auth/logout", right);
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(Header(out, "Set-Cookie").find("sms_session=; Path=/; Max-Age=0"), std::string::npos);
  EXPECT_EQ(CallWith("GET", "/api/v1/servers", with_cookie).status, 401);
}

TEST_F(IdentityApiTest, ACookieSessionEndsWhenIdleAndLivesOnWhenRenewed) {
  auto login =
      CallWith("POST", "/api/v1/auth/login", {{"x-forwarded-prefix", "/server-management/"}},
               R"({"username":"root","password":"admin password 1","cookie":true})");
  ASSERT_EQ(login.status, 200);
  std::string set = Header(login, "Set-Cookie");
  EXPECT_NE(set.find("; Path=/server-management;"), std::string::npos) << set;
  Headers h{{"cookie", set.substr(0, set.find(';'))},
            {"x-csrf-token", std::string(Body(login).at("csrf_token").as_string())}};
  for (int i = 0; i < 3; ++i) {  // in use: renewed every 20 minutes, for an hour
    clock_->Advance(20 * 60'000);
    auto renewed = CallWith("POST", "/api/v1/auth/refresh", h);
    ASSERT_EQ(renewed.status, 200) << renewed.body;
    std::string old_cookie = h[0].second;
    set = Header(renewed, "Set-Cookie");
    h = {{"cookie", set.substr(0, set.find(';'))},
         {"x-csrf-token", std::string(Body(renewed).at("csrf_token").as_string())}};
    EXPECT_EQ(CallWith("GET", "/api/v1/servers", {{"cookie", old_cookie}}).status, 401);
    EXPECT_EQ(CallWith("GET", "/api/v1/servers", h).status, 200);
  }
  clock_->Advance(31 * 60'000);  // idle past --session-idle-minutes
  EXPECT_EQ(CallWith("GET", "/api/v1/servers", h).status, 401);
  EXPECT_EQ(CallWith("POST", "/api/v1/auth/refresh", h).status, 401);
}

TEST_F(IdentityApiTest, ForgedOrOddCookiesAreRefused) {
  EXPECT_EQ(CallWith("GET", "/api/v1/servers", {{"cookie", "sms_session=abc.def.ghi"}}).status,
            401);
  EXPECT_EQ(CallWith("GET", "/api/v1/servers", {{"cookie", "other=1"}}).status, 401);
  auto bad = CallWith("POST", "/api/v1/auth/login", {},
                      R"({"username":"root","password":"admin password 1","cookie":"yes"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad).at("error").at("field"), "cookie");
  // An odd prefix is ignored: the cookie stays at "/".
  auto login = CallWith("POST", "/api/v1/auth/login", {{"x-forwarded-prefix", "/a;b"}},
                        R"({"username":"root","password":"admin password 1","cookie":true})");
  EXPECT_NE(Header(login, "Set-Cookie").find("; Path=/;"), std::string::npos);
}

}  // namespace
}  // namespace sms::management
