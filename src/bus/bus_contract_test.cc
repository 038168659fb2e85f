// The contract every Bus implementation keeps, run against each of them.
// To add an implementation, write a traits struct like MemoryBusTraits and list it in
// BusImplementations. Topic and group names are unique per test, so a shared broker works.
// The Kafka cases need a broker in SMS_KAFKA_BROKERS (scripts/services starts one) and skip
// without it.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus.h"
#include "support/assert_ok.h"
#include "support/commit_eventually.h"

namespace sms::bus {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

struct MemoryBusTraits {
  // Publish answers Unavailable once queue_capacity messages are uncommitted.
  static constexpr bool kBoundedQueue = true;
  static const char* SkipReason() { return nullptr; }
  static Result<BusPtr> Make(size_t queue_capacity) {
    BusConfig config;
    config.queue_capacity = queue_capacity;
    return MakeBus(config);
  }
};

struct KafkaBusTraits {
  // Its bound is on messages not yet acknowledged by the broker, which a live broker empties
  // at once: kafka_bus_test shows it against an unreachable one.
  static constexpr bool kBoundedQueue = false;
  static const char* Brokers() { return std::getenv("SMS_KAFKA_BROKERS"); }
  static const char* SkipReason() {
    const char* brokers = Brokers();
    return brokers == nullptr || *brokers == '\0'
               ? "SMS_KAFKA_BROKERS not set: start engines with scripts/services"
               : nullptr;
  }
  static Result<BusPtr> Make(size_t queue_capacity) {
    BusConfig config;
    config.brokers = Brokers();
    config.queue_capacity = queue_capacity;
    return MakeBus(config);
  }
};

template <typename Traits>
class BusContractTest : public ::testing::Test {
 protected:
  static constexpr size_t kCapacity = 1 << 20;

  void SetUp() override {
    if (const char* why = Traits::SkipReason()) GTEST_SKIP() << why;
    bus_ = MakeOrDie(kCapacity);
  }

  static BusPtr MakeOrDie(size_t capacity) {
    return sms::testing::ValueOrThrow(Traits::Make(capacity), "making the bus");
  }

  // A name no other test (or earlier run against a shared broker) uses.
  static std::string Fresh(const std::string& base) {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return base + "." + info->name() + "." +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "." +
           std::to_string(counter++);
  }

  std::unique_ptr<Consumer> Join(const std::string& group) {
    return sms::testing::ValueOrThrow(bus_->Subscribe(topic_, group), "subscribing " + group);
  }

  // Publishes m<from>..m<to-1>, all with key "k" (so Kafka keeps them in order), or each
  // with its own key (so Kafka spreads them over the partitions).
  void PublishPayloads(int from, int to, bool own_keys = false) {
    for (int i = from; i < to; ++i) {
      const std::string key = own_keys ? "k" + std::to_string(i) : "k";
      ASSERT_TRUE(bus_->Publish(topic_, key, "m" + std::to_string(i)).ok()) << i;
    }
  }

  // Returns once both members of one group have read messages, every message published here
  // has been read exactly once and committed, and a last round found nothing. With Kafka the
  // second member gets partitions only after a rebalance, which this waits out; tests that
  // need each member to own a share of the topic start with it.
  void SettleGroup(Consumer& a, Consumer& b) {
    std::set<std::string> seen;
    size_t published = 0, from_a = 0, from_b = 0;
    bool quiet = false;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!(quiet && from_a > 0 && from_b > 0 && seen.size() == published) &&
           std::chrono::steady_clock::now() < deadline) {
      if (from_a == 0 || from_b == 0) {
        for (int i = 0; i < 6; ++i, ++published) {
          const std::string id = "settle" + std::to_string(published);
          ASSERT_TRUE(bus_->Publish(topic_, id, id).ok());
        }
      }
      quiet = true;
      for (Consumer* member : {&a, &b}) {
        auto batch = member->Poll(5, 50ms);
        ASSERT_TRUE(batch.ok()) << batch.status().ToString();
        (member == &a ? from_a : from_b) += batch->size();
        for (const auto& m : *batch) seen.insert(m.payload);
        quiet = quiet && batch->empty() && member->Commit().ok();
      }
    }
    ASSERT_GT(from_a, 0u);
    ASSERT_GT(from_b, 0u);
    ASSERT_EQ(seen.size(), published);
  }

