#include "report/scheduler.h"

#include <gtest/gtest.h>

#include "bus/faulty_bus.h"
#include "core/time.h"
#include "mail/job.h"
#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::report {
namespace {

// The instants of the tests are constants: one that does not parse ends the test.
Millis T(const char* rfc3339) {
  return sms::testing::ValueOrThrow(ParseTime(rfc3339, "t"), rfc3339);
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(T("2026-11-20T05:00:00Z"));  // 12:00 in HCM
    ASSERT_OK_AND_ASSIGN(store_, store::MakeStore({"sqlite::memory:"}));
    ASSERT_OK_AND_ASSIGN(auto bus, bus::MakeBus({}));
    faulty_ = std::make_shared<bus::FaultyBus>(bus);
    ASSERT_OK_AND_ASSIGN(auto history, history::MakeHistory({}, store_));
    backends_ = {store_, store_, history, faulty_, clock_};
    ASSERT_OK_AND_ASSIGN(mail_, faulty_->Subscribe(bus::kMailTopic, "test"));
  }

  // A management replica's schedule: reports at 00:05 in Ho Chi Minh City.
  std::unique_ptr<DailyReports> Replica() {
    DailyOptions o;
    o.emails = {"admin@example.com"};
    return std::make_unique<DailyReports>(o, hcm_, std::make_shared<Reporter>(backends_, ""),
                                          backends_);
  }

  std::vector<std::string> Claimed(DailyReports& d) {
    auto r = d.Tick();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<std::string>{};
  }

  // Ids of the mail jobs on the bus since the last call.
  std::vector<std::string> Mailed() {
    std::vector<std::string> ids;
    auto polled = mail_->Poll(100, std::chrono::milliseconds(0));
    EXPECT_TRUE(polled.ok()) << polled.status().ToString();
    if (!polled.ok()) return ids;
    for (const bus::Message& m : *polled) {
      auto job = mail::DecodeJob(m.payload);
      EXPECT_TRUE(job.ok()) << job.status().ToString();
      if (!job.ok()) continue;
      EXPECT_EQ(job->to, std::vector<std::string>{"admin@example.com"});
      EXPECT_EQ(job->attachments.size(), 1u);
      ids.push_back(job->id);
    }
    EXPECT_TRUE(mail_->Commit().ok());
    return ids;
  }

  // queued_at of report `id`; -1 (and a failure) when it cannot be read.
  Millis QueuedAt(const std::string& id) {
    auto report = store_->GetReport(id);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? report->queued_at : -1;
  }

  using Ids = std::vector<std::string>;
  const Calendar hcm_ = sms::testing::ValueOrThrow(Calendar::Make("Asia/Ho_Chi_Minh"), "tz");
  const Calendar utc_ = sms::testing::ValueOrThrow(Calendar::Make("UTC"), "tz");
  std::shared_ptr<ManualClock> clock_;
  store::StorePtr store_;
  std::shared_ptr<bus::FaultyBus> faulty_;
  ReportBackends backends_;
  std::unique_ptr<bus::Consumer> mail_;
};

TEST_F(SchedulerTest, EachDayIsMailedOnceByOneOfTwoReplicas) {
  auto a = Replica(), b = Replica();
  EXPECT_EQ(Claimed(*a), Ids{});  // the schedule starts; the 19th was due before it did
  clock_->Set(T("2026-11-20T17:04:00Z"));  // 00:04 on the 21st
  EXPECT_EQ(Claimed(*a), Ids{});
  EXPECT_EQ(Claimed(*b), Ids{});
  clock_->Set(T("2026-11-20T17:05:00Z"));  // 00:05
  Ids first = Claimed(*a), second = Claimed(*b);
  EXPECT_EQ(first.size() + second.size(), 1u);
  EXPECT_EQ(Mailed(), Ids{"daily-2026-11-20"});
  // Later ticks, and a replica started afresh, find the day claimed.
  clock_->Advance(3600 * 1000);
  EXPECT_EQ(Claimed(*a), Ids{});
  EXPECT_EQ(Claimed(*Replica()), Ids{});
  EXPECT_EQ(Mailed(), Ids{});
  auto report = store_->GetReport("daily-2026-11-20");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->first_day, "2026-11-20");
  EXPECT_GT(report->queued_at, 0);
}

