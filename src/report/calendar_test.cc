#include "report/calendar.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

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
                          "2026-11-27T00:00:00Z", "", "2026-11-2x"}) {
    Result<Day> r = ParseDay(bad, "start");
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().field(), "start") << bad;
    EXPECT_EQ(r.status().message(), "start must be a date YYYY-MM-DD") << bad;
  }
  // A well-formed date before the epoch is refused for what it is.
  Result<Day> early = ParseDay("1969-12-31", "end");
  EXPECT_EQ(early.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(early.status().field(), "end");
  EXPECT_EQ(early.status().message(), "end must be 1970-01-01 or later");
  EXPECT_EQ(FormatDay(*ParseDay("1970-01-01", "end")), "1970-01-01");
}

TEST(HostTimeZoneTest, TzThenTheLocaltimeLinkThenUtc) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sms-tz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string link = (dir / "localtime").string();
  std::filesystem::remove(link);
  std::filesystem::create_symlink("/usr/share/zoneinfo/Europe/Berlin", link);
  EXPECT_EQ(HostTimeZone("America/New_York", link), "America/New_York");
  EXPECT_EQ(HostTimeZone(":Asia/Tokyo", link), "Asia/Tokyo");
  EXPECT_EQ(HostTimeZone("/usr/share/zoneinfo/Asia/Tokyo", link), "Asia/Tokyo");
  // TZ unset, empty or not a zone of the database: the zone /etc/localtime points to.
  EXPECT_EQ(HostTimeZone(nullptr, link), "Europe/Berlin");
  EXPECT_EQ(HostTimeZone("", link), "Europe/Berlin");
  EXPECT_EQ(HostTimeZone("Mars/Olympus_Mons", link), "Europe/Berlin");
  // No link (a container without /etc/localtime), or one to no zone: UTC.
  EXPECT_EQ(HostTimeZone(nullptr, (dir / "missing").string()), "UTC");
  std::filesystem::remove(link);
  std::filesystem::create_symlink("/nowhere/else", link);
  EXPECT_EQ(HostTimeZone(nullptr, link), "UTC");
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(Calendar::Make(HostTimeZone(std::getenv("TZ"))).ok());
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
