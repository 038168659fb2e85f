// The heartbeat intake through a real HTTP server: 202 only once the bus says the heartbeat is
// durable, 503 when it was lost, and the I/O threads stay free while heartbeats wait.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bus/faulty_bus.h"
#include "bus/memory_bus.h"
#include "core/clock.h"
#include "http/server.h"
#include "http/test_client.h"
#include "roles/healthcheck/healthcheck.h"

namespace sms::healthcheck {
namespace {

using std::chrono::steady_clock;

class DurableIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_ = std::make_shared<bus::FaultyBus>(std::make_shared<bus::MemoryBus>());
    auto metrics = std::make_shared<metrics::Metrics>();
    hc_ = std::make_unique<Healthcheck>(bus_, std::make_shared<SystemClock>(), metrics);
    auto router = std::make_shared<http::Router>();
    hc_->Register(*router);
    router->Add("GET", "/healthz", http::kPublic,
                [](http::Request&) { return http::JsonResponse(200, R"({"status":"ok"})"); });
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    options.pinned = true;  // as `smsd healthcheck` runs
    server_ = std::make_unique<http::Server>(options, router, metrics);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(1000); }

  static std::string Heartbeat(int i) {
    std::string body = R"({"server_id":"web-)" + std::to_string(i) + R"("})";
    return "POST /healthcheck HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  bool WaitForHeld(size_t n) {
    auto deadline = steady_clock::now() + std::chrono::seconds(10);
    while (bus_->held_deliveries() < n && steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return bus_->held_deliveries() == n;
  }

  std::shared_ptr<bus::FaultyBus> bus_;
  std::unique_ptr<Healthcheck> hc_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(DurableIngestTest, HealthzAnswersWhile64HeartbeatsAwaitDurability) {
  bus_->HoldDeliveries(true);
  std::vector<std::unique_ptr<http::TestConnection>> agents;
  for (int i = 0; i < 64; ++i) {
    agents.push_back(std::make_unique<http::TestConnection>(server_->port()));
    agents.back()->Write(Heartbeat(i));
  }
  ASSERT_TRUE(WaitForHeld(64));
  // None is answered before it is durable...
  EXPECT_FALSE(agents[0]->ClosedByPeer(100));
  // ...and the one I/O thread is free meanwhile.
  http::Response health = http::Fetch(server_->port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);

  bus_->HoldDeliveries(false);
  for (auto& agent : agents) {
    std::string got = agent->ReadSome();
    EXPECT_NE(got.find("HTTP/1.1 202"), std::string::npos) << got;
    EXPECT_NE(got.find(R"({"status":"accepted"})"), std::string::npos) << got;
  }
}

TEST_F(DurableIngestTest, AHeartbeatTheBusLostIsAnswered503) {
  bus_->HoldDeliveries(true);
  http::TestConnection agent(server_->port());
  agent.Write(Heartbeat(1));
  ASSERT_TRUE(WaitForHeld(1));
  bus_->LoseHeldDeliveries();
  std::string got = agent.ReadSome();
  EXPECT_NE(got.find("HTTP/1.1 503"), std::string::npos) << got;
  EXPECT_NE(got.find("Retry-After: 1"), std::string::npos) << got;
}

}  // namespace
}  // namespace sms::healthcheck
