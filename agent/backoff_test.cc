#include "backoff.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sms::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BaseDelayTest, NoFailuresMeansTheInterval) {
  EXPECT_EQ(BaseDelay(0, seconds(30)), seconds(30));
  EXPECT_EQ(BaseDelay(0, seconds(1)), seconds(1));
  EXPECT_EQ(BaseDelay(0, seconds(3600)), seconds(3600));
}

TEST(BaseDelayTest, DoublesFromOneSecondAfterEachFailure) {
  EXPECT_EQ(BaseDelay(1, seconds(30)), seconds(1));
  EXPECT_EQ(BaseDelay(2, seconds(30)), seconds(2));
  EXPECT_EQ(BaseDelay(3, seconds(30)), seconds(4));
  EXPECT_EQ(BaseDelay(4, seconds(30)), seconds(8));
  EXPECT_EQ(BaseDelay(9, seconds(30)), seconds(256));
}

TEST(BaseDelayTest, BackoffIgnoresTheIntervalEvenWhenLonger) {
  // A server that fails should be retried soon, not after an hour.
  EXPECT_EQ(BaseDelay(1, seconds(3600)), seconds(1));
}

TEST(BaseDelayTest, CapsAtFiveMinutesWithoutOverflow) {
  EXPECT_EQ(BaseDelay(10, seconds(30)), seconds(300));
  EXPECT_EQ(BaseDelay(64, seconds(30)), seconds(300));
  EXPECT_EQ(BaseDelay(1'000'000, seconds(30)), seconds(300));
  EXPECT_EQ(BaseDelay(std::numeric_limits<int64_t>::max(), seconds(30)), seconds(300));
}

TEST(JitterTest, SpansTenPercentEitherSide) {
  EXPECT_EQ(Jitter(seconds(30), 0.0), milliseconds(27'000));
  EXPECT_EQ(Jitter(seconds(30), 0.5), milliseconds(30'000));
  EXPECT_EQ(Jitter(seconds(30), 1.0), milliseconds(33'000));
  EXPECT_EQ(Jitter(seconds(30), 0.25), milliseconds(28'500));
}

TEST(JitterTest, ClampsOutOfRangeRandomness) {
  EXPECT_EQ(Jitter(seconds(10), -3.0), milliseconds(9'000));
  EXPECT_EQ(Jitter(seconds(10), 7.0), milliseconds(11'000));
  EXPECT_EQ(Jitter(seconds(10), std::nan("")), milliseconds(9'000));
}

TEST(NextDelayTest, NormalCadenceIsJitteredInterval) {
  EXPECT_EQ(NextDelay(0, seconds(30), 0.0), milliseconds(27'000));
  EXPECT_EQ(NextDelay(0, seconds(30), 1.0), milliseconds(33'000));
}

TEST(NextDelayTest, BackoffSequenceIsJitteredToo) {
  EXPECT_EQ(NextDelay(1, seconds(30), 0.0), milliseconds(900));
  EXPECT_EQ(NextDelay(1, seconds(30), 1.0), milliseconds(1'100));
  EXPECT_EQ(NextDelay(3, seconds(30), 0.5), milliseconds(4'000));
  EXPECT_EQ(NextDelay(20, seconds(30), 0.0), milliseconds(270'000));
  EXPECT_EQ(NextDelay(20, seconds(30), 1.0), milliseconds(330'000));
}

TEST(FailureStreakTest, OnlyTheFirstFailureOfAStreakIsReported) {
  FailureStreak streak;
  EXPECT_EQ(streak.failures(), 0);
  EXPECT_TRUE(streak.OnFailure());
  EXPECT_FALSE(streak.OnFailure());
  EXPECT_FALSE(streak.OnFailure());
  EXPECT_EQ(streak.failures(), 3);
}

TEST(FailureStreakTest, SuccessEndsTheStreakAndSaysHowLongItWas) {
  FailureStreak streak;
  EXPECT_EQ(streak.OnSuccess(), 0);
  streak.OnFailure();
  streak.OnFailure();
  EXPECT_EQ(streak.OnSuccess(), 2);
  EXPECT_EQ(streak.failures(), 0);
  EXPECT_EQ(streak.OnSuccess(), 0);
  EXPECT_TRUE(streak.OnFailure());  // a new streak starts
}

TEST(FailureStreakTest, DrivesTheScheduleBackToTheNormalCadence) {
  FailureStreak streak;
  streak.OnFailure();
  streak.OnFailure();
  EXPECT_EQ(NextDelay(streak.failures(), seconds(30), 0.5), seconds(2));
  streak.OnSuccess();
  EXPECT_EQ(NextDelay(streak.failures(), seconds(30), 0.5), seconds(30));
}

}  // namespace
}  // namespace sms::agent
