#include "core/time.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace sms {
namespace {

constexpr Millis kNov28 = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

Millis MustParse(std::string_view s) {
  Result<Millis> r = ParseTime(s, "t");
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.ok() ? *r : -1;
}

TEST(FormatTime, Epoch) { EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z"); }

TEST(FormatTime, WholeSecondsHaveNoFraction) {
  EXPECT_EQ(FormatTime(kNov28), "2026-11-28T06:00:00Z");
}

TEST(FormatTime, MillisecondsShownWithThreeDigits) {
  EXPECT_EQ(FormatTime(kNov28 + 123), "2026-11-28T06:00:00.123Z");
  EXPECT_EQ(FormatTime(kNov28 + 5), "2026-11-28T06:00:00.005Z");
}

TEST(FormatTime, LeapDayAndEndOfYear) {
  EXPECT_EQ(FormatTime(951'782'400'000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatTime(1'767'225'599'999), "2025-12-31T23:59:59.999Z");
}

TEST(FormatTime, BeforeEpoch) {
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTime(-86'400'000), "1969-12-31T00:00:00Z");
}

TEST(FormatTime, ClampsToFourDigitYears) {
  EXPECT_EQ(FormatTime(INT64_MAX), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTime(INT64_MIN), "0000-01-01T00:00:00Z");
}

TEST(ParseTime, Utc) {
  EXPECT_EQ(MustParse("2026-11-28T06:00:00Z"), kNov28);
  EXPECT_EQ(MustParse("1970-01-01T00:00:00Z"), 0);
}

TEST(ParseTime, LowercaseSeparators) { EXPECT_EQ(MustParse("2026-11-28t06:00:00z"), kNov28); }

TEST(ParseTime, Offsets) {
  EXPECT_EQ(MustParse("2026-11-28T13:00:00+07:00"), kNov28);
  EXPECT_EQ(MustParse("2026-11-28T00:30:00-05:30"), kNov28);
  EXPECT_EQ(MustParse("2026-11-28T06:00:00+00:00"), kNov28);
  EXPECT_EQ(MustParse("2026-11-28T06:00:00-00:00"), kNov28);
}

TEST(ParseTime, OffsetCrossesDayBoundary) {
  EXPECT_EQ(MustParse("2026-11-29T01:00:00+07:00"), MustParse("2026-11-28T18:00:00Z"));
}

TEST(ParseTime, Fractions) {
  EXPECT_EQ(MustParse("2026-11-28T06:00:00.1Z"), kNov28 + 100);
  EXPECT_EQ(MustParse("2026-11-28T06:00:00.12Z"), kNov28 + 120);
  EXPECT_EQ(MustParse("2026-11-28T06:00:00.123Z"), kNov28 + 123);
  EXPECT_EQ(MustParse("2026-11-28T06:00:00.123999999Z"), kNov28 + 123);  // truncated
  EXPECT_EQ(MustParse("2026-11-28T13:00:00.5+07:00"), kNov28 + 500);
}

TEST(ParseTime, LeapSecondRollsIntoNextMinute) {
  EXPECT_EQ(MustParse("2016-12-31T23:59:60Z"), MustParse("2017-01-01T00:00:00Z"));
}

TEST(ParseTime, RoundTripsWithFormat) {
  for (Millis t : {Millis{0}, kNov28, kNov28 + 1, kNov28 + 999, Millis{951'782'400'000},
                   Millis{253'402'300'799'999}, Millis{-1}}) {
    EXPECT_EQ(MustParse(FormatTime(t)), t) << FormatTime(t);
  }
}

TEST(ParseTime, RejectsGarbage) {
  for (std::string_view bad :
       {"", "now", "2026-11-28", "2026-11-28T06:00:00", "2026-11-28 06:00:00Z", "2026-11-28T06:00Z",
        "2026/11/28T06:00:00Z", "26-11-28T06:00:00Z", "2026-11-28T06:00:00ZZ",
        "2026-11-28T06:00:00Z ", " 2026-11-28T06:00:00Z", "2026-11-28T06:00:00.Z",
        "2026-11-28T06:00:00+0700", "2026-11-28T06:00:00+07", "2026-11-28T06:00:00+07:00x",
        "2026-1x-28T06:00:00Z", "+026-11-28T06:00:00Z", "2026-11-28T06:00:00.12a3Z",
        "1795845600000"}) {
    Result<Millis> r = ParseTime(bad, "sent_at");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().field(), "sent_at");
    EXPECT_NE(r.status().message().find("RFC 3339"), std::string::npos);
  }
}

TEST(ParseTime, RejectsOutOfRangeFields) {
  for (std::string_view bad :
       {"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z",
        "2026-11-31T00:00:00Z", "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2026-11-28T24:00:00Z", "2026-11-28T23:60:00Z", "2026-11-28T23:59:61Z",
        "2026-11-28T06:00:00+24:00", "2026-11-28T06:00:00+07:60"}) {
    EXPECT_FALSE(ParseTime(bad, "t").ok()) << bad;
  }
  EXPECT_TRUE(ParseTime("2024-02-29T00:00:00Z", "t").ok());
  EXPECT_TRUE(ParseTime("2000-02-29T00:00:00Z", "t").ok());
}

TEST(ParseTime, LongGarbageIsShortenedInMessage) {
  std::string junk(10'000, 'x');
  Result<Millis> r = ParseTime(junk, "from");
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 200u);
}

}  // namespace
}  // namespace sms