  // Polls until `n` messages arrived or 10 s passed.
  static std::vector<Message> PollN(Consumer& consumer, size_t n) {
    std::vector<Message> got;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto batch = consumer.Poll(n - got.size(), 100ms);
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      if (!batch.ok()) break;
      EXPECT_LE(batch->size(), n - got.size());
      for (auto& m : *batch) got.push_back(std::move(m));
    }
    return got;
  }

  static std::vector<std::string> Payloads(const std::vector<Message>& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages) out.push_back(m.payload);
    return out;
  }

  static std::vector<std::string> Expected(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back("m" + std::to_string(i));
    return out;
  }

  // Expects that nothing arrives within a short wait.
  static void ExpectNothing(Consumer& consumer) {
    auto batch = consumer.Poll(100, 200ms);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    EXPECT_EQ(Payloads(*batch), std::vector<std::string>{});
  }

  BusPtr bus_;
  std::string topic_ = Fresh("topic");
};

using BusImplementations = ::testing::Types<MemoryBusTraits, KafkaBusTraits>;
TYPED_TEST_SUITE(BusContractTest, BusImplementations);

TYPED_TEST(BusContractTest, DeliversTopicKeyAndPayloadInOrderPerKey) {
  auto consumer = this->Join("g");
  for (int i = 0; i < 30; ++i) {
    const std::string key = "server-" + std::to_string(i % 3);
    ASSERT_TRUE(this->bus_->Publish(this->topic_, key, key + ":" + std::to_string(i)).ok());
  }
  auto got = this->PollN(*consumer, 30);
  ASSERT_EQ(got.size(), 30u);
  std::map<std::string, std::vector<std::string>> per_key;
  for (const auto& m : got) {
    EXPECT_EQ(m.topic, this->topic_);
    per_key[m.key].push_back(m.payload);
  }
  ASSERT_EQ(per_key.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    const std::string key = "server-" + std::to_string(k);
    std::vector<std::string> expected;
    for (int i = k; i < 30; i += 3) expected.push_back(key + ":" + std::to_string(i));
    EXPECT_EQ(per_key[key], expected) << key;
  }
}

TYPED_TEST(BusContractTest, PollReturnsAtMostMaxAndDrainsEverything) {
  auto consumer = this->Join("g");
  this->PublishPayloads(0, 10);
  std::vector<Message> got;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got.size() < 10 && std::chrono::steady_clock::now() < deadline) {
    auto batch = consumer->Poll(4, 100ms);
    ASSERT_TRUE(batch.ok());
    EXPECT_LE(batch->size(), 4u);
    got.insert(got.end(), batch->begin(), batch->end());
  }
  EXPECT_EQ(this->Payloads(got), this->Expected(0, 10));
  auto none = consumer->Poll(0, 0ms);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TYPED_TEST(BusContractTest, PollWithNothingToReadWaitsAboutTheTimeout) {
  auto consumer = this->Join("g");
  const auto start = std::chrono::steady_clock::now();
  auto batch = consumer->Poll(10, 300ms);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->empty());
  EXPECT_GE(waited, 290ms);
  EXPECT_LT(waited, 3s);
}

TYPED_TEST(BusContractTest, BlockedPollWakesWhenAMessageArrives) {
  auto consumer = this->Join("g");
  std::vector<Message> got;
  std::chrono::steady_clock::duration waited{};
  std::thread poller([&] {
    const auto start = std::chrono::steady_clock::now();
    auto batch = consumer->Poll(10, 20s);
    waited = std::chrono::steady_clock::now() - start;
    if (batch.ok()) got = *batch;
  });
  std::this_thread::sleep_for(100ms);  // let the poller block first
  ASSERT_TRUE(this->bus_->Publish(this->topic_, "k", "wake").ok());
  poller.join();
  EXPECT_EQ(this->Payloads(got), std::vector<std::string>{"wake"});
  EXPECT_LT(waited, 10s);
}

TYPED_TEST(BusContractTest, MessagesPublishedBeforeTheFirstSubscribeAreDelivered) {
  this->PublishPayloads(0, 5);
  auto consumer = this->Join("g");
  EXPECT_EQ(this->Payloads(this->PollN(*consumer, 5)), this->Expected(0, 5));
}

TYPED_TEST(BusContractTest, EachGroupSeesEveryMessage) {
  auto workers = this->Join("workers");
  auto auditors = this->Join("auditors");
  this->PublishPayloads(0, 50);
  EXPECT_EQ(this->Payloads(this->PollN(*workers, 50)), this->Expected(0, 50));
  EXPECT_EQ(this->Payloads(this->PollN(*auditors, 50)), this->Expected(0, 50));
  this->ExpectNothing(*workers);
  this->ExpectNothing(*auditors);
}

