// MaintenanceHistory over the SQL history of a real store: the uptime answers, one server and
// the whole fleet, leave the maintenance a server is in out of both the on-time and the window.

#include "maintenance/maintenance_history.h"

#include <gtest/gtest.h>

#include "history/recording_history.h"
#include "history/sql_history.h"
#include "store/store.h"

namespace sms::maintenance {
namespace {

constexpr Millis kT0 = 1'795'000'000'000;
constexpr Millis kS = 1000;

class MaintenanceHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<store::Stores> stores = store::OpenStores({"sqlite::memory:"});
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    stores_ = *stores;
    Result<report::Calendar> utc = report::Calendar::Make("UTC");
    ASSERT_TRUE(utc.ok());
    auto query = std::make_shared<Maintenance>(stores_.maintenance, *utc);
    history_ = std::make_shared<MaintenanceHistory>(
        std::make_shared<history::SqlHistory>(stores_.store), query, stores_.store);
  }

  // A server created at kT0 that beats every 10 s from kT0 to kT0 + 600 s, then is off until
  // kT0 + 1200 s (sweep), then beats again to kT0 + 1800 s.
  Server OnOffOn(const std::string& id, std::vector<std::string> tags) {
    ServerInput in{id, id, "", "", std::move(tags)};
    EXPECT_TRUE(stores_.store->CreateServer(in, kT0).ok());
    auto beats = [&](Millis from, Millis to) {
      for (Millis t = from; t <= to; t += 10 * kS) {
        Heartbeat hb;
        hb.id = id + "@" + std::to_string(t);
        hb.server_id = id;
        hb.interval = 10;
        hb.received_at = t;
        EXPECT_TRUE(stores_.store->ApplyHeartbeats({hb}, {}).ok());
      }
    };
    beats(kT0, kT0 + 590 * kS);  // on until the last beat + interval: kT0 + 600 s
    EXPECT_TRUE(stores_.store->SweepOffline(kT0 + 700 * kS, 0).ok());
    beats(kT0 + 1200 * kS, kT0 + 1800 * kS);
    return *stores_.store->GetServer(id);
  }

  void Window(const std::string& id, Millis start, Millis end, std::vector<std::string> tags) {
    store::MaintenanceWindow w;
    w.id = id;
    w.name = id;
    w.start = start;
    w.end = end;
    w.tags = std::move(tags);
    ASSERT_TRUE(stores_.maintenance->InsertMaintenance(w).ok());
  }

  store::Stores stores_;
  std::shared_ptr<MaintenanceHistory> history_;
};

TEST_F(MaintenanceHistoryTest, TheOffTimeInsideMaintenanceIsLeftOut) {
  Server a = OnOffOn("a", {"rack:b7"});
  Server b = OnOffOn("b", {"other"});
  Millis to = kT0 + 1800 * kS;
  // Before any window: 1200 s on of 1800 s.
  Result<UptimeResult> before = history_->Uptime(a, kT0, to, to);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_DOUBLE_EQ(before->window_seconds, 1800);
  EXPECT_DOUBLE_EQ(before->up_seconds, 1200);
  EXPECT_DOUBLE_EQ(before->maintenance_seconds, 0);
  // Maintenance from 500 s to 1300 s for rack:b7: 100 s of it on before, 100 s on after.
  Window("mw-1", kT0 + 500 * kS, kT0 + 1300 * kS, {"rack:b7"});
  Result<UptimeResult> r = history_->Uptime(a, kT0, to, to);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->maintenance_seconds, 800);
  EXPECT_DOUBLE_EQ(r->window_seconds, 1000);
  EXPECT_DOUBLE_EQ(r->up_seconds, 1000);
  EXPECT_DOUBLE_EQ(r->uptime, 1.0);
  Result<UptimeResult> other = history_->Uptime(b, kT0, to, to);
  ASSERT_TRUE(other.ok());
  EXPECT_DOUBLE_EQ(other->maintenance_seconds, 0);
  EXPECT_DOUBLE_EQ(other->uptime, 1200.0 / 1800.0);
  // The fleet answers the same, server by server.
  auto all = history_->UptimeAll(kT0, to, to);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].first, "a");
  EXPECT_DOUBLE_EQ((*all)[0].second.maintenance_seconds, 800);
  EXPECT_DOUBLE_EQ((*all)[0].second.up_seconds, 1000);
  EXPECT_DOUBLE_EQ((*all)[0].second.window_seconds, 1000);
  EXPECT_DOUBLE_EQ((*all)[1].second.maintenance_seconds, 0);
  EXPECT_DOUBLE_EQ((*all)[1].second.up_seconds, 1200);
}

