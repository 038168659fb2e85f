#include "app/probe.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>

#include "http/server.h"

namespace sms::app {
namespace {

Result<ProbeOptions> Parse(std::vector<const char*> args, int* code) {
  args.insert(args.begin(), "probe");
  return ParseProbe(int(args.size()), args.data(), code);
}

TEST(ProbeTest, ProbesTheAddressTheRoleWouldListenOn) {
  unsetenv("SMS_LISTEN");
  int code = -1;
  EXPECT_EQ(Parse({}, &code)->url, "http://127.0.0.1:8080/healthz");
  EXPECT_EQ(Parse({"healthcheck"}, &code)->url, "http://127.0.0.1:8082/healthz");
  EXPECT_EQ(Parse({"management", "--listen", "10.1.2.3:9000"}, &code)->url,
            "http://10.1.2.3:9000/healthz");
  setenv("SMS_LISTEN", "0.0.0.0:8090", 1);
  EXPECT_EQ(Parse({"worker"}, &code)->url, "http://127.0.0.1:8090/healthz");
  unsetenv("SMS_LISTEN");
  auto explicit_url = Parse({"--url", "http://127.0.0.1:7/readyz", "--timeout-ms", "250"}, &code);
  ASSERT_TRUE(explicit_url.ok());
  EXPECT_EQ(explicit_url->url, "http://127.0.0.1:7/readyz");
  EXPECT_EQ(explicit_url->timeout_ms, 250);
  EXPECT_EQ(HealthzUrl("[::]:8081"), "http://[::1]:8081/healthz");
  EXPECT_EQ(HealthzUrl(":8081"), "http://127.0.0.1:8081/healthz");
}

TEST(ProbeTest, BadArgumentsExitOneAndHelpExitsZero) {
  int code = -1;
  EXPECT_FALSE(Parse({"--timeout-ms", "0"}, &code).ok());
  EXPECT_EQ(code, 1);  // Docker reserves 2; any failure is "unhealthy"
  EXPECT_FALSE(Parse({"bogus-role"}, &code).ok());
  EXPECT_EQ(code, 1);
  auto help = Parse({"--help"}, &code);
  ASSERT_FALSE(help.ok());
  EXPECT_EQ(code, 0);
  EXPECT_NE(help.status().message().find("--timeout-ms"), std::string::npos);
}

TEST(ProbeTest, HealthyOnlyOnA2xxAnswer) {
  auto router = std::make_shared<http::Router>();
  router->Add("GET", "/healthz", http::kPublic,
              [](http::Request&) { return http::JsonResponse(200, R"({"status":"ok"})"); });
  router->Add("GET", "/readyz", http::kPublic, [](http::Request&) {
    return http::JsonResponse(503, "{\"status\":\"unavailable\",\n\"failed\":[\"store\"]}");
  });
  http::ServerOptions so;
  so.listen = "127.0.0.1:0";
  so.threads = 1;
  auto server = std::make_unique<http::Server>(so, router, nullptr);
  ASSERT_TRUE(server->Start().ok());
  std::string base = "http://127.0.0.1:" + std::to_string(server->port());

  auto healthy = Probe({base + "/healthz", 2000});
  ASSERT_TRUE(healthy.ok()) << healthy.status().message();
  EXPECT_EQ(*healthy, base + "/healthz: HTTP 200");

  auto not_ready = Probe({base + "/readyz", 2000});
  ASSERT_FALSE(not_ready.ok());
  EXPECT_EQ(not_ready.status().message(),
            base + "/readyz: HTTP 503 {\"status\":\"unavailable\", \"failed\":[\"store\"]}");
  server.reset();  // the listening socket is closed once the server is gone

  auto closed = Probe({base + "/healthz", 2000});
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.status().message().rfind(base + "/healthz: ", 0), 0u);
  EXPECT_NE(closed.status().message().find("onnect"), std::string::npos);  // could not connect
}

}  // namespace
}  // namespace sms::app
