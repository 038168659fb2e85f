// TieredHistory: which history answers which window, without a search node (a stand-in plays
// the recent history; SearchHistory's own part runs in search_retention_test.cc).

#include "history/tiered_history.h"

#include <gtest/gtest.h>

#include "history/sql_history.h"
#include "store/store.h"

namespace sms::history {
namespace {

constexpr Millis kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr Millis kSecond = 1000;
constexpr Millis kDay = 86'400'000;

// A recent history that keeps `days` of records, answers every window with a recognisable
// (search) result and counts what it is asked to record and expire.
class RecentStandIn final : public History {
 public:
  explicit RecentStandIn(int days) : days_(days) {}
  Status Ping() override { return Status::Ok(); }
  Status Record(const std::vector<Heartbeat>& batch) override {
    recorded += int64_t(batch.size());
    return Status::Ok();
  }
  Result<UptimeResult> Uptime(const Server&, Millis from, Millis to, Millis) override {
    return Answer(from, to);
  }
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from, Millis to,
                                                                      Millis) override {
    return std::vector<std::pair<std::string, UptimeResult>>{{"a", Answer(from, to)}};
  }
  Millis Horizon(Millis now) const override { return now - days_ * kDay; }
  Result<int64_t> Expire(Millis) override { return ++expired; }

  int64_t recorded = 0;
  int64_t expired = 0;

 private:
  static UptimeResult Answer(Millis from, Millis to) {
    UptimeResult r;
    r.from = from;
    r.to = to;
    r.source = UptimeSource::kSearch;
    return r;
  }
  int days_;
};

class TieredHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<store::StorePtr> s = store::MakeStore({"sqlite::memory:"});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = *s;
    recent_ = std::make_shared<RecentStandIn>(30);
    tiered_ = std::make_shared<TieredHistory>(recent_, std::make_shared<SqlHistory>(store_));
    // On since 100 days ago, one heartbeat; turned off 50 days ago.
    Heartbeat hb;
    hb.id = "a@1";
    hb.server_id = "a";
    hb.interval = 30;
    hb.received_at = kT0 - 100 * kDay;
    ASSERT_TRUE(store_->ApplyHeartbeats({hb}, {}).ok());
    ASSERT_TRUE(store_->SweepOffline(kT0 - 50 * kDay, 0).ok());
    server_ = *store_->GetServer("a");
  }

  UptimeResult Up(const Server& server, Millis from, Millis to) {
    Result<UptimeResult> u = tiered_->Uptime(server, from, to, kT0);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : UptimeResult{};
  }

  store::StorePtr store_;
  std::shared_ptr<RecentStandIn> recent_;
  HistoryPtr tiered_;
  Server server_;
};

TEST_F(TieredHistoryTest, AWindowStartingBeforeTheHorizonIsAnsweredFromSql) {
  UptimeResult old = Up(server_, kT0 - 100 * kDay, kT0 - 90 * kDay);
  EXPECT_EQ(old.source, UptimeSource::kSql);
  EXPECT_EQ(old.window_seconds, 10 * 86'400);
  EXPECT_EQ(old.up_seconds, 30);  // the one heartbeat's interval
  // Reaching back past the horizon is enough: the recent history lacks the window's start.
  EXPECT_EQ(Up(server_, kT0 - 31 * kDay, kT0).source, UptimeSource::kSql);
  EXPECT_EQ(Up(server_, kT0 - 30 * kDay, kT0).source, UptimeSource::kSearch);
  EXPECT_EQ(Up(server_, kT0 - kDay, kT0).source, UptimeSource::kSearch);
}

TEST_F(TieredHistoryTest, AWindowIsJudgedFromWhenTheServerExisted) {
  Server young = server_;
  young.created_time = kT0 - 2 * kDay;  // the window before it is measured from its creation
  EXPECT_EQ(Up(young, kT0 - 365 * kDay, kT0).source, UptimeSource::kSearch);
}

TEST_F(TieredHistoryTest, UptimeAllIsRoutedByTheWindowStart) {
  auto old = tiered_->UptimeAll(kT0 - 60 * kDay, kT0 - 59 * kDay, kT0);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_EQ(old->size(), 1u);
  EXPECT_EQ((*old)[0].second.source, UptimeSource::kSql);
  auto recent = tiered_->UptimeAll(kT0 - kDay, kT0, kT0);
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ((*recent)[0].second.source, UptimeSource::kSearch);
}

TEST_F(TieredHistoryTest, RecordsGoToBothAndOnlyTheRecentHistoryExpires) {
  ASSERT_TRUE(tiered_->Record({Heartbeat{}, Heartbeat{}}).ok());
  EXPECT_EQ(recent_->recorded, 2);
  EXPECT_EQ(tiered_->Expire(kT0).value(), 1);
  EXPECT_EQ(recent_->expired, 1);
  EXPECT_EQ(tiered_->Horizon(kT0), History::kKeepsEverything);  // SQL answers any window
}

TEST_F(TieredHistoryTest, MakeHistoryTiersASearchHistoryThatHasARetention) {
  // Nothing listens on port 1: a window the search backend would answer fails; an old one is
  // answered from SQL without asking it.
  HistoryConfig config{.search_url = "http://127.0.0.1:1", .retention_days = 30};
  Result<HistoryPtr> made = MakeHistory(config, store_);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  Result<UptimeResult> old = (*made)->Uptime(server_, kT0 - 100 * kDay, kT0 - 90 * kDay, kT0);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->source, UptimeSource::kSql);
  EXPECT_EQ(old->up_seconds, 30);
  Result<UptimeResult> recent = (*made)->Uptime(server_, kT0 - kDay, kT0, kT0);
  EXPECT_EQ(recent.status().code(), Code::kUnavailable);
  // Without a retention the search backend keeps everything and answers every window.
  config.retention_days = 0;
  made = MakeHistory(config, store_);
  ASSERT_TRUE(made.ok());
  old = (*made)->Uptime(server_, kT0 - 100 * kDay, kT0 - 90 * kDay, kT0);
  EXPECT_EQ(old.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace sms::history
