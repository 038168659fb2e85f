// The dashboard's files as a browser gets them: the page with its <base> at the mount (direct
// or behind the gateway's prefix), its modules, the strict policy, validators.
#include "roles/management/web.h"

#include <gtest/gtest.h>

namespace sms::management {
namespace {

http::Response Get(const http::Router& router, const std::string& path, http::Request req = {}) {
  req.method = "GET";
  req.path = req.target = path;
  std::string route;
  return router.Handle(req, &route);
}

std::string Header(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(WebTest, TheBuiltInPageAndItsModulesAreServedWithAStrictPolicy) {
  http::Router router;
  RegisterWeb(router);
  auto page = Get(router, "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<base href=\"/\">"), std::string::npos);
  EXPECT_NE(page.body.find("<script type=\"module\" src=\"ui/app.js\"></script>"),
            std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);  // nothing inline
  EXPECT_EQ(page.body.find("style="), std::string::npos);
  std::string policy = Header(page, "Content-Security-Policy");
  EXPECT_NE(policy.find("script-src 'self';"), std::string::npos);
  EXPECT_NE(policy.find("style-src 'self';"), std::string::npos);
  EXPECT_EQ(policy.find("unsafe"), std::string::npos);
  for (const char* file :
       {"app.js", "api.js", "app.css", "page-servers.js", "page-alerts.js", "icon.svg"}) {
    auto r = Get(router, std::string("/ui/") + file);
    EXPECT_EQ(r.status, 200) << file;
    EXPECT_FALSE(Header(r, "ETag").empty()) << file;
  }
  EXPECT_EQ(Get(router, "/ui/app.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Get(router, "/ui/nope.js").status, 404);
  EXPECT_EQ(Get(router, "/ui/index.html").status, 404);
}

TEST(WebTest, BehindTheGatewayThePageResolvesUnderItsPrefix) {
  static const EmbeddedFile kFiles[] = {
      {"index.html", "<head><base href=\"/\"></head>", "aaaa"},
      {"app.js", "export {}", "bbbb"},
  };
  http::Router router;
  RegisterWeb(router, kFiles);
  http::Request behind;
  behind.headers.emplace_back("x-forwarded-prefix", "/server-management");
  auto page = Get(router, "/", behind);
  EXPECT_EQ(page.body, "<head><base href=\"/server-management/\"></head>");
  auto direct = Get(router, "/");
  EXPECT_EQ(direct.body, "<head><base href=\"/\"></head>");
  EXPECT_NE(Header(page, "ETag"), Header(direct, "ETag"));
  http::Request odd;  // not a plain path: ignored
  odd.headers.emplace_back("x-forwarded-prefix", "/\"><script>");
  EXPECT_EQ(Get(router, "/", odd).body, "<head><base href=\"/\"></head>");
  http::Request again;
  again.headers.emplace_back("if-none-match", Header(direct, "ETag"));
  EXPECT_EQ(Get(router, "/", again).status, 304);
}

}  // namespace
}  // namespace sms::management
