#include "core/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <vector>

namespace sms {
namespace {

TEST(WorkPoolTest, RunsEveryTaskOffTheCallingThread) {
  std::atomic<int> ran{0};
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> elsewhere{true};
  {
    WorkPool pool({.threads = 2, .queue_limit = 100});
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(pool.Submit([&] {
        if (std::this_thread::get_id() == caller) elsewhere = false;
        ++ran;
      }));
    }
  }  // the destructor runs what is queued
  EXPECT_EQ(ran.load(), 50);
  EXPECT_TRUE(elsewhere.load());
}

TEST(WorkPoolTest, RefusesPastItsQueueLimit) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  WorkPool pool({.threads = 1, .queue_limit = 2});
  ASSERT_TRUE(pool.Submit([&] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();  // the one thread is busy: what follows waits in the queue
  EXPECT_TRUE(pool.Submit([] {}));
  EXPECT_TRUE(pool.Submit([] {}));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.Submit([] {}));
  release.set_value();
}

}  // namespace
}  // namespace sms
