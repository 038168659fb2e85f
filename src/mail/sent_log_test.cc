// The SentLog contract, run against every implementation (MemorySentLog now; the SQL-backed
// one joins the typed list when it exists), and MemorySentLog's bound.

#include "mail/sent_log.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mail/memory_sent_log.h"

namespace sms::mail {
namespace {

// "t<thread>-<i>", appended piecewise (GCC 12 at -O3 warns falsely on "t" + std::string&&).
std::string Id(int thread, int i) {
  std::string id = "t";
  id += std::to_string(thread);
  id += '-';
  id += std::to_string(i);
  return id;
}

template <typename T>
class SentLogContractTest : public ::testing::Test {
 protected:
  std::unique_ptr<SentLog> log_ = std::make_unique<T>();
};

using Implementations = ::testing::Types<MemorySentLog>;
TYPED_TEST_SUITE(SentLogContractTest, Implementations);

TYPED_TEST(SentLogContractTest, UnknownIdIsNotAnError) {
  auto got = this->log_->Get("never-seen");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TYPED_TEST(SentLogContractTest, PutThenGetReturnsTheState) {
  ASSERT_TRUE(this->log_->Put("a", {JobOutcome::kSent, "", 2, 1000}).ok());
  ASSERT_TRUE(this->log_->Put("b", {JobOutcome::kFailed, "550 no such user", 1, 2000}).ok());
  auto a = this->log_->Get("a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->outcome, JobOutcome::kSent);
  EXPECT_EQ((*a)->attempts, 2);
  EXPECT_EQ((*a)->at, 1000);
  auto b = this->log_->Get("b");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->outcome, JobOutcome::kFailed);
  EXPECT_EQ((*b)->error, "550 no such user");
  EXPECT_STREQ(OutcomeName((*b)->outcome), "failed");
}

TYPED_TEST(SentLogContractTest, PutReplacesTheState) {
  ASSERT_TRUE(this->log_->Put("a", {JobOutcome::kFailed, "down", 8, 1000}).ok());
  ASSERT_TRUE(this->log_->Put("a", {JobOutcome::kSent, "", 1, 5000}).ok());
  auto a = this->log_->Get("a");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->outcome, JobOutcome::kSent);
  EXPECT_EQ((*a)->at, 5000);
}

TYPED_TEST(SentLogContractTest, ConcurrentWritersAllLand) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 200; ++i) {
        this->log_->Put(Id(t, i), {JobOutcome::kSent, "", 1, i});
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 200; i += 37) {
      auto got = this->log_->Get(Id(t, i));
      ASSERT_TRUE(got.ok() && got->has_value());
      EXPECT_EQ((*got)->at, i);
    }
  }
}

TEST(MemorySentLogTest, ForgetsTheLeastRecentlyRecordedIdPastItsCapacity) {
  MemorySentLog log(3);
  for (const char* id : {"a", "b", "c"}) log.Put(id, {JobOutcome::kSent, "", 1, 0});
  log.Put("a", {JobOutcome::kSent, "", 1, 1});  // refreshes "a": "b" is now the oldest
  log.Put("d", {JobOutcome::kSent, "", 1, 2});
  EXPECT_EQ(log.size(), 3u);
  for (const char* id : {"a", "b", "c", "d"}) {
    auto got = log.Get(id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->has_value(), std::string_view(id) != "b") << id;
  }
}

}  // namespace
}  // namespace sms::mail
