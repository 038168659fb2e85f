// The Store contract, part 6: retention (Prune deletes what store/retention_rule.h calls old
// enough, and nothing else) and the claim of a scheduled run. Runs against every
// implementation in StoreFactories; the rule itself is tested once, without a store.

#include <atomic>
#include <thread>

#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

constexpr Millis kDay = kDayMillis;
constexpr Millis kHour = 3600 * kSecond;

template <typename Factory>
class StoreRetentionContractTest : public StoreTest<Factory> {
 public:
  void SetUp() override {
    StoreTest<Factory>::SetUp();
    if (this->store_ == nullptr) return;
    Status s = this->store_->CreateUser(UserRecord{"ops", "$argon2id$ops", "admin", kT0, kT0});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void AddSession(const std::string& jti, Millis expires_at) {
    // Created long ago, so InsertSession's own purge of expired sessions leaves them alone.
    Status s = this->store_->InsertSession(SessionRecord{jti, "ops", kT0 - 30 * kDay, expires_at});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void AddReport(const std::string& id, const std::string& kind, Millis created_at) {
    ReportRecord r;
    r.id = id;
    r.kind = kind;
    r.first_day = r.last_day = "2027-01-01";
    r.tz = "UTC";
    r.emails = {"ops@example.com"};
    r.summary = "{}";
    r.created_at = created_at;
    Status s = this->store_->InsertReport(r);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void AddOutcome(const std::string& id, Millis at) {
    Status s = this->store_->PutMailOutcome(id, MailOutcome{"sent", "", 1, at});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  PruneCounts Prune(const PruneRequest& request) {
    Result<PruneCounts> counts = this->store_->Prune(request);
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return counts.ok() ? *counts : PruneCounts{};
  }
  bool SessionKept(const std::string& jti) {
    // Asked as of long ago: a session that is still there lets its user in then.
    auto user = this->store_->SessionUser(jti, kT0 - 30 * kDay);
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return user.ok() && user->has_value();
  }
  bool ReportKept(const std::string& id) {
    auto r = this->store_->GetReport(id);
    EXPECT_TRUE(r.ok() || r.status().code() == Code::kNotFound) << r.status().ToString();
    return r.ok();
  }
  bool OutcomeKept(const std::string& id) {
    auto o = this->store_->GetMailOutcome(id);
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() && o->has_value();
  }
};
TYPED_TEST_SUITE(StoreRetentionContractTest, StoreFactories, FactoryNames);

TYPED_TEST(StoreRetentionContractTest, ExpiredSessionsGoAndLiveOnesStay) {
  this->AddSession("gone-long-ago", kT0 - 2 * kDay);
  this->AddSession("gone-just-now", kT0);
  this->AddSession("live", kT0 + kHour);
  PruneCounts counts = this->Prune(PruneFor({}, kT0));
  EXPECT_EQ(counts.sessions, 2);
  EXPECT_FALSE(this->SessionKept("gone-long-ago"));
  EXPECT_FALSE(this->SessionKept("gone-just-now"));
  EXPECT_TRUE(this->SessionKept("live"));
  EXPECT_EQ(this->Prune(PruneFor({}, kT0)).sessions, 0);  // nothing left to do
}

TYPED_TEST(StoreRetentionContractTest, OldReportsGoButRecentOnesAndTheScheduleRecordStay) {
  this->AddReport("rpt-old", "manual", kT0 - 91 * kDay);
  this->AddReport("daily-2026-10-15", "daily", kT0 - 91 * kDay);
  this->AddReport("daily-2026-10-16", "daily", kT0 - 89 * kDay);
  this->AddReport("daily-start", "schedule", kT0 - 400 * kDay);
  PruneCounts counts = this->Prune(PruneFor({.report_days = 90}, kT0));
  EXPECT_EQ(counts.reports, 2);
  EXPECT_FALSE(this->ReportKept("rpt-old"));
  EXPECT_FALSE(this->ReportKept("daily-2026-10-15"));
  EXPECT_TRUE(this->ReportKept("daily-2026-10-16"));
  EXPECT_TRUE(this->ReportKept("daily-start"));
}

TYPED_TEST(StoreRetentionContractTest, MailOutcomesOutliveTheBusAndTheirReport) {
  this->AddReport("rpt-old", "manual", kT0 - 100 * kDay);  // its report goes in this call
  this->AddOutcome("rpt-old", kT0 - 100 * kDay);
  this->AddReport("rpt-kept", "manual", kT0 - 10 * kDay);  // its report is kept
  this->AddOutcome("rpt-kept", kT0 - 10 * kDay);
  this->AddOutcome("job-old", kT0 - 9 * kDay);  // past 7 days of bus retention + 1 of margin
  this->AddOutcome("job-redeliverable", kT0 - 7 * kDay);
  PruneCounts counts = this->Prune(PruneFor({.report_days = 90, .bus_retention_days = 7}, kT0));
  EXPECT_EQ(counts.reports, 1);
  EXPECT_EQ(counts.mail_outcomes, 2);
  EXPECT_FALSE(this->OutcomeKept("rpt-old"));
  EXPECT_FALSE(this->OutcomeKept("job-old"));
  EXPECT_TRUE(this->OutcomeKept("rpt-kept"));
  EXPECT_TRUE(this->OutcomeKept("job-redeliverable"));
}

TYPED_TEST(StoreRetentionContractTest, ALimitedPruneContinuesUntilDone) {
  for (int i = 0; i < 5; ++i) this->AddSession("s" + std::to_string(i), kT0 - i * kHour);
  PruneRequest request = PruneFor({}, kT0);
  request.limit = 2;
  int64_t total = 0;
  for (int calls = 0; calls < 10; ++calls) {
    PruneCounts counts = this->Prune(request);
    EXPECT_LE(counts.sessions, 2);
    total += counts.sessions;
    if (!PruneMayContinue(request, counts)) break;
  }
  EXPECT_EQ(total, 5);
}

TYPED_TEST(StoreRetentionContractTest, ServersTheirHistoryUsersAndTokensAreNeverPruned) {
  this->Create(Input("web-01", "web-01"), kT0 - 400 * kDay);
  this->Apply({Beat("web-01", kT0 - 399 * kDay)});
  ApiTokenRecord token{
      "t1", "ops", "ci", "ab12", {"servers:read"}, kT0 - 400 * kDay, kT0 - 300 * kDay};
  ASSERT_TRUE(this->store_->InsertApiToken(token).ok());
  PruneRequest everything{kT0 + 1000 * kDay, kT0 + 1000 * kDay, kT0 + 1000 * kDay, 10000};
  this->Prune(everything);
  EXPECT_THAT(Describe(this->Events("web-01")),
              ::testing::ElementsAre("off@" + std::to_string(kT0 - 400 * kDay) + "/created",
                                     "on@" + std::to_string(kT0 - 399 * kDay) + "/heartbeat"));
  EXPECT_TRUE(this->store_->GetUser("ops").ok());
  EXPECT_THAT(*this->store_->ListApiTokens("ops"), ::testing::SizeIs(1));
}

TYPED_TEST(StoreRetentionContractTest, ARunIsClaimedOnceUntilItIsDueAgain) {
  auto claim = [&](Millis now, Millis next) {
    Result<bool> r = this->store_->ClaimRun("retention", now, next);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  };
  EXPECT_TRUE(claim(kT0, kT0 + kHour));  // never run: due
  EXPECT_FALSE(claim(kT0, kT0 + kHour));
  EXPECT_FALSE(claim(kT0 + kHour - 1, kT0 + 2 * kHour));
  EXPECT_TRUE(claim(kT0 + kHour, kT0 + 2 * kHour));
  EXPECT_TRUE(this->store_->ClaimRun("another-job", kT0, kT0 + kHour).value());  // its own row
}

TYPED_TEST(StoreRetentionContractTest, ReplicasRacingForADueRunClaimItOnce) {
  for (int round = 0; round < 3; ++round) {
    Millis now = kT0 + round * kHour;
    std::atomic<int> won{0}, failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, store = this->factory_.Another()] {
        Result<bool> r = store->ClaimRun("retention", now, now + kHour);
        if (!r.ok()) ++failed;
        if (r.ok() && *r) ++won;
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failed.load(), 0) << "round " << round;
    EXPECT_EQ(won.load(), 1) << "round " << round;
  }
}

TEST(RetentionRuleTest, CutoffsFollowThePolicyWithTheirFloors) {
  PruneRequest r = PruneFor({.report_days = 90, .bus_retention_days = 7}, kT0);
  EXPECT_EQ(r.sessions_expired_before, kT0);
  EXPECT_EQ(r.reports_created_before, kT0 - 90 * kDay);
  EXPECT_EQ(r.mail_outcomes_before, kT0 - 8 * kDay);  // the bus's 7 days and a day of margin
  EXPECT_EQ(r.alerts_before, kT0 - 90 * kDay);         // alert_days' default
  // A report younger than the daily schedule's catch-up is never old enough, whatever the
  // setting; nor is an outcome younger than a day past the bus's retention.
  r = PruneFor({.report_days = 1, .bus_retention_days = 0}, kT0);
  EXPECT_EQ(r.reports_created_before, kT0 - kMinReportRetentionDays * kDay);
  EXPECT_EQ(r.mail_outcomes_before, kT0 - 2 * kDay);
  EXPECT_EQ(PruneFor({.alert_days = 0}, kT0).alerts_before, kT0 - kDay);  // at least a day
}

}  // namespace
}  // namespace sms::store::testing
