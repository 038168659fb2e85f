// FaultyBus injects publish failures, commit failures and consumer crashes; the last test
// uses all three to show that a worker loop that commits after processing loses nothing.

#include "bus/faulty_bus.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "bus/memory_bus.h"
#include "support/assert_ok.h"

namespace sms::bus {
namespace {

using namespace std::chrono_literals;

class FaultyBusTest : public ::testing::Test {
 protected:
  std::unique_ptr<Consumer> Join(const std::string& group) {
    return sms::testing::ValueOrThrow(bus_.Subscribe("t", group), "subscribing " + group);
  }

  static std::vector<std::string> Drain(Consumer& consumer) {
    auto batch = consumer.Poll(1000, 0ms);
    if (!batch.ok()) return {"error: " + batch.status().ToString()};
    std::vector<std::string> out;
    for (const auto& m : *batch) out.push_back(m.payload);
    return out;
  }

  std::shared_ptr<MemoryBus> inner_ = std::make_shared<MemoryBus>();
  FaultyBus bus_{inner_};
};

using Payloads = std::vector<std::string>;

TEST_F(FaultyBusTest, FailsOnlyTheNthPublish) {
  auto consumer = Join("g");
  bus_.FailPublishAt(3);
  EXPECT_TRUE(bus_.Publish("t", "k", "1").ok());
  EXPECT_TRUE(bus_.Publish("t", "k", "2").ok());
  Status third = bus_.Publish("t", "k", "3");
  EXPECT_EQ(third.code(), Code::kUnavailable);
  EXPECT_TRUE(third.retryable());
  EXPECT_TRUE(bus_.Publish("t", "k", "4").ok());
  EXPECT_EQ(Drain(*consumer), (Payloads{"1", "2", "4"}));
  EXPECT_EQ(bus_.publish_calls(), 4);
  EXPECT_EQ(bus_.failed_publishes(), 1);
}

TEST_F(FaultyBusTest, CancelledPublishFaultFiresNever) {
  auto consumer = Join("g");
  bus_.FailPublishAt(1);
  bus_.FailPublishAt(0);
  EXPECT_TRUE(bus_.Publish("t", "k", "1").ok());
  EXPECT_EQ(Drain(*consumer), (Payloads{"1"}));
}

TEST_F(FaultyBusTest, AFailedCommitLeavesTheMessagesUncommitted) {
  auto consumer = Join("g");
  ASSERT_TRUE(bus_.Publish("t", "k", "a").ok());
  ASSERT_EQ(Drain(*consumer), (Payloads{"a"}));
  bus_.FailNextCommits(1);
  EXPECT_EQ(consumer->Commit().code(), Code::kUnavailable);
  EXPECT_EQ(bus_.Depth("t").value(), 1);
  consumer.reset();
  auto next = Join("g");
  EXPECT_EQ(Drain(*next), (Payloads{"a"}));  // redelivered
  EXPECT_TRUE(next->Commit().ok());          // only one commit was to fail
  EXPECT_EQ(bus_.Depth("t").value(), 0);
}

TEST_F(FaultyBusTest, CrashOnCommitDropsTheConsumerAndRedelivers) {
  auto consumer = Join("g");
  ASSERT_TRUE(bus_.Publish("t", "k", "a").ok());
  ASSERT_EQ(Drain(*consumer), (Payloads{"a"}));
  bus_.CrashOnCommitAt(1);
  Status commit = consumer->Commit();
  EXPECT_EQ(commit.code(), Code::kUnavailable);
  EXPECT_EQ(commit.message(), "consumer crashed");
  EXPECT_EQ(consumer->Poll(10, 0ms).status().message(), "consumer crashed");
  auto next = Join("g");
  EXPECT_EQ(Drain(*next), (Payloads{"a"}));
}

TEST_F(FaultyBusTest, CrashConsumersReturnsEveryGroupsInFlightMessages) {
  auto workers = Join("workers");
  auto auditors = Join("auditors");
  ASSERT_TRUE(bus_.Publish("t", "k", "a").ok());
  ASSERT_EQ(Drain(*workers), (Payloads{"a"}));
  ASSERT_EQ(Drain(*auditors), (Payloads{"a"}));
  EXPECT_EQ(bus_.CrashConsumers(), 2);
  EXPECT_EQ(bus_.CrashConsumers(), 0);  // already down
  EXPECT_EQ(workers->Commit().code(), Code::kUnavailable);
  EXPECT_EQ(Drain(*Join("workers")), (Payloads{"a"}));
  EXPECT_EQ(Drain(*Join("auditors")), (Payloads{"a"}));
}

TEST_F(FaultyBusTest, ForwardsDepthFlushAndPing) {
  ASSERT_TRUE(bus_.Publish("t", "k", "a").ok());
  EXPECT_EQ(bus_.Depth("t").value(), 1);
  EXPECT_EQ(inner_->Depth("t").value(), 1);
  EXPECT_TRUE(bus_.Flush(1s).ok());
  EXPECT_TRUE(bus_.Ping().ok());
}

TEST_F(FaultyBusTest, ForwardsTheCommittedTimesUntilOffsetsAreUnknown) {
  auto consumer = Join("workers");
  ASSERT_TRUE(bus_.Publish("t", "k", "a").ok());
  ASSERT_TRUE(bus_.Publish("t", "k", "b").ok());
  ASSERT_EQ(consumer->Poll(1, 0ms)->size(), 1u);
  ASSERT_TRUE(consumer->Commit({1234}).ok());
  ASSERT_OK_AND_ASSIGN(auto through, bus_.ConsumedThrough("t", "workers"));
  EXPECT_EQ(through, std::optional<Millis>(1234));
  bus_.SetOffsetsUnknown(true);
  EXPECT_EQ(bus_.ConsumedThrough("t", "workers").status().code(), Code::kUnavailable);
  EXPECT_EQ(bus_.Depth("t").status().code(), Code::kUnavailable);  // never a guessed 0
  bus_.SetOffsetsUnknown(false);
  EXPECT_EQ(bus_.Depth("t").value(), 1);
}

// A publisher that retries retryable errors and a worker that processes, then commits, and
// re-subscribes after any failure: every message is processed at least once despite faults.
TEST_F(FaultyBusTest, RetryingPublisherAndCommitAfterProcessingLoseNothing) {
  constexpr int kMessages = 100;
  bus_.FailPublishAt(7);
  for (int i = 0; i < kMessages; ++i) {
    Status s;
    do {
      s = bus_.Publish("t", "k", std::to_string(i));
    } while (s.retryable());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(bus_.failed_publishes(), 1);

  std::map<int, int> processed;  // message -> times processed
  auto consumer = Join("g");
  bus_.CrashOnCommitAt(2);
  bus_.FailNextCommits(1);
  for (int round = 0; round < 100 && bus_.Depth("t").value() > 0; ++round) {
    auto batch = consumer->Poll(16, 10ms);
    if (batch.ok()) {
      for (const auto& m : *batch) ++processed[std::stoi(m.payload)];
      if (consumer->Commit().ok()) continue;
    }
    consumer = Join("g");  // the worker restarts
  }
  EXPECT_EQ(bus_.Depth("t").value(), 0);
  ASSERT_EQ(processed.size(), static_cast<size_t>(kMessages));
  // The first batch of 16 was processed three times: its commit failed, then the redelivered
  // batch's commit crashed the worker. Every other message was processed once.
  for (const auto& [message, times] : processed) EXPECT_EQ(times, message < 16 ? 3 : 1) << message;
}

}  // namespace
}  // namespace sms::bus
