#pragma once
// Commits what a bus consumer was given, as a worker does: a commit that fails retryably is
// retried (Consumer's contract lets the next one carry it), a few times, since a loaded broker
// may refuse one. Fails the test when it never succeeds or fails for good.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "bus/bus.h"

namespace sms::testing {

inline void CommitEventually(bus::Consumer& consumer) {
  Status s = consumer.Commit();
  for (int attempt = 1; !s.ok() && s.retryable() && attempt < 20; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s = consumer.Commit();
  }
  ASSERT_TRUE(s.ok()) << s.ToString();
}

}  // namespace sms::testing
