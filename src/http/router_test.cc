#include "http/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

namespace sms::http {
namespace {

std::string ErrorCode(const Response& res) {
  return std::string(boost::json::parse(res.body).at("error").at("code").as_string());
}

Request Make(const std::string& method, const std::string& target) {
  Request req;
  req.method = method;
  req.target = target;
  req.path = target.substr(0, target.find('?'));
  return req;
}

// Answers with the route's name and its params, so tests see which handler ran.
Handler Echo(const std::string& name) {
  return [name](Request& req) {
    std::string body = name;
    for (const auto& [k, v] : req.params) body += " " + k + "=" + v;
    return JsonResponse(200, body);
  };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/api/v1/servers", kPublic, Echo("list"));
    router_.Add("POST", "/api/v1/servers", kPublic, Echo("create"), 1024);
    router_.Add("GET", "/api/v1/servers/{server_id}", kPublic, Echo("get"));
    router_.Add("PATCH", "/api/v1/servers/{server_id}", kPublic, Echo("patch"), 2048);
    router_.Add("DELETE", "/api/v1/servers/{server_id}", kPublic, Echo("delete"));
    router_.Add("GET", "/api/v1/servers/export", kPublic, Echo("export"));
    router_.Add("GET", "/api/v1/servers/{server_id}/uptime", kPublic, Echo("uptime"));
    router_.Add("GET", "/", kPublic, Echo("root"));
  }

  Response Run(const std::string& method, const std::string& target, std::string* route) {
    Request req = Make(method, target);
    return router_.Handle(req, route);
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralAndParamSegments) {
  std::string route;
  EXPECT_EQ(Run("GET", "/api/v1/servers", &route).body, "list");
  EXPECT_EQ(route, "/api/v1/servers");
  EXPECT_EQ(Run("GET", "/api/v1/servers/web-01", &route).body, "get server_id=web-01");
  EXPECT_EQ(route, "/api/v1/servers/{server_id}");
  EXPECT_EQ(Run("GET", "/api/v1/servers/web-01/uptime?from=1", &route).body,
            "uptime server_id=web-01");
  EXPECT_EQ(Run("GET", "/", &route).body, "root");
}

TEST_F(RouterTest, LiteralWinsOverParamWhateverTheOrderOfAdding) {
  std::string route;
  EXPECT_EQ(Run("GET", "/api/v1/servers/export", &route).body, "export");
  EXPECT_EQ(route, "/api/v1/servers/export");
}

TEST_F(RouterTest, ParamValuesArePercentDecoded) {
  std::string route;
  EXPECT_EQ(Run("GET", "/api/v1/servers/web%2F01%20a", &route).body, "get server_id=web/01 a");
  // An encoded slash stays inside one segment: still the one-parameter route.
  EXPECT_EQ(route, "/api/v1/servers/{server_id}");
  EXPECT_EQ(Run("GET", "/api/v1/%73ervers", &route).body, "list");
}

TEST_F(RouterTest, ExactMatchOnly) {
  std::string route;
  EXPECT_EQ(Run("GET", "/api/v1/servers/", &route).status, 404);  // trailing slash
  EXPECT_EQ(Run("GET", "/api/v1", &route).status, 404);
  EXPECT_EQ(Run("GET", "/api/v1/servers/a/b", &route).status, 404);
  EXPECT_EQ(Run("GET", "/API/v1/servers", &route).status, 404);
}

TEST_F(RouterTest, UnknownPathIs404JsonWithBoundedRouteLabel) {
  std::string route;
  Response res = Run("GET", "/nope/12345", &route);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(ErrorCode(res), "not_found");
  EXPECT_EQ(route, "unmatched");
}

TEST_F(RouterTest, KnownPathWithOtherMethodIs405WithAllow) {
  std::string route;
  Response res = Run("PUT", "/api/v1/servers/web-01", &route);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(ErrorCode(res), "method_not_allowed");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Allow");
  EXPECT_EQ(res.headers[0].second, "DELETE, GET, PATCH");
  EXPECT_EQ(route, "/api/v1/servers/{server_id}");

  res = Run("DELETE", "/api/v1/servers", &route);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers[0].second, "GET, POST");
}

TEST_F(RouterTest, ALiteralPathIsNotReachedThroughTheParamRoutesOtherMethods) {
  std::string route;
  for (const char* method : {"PATCH", "DELETE", "OPTIONS"}) {
    Response res = Run(method, "/api/v1/servers/export", &route);
    EXPECT_EQ(res.status, 405) << method << " " << res.body;
    ASSERT_EQ(res.headers.size(), 1u) << method;
    EXPECT_EQ(res.headers[0].second, "GET") << method;
    EXPECT_EQ(route, "/api/v1/servers/export") << method;
  }
  EXPECT_EQ(Run("PATCH", "/api/v1/servers/%65xport", &route).status, 405);
  EXPECT_EQ(Run("PATCH", "/api/v1/servers/exports", &route).body, "patch server_id=exports");
}

TEST_F(RouterTest, HeadIsAMethodLikeAnyOther) {
  std::string route;
  Response res = Run("HEAD", "/api/v1/servers", &route);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers[0].second, "GET, POST");
}

