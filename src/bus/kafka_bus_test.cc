// KafkaBus beyond the Bus contract (bus_contract_test runs that against it too): behaviour
// with no broker (always run, against a closed loopback port), and with a real broker from
// SMS_KAFKA_BROKERS (skipped without it): topic creation, at-least-once across a member that
// closes or crashes without committing, Depth of the configured group, and throughput.

#include "bus/kafka_bus.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/assert_ok.h"
#include "support/commit_eventually.h"

namespace sms::bus {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

// A loopback address where nothing listens: connections are refused at once.
std::string DeadBroker() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

std::shared_ptr<KafkaBus> OpenOrDie(const BusConfig& config, ClockPtr clock = {}) {
  auto bus = KafkaBus::Open(config, std::move(clock));
  EXPECT_TRUE(bus.ok()) << bus.status().ToString();
  return bus.ok() ? *bus : nullptr;
}

std::string Fresh(const std::string& base) {
  static int counter = 0;
  return base + "." + std::to_string(steady_clock::now().time_since_epoch().count()) + "." +
         std::to_string(counter++);
}

// Polls until `n` messages arrived or `patience` passed.
std::vector<std::string> PollN(Consumer& consumer, size_t n, std::chrono::seconds patience) {
  std::vector<std::string> got;
  const auto deadline = steady_clock::now() + patience;
  while (got.size() < n && steady_clock::now() < deadline) {
    auto batch = consumer.Poll(n - got.size(), 100ms);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch.ok()) break;
    for (const Message& m : *batch) got.push_back(m.payload);
  }
  return got;
}

// prefix + i (appended: GCC 12 -O3 warns falsely about "literal" + std::string).
std::string Tagged(const char* prefix, int i) {
  std::string out(prefix);
  out += std::to_string(i);
  return out;
}

std::vector<std::string> Range(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(Tagged("m", i));
  return out;
}

// ---- No broker ----------------------------------------------------------------------------

TEST(KafkaBusTest, RejectsBadSettingsNamingThem) {
  BusConfig config;
  config.brokers = DeadBroker();
  config.partitions = 0;
  EXPECT_EQ(KafkaBus::Open(config).status().field(), "kafka_partitions");
  config.partitions = 6;
  config.delivery_timeout = config.linger;
  EXPECT_EQ(KafkaBus::Open(config).status().field(), "kafka_delivery_timeout_ms");
  config.delivery_timeout = -1s;
  EXPECT_EQ(KafkaBus::Open(config).status().field(), "kafka_delivery_timeout_ms");
  config.delivery_timeout = 0s;  // never give up on a message
  EXPECT_TRUE(KafkaBus::Open(config).ok());
  config.delivery_timeout = 60s;
  config.queue_capacity = 0;
  auto bus = MakeBus(config);
  EXPECT_EQ(bus.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bus.status().field(), "bus_queue_capacity");
}

TEST(KafkaBusTest, MakeBusWithBrokersOpensAKafkaBusEvenWhileTheyAreDown) {
  BusConfig config;
  config.brokers = DeadBroker();
  auto bus = MakeBus(config);
  ASSERT_TRUE(bus.ok()) << bus.status().ToString();
  EXPECT_NE(dynamic_cast<KafkaBus*>(bus->get()), nullptr);
}

TEST(KafkaBusTest, FullLocalQueueAnswersUnavailableWithoutBlocking) {
  BusConfig config;
  config.brokers = DeadBroker();
  config.queue_capacity = 8;
  auto bus = OpenOrDie(config);
  ASSERT_NE(bus, nullptr);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(bus->Publish("t", "k", "p").ok()) << i;
  const auto start = steady_clock::now();
  Status full = bus->Publish("t", "k", "p");
  EXPECT_LT(steady_clock::now() - start, 100ms);
  EXPECT_EQ(full.code(), Code::kUnavailable);
  EXPECT_TRUE(full.retryable());
  EXPECT_EQ(full.message(), "bus queue full (8 messages waiting for kafka)");
}