TEST_F(SchedulerTest, MissedDaysAreCaughtUpSevenAtMost) {
  EXPECT_EQ(Claimed(*Replica()), Ids{});                  // starts on the 20th
  clock_->Set(T("2026-12-01T05:00:00Z"));                 // down until noon on Dec 1
  Ids sent = Claimed(*Replica());
  EXPECT_EQ(sent, (Ids{"daily-2026-11-24", "daily-2026-11-25", "daily-2026-11-26",
                       "daily-2026-11-27", "daily-2026-11-28", "daily-2026-11-29",
                       "daily-2026-11-30"}));
  EXPECT_EQ(Mailed().size(), 7u);
}

TEST_F(SchedulerTest, AReportTheBusRefusedIsQueuedAgainLater) {
  auto a = Replica();
  EXPECT_EQ(Claimed(*a), Ids{});
  clock_->Set(T("2026-11-20T17:10:00Z"));
  faulty_->FailPublishAt(1);
  EXPECT_EQ(Claimed(*a), Ids{"daily-2026-11-20"});  // claimed, but the job did not get on
  EXPECT_EQ(Mailed(), Ids{});
  EXPECT_EQ(QueuedAt("daily-2026-11-20"), 0);
  clock_->Advance(DailyReports::kRequeueAfter + 1);
  EXPECT_EQ(Claimed(*a), Ids{});
  EXPECT_EQ(Mailed(), Ids{"daily-2026-11-20"});
  EXPECT_GT(QueuedAt("daily-2026-11-20"), 0);
}

TEST_F(SchedulerTest, MailsQueuedInAProcessThatStoppedAreQueuedAgain) {
  auto a = Replica();
  EXPECT_EQ(Claimed(*a), Ids{});
  clock_->Set(T("2026-11-20T17:10:00Z"));
  EXPECT_EQ(Claimed(*a), Ids{"daily-2026-11-20"});
  Mailed();  // the in-process bus lost it with its process: no outcome was recorded
  DailyOptions o;
  o.requeue_unsent = true;
  DailyReports restarted(o, utc_, std::make_shared<Reporter>(backends_, ""), backends_);
  EXPECT_EQ(Claimed(restarted), Ids{});
  EXPECT_EQ(Mailed(), Ids{"daily-2026-11-20"});
  ASSERT_TRUE(store_->PutMailOutcome("daily-2026-11-20", {"sent", "", 1, clock_->Now()}).ok());
  DailyReports again(o, utc_, std::make_shared<Reporter>(backends_, ""), backends_);
  EXPECT_EQ(Claimed(again), Ids{});
  EXPECT_EQ(Mailed(), Ids{});  // sent: nothing to do
}

TEST_F(SchedulerTest, NoAdminAddressesNoDailyReport) {
  DailyOptions o;
  DailyReports none(o, utc_, std::make_shared<Reporter>(backends_, ""), backends_);
  clock_->Advance(3 * 86400 * 1000);
  EXPECT_EQ(Claimed(none), Ids{});
  EXPECT_EQ(Mailed(), Ids{});
}

TEST(ReportTimeTest, ParsesHoursAndMinutes) {
  for (auto [text, minutes] : {std::pair{"00:05", 5}, std::pair{"23:59", 23 * 60 + 59}}) {
    auto parsed = ParseReportTime(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, minutes) << text;
  }
  for (const char* bad : {"24:00", "0:05", "00:60", "0005", "", "aa:bb"}) {
    EXPECT_EQ(ParseReportTime(bad).status().field(), "report_time") << bad;
  }
}

}  // namespace
}  // namespace sms::report