TYPED_TEST(BusContractTest, MembersOfOneGroupSplitTheMessagesWithoutDuplicates) {
  auto a = this->Join("g");
  auto b = this->Join("g");
  ASSERT_NO_FATAL_FAILURE(this->SettleGroup(*a, *b));
  this->PublishPayloads(0, 20, /*own_keys=*/true);
  std::vector<std::string> from_a, from_b;
  for (int round = 0; round < 100 && from_a.size() + from_b.size() < 20; ++round) {
    for (auto* member : {a.get(), b.get()}) {
      auto batch = member->Poll(5, 50ms);
      ASSERT_TRUE(batch.ok());
      auto& into = member == a.get() ? from_a : from_b;
      for (const auto& m : *batch) into.push_back(m.payload);
      ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*member));
    }
  }
  EXPECT_FALSE(from_a.empty());
  EXPECT_FALSE(from_b.empty());
  std::set<std::string> all(from_a.begin(), from_a.end());
  for (const auto& p : from_b) EXPECT_TRUE(all.insert(p).second) << "delivered twice: " << p;
  auto expected = this->Expected(0, 20);
  EXPECT_EQ(all, std::set<std::string>(expected.begin(), expected.end()));
}

TYPED_TEST(BusContractTest, UncommittedMessagesAreRedeliveredAfterTheConsumerIsDropped) {
  auto first = this->Join("g");
  this->PublishPayloads(0, 5);
  EXPECT_EQ(this->Payloads(this->PollN(*first, 3)), this->Expected(0, 3));
  first.reset();  // dies before committing
  auto second = this->Join("g");
  EXPECT_EQ(this->Payloads(this->PollN(*second, 5)), this->Expected(0, 5));
}

TYPED_TEST(BusContractTest, UncommittedMessagesGoToASurvivingMember) {
  auto a = this->Join("g");
  auto b = this->Join("g");
  ASSERT_NO_FATAL_FAILURE(this->SettleGroup(*a, *b));
  this->PublishPayloads(0, 3);  // one key: with Kafka, one partition, so one member reads them
  std::unique_ptr<Consumer>* holder = nullptr;
  std::vector<Message> held;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (held.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    for (auto* member : {&a, &b}) {
      auto batch = (*member)->Poll(3 - held.size(), 50ms);
      ASSERT_TRUE(batch.ok());
      if (batch->empty()) continue;
      EXPECT_TRUE(holder == nullptr || holder == member) << "both members got some";
      holder = member;
      held.insert(held.end(), batch->begin(), batch->end());
    }
  }
  ASSERT_NE(holder, nullptr);
  EXPECT_EQ(this->Payloads(held), this->Expected(0, 3));
  auto& other = holder == &a ? b : a;
  this->ExpectNothing(*other);  // in flight at the holder, not offered twice
  holder->reset();              // dies before committing
  EXPECT_EQ(this->Payloads(this->PollN(*other, 3)), this->Expected(0, 3));
}

TYPED_TEST(BusContractTest, CommittedMessagesAreNotRedelivered) {
  auto first = this->Join("g");
  this->PublishPayloads(0, 5);
  EXPECT_EQ(this->Payloads(this->PollN(*first, 3)), this->Expected(0, 3));
  ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*first));
  first.reset();
  auto second = this->Join("g");
  EXPECT_EQ(this->Payloads(this->PollN(*second, 2)), this->Expected(3, 5));
  ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*second));
  second.reset();
  auto third = this->Join("g");
  this->ExpectNothing(*third);
}

TYPED_TEST(BusContractTest, AGroupKeepsItsMessagesWhileItHasNoMember) {
  this->Join("g").reset();
  this->PublishPayloads(0, 4);
  auto later = this->Join("g");
  EXPECT_EQ(this->Payloads(this->PollN(*later, 4)), this->Expected(0, 4));
}

TYPED_TEST(BusContractTest, FullQueueAnswersUnavailableAndLosesNothingAccepted) {
  if constexpr (!TypeParam::kBoundedQueue) {
    GTEST_SKIP() << "this bus does not bound its queue by a message count";
  } else {
    this->bus_ = this->MakeOrDie(8);
    auto consumer = this->Join("g");
    this->PublishPayloads(0, 8);
    Status full = this->bus_->Publish(this->topic_, "k", "m8");
    EXPECT_EQ(full.code(), Code::kUnavailable);
    EXPECT_TRUE(full.retryable());
    EXPECT_EQ(full.message(), "bus queue full (8 messages)");
    EXPECT_EQ(this->Payloads(this->PollN(*consumer, 8)), this->Expected(0, 8));
    ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*consumer));
    EXPECT_TRUE(this->bus_->Publish(this->topic_, "k", "m8").ok());  // room again
    EXPECT_EQ(this->Payloads(this->PollN(*consumer, 1)), this->Expected(8, 9));
  }
}

