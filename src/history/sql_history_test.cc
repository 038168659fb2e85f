// SqlHistory: uptime through a real Store for scripted on/off sequences.

#include "history/sql_history.h"

#include <gtest/gtest.h>

#include "history/history_test_util.h"
#include "store/store.h"

namespace sms::history {
namespace {

constexpr Millis kT0 = 1'800'000'000'000;
constexpr Millis kSecond = 1000;
constexpr Millis kGrace = 30 * kSecond;

using testing::Beat;

class SqlHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<store::StorePtr> s = store::MakeStore({"sqlite::memory:"});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = *s;
    Result<HistoryPtr> h = MakeHistory({}, store_);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    history_ = *h;
  }

  // Heartbeats every 30 s over [from, to), as an agent would send them.
  void Alive(const std::string& id, Millis from, Millis to) {
    std::vector<Heartbeat> batch;
    for (Millis t = from; t < to; t += 30 * kSecond) batch.push_back(Beat(id, t));
    ASSERT_TRUE(store_->ApplyHeartbeats(batch, {}).ok());
  }
  void Sweep(Millis now) { ASSERT_TRUE(store_->SweepOffline(now, kGrace).ok()); }

  store::StorePtr store_;
  HistoryPtr history_;
};

TEST_F(SqlHistoryTest, UptimeOfAScriptedOnOffSequenceIsExact) {
  // Registered at 0 s, beats until 570 s: on [0, 600) (off stamped at last beat + 30 s).
  Alive("a", kT0, kT0 + 600 * kSecond);
  Sweep(kT0 + 700 * kSecond);
  // Back at 900 s, beats until 1170 s, off at 1200 s.
  Alive("a", kT0 + 900 * kSecond, kT0 + 1200 * kSecond);
  Sweep(kT0 + 1300 * kSecond);
  Result<Server> a = store_->GetServer("a");
  ASSERT_TRUE(a.ok());

  // Window [300 s, 1500 s]: on 300..600 and 900..1200 = 600 s of 1200 s.
  Result<UptimeResult> u =
      history_->Uptime(*a, kT0 + 300 * kSecond, kT0 + 1500 * kSecond, kT0 + 2000 * kSecond);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_DOUBLE_EQ(u->up_seconds, 600);
  EXPECT_DOUBLE_EQ(u->window_seconds, 1200);
  EXPECT_DOUBLE_EQ(u->uptime, 0.5);

  // A window starting before registration is clipped to created_time; `now` clips the end:
  // [0 s, 1000 s] -> on 0..600 and 900..1000 = 700 of 1000 s.
  u = history_->Uptime(*a, kT0 - 3600 * kSecond, kT0 + 5000 * kSecond, kT0 + 1000 * kSecond);
  ASSERT_TRUE(u.ok());
  EXPECT_DOUBLE_EQ(u->uptime, 0.7);
  EXPECT_EQ(u->from, kT0);
  EXPECT_EQ(u->to, kT0 + 1000 * kSecond);
}

TEST_F(SqlHistoryTest, UptimeAllAgreesWithUptimeForEveryServer) {
  ASSERT_TRUE(store_->CreateServer({"never", "never", "", ""}, kT0).ok());
  Alive("b", kT0 + 100 * kSecond, kT0 + 400 * kSecond);  // beats 100..370: on [100, 400)
  Alive("a", kT0, kT0 + 1000 * kSecond);                 // beats 0..990: on [0, 1020)
  Sweep(kT0 + 1100 * kSecond);
  Millis from = kT0 + 200 * kSecond;
  Millis to = kT0 + 800 * kSecond;
  Millis now = kT0 + 2000 * kSecond;
  Result<std::vector<std::pair<std::string, UptimeResult>>> all =
      history_->UptimeAll(from, to, now);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].first, "a");
  EXPECT_DOUBLE_EQ((*all)[0].second.uptime, 1.0);
  EXPECT_EQ((*all)[1].first, "b");
  EXPECT_DOUBLE_EQ((*all)[1].second.up_seconds, 200);  // 200..400 of 600
  EXPECT_EQ((*all)[2].first, "never");
  EXPECT_DOUBLE_EQ((*all)[2].second.uptime, 0.0);
  for (const auto& [id, expected] : *all) {
    Result<Server> s = store_->GetServer(id);
    ASSERT_TRUE(s.ok());
    Result<UptimeResult> one = history_->Uptime(*s, from, to, now);
    ASSERT_TRUE(one.ok());
    EXPECT_DOUBLE_EQ(one->uptime, expected.uptime) << id;
    EXPECT_DOUBLE_EQ(one->window_seconds, expected.window_seconds) << id;
  }
}

TEST_F(SqlHistoryTest, RecordIsANoOpBecauseTheStoreKeepsTheHistory) {
  EXPECT_TRUE(history_->Record({Beat("a", kT0)}).ok());
  EXPECT_EQ(store_->GetServer("a").status().code(), Code::kNotFound);
}

TEST(MakeHistoryTest, RejectsAnUnsupportedSearchUrlAndAMissingStore) {
  Result<HistoryPtr> h = MakeHistory({"ftp://localhost:9200"}, nullptr);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(h.status().field(), "search_url");
  EXPECT_NE(h.status().message().find("unsupported search URL"), std::string::npos);
  EXPECT_EQ(MakeHistory({}, nullptr).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sms::history
