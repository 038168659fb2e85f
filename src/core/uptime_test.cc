#include "core/uptime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace sms {
namespace {

constexpr Millis kSec = 1000;
constexpr Millis kHour = 3600 * kSec;
constexpr Millis kDay = 24 * kHour;
constexpr Millis kT0 = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

StatusEvent On(Millis at) { return {"s", ServerStatus::kOn, at, "heartbeat"}; }
StatusEvent Off(Millis at) { return {"s", ServerStatus::kOff, at, "timeout"}; }

TEST(ComputeUptime, AlwaysOnIsOne) {
  UptimeResult r = ComputeUptime({On(kT0)}, kT0, kT0, kT0 + kDay, kT0 + 2 * kDay);
  EXPECT_DOUBLE_EQ(r.uptime, 1.0);
  EXPECT_DOUBLE_EQ(r.up_seconds, 86'400);
  EXPECT_DOUBLE_EQ(r.window_seconds, 86'400);
  EXPECT_EQ(r.from, kT0);
  EXPECT_EQ(r.to, kT0 + kDay);
}

TEST(ComputeUptime, NoEventsIsOff) {
  UptimeResult r = ComputeUptime({}, kT0, kT0, kT0 + kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.uptime, 0.0);
  EXPECT_DOUBLE_EQ(r.up_seconds, 0);
  EXPECT_DOUBLE_EQ(r.window_seconds, 3600);
}

TEST(ComputeUptime, OffBeforeFirstEvent) {
  // Created at T0 but the first heartbeat came 15 minutes later.
  UptimeResult r = ComputeUptime({On(kT0 + kHour / 4)}, kT0, kT0, kT0 + kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.uptime, 0.75);
  EXPECT_DOUBLE_EQ(r.up_seconds, 2700);
}

TEST(ComputeUptime, GapInTheMiddle) {
  std::vector<StatusEvent> ev = {On(kT0), Off(kT0 + 10 * kSec), On(kT0 + 40 * kSec)};
  UptimeResult r = ComputeUptime(ev, kT0, kT0, kT0 + 100 * kSec, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.up_seconds, 70);
  EXPECT_DOUBLE_EQ(r.window_seconds, 100);
  EXPECT_DOUBLE_EQ(r.uptime, 0.7);
}

TEST(ComputeUptime, EventsBeforeFromSetTheInitialState) {
  std::vector<StatusEvent> ev = {On(kT0 - 5 * kDay), Off(kT0 - kDay), On(kT0 + kHour)};
  UptimeResult r = ComputeUptime(ev, kT0 - 10 * kDay, kT0, kT0 + 2 * kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.up_seconds, 3600);
  EXPECT_DOUBLE_EQ(r.uptime, 0.5);

  // Same history, but on at `from`.
  ev = {On(kT0 - 5 * kDay), Off(kT0 + kHour)};
  r = ComputeUptime(ev, kT0 - 10 * kDay, kT0, kT0 + 2 * kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.uptime, 0.5);
}

TEST(ComputeUptime, EventExactlyAtFromCounts) {
  UptimeResult r = ComputeUptime({Off(kT0 - kHour), On(kT0)}, 0, kT0, kT0 + kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.uptime, 1.0);
  r = ComputeUptime({On(kT0 - kHour), Off(kT0)}, 0, kT0, kT0 + kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.uptime, 0.0);
}

TEST(ComputeUptime, EventsAfterToAreIgnored) {
  std::vector<StatusEvent> ev = {On(kT0), Off(kT0 + 2 * kHour), On(kT0 + 3 * kHour)};
  UptimeResult r = ComputeUptime(ev, kT0, kT0, kT0 + kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.uptime, 1.0);
}

TEST(ComputeUptime, ClippedToCreatedTime) {
  // Asked for a day, but the server only exists for the last 6 hours of it, on throughout.
  Millis created = kT0 + 18 * kHour;
  UptimeResult r = ComputeUptime({On(created)}, created, kT0, kT0 + kDay, kT0 + 2 * kDay);
  EXPECT_EQ(r.from, created);
  EXPECT_EQ(r.to, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.window_seconds, 6 * 3600);
  EXPECT_DOUBLE_EQ(r.uptime, 1.0);
}

TEST(ComputeUptime, ClippedToNowWhileCurrentlyOn) {
  // Asked for the whole day; it is 12:00 now and the server has been on since 06:00.
  Millis now = kT0 + 6 * kHour;
  UptimeResult r = ComputeUptime({On(kT0)}, kT0 - kDay, kT0 - 6 * kHour, kT0 + 18 * kHour, now);
  EXPECT_EQ(r.from, kT0 - 6 * kHour);
  EXPECT_EQ(r.to, now);
  EXPECT_DOUBLE_EQ(r.up_seconds, 6 * 3600);
  EXPECT_DOUBLE_EQ(r.window_seconds, 12 * 3600);
  EXPECT_DOUBLE_EQ(r.uptime, 0.5);
}

TEST(ComputeUptime, EmptyWindow) {
  // Window entirely before the server existed.
  UptimeResult r = ComputeUptime({On(kT0)}, kT0, kT0 - 2 * kDay, kT0 - kDay, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.uptime, 0);
  EXPECT_DOUBLE_EQ(r.up_seconds, 0);
  EXPECT_DOUBLE_EQ(r.window_seconds, 0);
  EXPECT_LE(r.to - r.from, 0);
  // Window in the future.
  r = ComputeUptime({On(kT0)}, kT0, kT0 + kDay, kT0 + 2 * kDay, kT0 + kHour);
  EXPECT_DOUBLE_EQ(r.window_seconds, 0);
  EXPECT_DOUBLE_EQ(r.uptime, 0);
  // from == to, and from > to.
  r = ComputeUptime({On(kT0)}, kT0, kT0 + kHour, kT0 + kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.window_seconds, 0);
  r = ComputeUptime({On(kT0)}, kT0, kT0 + 2 * kHour, kT0 + kHour, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.window_seconds, 0);
  EXPECT_DOUBLE_EQ(r.uptime, 0);
}

TEST(ComputeUptime, RepeatedSameStatusEventsDoNotDoubleCount) {
  std::vector<StatusEvent> ev = {On(kT0), On(kT0 + 10 * kSec), Off(kT0 + 20 * kSec),
                                 Off(kT0 + 30 * kSec), On(kT0 + 50 * kSec)};
  UptimeResult r = ComputeUptime(ev, kT0, kT0, kT0 + 60 * kSec, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.up_seconds, 30);
}

TEST(ComputeUptime, MillisecondPrecision) {
  std::vector<StatusEvent> ev = {On(kT0 + 1), Off(kT0 + 1000)};
  UptimeResult r = ComputeUptime(ev, kT0, kT0, kT0 + 2000, kT0 + kDay);
  EXPECT_DOUBLE_EQ(r.up_seconds, 0.999);
  EXPECT_DOUBLE_EQ(r.uptime, 0.4995);
}

TEST(ComputeUptime, UnsortedInputGivesTheSameAnswer) {
  std::vector<StatusEvent> ev = {On(kT0), Off(kT0 + 10 * kSec), On(kT0 + 40 * kSec)};
  std::vector<StatusEvent> shuffled = {ev[2], ev[0], ev[1]};
  UptimeResult a = ComputeUptime(ev, kT0, kT0, kT0 + 100 * kSec, kT0 + kDay);
  UptimeResult b = ComputeUptime(shuffled, kT0, kT0, kT0 + 100 * kSec, kT0 + kDay);
  EXPECT_DOUBLE_EQ(a.up_seconds, b.up_seconds);
}

// Many transitions checked against a second-by-second reference.
TEST(ComputeUptime, ManyTransitionsMatchBruteForce) {
  std::mt19937 rng(42);
  std::vector<StatusEvent> ev;
  Millis t = kT0 - kHour;
  bool on = false;
  while (t < kT0 + kDay + kHour) {
    t += std::uniform_int_distribution<int>(1, 900)(rng) * kSec;
    on = !on;
    ev.push_back(on ? On(t) : Off(t));
  }
  ASSERT_GT(ev.size(), 100u);
  Millis created = kT0 - kHour / 2, from = kT0, to = kT0 + kDay, now = kT0 + 20 * kHour;
  UptimeResult r = ComputeUptime(ev, created, from, to, now);
  int64_t up = 0;
  for (Millis s = from; s < now; s += kSec) {
    bool state = false;
    for (const StatusEvent& e : ev) {
      if (e.at > s) break;
      state = e.status == ServerStatus::kOn;
    }
    up += state;
  }
  EXPECT_DOUBLE_EQ(r.up_seconds, static_cast<double>(up));
  EXPECT_DOUBLE_EQ(r.window_seconds, 20 * 3600);
  EXPECT_DOUBLE_EQ(r.uptime, static_cast<double>(up) / (20 * 3600));
}

TEST(UptimeFromRuns, ClosedRunsOpenRunAndOverlapsCountedOnce) {
  // On [0, 10 min) and [20 min, 40 min), overlapping [30 min, 35 min), then open from 50 min.
  std::vector<OnRun> runs{{kT0, kT0 + 600 * kSec, false},
                          {kT0 + 1200 * kSec, kT0 + 2400 * kSec, false},
                          {kT0 + 1800 * kSec, kT0 + 2100 * kSec, false},
                          {kT0 + 3000 * kSec, 0, true}};
  UptimeResult r = UptimeFromRuns(runs, kT0, kT0 + 300 * kSec, kT0 + kHour, kT0 + 3300 * kSec);
  EXPECT_DOUBLE_EQ(r.window_seconds, 3000);
  EXPECT_DOUBLE_EQ(r.up_seconds, 300 + 1200 + 300);
}

TEST(UptimeFromRuns, RunsFromEventsMeasureAsTheEvents) {
  std::vector<StatusEvent> events{On(kT0), On(kT0 + 10 * kSec), Off(kT0 + 60 * kSec),
                                  Off(kT0 + 70 * kSec), On(kT0 + 100 * kSec)};
  std::vector<OnRun> runs = RunsFromEvents(events);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].start, kT0);
  EXPECT_EQ(runs[0].end, kT0 + 60 * kSec);
  EXPECT_FALSE(runs[0].open);
  EXPECT_EQ(runs[1].start, kT0 + 100 * kSec);
  EXPECT_TRUE(runs[1].open);
}

}  // namespace
}  // namespace sms
