#include "roles/management/docs.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace sms::management {
namespace {

namespace json = boost::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Header(const http::Response& r, const std::string& name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "";
}

std::string ErrorCode(const http::Response& r) {
  return std::string(json::parse(r.body).at("error").at("code").as_string());
}

// 64 hex digits standing for a SHA-256, distinct per `seed`.
std::string FakeDigest(char seed) { return std::string(64, seed); }

class DocsTest : public ::testing::Test {
 protected:
  // A build with the Swagger UI files (`with_swagger`) or without them.
  void Serve(bool with_swagger) {
    files_.clear();
    files_.push_back({"openapi.yaml", "openapi: 3.1.0\n", digests_[0]});
    files_.push_back({"docs.js", "window.ui = 1;\n", digests_[1]});
    if (with_swagger) {
      files_.push_back({"swagger-ui.css", ".swagger-ui{}", digests_[2]});
      files_.push_back({"swagger-ui-bundle.js", "var SwaggerUIBundle;", digests_[3]});
      files_.push_back({"favicon-32x32.png", "\x89PNG", digests_[4]});
      files_.push_back({"LICENSE", "Apache License", digests_[5]});
    }
    router_ = http::Router();
    RegisterDocs(router_, files_);
  }

  http::Response Get(const std::string& target, const std::string& if_none_match = "") {
    http::Request req;
    req.method = "GET";
    req.target = target;
    size_t mark = target.find('?');
    req.path = target.substr(0, mark);
    if (mark != std::string::npos) {
      std::string query = target.substr(mark + 1);
      size_t eq = query.find('=');
      req.query[query.substr(0, eq)] = eq == std::string::npos ? "" : query.substr(eq + 1);
    }
    if (!if_none_match.empty()) req.headers.emplace_back("if-none-match", if_none_match);
    std::string route;
    return router_.Handle(req, &route);
  }

  std::vector<std::string> digests_ = {FakeDigest('0'), FakeDigest('1'), FakeDigest('2'),
                                       FakeDigest('3'), FakeDigest('4'), FakeDigest('5')};
  std::vector<EmbeddedFile> files_;
  http::Router router_;
};

TEST(EmbeddedDocs, TheSpecIsDocsOpenapiYamlByteForByte) {
  std::string on_disk = ReadFile(SMS_OPENAPI_YAML);
  ASSERT_FALSE(on_disk.empty());
  const EmbeddedFile* spec = nullptr;
  for (const EmbeddedFile& f : EmbeddedDocFiles()) {
    if (f.name == "openapi.yaml") spec = &f;
    EXPECT_FALSE(f.content.empty()) << f.name;
    EXPECT_TRUE(std::regex_match(std::string(f.sha256), std::regex("[0-9a-f]{64}"))) << f.name;
  }
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->content, on_disk);
}

TEST_F(DocsTest, TheSpecIsServedAsYamlWithAnEtagThatAnswers304) {
  Serve(false);
  http::Response r = Get("/api/v1/openapi.yaml");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/yaml");
  EXPECT_EQ(r.body, "openapi: 3.1.0\n");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
  std::string etag = Header(r, "ETag");
  EXPECT_EQ(etag, "\"" + digests_[0].substr(0, 32) + "\"");

  http::Response again = Get("/api/v1/openapi.yaml", "\"other\", " + etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Header(again, "ETag"), etag);
  EXPECT_EQ(Get("/api/v1/openapi.yaml", "\"other\"").status, 200);
}

