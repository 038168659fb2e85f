// The rule that leaves maintenance out of uptime (history/maintenance.h), on numbers and on a
// real timeline measured by core/uptime.h, as the SQL history measures it.

#include "history/maintenance.h"

#include <gtest/gtest.h>

namespace sms::history {
namespace {

constexpr Millis kS = 1000;

UptimeResult Whole(double up, double window, Millis from = 0) {
  UptimeResult r;
  r.from = from;
  r.to = from + static_cast<Millis>(window) * kS;
  r.up_seconds = up;
  r.window_seconds = window;
  r.uptime = up / window;
  return r;
}

// An UpBetween that answers `up` for every span and records what it was asked.
UpBetween Fixed(Millis up, Spans* asked) {
  return [=](Millis lo, Millis hi) -> Result<Millis> {
    asked->push_back({lo, hi});
    return up;
  };
}

TEST(Spans, UnionSortsMergesAndDropsEmpty) {
  EXPECT_EQ(Union({{50, 60}, {10, 30}, {20, 40}, {40, 45}, {70, 70}, {80, 75}}),
            (Spans{{10, 45}, {50, 60}}));
  EXPECT_EQ(Clip({{10, 45}, {50, 60}}, 20, 55), (Spans{{20, 45}, {50, 55}}));
  EXPECT_EQ(Length({{10, 45}, {50, 60}}), 45);
}

TEST(LeaveOutMaintenance, NoMaintenanceInTheWindowChangesNothingAndMeasuresNothing) {
  Spans asked;
  UptimeResult whole = Whole(60, 100);
  Result<UptimeResult> r = LeaveOutMaintenance(whole, {{200 * kS, 300 * kS}}, Fixed(0, &asked));
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->uptime, 0.6);
  EXPECT_DOUBLE_EQ(r->maintenance_seconds, 0);
  EXPECT_TRUE(asked.empty());
}

TEST(LeaveOutMaintenance, TheWindowIsCutAndTheOnTimeInsideLeftOut) {
  Spans asked;
  Result<UptimeResult> r =
      LeaveOutMaintenance(Whole(60, 100), {{20 * kS, 40 * kS}}, Fixed(10 * kS, &asked));
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->maintenance_seconds, 20);
  EXPECT_DOUBLE_EQ(r->window_seconds, 80);
  EXPECT_DOUBLE_EQ(r->up_seconds, 50);
  EXPECT_DOUBLE_EQ(r->uptime, 50.0 / 80.0);
  EXPECT_EQ(asked, (Spans{{20 * kS, 40 * kS}}));
  EXPECT_EQ(r->from, 0);
  EXPECT_EQ(r->to, 100 * kS);
}

TEST(LeaveOutMaintenance, OverlappingWindowsCountOnceAndAreClippedToTheWindow) {
  Spans asked;
  Result<UptimeResult> r = LeaveOutMaintenance(Whole(100, 100, 1000 * kS),
                                               {{1090 * kS, 1200 * kS},
                                                {1010 * kS, 1030 * kS},
                                                {1020 * kS, 1040 * kS},
                                                {900 * kS, 1005 * kS}},
                                               [&](Millis lo, Millis hi) -> Result<Millis> {
                                                 asked.push_back({lo, hi});
                                                 return hi - lo;  // on all along
                                               });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(asked, (Spans{{1000 * kS, 1005 * kS}, {1010 * kS, 1040 * kS}, {1090 * kS, 1100 * kS}}));
  EXPECT_DOUBLE_EQ(r->maintenance_seconds, 45);
  EXPECT_DOUBLE_EQ(r->window_seconds, 55);
  EXPECT_DOUBLE_EQ(r->up_seconds, 55);
  EXPECT_DOUBLE_EQ(r->uptime, 1.0);
}

TEST(LeaveOutMaintenance, AWindowWhollyInMaintenanceMeasuresNothing) {
  Spans asked;
  Result<UptimeResult> r =
      LeaveOutMaintenance(Whole(30, 100), {{-5 * kS, 500 * kS}}, Fixed(30 * kS, &asked));
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->maintenance_seconds, 100);
  EXPECT_DOUBLE_EQ(r->window_seconds, 0);
  EXPECT_DOUBLE_EQ(r->up_seconds, 0);
  EXPECT_DOUBLE_EQ(r->uptime, 0);
}

TEST(LeaveOutMaintenance, TheRatioNeverExceedsOne) {
  Spans asked;
  // A history that measures no on-time inside the span although the server was on throughout:
  // the on-time left is bounded by the window left.
  Result<UptimeResult> r = LeaveOutMaintenance(Whole(100, 100), {{0, 50 * kS}}, Fixed(0, &asked));
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->window_seconds, 50);
  EXPECT_DOUBLE_EQ(r->up_seconds, 50);
  EXPECT_LE(r->uptime, 1.0);
  // One that measures more than the span holds counts the span at most.
  r = LeaveOutMaintenance(Whole(100, 100), {{0, 50 * kS}}, Fixed(80 * kS, &asked));
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->up_seconds, 50);
}

TEST(LeaveOutMaintenance, AFailedMeasurementIsTheAnswer) {
  Result<UptimeResult> r = LeaveOutMaintenance(
      Whole(60, 100), {{10 * kS, 20 * kS}},
      [](Millis, Millis) -> Result<Millis> { return Status::Unavailable("down"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

// The off time a maintenance window covers leaves uptime whole: on at 0, off at 50 s, on at
// 70 s, measured to 100 s; maintenance [40 s, 80 s) holds the off time.
TEST(LeaveOutMaintenance, OffTimeInsideMaintenanceCostsNoUptime) {
  std::vector<StatusEvent> events = {{"a", ServerStatus::kOn, 0, "heartbeat"},
                                     {"a", ServerStatus::kOff, 50 * kS, "timeout"},
                                     {"a", ServerStatus::kOn, 70 * kS, "heartbeat"}};
  UptimeResult whole = ComputeUptime(events, 0, 0, 100 * kS, 100 * kS);
  EXPECT_DOUBLE_EQ(whole.uptime, 0.8);
  Result<UptimeResult> r = LeaveOutMaintenance(
      whole, {{40 * kS, 80 * kS}},
      [&](Millis lo, Millis hi) -> Result<Millis> { return UpMillis(events, lo, hi); });
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->maintenance_seconds, 40);
  EXPECT_DOUBLE_EQ(r->window_seconds, 60);
  EXPECT_DOUBLE_EQ(r->up_seconds, 60);
  EXPECT_DOUBLE_EQ(r->uptime, 1.0);
  // Maintenance that covers only part of the off time leaves the rest counted.
  r = LeaveOutMaintenance(whole, {{55 * kS, 65 * kS}}, [&](Millis lo, Millis hi) -> Result<Millis> {
    return UpMillis(events, lo, hi);
  });
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->up_seconds, 80);
  EXPECT_DOUBLE_EQ(r->window_seconds, 90);
}

}  // namespace
}  // namespace sms::history
