// What a bus adds to /metrics (RegisterProbes serves Metrics::Render), built as smsd builds it:
// MakeBus, then RegisterMetrics. Always: a Kafka bus whose brokers refuse connections, behind
// a topic prefix, and the in-process bus's journal. With a broker (SMS_KAFKA_BROKERS, from
// scripts/services; skipped without): deliveries Kafka acknowledged.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>

#include "bus/bus.h"
#include "metrics/metrics.h"
#include "support/assert_ok.h"
#include "support/local_port.h"
#include "support/metrics_sample.h"

namespace sms::bus {
namespace {

using testing::Serves;

using namespace std::chrono_literals;

std::string Unique(const char* base) {
  return base + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

TEST(BusMetricsTest, KafkaMessagesNeverAcknowledgedAreServedAsFailed) {
  testing::LocalPort refused;
  refused.Close();
  BusConfig config;
  config.brokers = "127.0.0.1:" + std::to_string(refused.port());
  config.delivery_timeout = 1s;
  config.topic_prefix = "metrics.";  // the Kafka bus sits behind the prefixing bus
  ASSERT_OK_AND_ASSIGN(BusPtr bus, MakeBus(config));
  metrics::Metrics registry;
  bus->RegisterMetrics(registry);
  EXPECT_TRUE(Serves(registry, "sms_bus_messages_failed_total 0")) << registry.Render();
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(bus->Publish("t", "k", "p").ok());
  EXPECT_FALSE(bus->Flush(20s).ok());
  EXPECT_TRUE(Serves(registry, "sms_bus_messages_failed_total 2")) << registry.Render();
  EXPECT_TRUE(Serves(registry, "sms_bus_messages_delivered_total 0")) << registry.Render();
  EXPECT_TRUE(Serves(registry, "sms_bus_messages_queued 0")) << registry.Render();
}

TEST(BusMetricsTest, KafkaDeliveriesAreServed) {
  const char* brokers = std::getenv("SMS_KAFKA_BROKERS");
  if (brokers == nullptr || *brokers == '\0') GTEST_SKIP() << "SMS_KAFKA_BROKERS not set";
  BusConfig config;
  config.brokers = brokers;
  config.topic_prefix = Unique("metrics.") + ".";
  ASSERT_OK_AND_ASSIGN(BusPtr bus, MakeBus(config));
  metrics::Metrics registry;
  bus->RegisterMetrics(registry);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(bus->Publish(kMailTopic, "k", "p").ok());
  Status flushed = bus->Flush(30s);
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_TRUE(Serves(registry, "sms_bus_messages_delivered_total 3")) << registry.Render();
  EXPECT_TRUE(Serves(registry, "sms_bus_messages_failed_total 0")) << registry.Render();
  EXPECT_TRUE(Serves(registry, "sms_bus_messages_queued 0")) << registry.Render();
  // Counts since start are counters (rate() and increase() apply); the queue is a level.
  for (const char* type :
       {"# TYPE sms_bus_messages_delivered_total counter",
        "# TYPE sms_bus_messages_failed_total counter", "# TYPE sms_bus_messages_queued gauge"}) {
    EXPECT_TRUE(Serves(registry, type)) << registry.Render();
  }
}

TEST(BusMetricsTest, TheInProcessBusServesItsJournal) {
  auto dir = std::filesystem::temp_directory_path() / Unique("sms-bus-metrics-");
  {
    BusConfig config;
    config.journal_dir = dir.string();
    ASSERT_OK_AND_ASSIGN(BusPtr bus, MakeBus(config));
    metrics::Metrics registry;
    bus->RegisterMetrics(registry);
    std::promise<Status> durable;
    ASSERT_TRUE(bus->Publish(kHeartbeatTopic, "k", "p",
                             [&durable](const Status& s) { durable.set_value(s); })
                    .ok());
    auto done = durable.get_future();
    ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(done.get().ok());
    EXPECT_TRUE(Serves(registry, "sms_bus_journal_records_total 1")) << registry.Render();
    EXPECT_TRUE(Serves(registry, "sms_bus_journal_failures_total 0")) << registry.Render();
    EXPECT_FALSE(Serves(registry, "sms_bus_journal_syncs_total 0")) << registry.Render();
    EXPECT_TRUE(Serves(registry, "# TYPE sms_bus_journal_records_total counter"));
    EXPECT_TRUE(Serves(registry, "# TYPE sms_bus_journal_segments gauge"));
  }
  std::filesystem::remove_all(dir);
}

TEST(BusMetricsTest, AMemoryOnlyBusServesNothing) {
  ASSERT_OK_AND_ASSIGN(BusPtr bus, MakeBus({}));
  metrics::Metrics registry;
  bus->RegisterMetrics(registry);
  EXPECT_EQ(registry.Render(), "");
}

}  // namespace
}  // namespace sms::bus
