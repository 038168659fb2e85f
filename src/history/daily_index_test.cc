// Daily index names: a day's name, and which names are this prefix's daily indices.

#include "history/daily_index.h"

#include <gtest/gtest.h>

namespace sms::history {
namespace {

constexpr Millis kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr int64_t kDay0 = 20'833;          // 2027-01-15

TEST(DailyIndexTest, ADayHasOneNameAndTheNameGivesTheDayBack) {
  EXPECT_EQ(UtcDay(kT0), kDay0);
  EXPECT_EQ(UtcDay(kDay0 * 86'400'000), kDay0);  // midnight belongs to its day
  EXPECT_EQ(UtcDay(kDay0 * 86'400'000 - 1), kDay0 - 1);
  EXPECT_EQ(DailyIndexName("sms-heartbeats", kDay0), "sms-heartbeats-2027.01.15");
  EXPECT_EQ(DailyIndexDay("sms-heartbeats-2027.01.15", "sms-heartbeats"), kDay0);
  EXPECT_EQ(DailyIndexDay("sms-heartbeats-2024.02.29", "sms-heartbeats"),
            UtcDay(1'709'164'800'000));  // a leap day
}

TEST(DailyIndexTest, OnlyThisPrefixesDailyNamesWithARealDateAreDailyIndices) {
  const std::string p = "sms-heartbeats";
  for (const char* name : {
           "sms-heartbeats-eu-2027.01.15",    // another installation's prefix
           "sms-heartbeats2-2027.01.15",      // likewise
           "other-2027.01.15",                //
           "sms-heartbeats",                  // the template's name
           "sms-heartbeats-2027.02.30",       // no such day
           "sms-heartbeats-2027.13.01",       //
           "sms-heartbeats-2027.00.10",       //
           "sms-heartbeats-2027.1.15",        // not the name of any day
           "sms-heartbeats-2027-01-15",       //
           "sms-heartbeats-2027.01.15-copy",  // more after the date
           "sms-heartbeats-2027.01.1x",       //
           "sms-heartbeats-+027.01.15",       //
           "restored-sms-heartbeats-2027.01.15",
       }) {
    EXPECT_EQ(DailyIndexDay(name, p), std::nullopt) << name;
  }
}

}  // namespace
}  // namespace sms::history
