#include "report/calendar.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "support/assert_ok.h"

namespace sms::report {
namespace {

// The instants and days of the tests are constants: one that does not parse ends the test.
Millis T(const char* rfc3339) {
  return sms::testing::ValueOrThrow(ParseTime(rfc3339, "t"), rfc3339);
}
Day D(const char* day) { return sms::testing::ValueOrThrow(ParseDay(day, "d"), day); }

TEST(DayTest, ParsesAndFormatsCivilDates) {
  auto d = ParseDay("2026-11-27", "start");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(FormatDay(*d), "2026-11-27");
  EXPECT_EQ(FormatDay(*d + 5), "2026-12-02");
  auto leap = ParseDay("2028-02-29", "start");
  ASSERT_TRUE(leap.ok()) << leap.status().ToString();
  EXPECT_EQ(FormatDay(*leap), "2028-02-29");
  for (const char* bad : {"2026-02-30", "2026-13-01", "2026-1-01", "26-11-27", "2026/11/27",
                          "2026-11-27T00:00:00Z", "", "1969-12-31", "2026-11-2x"}) {
    Result<Day> r = ParseDay(bad, "start");
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().field(), "start") << bad;
  }
}

TEST(CalendarTest, DaysOfAFixedOffsetZone) {
  auto hcm = Calendar::Make("Asia/Ho_Chi_Minh");  // UTC+7, no DST
  ASSERT_TRUE(hcm.ok()) << hcm.status().ToString();
  Day d = D("2026-11-27");
  EXPECT_EQ(hcm->StartOf(d), T("2026-11-26T17:00:00Z"));
  EXPECT_EQ(hcm->At(d, 5), T("2026-11-26T17:05:00Z"));
  EXPECT_EQ(FormatDay(hcm->DayOf(T("2026-11-26T16:59:59.999Z"))), "2026-11-26");
  EXPECT_EQ(FormatDay(hcm->DayOf(T("2026-11-26T17:00:00Z"))), "2026-11-27");
}

TEST(CalendarTest, ADayAcrossADstChangeHasItsRealLength) {
  auto berlin = Calendar::Make("Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  Day spring = D("2026-03-29");  // clocks go 02:00 -> 03:00
  EXPECT_EQ(berlin->StartOf(spring + 1) - berlin->StartOf(spring), 23 * 3600 * 1000);
  Day autumn = D("2026-10-25");  // clocks go 03:00 -> 02:00
  EXPECT_EQ(berlin->StartOf(autumn + 1) - berlin->StartOf(autumn), 25 * 3600 * 1000);
  // 02:30 does not exist on the spring day: the instant the clock jumped.
  EXPECT_EQ(berlin->At(spring, 150), T("2026-03-29T01:00:00Z"));
}

TEST(CalendarTest, AnUnknownZoneIsRejectedNamingTz) {
  auto bad = Calendar::Make("Mars/Olympus_Mons");
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "tz");
  EXPECT_TRUE(Calendar::Make("UTC").ok());
}

}  // namespace
}  // namespace sms::report