TEST(KafkaBusTest, PublishRefusesOnceTheBrokersHaveBeenUnreachableForTheTimeout) {
  auto clock = std::make_shared<ManualClock>(1'000'000);
  BusConfig config;
  config.brokers = DeadBroker();
  config.unreachable_after = 10s;
  auto bus = OpenOrDie(config, clock);
  ASSERT_NE(bus, nullptr);
  Status ping = bus->Ping();
  for (int i = 0; i < 20 && ping.ok(); ++i) {
    std::this_thread::sleep_for(500ms);
    ping = bus->Ping();
  }
  EXPECT_EQ(ping.code(), Code::kUnavailable);
  EXPECT_TRUE(bus->Publish("t", "k", "early").ok());  // down, but not for long yet
  clock->Advance(9'000);
  EXPECT_TRUE(bus->Publish("t", "k", "still").ok());
  clock->Advance(2'000);
  Status refused = bus->Publish("t", "k", "late");
  EXPECT_EQ(refused.code(), Code::kUnavailable);
  EXPECT_EQ(refused.message().rfind("kafka unreachable for 11 s (", 0), 0u) << refused.message();
}

TEST(KafkaBusTest, MessagesNeverAcknowledgedAreCountedAndFlushSaysSo) {
  BusConfig config;
  config.brokers = DeadBroker();
  config.delivery_timeout = 1s;
  auto bus = OpenOrDie(config);
  ASSERT_NE(bus, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(bus->Publish("t", "k", "p").ok());
  Status flushed = bus->Flush(20s);
  EXPECT_EQ(flushed.code(), Code::kUnavailable);
  EXPECT_EQ(flushed.message().rfind("3 messages could not be delivered to kafka (", 0), 0u)
      << flushed.message();
  EXPECT_EQ(bus->DeliveryFailures(), 3);
  EXPECT_EQ(bus->DeliveredCount(), 0);
}

TEST(KafkaBusTest, PingAndSubscribeAnswerUnavailableWhenNoBrokerAnswers) {
  BusConfig config;
  config.brokers = DeadBroker();
  auto bus = OpenOrDie(config);
  ASSERT_NE(bus, nullptr);
  auto start = steady_clock::now();
  EXPECT_EQ(bus->Ping().code(), Code::kUnavailable);
  EXPECT_LT(steady_clock::now() - start, 3s);
  start = steady_clock::now();
  EXPECT_EQ(bus->Ping().code(), Code::kUnavailable);  // the answer of a second ago
  EXPECT_LT(steady_clock::now() - start, 100ms);
  EXPECT_EQ(bus->Subscribe("t", "g").status().code(), Code::kUnavailable);
  EXPECT_EQ(bus->Depth("t").status().code(), Code::kUnavailable);  // not "nothing waits"
}

// ---- With a broker ------------------------------------------------------------------------

class KafkaBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* brokers = std::getenv("SMS_KAFKA_BROKERS");
    if (brokers == nullptr || *brokers == '\0') {
      GTEST_SKIP() << "SMS_KAFKA_BROKERS not set: start engines with scripts/services";
    }
    config_.brokers = brokers;
  }

  BusConfig config_;
};

TEST_F(KafkaBrokerTest, CreatesMissingTopicsWithTheConfiguredPartitions) {
  config_.partitions = 3;
  auto bus = OpenOrDie(config_);
  ASSERT_NE(bus, nullptr);
  const std::string subscribed = Fresh("subscribed");
  const std::string published = Fresh("published");
  const std::string unknown = Fresh("unknown");
  ASSERT_TRUE(bus->Subscribe(subscribed, "g").ok());
  ASSERT_OK_AND_ASSIGN(int subscribed_partitions, bus->PartitionCount(subscribed));
  EXPECT_EQ(subscribed_partitions, 3);
  ASSERT_TRUE(bus->Publish(published, "k", "p").ok());
  ASSERT_TRUE(bus->Flush(10s).ok());
  ASSERT_OK_AND_ASSIGN(int published_partitions, bus->PartitionCount(published));
  EXPECT_EQ(published_partitions, 3);
  EXPECT_EQ(bus->PartitionCount(unknown).status().code(), Code::kNotFound);
  EXPECT_EQ(bus->Depth(unknown).value(), 0);
  EXPECT_EQ(bus->PartitionCount(unknown).status().code(), Code::kNotFound);  // not created
  for (const char* standard : {kHeartbeatTopic, kMailTopic, kMailDeadLetterTopic}) {
    EXPECT_TRUE(bus->PartitionCount(standard).ok()) << standard;
  }
  EXPECT_TRUE(bus->Ping().ok());
}

TEST_F(KafkaBrokerTest, AMessageOfSeveralMegabytesGoesThrough) {
  // A report mail carries its workbook: ~4 MB for 100 000 servers (the broker default is 1 MB).
  auto bus = OpenOrDie(config_);
  ASSERT_NE(bus, nullptr);
  const std::string topic = Fresh("large");
  auto consumer = bus->Subscribe(topic, "g");
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  std::string payload(6 << 20, 'x');
  for (size_t i = 0; i < payload.size(); i += 4096) payload[i] = char('a' + i / 4096 % 26);
  ASSERT_TRUE(bus->Publish(topic, "report", payload).ok());
  Status flushed = bus->Flush(30s);
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  std::vector<Message> got;
  for (int i = 0; i < 100 && got.empty(); ++i) {
    auto polled = (*consumer)->Poll(10, 500ms);
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    got = std::move(*polled);
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].payload == payload);
}

