#include "maintenance/window_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time.h"

namespace sms::maintenance {
namespace {

namespace json = boost::json;

std::string FieldOf(std::string_view body) {
  Result<store::MaintenanceWindow> w = ParseWindow(body);
  EXPECT_FALSE(w.ok()) << body;
  return w.ok() ? "(accepted)" : w.status().field();
}

TEST(WindowJson, OneOffWithAScope) {
  Result<store::MaintenanceWindow> w = ParseWindow(
      R"({"name":"rack b7","start":"2026-12-06T10:00:00Z","end":"2026-12-06T11:00:00Z",
          "servers":{"tags":["Rack:B7"],"server_ids":["web-01"]}})");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->name, "rack b7");
  EXPECT_EQ(w->start, *ParseTime("2026-12-06T10:00:00Z", "t"));
  EXPECT_EQ(w->end - w->start, 3'600'000);
  EXPECT_FALSE(w->weekly);
  EXPECT_EQ(w->tags, std::vector<std::string>{"rack:b7"});
  EXPECT_EQ(w->server_ids, std::vector<std::string>{"web-01"});
}

TEST(WindowJson, WeeklyAndBackToJson) {
  Result<store::MaintenanceWindow> w = ParseWindow(
      R"({"name":"sunday night","weekly":{"days":["SUN","wed"],"start":"23:30",
          "duration_minutes":90}})");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE(w->weekly);
  EXPECT_EQ(w->weekly->days, 1 | 8);
  EXPECT_EQ(w->weekly->start_minute, 23 * 60 + 30);
  EXPECT_TRUE(w->tags.empty() && w->server_ids.empty());  // every server
  w->id = "mw-1";
  json::object o = WindowToJson(*w);
  EXPECT_EQ(o.at("weekly"), json::parse(R"({"days":["sun","wed"],"start":"23:30",
                                              "duration_minutes":90})"));
  EXPECT_TRUE(o.at("start").is_null());
  EXPECT_EQ(o.at("servers"), json::parse(R"({"tags":[],"server_ids":[]})"));
}

TEST(WindowJson, BadInputNamesTheField) {
  EXPECT_EQ(FieldOf(R"({"start":"2026-12-06T10:00:00Z","end":"2026-12-06T11:00:00Z"})"), "name");
  EXPECT_EQ(FieldOf(R"({"name":"x","start":"2026-12-06T11:00:00Z","end":"2026-12-06T10:00:00Z"})"),
            "end");
  EXPECT_EQ(FieldOf(R"({"name":"x","start":"2026-12-06T11:00:00Z","end":"2026-12-06T11:00:00Z"})"),
            "end");
  EXPECT_EQ(FieldOf(R"({"name":"x","start":"yesterday","end":"2026-12-06T10:00:00Z"})"), "start");
  EXPECT_EQ(FieldOf(R"({"name":"x","start":"2026-12-06T10:00:00Z"})"), "end");
  EXPECT_EQ(FieldOf(R"({"name":"x"})"), "start");
  EXPECT_EQ(FieldOf(R"({"name":"x","weekly":{"days":["funday"],"start":"01:00",
                        "duration_minutes":5}})"),
            "weekly.days");
  EXPECT_EQ(FieldOf(R"({"name":"x","weekly":{"days":[],"start":"01:00","duration_minutes":5}})"),
            "weekly.days");
  EXPECT_EQ(FieldOf(R"({"name":"x","weekly":{"days":["mon"],"start":"24:00",
                        "duration_minutes":5}})"),
            "weekly.start");
  EXPECT_EQ(FieldOf(R"({"name":"x","weekly":{"days":["mon"],"start":"01:00",
                        "duration_minutes":0}})"),
            "weekly.duration_minutes");
  EXPECT_EQ(FieldOf(R"({"name":"x","weekly":{"days":["mon"],"start":"01:00",
                        "duration_minutes":10081}})"),
            "weekly.duration_minutes");
  EXPECT_EQ(FieldOf(R"({"name":"x","start":"2026-12-06T10:00:00Z","end":"2026-12-06T11:00:00Z",
                        "weekly":{"days":["mon"],"start":"01:00","duration_minutes":5}})"),
            "weekly");
  EXPECT_EQ(FieldOf(R"({"name":"x","weekly":{"days":["mon"],"start":"01:00",
                        "duration_minutes":5},"servers":{"tags":["a b"]}})"),
            "servers.tags");
  EXPECT_EQ(FieldOf(R"({"name":"x","weekly":{"days":["mon"],"start":"01:00",
                        "duration_minutes":5},"servers":{"server_ids":["no spaces"]}})"),
            "servers.server_ids");
  EXPECT_EQ(FieldOf(R"({"name":"x","weekly":{"days":["mon"],"start":"01:00",
                        "duration_minutes":5},"servers":{"racks":["b7"]}})"),
            "servers.racks");
  EXPECT_EQ(FieldOf(R"({"name":"x","colour":"red"})"), "colour");
}

TEST(WindowJson, APatchReplacesWhatItNamesAndIsCheckedWhole) {
  Result<store::MaintenanceWindow> w =
      ParseWindow(R"({"name":"n","start":"2026-12-06T10:00:00Z","end":"2026-12-06T11:00:00Z"})");
  ASSERT_TRUE(w.ok());
  store::MaintenanceWindow before = *w;
  Status bad = ApplyWindowPatch(R"({"end":"2026-12-06T09:00:00Z"})", *w);
  EXPECT_EQ(bad.field(), "end");  // before the start it keeps
  EXPECT_EQ(*w, before);
  bad = ApplyWindowPatch(R"({"start":"2026-12-06T12:00:00Z","end":"2026-12-06T11:00:00Z"})", *w);
  EXPECT_EQ(bad.field(), "end");
  EXPECT_EQ(*w, before);
  ASSERT_TRUE(ApplyWindowPatch(R"({"servers":{"tags":["db"]}})", *w).ok());
  EXPECT_EQ(w->tags, std::vector<std::string>{"db"});
  EXPECT_EQ(w->name, "n");
  ASSERT_TRUE(
      ApplyWindowPatch(R"({"weekly":{"days":["mon"],"start":"02:00","duration_minutes":60}})", *w)
          .ok());
  EXPECT_TRUE(w->weekly);
  EXPECT_EQ(w->start, 0);
  EXPECT_EQ(ApplyWindowPatch("{}", *w).message(), "nothing to update");
}

}  // namespace
}  // namespace sms::maintenance