TEST_F(MaintenanceHistoryTest, OverlappingWindowsForAllAndForOneCountOnce) {
  Server a = OnOffOn("a", {"rack:b7"});
  Millis to = kT0 + 1800 * kS;
  Window("mw-all", kT0 + 550 * kS, kT0 + 900 * kS, {});
  Window("mw-rack", kT0 + 800 * kS, kT0 + 1250 * kS, {"rack:b7"});
  Result<UptimeResult> one = history_->Uptime(a, kT0, to, to);
  ASSERT_TRUE(one.ok());
  EXPECT_DOUBLE_EQ(one->maintenance_seconds, 700);  // 550 s to 1250 s
  EXPECT_DOUBLE_EQ(one->window_seconds, 1100);
  EXPECT_DOUBLE_EQ(one->up_seconds, 1100);  // 50 s + 50 s on inside it
  auto all = history_->UptimeAll(kT0, to, to);
  ASSERT_TRUE(all.ok());
  EXPECT_DOUBLE_EQ((*all)[0].second.maintenance_seconds, 700);
  EXPECT_DOUBLE_EQ((*all)[0].second.up_seconds, 1100);
}

// A server created inside a window: its maintenance starts at its created_time, and the fleet
// answer agrees with the single one.
TEST_F(MaintenanceHistoryTest, AServerCreatedInsideAWindow) {
  Window("mw-early", kT0 - 100 * kS, kT0 + 100 * kS, {});
  Server a = OnOffOn("a", {});
  Millis to = kT0 + 1800 * kS;
  Result<UptimeResult> one = history_->Uptime(a, kT0 - 3600 * kS, to, to);
  ASSERT_TRUE(one.ok());
  EXPECT_DOUBLE_EQ(one->maintenance_seconds, 100);
  EXPECT_DOUBLE_EQ(one->window_seconds, 1700);
  EXPECT_DOUBLE_EQ(one->up_seconds, 1100);
  auto all = history_->UptimeAll(kT0 - 3600 * kS, to, to);
  ASSERT_TRUE(all.ok());
  EXPECT_DOUBLE_EQ((*all)[0].second.maintenance_seconds, 100);
  EXPECT_DOUBLE_EQ((*all)[0].second.up_seconds, 1100);
}

// A history that keeps on-runs (as the search backend's does) and records what it is given;
// the rest answers from the SQL history.
class RunKeepingHistory final : public history::ForwardingHistory {
 public:
  explicit RunKeepingHistory(store::StorePtr store)
      : ForwardingHistory(std::make_shared<history::SqlHistory>(std::move(store))) {}
  Status RecordRuns(const std::vector<history::RunUpdate>& updates) override {
    recorded.insert(recorded.end(), updates.begin(), updates.end());
    return Status::Ok();
  }
  bool KeepsRuns() const override { return true; }

  std::vector<history::RunUpdate> recorded;
};

TEST_F(MaintenanceHistoryTest, TheWorkersRunsReachTheHistoryUnderneath) {
  auto inner = std::make_shared<RunKeepingHistory>(stores_.store);
  Result<report::Calendar> utc = report::Calendar::Make("UTC");
  ASSERT_TRUE(utc.ok());
  MaintenanceHistory wrapped(inner, std::make_shared<Maintenance>(stores_.maintenance, *utc),
                             stores_.store);
  EXPECT_TRUE(wrapped.KeepsRuns());
  history::RunUpdate run;
  run.server_id = "a";
  run.start = kT0;
  run.end = kT0 + 10 * kS;
  run.interval = 10;
  ASSERT_TRUE(wrapped.RecordRuns({run}).ok());
  ASSERT_EQ(inner->recorded.size(), 1u);  // not swallowed by the wrapper's defaults
  EXPECT_EQ(inner->recorded[0].server_id, "a");
}

// With no maintenance anywhere, every History method reaches the wrapped history once and its
// answer comes back as it is (history/forwarding_history_test.cc has the other wrappers).
TEST_F(MaintenanceHistoryTest, PassesEveryMethodThroughWithoutMaintenance) {
  auto inner = std::make_shared<history::testing::RecordingHistory>();
  Result<report::Calendar> utc = report::Calendar::Make("UTC");
  ASSERT_TRUE(utc.ok());
  MaintenanceHistory wrapped(inner, std::make_shared<Maintenance>(stores_.maintenance, *utc),
                             stores_.store);
  history::testing::CallEach(wrapped);
  EXPECT_EQ(inner->calls, history::testing::EachCall());
}

}  // namespace
}  // namespace sms::maintenance