TYPED_TEST(BusContractTest, ConcurrentPublishersAndOneConsumerSeeEachMessageExactlyOnce) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20'000;
  auto consumer = this->Join("g");
  std::vector<std::vector<int>> seen(kThreads);  // per publisher, the sequence numbers seen
  std::thread reader([&] {
    int total = 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (total < kThreads * kPerThread && std::chrono::steady_clock::now() < deadline) {
      auto batch = consumer->Poll(512, 100ms);
      ASSERT_TRUE(batch.ok());
      for (const auto& m : *batch) seen[std::stoi(m.key)].push_back(std::stoi(m.payload));
      total += static_cast<int>(batch->size());
      ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*consumer));
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ASSERT_TRUE(this->bus_->Publish(this->topic_, std::to_string(t), std::to_string(i)).ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  reader.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[t].size(), static_cast<size_t>(kPerThread)) << "publisher " << t;
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(seen[t][i], i) << "publisher " << t;
  }
  this->ExpectNothing(*consumer);
  EXPECT_EQ(this->bus_->Depth(this->topic_).value(), 0);
}

TYPED_TEST(BusContractTest, DepthCountsWhatTheSlowestGroupHasNotCommitted) {
  EXPECT_EQ(this->bus_->Depth(this->Fresh("unknown")).value(), 0);
  auto fast = this->Join("fast");
  auto slow = this->Join("slow");
  this->PublishPayloads(0, 10);
  ASSERT_TRUE(this->bus_->Flush(10s).ok());  // Kafka counts what its brokers hold
  EXPECT_EQ(this->bus_->Depth(this->topic_).value(), 10);
  ASSERT_EQ(this->PollN(*fast, 10).size(), 10u);
  EXPECT_EQ(this->bus_->Depth(this->topic_).value(), 10);  // polled is not committed
  ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*fast));
  EXPECT_EQ(this->bus_->Depth(this->topic_).value(), 10);  // "slow" has read nothing yet
  ASSERT_EQ(this->PollN(*slow, 4).size(), 4u);
  ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*slow));
  EXPECT_EQ(this->bus_->Depth(this->topic_).value(), 6);
  ASSERT_EQ(this->PollN(*slow, 6).size(), 6u);
  EXPECT_EQ(this->bus_->Depth(this->topic_).value(), 6);
  ASSERT_NO_FATAL_FAILURE(testing::CommitEventually(*slow));
  EXPECT_EQ(this->bus_->Depth(this->topic_).value(), 0);
}

TYPED_TEST(BusContractTest, ConsumedThroughIsTheLatestTimeCommittedWhileMessagesWait) {
  auto through = [&](const std::string& topic) { return this->bus_->ConsumedThrough(topic, "g"); };
  ASSERT_OK_AND_ASSIGN(auto unknown, through(this->Fresh("unknown")));
  EXPECT_EQ(unknown, std::nullopt);
  auto member = this->Join("g");
  this->PublishPayloads(0, 10);  // one key: one partition
  ASSERT_TRUE(this->bus_->Flush(10s).ok());
  EXPECT_EQ(through(this->topic_).status().code(), Code::kUnavailable) << "nothing committed";
  ASSERT_EQ(this->PollN(*member, 4).size(), 4u);
  EXPECT_EQ(through(this->topic_).status().code(), Code::kUnavailable) << "polled, not committed";
  ASSERT_TRUE(member->Commit({100, 400, 0, 300}).ok());
  ASSERT_OK_AND_ASSIGN(auto waiting, through(this->topic_));
  EXPECT_EQ(waiting, std::optional<Millis>(400));
  ASSERT_EQ(this->PollN(*member, 6).size(), 6u);
  ASSERT_TRUE(member->Commit({500, 600, 700, 800, 900, 1000}).ok());
  ASSERT_OK_AND_ASSIGN(auto drained, through(this->topic_));
  EXPECT_EQ(drained, std::nullopt) << "nothing waits";
  this->PublishPayloads(10, 11);
  ASSERT_TRUE(this->bus_->Flush(10s).ok());
  ASSERT_OK_AND_ASSIGN(auto again, through(this->topic_));
  EXPECT_EQ(again, std::optional<Millis>(1000));
}

TYPED_TEST(BusContractTest, RejectsEmptyNames) {
  EXPECT_EQ(this->bus_->Publish("", "k", "p").code(), Code::kInvalidArgument);
  EXPECT_EQ(this->bus_->Subscribe("", "g").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(this->bus_->Subscribe(this->topic_, "").status().code(), Code::kInvalidArgument);
}

TYPED_TEST(BusContractTest, FlushAndPingSucceedOnAHealthyBus) {
  ASSERT_TRUE(this->bus_->Publish(this->topic_, "k", "p").ok());
  Status flushed = this->bus_->Flush(1s);
  EXPECT_TRUE(flushed.ok()) << flushed.ToString();
  Status pinged = this->bus_->Ping();
  EXPECT_TRUE(pinged.ok()) << pinged.ToString();
}

}  // namespace
}  // namespace sms::bus
