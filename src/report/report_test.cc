#include "report/report.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/heartbeat.h"
#include "core/time.h"
#include "report/render.h"
#include "report/scheduler.h"
#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::report {
namespace {

namespace json = boost::json;
constexpr Millis kH = 3600 * 1000;

// The instants and days of the tests are constants: one that does not parse ends the test.
Millis T(const char* rfc3339) {
  return sms::testing::ValueOrThrow(ParseTime(rfc3339, "t"), rfc3339);
}
Day D(const char* day) { return sms::testing::ValueOrThrow(ParseDay(day, "d"), day); }

Heartbeat Beat(const std::string& id, Millis at) {
  Heartbeat hb;
  hb.id = NewHeartbeatId();
  hb.server_id = id;
  hb.hostname = id;
  hb.interval = 60;
  hb.received_at = at;
  return hb;
}

class ParseTest : public ::testing::Test {
 protected:
  Calendar hcm_ = sms::testing::ValueOrThrow(Calendar::Make("Asia/Ho_Chi_Minh"), "tz");
  Millis now_ = T("2026-11-28T03:00:00Z");  // 10:00 on the 28th in Ho Chi Minh City

  Status Error(const std::string& body) {
    return ParseReportRequest(body, hcm_, now_).status();
  }
};

TEST_F(ParseTest, AValidRequestGivesTheWindowInTheZone) {
  auto r = ParseReportRequest(
      R"({"start":"2026-11-01","end":"2026-11-28",)"
      R"("emails":["ops@example.com","a@b.io","ops@example.com"]})",
      hcm_, now_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->window.from, T("2026-10-31T17:00:00Z"));
  EXPECT_EQ(r->window.to, T("2026-11-28T17:00:00Z"));
  EXPECT_EQ(r->window.tz, "Asia/Ho_Chi_Minh");
  EXPECT_EQ(r->emails, (std::vector<std::string>{"ops@example.com", "a@b.io"}));
}

TEST_F(ParseTest, EachBadFieldIsNamed) {
  struct Case {
    const char* body;
    const char* field;
  };
  const std::string emails = R"("emails":["ops@example.com"])";
  std::string many = R"("emails":[)";
  for (int i = 0; i < 21; ++i) {
    many += (i ? ",\"u" : "\"u") + std::to_string(i) + "@x.io\"";
  }
  many += "]";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[]", "body"},
      {"not json", "body"},
      {R"({"end":"2026-11-01",)" + emails + "}", "start"},
      {R"({"start":"2026-11-01",)" + emails + "}", "end"},
      {R"({"start":"2026-11-31","end":"2026-12-01",)" + emails + "}", "start"},
      {R"({"start":20261101,"end":"2026-11-01",)" + emails + "}", "start"},
      {R"({"start":"2026-11-02","end":"2026-11-01",)" + emails + "}", "start"},
      {R"({"start":"2025-11-01","end":"2026-11-02",)" + emails + "}", "end"},  // 367 days
      {R"({"start":"2026-11-28","end":"2026-11-29",)" + emails + "}", "end"},  // tomorrow there
      {R"({"start":"2026-11-01","end":"2026-11-02"})", "emails"},
      {R"({"start":"2026-11-01","end":"2026-11-02","emails":[]})", "emails"},
      {R"({"start":"2026-11-01","end":"2026-11-02","emails":"ops@example.com"})", "emails"},
      {R"({"start":"2026-11-01","end":"2026-11-02","emails":["not an address"]})", "emails"},
      {R"({"start":"2026-11-01","end":"2026-11-02","emails":[7]})", "emails"},
      {R"({"start":"2026-11-01","end":"2026-11-02",)" + many + "}", "emails"},
      {R"({"start":"2026-11-01","end":"2026-11-02","cc":[],)" + emails + "}", "cc"},
  };
  for (const auto& [body, field] : cases) {
    Status s = Error(body);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << body;
    EXPECT_EQ(s.field(), field) << body << " -> " << s.ToString();
  }
  // 366 days is the most.
  EXPECT_TRUE(Error(R"({"start":"2025-11-28","end":"2026-11-28",)" + emails + "}").ok());
}

class ComputeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, store::MakeStore({"sqlite::memory:"}));
    ASSERT_OK_AND_ASSIGN(history_, history::MakeHistory({}, store_));
  }
  store::StorePtr store_;
  history::HistoryPtr history_;
  Calendar utc_ = sms::testing::ValueOrThrow(Calendar::Make("UTC"), "tz");
};

TEST_F(ComputeTest, UptimeAndTransitionsOfEachServerOverTheDay) {
  Day day = D("2026-11-27");
  Millis d0 = utc_.StartOf(day);
  // up: on all day. half: on from 00:00, silent from 12:00 (off at 12:01). idle: created at
  // 06:00 and never heard from. late: created the next day (not in the window).
  ASSERT_TRUE(store_->ApplyHeartbeats({Beat("up", d0 - kH), Beat("half", d0)}, {}).ok());
  ASSERT_TRUE(store_->CreateServer({"idle", "Idle box", "10.0.0.3", ""}, d0 + 6 * kH).ok());
  ASSERT_TRUE(store_->ApplyHeartbeats({Beat("half", d0 + 12 * kH)}, {}).ok());
  ASSERT_TRUE(store_->ApplyHeartbeats({Beat("up", d0 + 13 * kH - 60'000)}, {}).ok());
  ASSERT_TRUE(store_->SweepOffline(d0 + 13 * kH, 30'000).ok());
  ASSERT_TRUE(store_->ApplyHeartbeats({Beat("up", d0 + 24 * kH)}, {}).ok());
  ASSERT_TRUE(store_->CreateServer({"late", "late", "", ""}, d0 + 30 * kH).ok());

  auto r = ComputeReport(*store_, *history_, MakeWindow(utc_, day, day), d0 + 36 * kH);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->total, 4);
  EXPECT_EQ(r->on, 1);
  EXPECT_EQ(r->off, 3);
  ASSERT_EQ(r->servers.size(), 4u);  // by server_id: half, idle, late, up
  const ServerLine& half = r->servers[0];
  EXPECT_EQ(half.server_id, "half");
  EXPECT_NEAR(half.uptime, (12 * 60 + 1) / (24.0 * 60), 1e-9);  // off at last_seen + interval
  EXPECT_EQ(half.transitions, 1);
  const ServerLine& idle = r->servers[1];
  EXPECT_TRUE(idle.measured);
  EXPECT_EQ(idle.uptime, 0);
  EXPECT_DOUBLE_EQ(idle.downtime_seconds, 18 * 3600);  // from its creation
  EXPECT_FALSE(r->servers[2].measured);  // late did not exist yet
  EXPECT_DOUBLE_EQ(r->servers[3].uptime, 1.0);
  EXPECT_EQ(r->measured, 3);
  EXPECT_NEAR(r->average_uptime, (half.uptime + 0 + 1) / 3, 1e-9);
  ASSERT_EQ(r->below.size(), 2u);  // worst first
  EXPECT_EQ(r->servers[r->below[0]].server_id, "idle");
  EXPECT_EQ(r->servers[r->below[1]].server_id, "half");
  ASSERT_EQ(r->changed.size(), 1u);
  EXPECT_EQ(r->servers[r->changed[0]].server_id, "half");

  // The bodies say the same things.
  for (const std::string& body : {RenderText(*r), RenderHtml(*r)}) {
    EXPECT_NE(body.find("2026-11-27 (UTC)"), std::string::npos) << body;
    EXPECT_NE(body.find(Percent(r->average_uptime)), std::string::npos) << body;
    EXPECT_NE(body.find(Percent(half.uptime)), std::string::npos) << body;
    EXPECT_NE(body.find("Idle box (idle)"), std::string::npos) << body;
    EXPECT_NE(body.find("11h 59m 00s"), std::string::npos) << body;  // half's downtime
    EXPECT_NE(body.find("Maintenance windows are excluded"), std::string::npos) << body;
  }
  auto job = ReportJob(*r, "daily-2026-11-27", {"ops@example.com"}, "");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->attachments.at(0).filename, "uptime-2026-11-27_2026-11-27.xlsx");
  EXPECT_EQ(job->attachments.at(0).data.substr(0, 2), "PK");  // a zip
}

TEST_F(ComputeTest, AWindowPastTheSearchRetentionIsMeasuredOnTheSqlHistory) {
  // A search backend keeping 30 days (down here: nothing listens on port 1) in front of the
  // same store: a day 40 days back is answered from SQL, and the report says so.
  history::HistoryConfig config{.search_url = "http://127.0.0.1:1", .retention_days = 30};
  auto tiered = history::MakeHistory(config, store_);
  ASSERT_TRUE(tiered.ok()) << tiered.status().ToString();
  Day day = *ParseDay("2026-11-27", "d");
  Millis d0 = utc_.StartOf(day);
  ASSERT_TRUE(store_->ApplyHeartbeats({Beat("half", d0)}, {}).ok());
  ASSERT_TRUE(store_->SweepOffline(d0 + 12 * kH, 0).ok());  // off at 00:01
  Millis now = d0 + 40 * 24 * kH;
  auto r = ComputeReport(*store_, **tiered, MakeWindow(utc_, day, day), now);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto direct = ComputeReport(*store_, *history_, MakeWindow(utc_, day, day), now);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(r->source, UptimeSource::kSql);
  EXPECT_DOUBLE_EQ(r->average_uptime, direct->average_uptime);
  EXPECT_NEAR(r->average_uptime, 1.0 / (24 * 60), 1e-9);
  // A recent day is the search backend's to answer.
  Day recent = utc_.DayOf(now) - 1;
  EXPECT_EQ(ComputeReport(*store_, **tiered, MakeWindow(utc_, recent, recent), now).status().code(),
            Code::kUnavailable);
}

TEST(RenderTest, PercentNeverRoundsUpToAHundred) {
  EXPECT_EQ(Percent(1.0), "100.000 %");
  EXPECT_EQ(Percent(0.9999999), "99.999 %");
  EXPECT_EQ(Percent(0.5), "50.000 %");
  EXPECT_EQ(Duration(0), "0s");
  EXPECT_EQ(Duration(3723), "1h 02m 03s");
  EXPECT_EQ(Duration(2 * 86400 + 5), "2d 00h 00m 05s");
}

TEST(RenderTest, AWindowWithNoMeasuredServerSaysNoData) {
  Report r;
  ASSERT_OK_AND_ASSIGN(Calendar utc, Calendar::Make("UTC"));
  r.window = MakeWindow(utc, D("2026-11-27"), D("2026-11-27"));
  r.total = r.off = 2;
  EXPECT_EQ(Subject(r), "SMS uptime report 2026-11-27 (UTC): no data, 2 off");
  for (const std::string& body : {RenderText(r), RenderHtml(r)}) {
    EXPECT_EQ(body.find("0.000 %"), std::string::npos) << body;
    EXPECT_NE(body.find("no data"), std::string::npos) << body;
    EXPECT_NE(body.find("no server was measured in the window"), std::string::npos) << body;
  }
  EXPECT_EQ(json::parse(SummaryJson(r)).at("average_uptime"), nullptr);
  r.measured = 1;
  r.average_uptime = 0.5;
  EXPECT_EQ(Subject(r), "SMS uptime report 2026-11-27 (UTC): 50.000 % average, 2 off");
  EXPECT_EQ(json::parse(SummaryJson(r)).at("average_uptime").as_double(), 0.5);
}

TEST(RenderTest, NamesAreEscapedInHtml) {
  Report r;
  ASSERT_OK_AND_ASSIGN(Calendar utc, Calendar::Make("UTC"));
  r.window = MakeWindow(utc, D("2026-11-27"), D("2026-11-27"));
  r.servers.push_back(
      {"x", "<script>alert(1)</script>", "", ServerStatus::kOff, true, 0, 86400, 2});
  r.below = {0};
  r.below_total = 1;
  r.changed = {0};
  std::string html = RenderHtml(r);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
}

}  // namespace
}  // namespace sms::report
