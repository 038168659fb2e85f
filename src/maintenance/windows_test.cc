// Which servers a maintenance window covers and when, weekly windows across midnight and DST
// in a zone, and the query over a store (SQLite in memory).

#include "maintenance/windows.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "store/store.h"

namespace sms::maintenance {
namespace {

using history::Span;
using history::Spans;
using store::MaintenanceWindow;
using store::WeeklyRecurrence;

Millis T(const char* rfc3339) {
  Result<Millis> t = ParseTime(rfc3339, "t");
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : 0;
}

report::Calendar Berlin() {
  Result<report::Calendar> c = report::Calendar::Make("Europe/Berlin");
  EXPECT_TRUE(c.ok());
  return *c;
}

Server ServerWith(const std::string& id, std::vector<std::string> tags = {}) {
  Server s;
  s.server_id = id;
  s.tags = std::move(tags);
  return s;
}

MaintenanceWindow Weekly(int days, int start_minute, int minutes) {
  MaintenanceWindow w;
  w.name = "weekly";
  w.weekly = WeeklyRecurrence{days, start_minute, minutes};
  return w;
}

constexpr int kSun = 1 << 0;
constexpr int kSat = 1 << 6;

TEST(Windows, WeekdaysCountFromSunday) {
  report::Calendar c = Berlin();
  EXPECT_EQ(Weekday(c.DayOf(T("2026-12-06T12:00:00Z"))), 0);  // a Sunday
  EXPECT_EQ(Weekday(c.DayOf(T("2026-12-05T12:00:00Z"))), 6);
  EXPECT_EQ(Weekday(report::Day{-1}), 3);  // 1969-12-31, a Wednesday
}

TEST(Windows, ScopeIsEveryServerOrTheIdsAndTagsGiven) {
  MaintenanceWindow all;
  EXPECT_TRUE(Covers(all, ServerWith("a")));
  MaintenanceWindow some;
  some.server_ids = {"a"};
  some.tags = {"rack:b7"};
  EXPECT_TRUE(Covers(some, ServerWith("a")));
  EXPECT_TRUE(Covers(some, ServerWith("b", {"prod", "rack:b7"})));
  EXPECT_FALSE(Covers(some, ServerWith("c", {"prod"})));
}

TEST(Windows, OneOffOccursOnceWhereItOverlaps) {
  MaintenanceWindow w;
  w.start = 100;
  w.end = 200;
  EXPECT_EQ(Occurrences(w, 0, 150, Berlin()), (Spans{{100, 200}}));
  EXPECT_TRUE(Occurrences(w, 200, 300, Berlin()).empty());
  EXPECT_TRUE(Occurrences(w, 0, 100, Berlin()).empty());
}

TEST(Windows, AWeeklyWindowRunsPastMidnightIntoTheNextDay) {
  // Saturdays 23:00 local for 3 hours: Sunday 01:00 is inside, asked from Sunday on.
  MaintenanceWindow w = Weekly(kSat, 23 * 60, 180);
  report::Calendar c = Berlin();
  Millis sunday_1am = T("2026-12-06T00:00:00Z");  // 01:00 CET
  EXPECT_EQ(Occurrences(w, sunday_1am, sunday_1am + 1, c),
            (Spans{{T("2026-12-05T22:00:00Z"), T("2026-12-06T01:00:00Z")}}));
  EXPECT_TRUE(Occurrences(w, T("2026-12-06T01:00:00Z"), T("2026-12-12T22:00:00Z"), c).empty());
  EXPECT_EQ(Occurrences(w, T("2026-11-28T00:00:00Z"), T("2026-12-13T00:00:00Z"), c).size(), 3u);
}

TEST(Windows, AWeeklyWindowFollowsLocalTimeAcrossDst) {
  // Sundays 01:30 local for 120 minutes of elapsed time. On 2026-03-29 the clocks in Berlin go
  // from 02:00 CET to 03:00 CEST: the window starts 00:30Z and ends 02:30Z (04:30 local).
  MaintenanceWindow w = Weekly(kSun, 90, 120);
  report::Calendar c = Berlin();
  EXPECT_EQ(Occurrences(w, T("2026-03-22T00:00:00Z"), T("2026-04-06T00:00:00Z"), c),
            (Spans{{T("2026-03-22T00:30:00Z"), T("2026-03-22T02:30:00Z")},
                   {T("2026-03-29T00:30:00Z"), T("2026-03-29T02:30:00Z")},
                   {T("2026-04-04T23:30:00Z"), T("2026-04-05T01:30:00Z")}}));
  // In autumn 01:30 exists once before the change (2026-10-25 03:00 CEST -> 02:00 CET).
  EXPECT_EQ(Occurrences(w, T("2026-10-25T00:00:00Z"), T("2026-10-26T00:00:00Z"), c),
            (Spans{{T("2026-10-24T23:30:00Z"), T("2026-10-25T01:30:00Z")}}));
}

TEST(Windows, TheUnionOfTheWindowsThatCoverAServer) {
  MaintenanceWindow rack;
  rack.tags = {"rack:b7"};
  rack.start = 100;
  rack.end = 300;
  MaintenanceWindow other;
  other.server_ids = {"x"};
  other.start = 200;
  other.end = 400;
  MaintenanceWindow everyone;
  everyone.start = 250;
  everyone.end = 350;
  std::vector<MaintenanceWindow> windows = {rack, other, everyone};
  EXPECT_EQ(MaintenanceOf(windows, ServerWith("a", {"rack:b7"}), 0, 1000, Berlin()),
            (Spans{{100, 350}}));
  EXPECT_EQ(MaintenanceOf(windows, ServerWith("x"), 0, 1000, Berlin()), (Spans{{200, 400}}));
  EXPECT_EQ(MaintenanceOf(windows, ServerWith("y"), 0, 300, Berlin()), (Spans{{250, 300}}));
}

TEST(Windows, TheQueryReadsTheStore) {
  Result<store::Stores> stores = store::OpenStores({"sqlite::memory:"});
  ASSERT_TRUE(stores.ok()) << stores.status().ToString();
  MaintenanceWindow w;
  w.id = "mw-1";
  w.name = "rack b7";
  w.tags = {"rack:b7"};
  w.start = T("2026-12-06T10:00:00Z");
  w.end = T("2026-12-06T11:00:00Z");
  ASSERT_TRUE(stores->maintenance->InsertMaintenance(w).ok());
  Maintenance query(stores->maintenance, Berlin());
  Server in = ServerWith("a", {"rack:b7"});
  Server out = ServerWith("b");
  ASSERT_TRUE(query.InMaintenance(in, T("2026-12-06T10:30:00Z")).ok());
  EXPECT_TRUE(*query.InMaintenance(in, T("2026-12-06T10:30:00Z")));
  EXPECT_FALSE(*query.InMaintenance(in, T("2026-12-06T11:00:00Z")));
  EXPECT_FALSE(*query.InMaintenance(out, T("2026-12-06T10:30:00Z")));
  auto which = query.InMaintenance({in, out}, T("2026-12-06T10:59:59Z"));
  ASSERT_TRUE(which.ok());
  EXPECT_EQ(*which, std::vector<std::string>{"a"});
  auto spans = query.Spans(in, T("2026-12-06T00:00:00Z"), T("2026-12-07T00:00:00Z"));
  ASSERT_TRUE(spans.ok());
  EXPECT_EQ(*spans, (Spans{{T("2026-12-06T10:00:00Z"), T("2026-12-06T11:00:00Z")}}));
}

}  // namespace
}  // namespace sms::maintenance