TEST_F(DocsTest, ThePageLinksEveryFileItNeedsAndEachIsServedWithItsType) {
  Serve(true);
  http::Response page = Get("/docs");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Header(page, "Cache-Control"), "no-cache");
  EXPECT_NE(Header(page, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << "no inline script";

  std::regex link(R"re((?:href|src)="(docs/[^"?]+)\?v=([0-9a-f]+)")re");
  std::map<std::string, std::string> linked;  // file -> its version in the link
  for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), link);
       it != std::sregex_iterator(); ++it) {
    linked[(*it)[1].str().substr(5)] = (*it)[2].str();
  }
  std::map<std::string, std::string> want = {
      {"swagger-ui.css", "text/css; charset=utf-8"},
      {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
      {"docs.js", "text/javascript; charset=utf-8"},
      {"favicon-32x32.png", "image/png"}};
  ASSERT_EQ(linked.size(), want.size()) << page.body;
  for (const auto& [file, type] : want) {
    ASSERT_TRUE(linked.count(file)) << file << " not linked:\n" << page.body;
    http::Response r = Get("/docs/" + file + "?v=" + linked[file]);
    EXPECT_EQ(r.status, 200) << file;
    EXPECT_EQ(r.content_type, type) << file;
    EXPECT_EQ(Header(r, "Cache-Control"), "public, max-age=31536000, immutable") << file;
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff") << file;
  }
  // The bundle's bytes, unchanged; without the page's version it must be revalidated.
  http::Response bundle = Get("/docs/swagger-ui-bundle.js");
  EXPECT_EQ(bundle.body, "var SwaggerUIBundle;");
  EXPECT_EQ(Header(bundle, "Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/docs/swagger-ui-bundle.js?v=000000000000").status, 200);
  EXPECT_EQ(Header(Get("/docs/swagger-ui-bundle.js?v=000000000000"), "Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/docs/LICENSE").content_type, "text/plain; charset=utf-8");

  http::Response cached = Get("/docs", Header(page, "ETag"));
  EXPECT_EQ(cached.status, 304);
}

TEST_F(DocsTest, UnknownFilesAre404AndTheSpecIsNotADocsFile) {
  Serve(true);
  for (const char* target : {"/docs/x", "/docs/openapi.yaml", "/docs/swagger-ui.js",
                             "/docs/..%2Fopenapi.yaml", "/docs/favicon-16x16.png"}) {
    http::Response r = Get(target);
    EXPECT_EQ(r.status, target == std::string("/docs/favicon-16x16.png") ? 503 : 404) << target;
    EXPECT_EQ(r.content_type, "application/json") << target;
  }
  EXPECT_EQ(ErrorCode(Get("/docs/x")), "not_found");
  EXPECT_EQ(Get("/docs/").status, 404);  // no file name: no route
}

TEST_F(DocsTest, WithoutSwaggerUiTheSpecIsStillServedAndTheDocsAnswer503) {
  Serve(false);
  EXPECT_EQ(Get("/api/v1/openapi.yaml").status, 200);
  http::Response page = Get("/docs");
  ASSERT_EQ(page.status, 503);
  EXPECT_EQ(ErrorCode(page), "docs_unavailable");
  EXPECT_NE(page.body.find("scripts/fetch-swagger-ui"), std::string::npos) << page.body;
  EXPECT_EQ(ErrorCode(Get("/docs/swagger-ui-bundle.js")), "docs_unavailable");
  EXPECT_EQ(Get("/docs/x").status, 404);
}

TEST_F(DocsTest, EveryDocsRouteIsPublic) {
  Serve(true);
  int docs_routes = 0;
  for (const http::Route& route : router_.routes()) {
    EXPECT_EQ(route.access, http::kPublic) << route.pattern;
    EXPECT_EQ(route.method, "GET") << route.pattern;
    ++docs_routes;
  }
  EXPECT_EQ(docs_routes, 3);
}

TEST(EtagMatches, ReadsListsWeakTagsAndTheWildcard) {
  const std::string tag = "\"abc\"";
  EXPECT_TRUE(EtagMatches("\"abc\"", tag));
  EXPECT_TRUE(EtagMatches("W/\"abc\"", tag));
  EXPECT_TRUE(EtagMatches("\"x\",\"abc\"", tag));
  EXPECT_TRUE(EtagMatches(" \"x\" , \"abc\" ", tag));
  EXPECT_TRUE(EtagMatches("*", tag));
  EXPECT_FALSE(EtagMatches("", tag));
  EXPECT_FALSE(EtagMatches("\"abcd\"", tag));
  EXPECT_FALSE(EtagMatches("abc", tag));
  EXPECT_FALSE(EtagMatches(",,", tag));
}

}  // namespace
}  // namespace sms::management
