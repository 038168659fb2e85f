// Coverage: on time from sorted heartbeats, by the SQL status rule, with no backend.

#include "history/coverage.h"

#include <gtest/gtest.h>

namespace sms::history {
namespace {

constexpr Millis kS = 1000;

TEST(CoverageTest, NothingAddedCoversNothing) {
  Coverage c(0, 100 * kS, 0);
  EXPECT_EQ(c.Covered(), 0);
}

TEST(CoverageTest, BeatsOnScheduleCoverFromTheFirstToTheLastPlusItsInterval) {
  Coverage c(0, 1000 * kS, 0);
  for (Millis t = 0; t < 600 * kS; t += 30 * kS) c.Add(t, 30 * kS);  // last beat at 570 s
  EXPECT_EQ(c.Covered(), 600 * kS);
}

TEST(CoverageTest, OverlappingBeatsAreCountedOnce) {
  Coverage c(0, 1000 * kS, 0);
  for (Millis t = 100 * kS; t <= 190 * kS; t += 10 * kS) c.Add(t, 30 * kS);  // 100..220
  c.Add(300 * kS, 120 * kS);                                                 // 300..420
  c.Add(330 * kS, 30 * kS);                                                  // inside it
  EXPECT_EQ(c.Covered(), 120 * kS + 120 * kS);
}

TEST(CoverageTest, AGapLongerThanTheIntervalIsOffWithoutGrace) {
  Coverage c(0, 1000 * kS, 0);
  c.Add(0, 30 * kS);
  c.Add(50 * kS, 30 * kS);  // 20 s of silence after the first span
  EXPECT_EQ(c.Covered(), 60 * kS);
}

TEST(CoverageTest, AGapWithinGraceStaysOnAsTheStatusDoes) {
  Coverage c(0, 1000 * kS, 30 * kS);
  c.Add(0, 30 * kS);
  c.Add(60 * kS, 30 * kS);   // 30 s late: exactly at interval + grace, still on
  c.Add(200 * kS, 30 * kS);  // 110 s of silence: off at 90 s, on again at 200 s
  EXPECT_EQ(c.Covered(), 90 * kS + 30 * kS);
}

TEST(CoverageTest, ClipsToTheWindowOnBothSides) {
  Coverage c(100 * kS, 200 * kS, 0);
  c.Add(80 * kS, 30 * kS);   // 80..110: 10 s inside
  c.Add(150 * kS, 30 * kS);  // 150..180: 30 s
  c.Add(190 * kS, 30 * kS);  // 190..220: 10 s inside
  c.Add(250 * kS, 30 * kS);  // after the window
  EXPECT_EQ(c.Covered(), 50 * kS);
}

TEST(CoverageTest, ARunStartingBeforeTheWindowCountsFromItsStart) {
  Coverage c(100 * kS, 200 * kS, 30 * kS);
  c.Add(10 * kS, 30 * kS);   // 10..40
  c.Add(65 * kS, 30 * kS);   // bridged: on 10..95
  c.Add(120 * kS, 30 * kS);  // bridged: on through 150
  EXPECT_EQ(c.Covered(), 50 * kS);
}

TEST(CoverageTest, AServerNotYetTimedOutIsOnThroughNow) {
  Coverage live(0, 1000 * kS, 30 * kS);
  live.Add(0, 30 * kS);
  live.Add(30 * kS, 30 * kS);  // on 0..60; the sweep would turn it off only after 90 s
  live.StillOnAt(85 * kS);
  EXPECT_EQ(live.Covered(), 85 * kS);
  Coverage gone(0, 1000 * kS, 30 * kS);
  gone.Add(0, 30 * kS);
  gone.Add(30 * kS, 30 * kS);
  gone.StillOnAt(95 * kS);  // timed out: off from 60 s
  EXPECT_EQ(gone.Covered(), 60 * kS);
  Coverage none(0, 1000 * kS, 30 * kS);
  none.StillOnAt(10 * kS);
  EXPECT_EQ(none.Covered(), 0);
}

TEST(CoverageTest, AnEmptyOrInvertedWindowMeasuresZero) {
  Coverage empty(100 * kS, 100 * kS, 0);
  empty.Add(50 * kS, 100 * kS);
  EXPECT_EQ(empty.Covered(), 0);
  Coverage inverted(200 * kS, 100 * kS, 0);
  inverted.Add(50 * kS, 300 * kS);
  EXPECT_EQ(inverted.Covered(), 0);
}

}  // namespace
}  // namespace sms::history
