// The overview's rollups: a minute's counts stored once, a closed day's mean uptime stored
// once (one replica), the series API over them, and /stats' 7 and 30 day means from them.
#include "roles/management/rollups.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "roles/management/management.h"
#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::management {
namespace {

namespace json = boost::json;
constexpr Millis kMinute = 60'000;
constexpr Millis kDay = 86'400'000;
constexpr Millis kMidnight = 1'795'046'400'000;  // 2026-11-19T00:00:00Z

class RollupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kMidnight + 10 * kMinute);
    ASSERT_OK_AND_ASSIGN(store_, store::MakeStore({"sqlite::memory:"}));
    ASSERT_OK_AND_ASSIGN(history_, history::MakeHistory({}, store_));
    ASSERT_OK_AND_ASSIGN(auto cache, cache::MakeCache({}));
    mgmt_ = std::make_unique<Management>(ManagementBackends{store_, history_, cache, clock_});
    mgmt_->Register(router_);
  }
  RollupBackends Backends() { return {store_, store_, store_, history_, clock_}; }
  void Create(const std::string& id) {
    ServerInput in;
    in.server_id = in.server_name = id;
    ASSERT_TRUE(store_->CreateServer(in, clock_->Now()).ok());
  }
  void Beat(const std::string& id) {
    Heartbeat hb;
    hb.server_id = id;
    hb.received_at = clock_->Now();
    hb.interval = 30;
    ASSERT_TRUE(store_->ApplyHeartbeats({hb}, {}).ok());
  }
  json::value Get(const std::string& target) {
    http::Request req;
    req.method = "GET";
    req.target = target;
    req.path = target.substr(0, target.find('?'));
    if (target.find('?') != std::string::npos) {
      std::string q = target.substr(target.find('?') + 1);
      for (size_t at = 0; at <= q.size();) {
        size_t amp = q.find('&', at);
        std::string kv = q.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
        req.query[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
        if (amp == std::string::npos) break;
        at = amp + 1;
      }
    }
    std::string route;
    http::Response r = router_.Handle(req, &route);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    return json::parse(r.body);
  }
  std::shared_ptr<ManualClock> clock_;
  store::StorePtr store_;
  history::HistoryPtr history_;
  http::Router router_;
  std::unique_ptr<Management> mgmt_;
};

TEST_F(RollupsTest, AMinutesCountsAreStoredOnceAndServedAsASeries) {
  Rollups a(Backends()), b(Backends());
  Create("x");
  Create("y");
  Beat("x");
  ASSERT_TRUE(a.Tick().ok());
  Create("z");  // the same minute: another replica's tick changes nothing
  ASSERT_TRUE(b.Tick().ok());
  clock_->Advance(kMinute + 1000);
  ASSERT_TRUE(b.Tick().ok());
  auto series = Get("/api/v1/stats/series");
  const auto& items = series.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("at"), "2026-11-19T00:10:00Z");
  EXPECT_EQ(items[0].at("total"), 2);
  EXPECT_EQ(items[0].at("on"), 1);
  EXPECT_EQ(items[0].at("off"), 1);
  EXPECT_EQ(items[1].at("total"), 3);
  EXPECT_EQ(series.at("step_seconds"), 60);
  EXPECT_NEAR(series.at("avg_on_share").as_double(), (0.5 + 1.0 / 3) / 2, 1e-9);
  EXPECT_EQ(series.at("now").at("total"), 3);
  EXPECT_TRUE(series.at("avg_uptime_7d").is_null());
}

TEST_F(RollupsTest, AClosedDaysUptimeIsStoredOnceAndFeedsTheLongerMeans) {
  Create("x");  // created at 00:10
  Create("y");
  Beat("x");  // on from 00:10, and never swept off here
  auto stats = Get("/api/v1/stats");
  EXPECT_TRUE(stats.at("avg_uptime_7d").is_null());  // no closed day yet
  Rollups a(Backends()), b(Backends());
  ASSERT_TRUE(a.Tick().ok());  // claims the day that closed at midnight: no server then
  clock_->Advance(kDay);       // the next day: x was on all its day, y never
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((i % 2 ? b : a).Tick().ok());
  ASSERT_OK_AND_ASSIGN(auto days, store_->UptimeDays(0, kMidnight + 2 * kDay));
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days[0].day, kMidnight);
  EXPECT_EQ(days[0].servers, 2);
  double mean = double(days[0].avg_ppb) / 1e9;
  EXPECT_NEAR(mean, 0.5, 1e-6);  // x: 1, y: 0
  stats = Get("/api/v1/stats");
  EXPECT_NEAR(stats.at("avg_uptime_7d").as_double(), mean, 1e-9);
  EXPECT_NEAR(stats.at("avg_uptime_30d").as_double(), mean, 1e-9);
  EXPECT_NEAR(Get("/api/v1/stats/series").at("avg_uptime_7d").as_double(), mean, 1e-9);
}

}  // namespace
}  // namespace sms::management
