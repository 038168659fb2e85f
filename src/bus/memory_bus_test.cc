// What MemoryBus promises beyond the Bus contract (see bus_contract_test.cc), and MakeBus.

#include "bus/memory_bus.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/assert_ok.h"

namespace sms::bus {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> Payloads(const Result<std::vector<Message>>& batch) {
  std::vector<std::string> out;
  if (!batch.ok()) return {"error: " + batch.status().ToString()};
  for (const auto& m : *batch) out.push_back(m.payload);
  return out;
}

void Publish(Bus& bus, const std::string& topic, std::vector<std::string> payloads) {
  for (const auto& p : payloads) ASSERT_TRUE(bus.Publish(topic, "k", p).ok()) << p;
}

std::unique_ptr<Consumer> Join(Bus& bus, const std::string& topic, const std::string& group) {
  return sms::testing::ValueOrThrow(bus.Subscribe(topic, group), "subscribing " + group);
}

TEST(MemoryBusTest, PollHandsOutEverythingReadyUpToMax) {
  MemoryBus bus;
  auto consumer = Join(bus, "t", "g");
  Publish(bus, "t", {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  EXPECT_EQ(Payloads(consumer->Poll(4, 0ms)), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(Payloads(consumer->Poll(4, 0ms)), (std::vector<std::string>{"e", "f", "g", "h"}));
  EXPECT_EQ(Payloads(consumer->Poll(4, 0ms)), (std::vector<std::string>{"i", "j"}));
  EXPECT_EQ(Payloads(consumer->Poll(4, 0ms)), std::vector<std::string>{});
}

TEST(MemoryBusTest, RedeliveredMessagesComeBeforeNewerOnes) {
  MemoryBus bus;
  auto first = Join(bus, "t", "g");
  Publish(bus, "t", {"a", "b", "c"});
  EXPECT_EQ(Payloads(first->Poll(2, 0ms)), (std::vector<std::string>{"a", "b"}));
  Publish(bus, "t", {"d"});
  first.reset();
  auto second = Join(bus, "t", "g");
  EXPECT_EQ(Payloads(second->Poll(10, 0ms)), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(MemoryBusTest, MessagesInFlightCountTowardTheCapacity) {
  MemoryBus bus(3);
  auto consumer = Join(bus, "t", "g");
  Publish(bus, "t", {"a", "b", "c"});
  EXPECT_EQ(Payloads(consumer->Poll(3, 0ms)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(bus.Publish("t", "k", "d").code(), Code::kUnavailable);
  ASSERT_TRUE(consumer->Commit().ok());
  EXPECT_TRUE(bus.Publish("t", "k", "d").ok());
}

TEST(MemoryBusTest, CapacityHoldsWhileNoGroupHasJoinedAndIsPerTopic) {
  MemoryBus bus(2);
  Publish(bus, "t", {"a", "b"});
  EXPECT_EQ(bus.Publish("t", "k", "c").message(), "bus queue full (2 messages)");
  EXPECT_EQ(bus.Depth("t").value(), 2);
  EXPECT_TRUE(bus.Publish("other", "k", "x").ok());
}

TEST(MemoryBusTest, TheFirstGroupTakesTheBacklogAndALaterGroupStartsAtTheEnd) {
  MemoryBus bus;
  Publish(bus, "t", {"a", "b"});
  auto first = Join(bus, "t", "first");
  auto later = Join(bus, "t", "later");
  Publish(bus, "t", {"c"});
  EXPECT_EQ(Payloads(first->Poll(10, 0ms)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Payloads(later->Poll(10, 0ms)), (std::vector<std::string>{"c"}));
}

TEST(MemoryBusTest, ConsumersOutlivingTheBusAnswerUnavailable) {
  auto bus = std::make_unique<MemoryBus>();
  auto consumer = Join(*bus, "t", "g");
  Publish(*bus, "t", {"a"});
  ASSERT_EQ(Payloads(consumer->Poll(1, 0ms)), std::vector<std::string>{"a"});
  bus.reset();
  auto batch = consumer->Poll(1, 0ms);
  EXPECT_EQ(batch.status().code(), Code::kUnavailable);
  EXPECT_EQ(batch.status().message(), "bus closed");
  EXPECT_TRUE(consumer->Commit().ok());
}

TEST(MemoryBusTest, DestroyingTheBusWakesABlockedPoll) {
  auto bus = std::make_unique<MemoryBus>();
  auto consumer = Join(*bus, "t", "g");
  Status polled;
  std::chrono::steady_clock::duration waited{};
  std::thread poller([&] {
    const auto start = std::chrono::steady_clock::now();
    polled = consumer->Poll(10, 30s).status();
    waited = std::chrono::steady_clock::now() - start;
  });
  std::this_thread::sleep_for(100ms);  // let the poller block first
  bus.reset();
  poller.join();
  EXPECT_EQ(polled.code(), Code::kUnavailable);
  EXPECT_LT(waited, 10s);
}

TEST(MakeBusTest, EmptyBrokersGiveAMemoryBus) {
  auto bus = MakeBus(BusConfig{});
  ASSERT_TRUE(bus.ok()) << bus.status().ToString();
  EXPECT_NE(dynamic_cast<MemoryBus*>(bus->get()), nullptr);
}

// Brokers give a KafkaBus: see kafka_bus_test.
TEST(MakeBusTest, BrokersDoNotGiveAMemoryBus) {
  BusConfig config;
  config.brokers = "127.0.0.1:1";
  auto bus = MakeBus(config);
  ASSERT_TRUE(bus.ok()) << bus.status().ToString();
  EXPECT_EQ(dynamic_cast<MemoryBus*>(bus->get()), nullptr);
}

TEST(MakeBusTest, TopicPrefixNamesTopicsAndGroups) {
  BusConfig config;
  config.topic_prefix = "staging.";
  ASSERT_OK_AND_ASSIGN(auto bus, MakeBus(config));
  ASSERT_OK_AND_ASSIGN(auto consumer, bus->Subscribe(kHeartbeatTopic, "sms-worker"));
  ASSERT_TRUE(bus->Publish(kHeartbeatTopic, "k", "v").ok());
  ASSERT_OK_AND_ASSIGN(auto got, consumer->Poll(10, 1s));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "staging.healthcheck");
  EXPECT_EQ(bus->Depth(kHeartbeatTopic).value(), 1);
  ASSERT_TRUE(consumer->Commit().ok());
  EXPECT_EQ(bus->Depth(kHeartbeatTopic).value(), 0);
  config.topic_prefix = "bad prefix!";
  EXPECT_EQ(MakeBus(config).status().field(), "kafka_topic_prefix");
}

TEST(MakeBusTest, ZeroCapacityIsRejected) {
  BusConfig config;
  config.queue_capacity = 0;
  EXPECT_EQ(MakeBus(config).status().field(), "bus_queue_capacity");
}

}  // namespace
}  // namespace sms::bus
