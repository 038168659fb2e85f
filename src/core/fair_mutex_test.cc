// FairMutex: mutual exclusion, and a thread that takes it in a loop cannot keep another out.

#include "core/fair_mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sms {
namespace {

using namespace std::chrono_literals;

TEST(FairMutexTest, OneHolderAtATime) {
  FairMutex mu;
  int64_t counter = 0;  // guarded by mu, unsynchronised otherwise: a race shows as a lost count
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        std::lock_guard lock(mu);
        ++counter;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter, 80'000);
}

// The sweep draining a storm writes in a loop; the worker that asked meanwhile goes next, not
// after however many turns the loop wins.
TEST(FairMutexTest, WhoAskedWhileALoopHeldItGoesBeforeTheLoopsNextTurn) {
  FairMutex mu;
  std::mutex order_mu;
  std::vector<std::string> order;
  auto note = [&](const char* what) {
    std::lock_guard lock(order_mu);
    order.push_back(what);
  };
  auto await_queued = [&](uint64_t n) {
    for (int i = 0; i < 10'000 && mu.queued() < n; ++i) std::this_thread::sleep_for(1ms);
    return mu.queued() == n;
  };
  mu.lock();
  std::thread loop([&] {
    mu.lock();
    note("loop");
    mu.unlock();
    mu.lock();  // again at once
    note("loop again");
    mu.unlock();
  });
  ASSERT_TRUE(await_queued(2));
  std::thread other([&] {
    mu.lock();
    note("other");
    mu.unlock();
  });
  ASSERT_TRUE(await_queued(3));
  mu.unlock();
  loop.join();
  other.join();
  EXPECT_EQ(order, (std::vector<std::string>{"loop", "other", "loop again"}));
  EXPECT_EQ(mu.queued(), 0u);
}

}  // namespace
}  // namespace sms