TEST_F(RouterTest, HandleWithTheRouteFoundBeforehand) {
  Request req = Make("GET", "/api/v1/servers/web%2001/uptime?from=1");
  req.params["stale"] = "from an earlier request";
  const Route* route = router_.Find("GET", "/api/v1/servers/web%2001/uptime");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->pattern, "/api/v1/servers/{server_id}/uptime");
  Response res = router_.Handle(req, *route);
  EXPECT_EQ(res.body, "uptime server_id=web 01");

  Request list = Make("GET", "/api/v1/servers");
  EXPECT_EQ(router_.Handle(list, *router_.Find("GET", "/api/v1/servers")).body, "list");

  Router other;
  other.Add("GET", "/boom", kPublic,
            [](Request&) -> Response { throw std::runtime_error("secret"); });
  Request boom = Make("GET", "/boom");
  res = other.Handle(boom, *other.Find("GET", "/boom"));
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("secret"), std::string::npos);
}

TEST_F(RouterTest, BodyLimitsPerRoute) {
  EXPECT_EQ(router_.BodyLimit("POST", "/api/v1/servers"), 1024u);
  EXPECT_EQ(router_.BodyLimit("PATCH", "/api/v1/servers/x"), 2048u);
  EXPECT_EQ(router_.BodyLimit("GET", "/api/v1/servers"), kDefaultBodyLimit);
  EXPECT_EQ(router_.BodyLimit("POST", "/unknown"), kDefaultBodyLimit);
  EXPECT_EQ(router_.BodyLimit("PUT", "/api/v1/servers"), kDefaultBodyLimit);
  const Route* found = router_.Find("PATCH", "/api/v1/servers/a%20b");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->pattern, "/api/v1/servers/{server_id}");
  EXPECT_EQ(router_.Find("PUT", "/api/v1/servers/x"), nullptr);
}

TEST_F(RouterTest, ThrowingHandlerGives500WithoutDetails) {
  router_.Add("GET", "/boom", kPublic,
              [](Request&) -> Response { throw std::runtime_error("secret connection string"); });
  router_.Add("GET", "/boom-int", kPublic, [](Request&) -> Response { throw 42; });
  for (const char* target : {"/boom", "/boom-int"}) {
    std::string route;
    Response res = Run("GET", target, &route);
    EXPECT_EQ(res.status, 500);
    EXPECT_EQ(ErrorCode(res), "internal");
    EXPECT_EQ(res.body.find("secret"), std::string::npos);
    EXPECT_EQ(route, target);
  }
}

TEST_F(RouterTest, UsesPathWhenTargetIsEmpty) {
  Request req;
  req.method = "GET";
  req.path = "/api/v1/servers/db-1";
  std::string route;
  EXPECT_EQ(router_.Handle(req, &route).body, "get server_id=db-1");
  EXPECT_EQ(req.params.at("server_id"), "db-1");
}

TEST_F(RouterTest, ParamsOfAnEarlierMatchDoNotLeak) {
  Request req = Make("GET", "/api/v1/servers/one");
  std::string route;
  router_.Handle(req, &route);
  req.target = "/api/v1/servers";
  EXPECT_EQ(router_.Handle(req, &route).body, "list");
  EXPECT_TRUE(req.params.empty());
}

TEST(RouterAddTest, RejectsMalformedPatterns) {
  Router router;
  EXPECT_THROW(router.Add("GET", "no-slash", kPublic, Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/{}", kPublic, Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/{b", kPublic, Echo("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/x{b}", kPublic, Echo("x")), std::invalid_argument);
  EXPECT_NO_THROW(router.Add("GET", "/a/{b}", kPublic, Echo("x")));
  ASSERT_EQ(router.routes().size(), 1u);
  EXPECT_EQ(router.routes()[0].pattern, "/a/{b}");
  EXPECT_EQ(router.routes()[0].body_limit, kDefaultBodyLimit);
  EXPECT_THROW(router.Add("GET", "/b", "", Echo("x")), std::invalid_argument);  // no access
}

TEST(RouterGuardTest, RunsBeforeEveryHandlerAndMayAnswerInstead) {
  Router router;
  int handled = 0;
  router.Add("GET", "/open", kPublic, [&](Request&) { ++handled; return JsonResponse(200, "{}"); });
  router.Add("DELETE", "/items/{id}", "items:write", [&](Request& req) {
    ++handled;
    return JsonResponse(200, "\"" + req.caller.name + "\"");
  });
  std::vector<std::string> seen;
  router.SetGuard([&](Request& req, const Route& route) -> std::optional<Response> {
    seen.push_back(route.access);
    if (route.access == kPublic) return std::nullopt;
    if (req.Header("authorization") != "ok") return ErrorResponse(401, "unauthenticated", "no");
    req.caller.name = "alice";
    return std::nullopt;
  });
  Request req;
  req.method = "DELETE";
  req.path = "/items/7";
  std::string route;
  EXPECT_EQ(router.Handle(req, &route).status, 401);
  EXPECT_EQ(handled, 0);  // refused before the handler
  req.headers.emplace_back("authorization", "ok");
  Response ok = router.Handle(req, &route);
  EXPECT_EQ(ok.body, "\"alice\"");
  req = Request{};
  req.method = "GET";
  req.path = "/open";
  EXPECT_EQ(router.Handle(req, &route).status, 200);
  EXPECT_EQ(handled, 2);
  EXPECT_EQ(seen, (std::vector<std::string>{"items:write", "items:write", "public"}));
  req.path = "/nothing";  // unmatched: 404 without asking the guard
  EXPECT_EQ(router.Handle(req, &route).status, 404);
  EXPECT_EQ(seen.size(), 3u);
}

}  // namespace
}  // namespace sms::http