TEST_F(KafkaBrokerTest, ANewMemberGetsWhatAClosedMemberPolledButDidNotCommit) {
  auto bus = OpenOrDie(config_);
  ASSERT_NE(bus, nullptr);
  const std::string topic = Fresh("closed");
  for (int i = 0; i < 60; ++i) {
    // Twelve keys spread the messages over the partitions.
    ASSERT_TRUE(bus->Publish(topic, Tagged("k", i % 12), Tagged("m", i)).ok());
  }
  ASSERT_TRUE(bus->Flush(10s).ok());
  ASSERT_OK_AND_ASSIGN(auto first, bus->Subscribe(topic, "g"));
  std::vector<std::string> committed = PollN(*first, 20, 20s);
  ASSERT_EQ(committed.size(), 20u);
  ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*first));
  std::vector<std::string> uncommitted = PollN(*first, 20, 20s);
  ASSERT_EQ(uncommitted.size(), 20u);
  first.reset();  // closes without committing the second 20
  ASSERT_OK_AND_ASSIGN(auto second, bus->Subscribe(topic, "g"));
  std::vector<std::string> again = PollN(*second, 40, 20s);
  std::set<std::string> expected;
  for (const std::string& m : Range(0, 60)) expected.insert(m);
  for (const std::string& m : committed) expected.erase(m);
  EXPECT_EQ(std::set<std::string>(again.begin(), again.end()), expected);
  EXPECT_EQ(again.size(), 40u);  // each once
  for (const std::string& m : uncommitted) EXPECT_TRUE(expected.count(m)) << m;
  EXPECT_TRUE(PollN(*second, 1, 1s).empty());
}

// In the death-test child: publishes m0..m29 with one key, polls ten and commits, polls ten
// more, then dies without closing anything. Exits 1 if a step failed.
void ConsumeThenCrash(const BusConfig& config, const std::string& topic) {
  auto bus = KafkaBus::Open(config);
  if (!bus.ok()) std::_Exit(1);
  for (int i = 0; i < 30; ++i) {
    if (!(*bus)->Publish(topic, "k", Tagged("m", i)).ok()) std::_Exit(1);
  }
  if (!(*bus)->Flush(10s).ok()) std::_Exit(1);
  auto consumer = (*bus)->Subscribe(topic, topic + ".g");
  if (!consumer.ok()) std::_Exit(1);
  if (PollN(**consumer, 10, 20s) != Range(0, 10)) std::_Exit(1);
  if (!(*consumer)->Commit().ok()) std::_Exit(1);
  if (PollN(**consumer, 10, 20s) != Range(10, 20)) std::_Exit(1);
  std::fprintf(stderr, "crashing with m10..m19 uncommitted\n");
  std::_Exit(0);
}

