#include "http/limits.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json.hpp>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "http/router.h"
#include "http/server.h"
#include "http/test_client.h"

namespace sms::http {
namespace {

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonTooDeepTest, CountsNestingOutsideStrings) {
  EXPECT_FALSE(JsonTooDeep(R"({"server_id":"a"})", 1));
  EXPECT_TRUE(JsonTooDeep(R"({"a":{"b":1}})", 1));
  EXPECT_FALSE(JsonTooDeep(R"({"a":{"b":1}})", 2));
  EXPECT_FALSE(JsonTooDeep(Nested(32), 32));
  EXPECT_TRUE(JsonTooDeep(Nested(33), 32));
  // Siblings do not add up.
  EXPECT_FALSE(JsonTooDeep(R"([[1],[2],{"a":[3]}])", 3));
  // Brackets inside strings, escaped quotes included, are text.
  EXPECT_FALSE(JsonTooDeep(R"({"a":"[[[[{{{{","b":"\"[[[[\\"})", 1));
  EXPECT_TRUE(JsonTooDeep(R"({"a":"\\",  "b":[[1]]})", 2));
  EXPECT_FALSE(JsonTooDeep("", 0));
  EXPECT_FALSE(JsonTooDeep("not json at all", 0));
}

TEST(IsJsonBodyTest, JsonTypesAndNoTypeAtAll) {
  EXPECT_TRUE(IsJsonBody(""));
  EXPECT_TRUE(IsJsonBody("application/json"));
  EXPECT_TRUE(IsJsonBody("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(IsJsonBody("application/merge-patch+json"));
  EXPECT_FALSE(IsJsonBody("text/plain"));
  EXPECT_FALSE(IsJsonBody("multipart/form-data; boundary=x"));
  EXPECT_FALSE(IsJsonBody("application/jsonx"));
  EXPECT_FALSE(IsJsonBody("application/"));
  EXPECT_FALSE(IsJsonBody("json"));
}

// The limits over HTTP: each answers its error before the handler runs.
class LimitsServerTest : public ::testing::Test {
 protected:
  void Start() {
    router_->Add("POST", "/items", kPublic, [this](Request& req) {
      ++calls_;
      return JsonResponse(201, req.body);
    });
    router_->Add("GET", "/items", kPublic, [this](Request& req) {
      ++calls_;
      return JsonResponse(200, "{\"params\":" + std::to_string(req.query.size()) + "}");
    });
    options_.listen = "127.0.0.1:0";
    options_.threads = 1;
    server_ = std::make_unique<Server>(options_, router_, nullptr);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop(1000);
  }
  static std::string Code(const Response& r) {
    return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
  }
  ServerOptions options_;
  std::shared_ptr<Router> router_ = std::make_shared<Router>();
  std::unique_ptr<Server> server_;
  std::atomic<int> calls_{0};
};

TEST_F(LimitsServerTest, TooDeepJsonBodyIs400AndTheHandlerNeverRuns) {
  options_.max_json_depth = 4;
  Start();
  TestConnection conn(server_->port());
  Headers json = {{"Content-Type", "application/json"}};
  Response r = conn.Send("POST", "/items", "{\"a\":" + Nested(4) + "}", json);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "json_too_deep");
  EXPECT_EQ(calls_.load(), 0);
  // The connection goes on; within the limit, and non-JSON bodies, reach the handler.
  EXPECT_EQ(conn.Send("POST", "/items", "{\"a\":" + Nested(3) + "}", json).status, 201);
  EXPECT_EQ(conn.Send("POST", "/items", Nested(10), {{"Content-Type", "text/plain"}}).status, 201);
  // No Content-Type is read as JSON (agents may omit it).
  EXPECT_EQ(conn.Send("POST", "/items", Nested(5)).status, 400);
  EXPECT_EQ(calls_.load(), 2);
}

TEST_F(LimitsServerTest, TooManyQueryParametersIs400) {
  options_.max_query_params = 3;
  Start();
  Response r = Fetch(server_->port(), "GET", "/items?a=1&b=2&c=3");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"params":3})");
  // Repeats count: the handler would only have seen the last one.
  r = Fetch(server_->port(), "GET", "/items?a=1&a=2&a=3&a=4");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "too_many_query_parameters");
  EXPECT_EQ(HeaderValue(r, "Connection"), "close");
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(LimitsServerTest, TooLongQueryIs414) {
  options_.max_query_length = 64;
  Start();
  EXPECT_EQ(Fetch(server_->port(), "GET", "/items?q=" + std::string(62, 'x')).status, 200);
  Response r = Fetch(server_->port(), "GET", "/items?q=" + std::string(63, 'x'));
  EXPECT_EQ(r.status, 414);
  EXPECT_EQ(Code(r), "uri_too_long");
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(LimitsServerTest, EveryResponseCarriesARequestIdUniquePerRequest) {
  Start();
  TestConnection conn(server_->port());
  std::string a = HeaderValue(conn.Send("GET", "/items"), "X-Request-Id");
  std::string b = HeaderValue(conn.Send("GET", "/items?x=1"), "X-Request-Id");
  std::string c = HeaderValue(Fetch(server_->port(), "GET", "/missing"), "X-Request-Id");
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_EQ(
      HeaderValue(conn.Send("GET", "/items", "", {{"X-Request-Id", "lb-7f3a.1"}}), "X-Request-Id"),
      "lb-7f3a.1");
}

TEST_F(LimitsServerTest, RequestsAreLoggedWithTheirRequestIdAndNoQuery) {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true));
  logger->set_pattern("%l %v");
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
  router_->Add("GET", "/fail", kPublic,
               [](Request&) -> Response { throw std::runtime_error("bug"); });
  router_->Add("GET", "/busy", kPublic, [](Request&) { return JsonResponse(503, "{}"); });
  Start();
  Response ok = Fetch(server_->port(), "GET", "/items");
  Response failed = Fetch(server_->port(), "GET", "/fail?api_key=hunter2");
  Response busy = Fetch(server_->port(), "GET", "/busy");
  server_->Stop(1000);
  std::string at_info = out.str();
  // At info only the internal error is logged, with the id the client got; not a 503, which
  // an overloaded server may answer thousands of times a second.
  EXPECT_EQ(at_info.find(HeaderValue(ok, "X-Request-Id")), std::string::npos) << at_info;
  EXPECT_EQ(at_info.find(HeaderValue(busy, "X-Request-Id")), std::string::npos) << at_info;
  EXPECT_NE(at_info.find("warning http GET /fail 500 "), std::string::npos) << at_info;
  EXPECT_NE(at_info.find("request_id=" + HeaderValue(failed, "X-Request-Id")), std::string::npos)
      << at_info;
  EXPECT_EQ(at_info.find("hunter2"), std::string::npos) << at_info;

  logger->set_level(spdlog::level::debug);
  server_ = std::make_unique<Server>(options_, router_, nullptr);
  ASSERT_TRUE(server_->Start().ok());
  ok = Fetch(server_->port(), "GET", "/items");
  server_->Stop(1000);
  spdlog::set_default_logger(previous);
  EXPECT_NE(out.str().find("debug http GET /items 200 "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("request_id=" + HeaderValue(ok, "X-Request-Id")), std::string::npos);
}

}  // namespace
}  // namespace sms::http
