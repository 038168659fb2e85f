#include "roles/healthcheck/healthcheck.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/heartbeat.h"
#include "support/assert_ok.h"

namespace sms::healthcheck {
namespace {

constexpr Millis kNow = 1'795'000'000'000;

class HealthcheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus::BusConfig cfg;
    cfg.queue_capacity = 3;
    ASSERT_OK_AND_ASSIGN(bus_, bus::MakeBus(cfg));
    ASSERT_OK_AND_ASSIGN(consumer_, bus_->Subscribe(bus::kHeartbeatTopic, "test"));
    metrics_ = std::make_shared<metrics::Metrics>();
    hc_ = std::make_unique<Healthcheck>(bus_, std::make_shared<ManualClock>(kNow), metrics_);
  }
  http::Response Post(const std::string& body, const std::string& type = "application/json") {
    http::Request req;
    req.method = "POST";
    req.path = "/healthcheck";
    req.body = body;
    if (!type.empty()) req.headers.emplace_back("content-type", type);
    return hc_->Accept(req);
  }
  // How many messages the consumer gets within `wait`; -1 (and a failure) when Poll fails.
  int64_t Polled(std::chrono::milliseconds wait) {
    auto polled = consumer_->Poll(10, wait);
    EXPECT_TRUE(polled.ok()) << polled.status().ToString();
    return polled.ok() ? int64_t(polled->size()) : -1;
  }
  std::string ErrorField(const http::Response& r) {
    auto v = boost::json::parse(r.body);
    auto* f = v.at("error").as_object().if_contains("field");
    return f ? std::string(f->as_string()) : "";
  }
  bus::BusPtr bus_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::shared_ptr<metrics::Metrics> metrics_;
  std::unique_ptr<Healthcheck> hc_;
};

TEST_F(HealthcheckTest, AcceptsAndPublishesStampedHeartbeat) {
  auto r = Post(R"({"server_id":"web-01","hostname":"web-01","ipv4":"10.0.0.5","interval":30,
                    "agent_version":"1.0.0","sent_at":"2026-11-28T06:00:00Z"})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"status":"accepted"})");
  ASSERT_OK_AND_ASSIGN(auto msgs, consumer_->Poll(10, std::chrono::milliseconds(100)));
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].key, "web-01");
  ASSERT_OK_AND_ASSIGN(Heartbeat hb, DecodeHeartbeat(msgs[0].payload));
  EXPECT_EQ(hb.server_id, "web-01");
  EXPECT_EQ(hb.ipv4, "10.0.0.5");
  EXPECT_EQ(hb.received_at, kNow);  // the node's clock, not the agent's
  EXPECT_FALSE(hb.id.empty());
}

TEST_F(HealthcheckTest, AcceptsTheOriginalAgentsShape) {
  EXPECT_EQ(Post(R"({"ip":"10.0.0.7","time":1764309600000,"duration":15})").status, 202);
  ASSERT_OK_AND_ASSIGN(auto msgs, consumer_->Poll(10, std::chrono::milliseconds(100)));
  ASSERT_EQ(msgs.size(), 1u);
  ASSERT_OK_AND_ASSIGN(Heartbeat hb, DecodeHeartbeat(msgs[0].payload));
  EXPECT_EQ(hb.server_id, "10.0.0.7");
  EXPECT_EQ(hb.interval, 15);
}

TEST_F(HealthcheckTest, RejectsInvalidInputNamingTheFieldAndPublishesNothing) {
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {
      {R"({"hostname":"x"})", "server_id"},
      {R"({"server_id":"bad id!"})", "server_id"},
      {R"({"server_id":"a","interval":0})", "interval"},
      {R"({"server_id":"a","interval":3601})", "interval"},
      {R"({"server_id":"a","ipv4":"300.1.1.1"})", "ipv4"},
      {R"({"server_id":"a","ipv4":"10.0.0"})", "ipv4"},
  };
  for (const auto& c : cases) {
    auto r = Post(c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(ErrorField(r), c.field) << c.body;
  }
  EXPECT_EQ(Post("{not json").status, 400);
  EXPECT_EQ(Post("[1,2]").status, 400);
  EXPECT_EQ(Polled(std::chrono::milliseconds(50)), 0);
}

TEST_F(HealthcheckTest, RefusesNonJsonContentType) {
  auto r = Post(R"({"server_id":"a"})", "text/plain");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(Post(R"({"server_id":"a"})", "application/json; charset=utf-8").status, 202);
  EXPECT_EQ(Post(R"({"server_id":"a"})", "").status, 202);
}

TEST_F(HealthcheckTest, FullBusAnswers503AtOnce) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Post(R"({"server_id":"a"})").status, 202);
  auto r = Post(R"({"server_id":"a"})");
  EXPECT_EQ(r.status, 503);
  bool retry_after = false;
  for (auto& [k, v] : r.headers) retry_after = retry_after || k == "Retry-After";
  EXPECT_TRUE(retry_after);
  std::string m = metrics_->Render();
  EXPECT_NE(m.find("sms_heartbeats_accepted_total 3"), std::string::npos) << m;
  EXPECT_NE(m.find("reason=\"bus_unavailable\"} 1"), std::string::npos) << m;
}

TEST_F(HealthcheckTest, WithTokensAMissingOrWrongBearerIs401AndPublishesNothing) {
  hc_ = std::make_unique<Healthcheck>(bus_, std::make_shared<ManualClock>(kNow), metrics_,
                                      AgentTokens({"agent-token-1", "agent-token-2"}));
  const std::string body = R"({"server_id":"web-01"})";
  for (const char* auth : {"", "Bearer wrong-token-x", "Bearer agent-token-", "agent-token-1",
                           "Basic YWdlbnQ6eA==", "Bearer agent-token-11"}) {
    http::Request req;
    req.method = "POST";
    req.body = body;
    if (*auth != '\0') req.headers.emplace_back("authorization", auth);
    http::Response r = hc_->Accept(req);
    EXPECT_EQ(r.status, 401) << auth;
    EXPECT_EQ(boost::json::parse(r.body).at("error").at("code").as_string(), "unauthenticated");
    EXPECT_EQ(r.body.find("agent-token-1"), std::string::npos) << "a token in the error body";
    bool challenge = false;
    for (auto& [k, v] : r.headers) {
      challenge = challenge || (k == "WWW-Authenticate" && v == "Bearer");
    }
    EXPECT_TRUE(challenge) << auth;
  }
  EXPECT_EQ(Polled(std::chrono::milliseconds(50)), 0);
  EXPECT_NE(metrics_->Render().find("reason=\"unauthorized\"} 6"), std::string::npos);

  for (const char* auth : {"Bearer agent-token-1", "bearer agent-token-2"}) {
    http::Request req;
    req.method = "POST";
    req.body = body;
    req.headers.emplace_back("authorization", auth);
    EXPECT_EQ(hc_->Accept(req).status, 202) << auth;
  }
  EXPECT_EQ(Polled(std::chrono::milliseconds(100)), 2);
}

TEST_F(HealthcheckTest, WithoutTokensTheEndpointIsOpen) {
  EXPECT_EQ(Post(R"({"server_id":"a"})").status, 202);
}

}  // namespace
}  // namespace sms::healthcheck