TEST_F(KafkaBrokerTest, ANewMemberGetsWhatACrashedMemberPolledButDidNotCommit) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The death-test child runs this body again from the top; the name reaches it this way.
  if (std::getenv("SMS_TEST_CRASH_TOPIC") == nullptr) {
    setenv("SMS_TEST_CRASH_TOPIC", Fresh("crashed").c_str(), 1);
  }
  const std::string topic = std::getenv("SMS_TEST_CRASH_TOPIC");
  config_.session_timeout = 6s;  // the broker's minimum: the group notices the death sooner
  EXPECT_EXIT(ConsumeThenCrash(config_, topic), ::testing::ExitedWithCode(0),
              "m10..m19 uncommitted");
  unsetenv("SMS_TEST_CRASH_TOPIC");
  auto bus = OpenOrDie(config_);
  ASSERT_NE(bus, nullptr);
  ASSERT_OK_AND_ASSIGN(auto consumer, bus->Subscribe(topic, topic + ".g"));
  EXPECT_EQ(PollN(*consumer, 20, 40s), Range(10, 30));
}

TEST_F(KafkaBrokerTest, DepthCountsTheConfiguredGroupOnceItReadsTheTopic) {
  config_.depth_group = Fresh("workers");
  auto metrics = OpenOrDie(config_);  // never subscribes, like a healthcheck node
  auto worker = OpenOrDie(config_);
  ASSERT_NE(metrics, nullptr);
  ASSERT_NE(worker, nullptr);
  const std::string topic = Fresh("depth");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(metrics->Publish(topic, "k", "p").ok());
  ASSERT_TRUE(metrics->Flush(10s).ok());
  EXPECT_EQ(metrics->Depth(topic).value(), 0);  // the group has never read this topic
  ASSERT_OK_AND_ASSIGN(auto consumer, worker->Subscribe(topic, config_.depth_group));
  ASSERT_EQ(PollN(*consumer, 4, 20s).size(), 4u);
  ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*consumer));
  EXPECT_EQ(metrics->Depth(topic).value(), 6);
  EXPECT_EQ(worker->Depth(topic).value(), 6);
}

TEST_F(KafkaBrokerTest, PublishesManySmallMessagesQuickly) {
  constexpr int kMessages = 200'000;
  auto bus = OpenOrDie(config_);
  ASSERT_NE(bus, nullptr);
  const std::string topic = Fresh("throughput");
  ASSERT_TRUE(bus->Publish(topic, "warm-up", "p").ok());
  ASSERT_TRUE(bus->Flush(10s).ok());
  const std::string payload(200, 'x');
  const auto start = steady_clock::now();
  for (int i = 0; i < kMessages; ++i) {
    // A thousand servers' worth of keys.
    ASSERT_TRUE(bus->Publish(topic, Tagged("server-", i % 1000), payload).ok()) << i;
  }
  Status flushed = bus->Flush(60s);
  const double seconds = std::chrono::duration<double>(steady_clock::now() - start).count();
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_EQ(bus->DeliveredCount(), kMessages + 1);
  EXPECT_EQ(bus->DeliveryFailures(), 0);
  const double rate = kMessages / seconds;
  RecordProperty("messages_per_second", std::to_string(static_cast<int64_t>(rate)));
  std::printf("published and acknowledged %d messages of 200 bytes in %.2f s: %.0f/s\n", kMessages,
              seconds, rate);
}

}  // namespace
}  // namespace sms::bus
