// The History wrappers pass through what they do not change: every History method called on
// the wrapper reaches the wrapped history once, and its answer comes back as it is. A wrapper
// that answered a method itself (as one once answered RecordRuns/KeepsRuns with History's
// defaults) fails here. MaintenanceHistory's part is in maintenance_history_test.cc.

#include "history/forwarding_history.h"

#include <gtest/gtest.h>

#include "history/recording_history.h"
#include "history/tiered_history.h"

namespace sms::history {
namespace {

using testing::CallEach;
using testing::EachCall;
using testing::kFrom;
using testing::kNow;
using testing::RecordingHistory;

TEST(ForwardingHistoryTest, PassesEveryMethodThrough) {
  auto inner = std::make_shared<RecordingHistory>();
  ForwardingHistory forwarding(inner);
  CallEach(forwarding);
  EXPECT_EQ(inner->calls, EachCall());
}

TEST(ForwardingHistoryTest, TieredPassesToTheRecentHistoryWhatItDoesNotRoute) {
  auto recent = std::make_shared<RecordingHistory>();
  auto archive = std::make_shared<RecordingHistory>();
  TieredHistory tiered(recent, archive);
  CallEach(tiered);
  const std::string window =
      " " + std::to_string(kFrom) + " " + std::to_string(kNow) + " " + std::to_string(kNow);
  const std::string now = std::to_string(kNow);
  // The window is inside the recent history's horizon: it answers both uptime calls.
  EXPECT_EQ(recent->calls,
            (std::vector<std::string>{"Ping", "Record 2", "RecordRuns 1", "KeepsRuns",
                                      "OpenRunsEndedBefore " + now + " 10", "Horizon " + now,
                                      "Uptime a" + window, "Horizon " + now, "UptimeAll" + window,
                                      "Expire " + now}));
  EXPECT_EQ(archive->calls, (std::vector<std::string>{"Ping", "Record 2", "Horizon " + now}));
}

}  // namespace
}  // namespace sms::history
