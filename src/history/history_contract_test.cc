// The History contract, run against every implementation: SqlHistory always, SearchHistory
// against the node named by SMS_SEARCH_URL (skipped when unset).
//
// Each fixture is fed the way the worker feeds the system: heartbeats applied to a SQL Store
// as they arrive and recorded in the History with the on-runs the Store's status gives, with
// the offline sweep running every second and closing the runs it ends.
// Uptime is asked with the Store's Server record, as the management API does.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "history/history_test_util.h"
#include "history/search_history.h"
#include "history/search_test_util.h"
#include "history/sql_history.h"
#include "store/store.h"

namespace sms::history {
namespace {

constexpr Millis kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr Millis kS = 1000;
constexpr Millis kGrace = 30 * kS;

Heartbeat Beat(const std::string& server_id, Millis at_seconds) {
  Heartbeat hb;
  hb.id = server_id + "@" + std::to_string(at_seconds);
  hb.server_id = server_id;
  hb.hostname = server_id;
  hb.interval = 30;
  hb.received_at = kT0 + at_seconds * kS;
  return hb;
}

// Beats every 30 s over [from, to) seconds after kT0.
std::vector<Heartbeat> Alive(const std::string& id, Millis from, Millis to) {
  std::vector<Heartbeat> out;
  for (Millis t = from; t < to; t += 30) out.push_back(Beat(id, t));
  return out;
}

struct SqlBackend {
  static constexpr bool kNeedsNode = false;
  Status Open(store::StorePtr store) {
    history = std::make_shared<SqlHistory>(std::move(store));
    return Status::Ok();
  }
  Status Settle() { return Status::Ok(); }
  void Close() {}
  HistoryPtr history;
};

struct SearchBackend {
  static constexpr bool kNeedsNode = true;
  Status Open(store::StorePtr store) {
    SearchHistoryOptions o;
    o.url = testing::SearchUrl();
    o.index_prefix = prefix = testing::UniquePrefix();
    o.page_size = 5;  // several pages per query
    auto made = SearchHistory::Make(o, std::move(store));  // as MakeHistory does
    if (!made.ok()) return made.status();
    search = *made;
    history = search;
    return Status::Ok();
  }
  Status Settle() { return search->Refresh(); }
  void Close() {
    if (search == nullptr) return;
    EXPECT_TRUE(testing::DropIndices(search->client(), prefix));
  }
  std::string prefix;
  std::shared_ptr<SearchHistory> search;
  HistoryPtr history;
};

template <typename Backend>
class HistoryContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Backend::kNeedsNode && testing::SearchUrl().empty()) GTEST_SKIP() << testing::kNoSearchUrl;
    Result<store::StorePtr> s = store::MakeStore({"sqlite::memory:"});
    ASSERT_TRUE(s.ok());
    store_ = *s;
    Status opened = backend_.Open(store_);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
  }
  void TearDown() override { backend_.Close(); }

  // Delivers `beats` in time order, one batch per second, sweeping every second, until
  // `until_seconds` after kT0.
  void Feed(std::vector<Heartbeat> beats, Millis until_seconds) {
    std::stable_sort(beats.begin(), beats.end(), [](const Heartbeat& a, const Heartbeat& b) {
      return a.received_at < b.received_at;
    });
    size_t next = 0;
    for (Millis now = beats.empty() ? kT0 : beats.front().received_at;
         now <= kT0 + until_seconds * kS; now += kS) {
      std::vector<Heartbeat> due;
      while (next < beats.size() && beats[next].received_at <= now) due.push_back(beats[next++]);
      if (!due.empty()) {
        Status delivered = testing::Deliver(*store_, history(), due);
        ASSERT_TRUE(delivered.ok()) << delivered.ToString();
      }
      Status swept = testing::Sweep(*store_, history(), now, kGrace);
      ASSERT_TRUE(swept.ok()) << swept.ToString();
    }
    ASSERT_TRUE(backend_.Settle().ok());
  }

  UptimeResult Up(const std::string& id, Millis from_s, Millis to_s, Millis now_s) {
    Result<Server> server = store_->GetServer(id);
    EXPECT_TRUE(server.ok()) << id;
    if (!server.ok()) return {};
    Result<UptimeResult> u =
        history().Uptime(*server, kT0 + from_s * kS, kT0 + to_s * kS, kT0 + now_s * kS);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : UptimeResult{};
  }

  History& history() { return *backend_.history; }

  store::StorePtr store_;
  Backend backend_;
};

using Backends = ::testing::Types<SqlBackend, SearchBackend>;
TYPED_TEST_SUITE(HistoryContractTest, Backends);

TYPED_TEST(HistoryContractTest, UptimeOfAnOnOffSequenceIsExactTimeWeighted) {
  // On [0, 600): beats 0..570; off; on [900, 1200): beats 900..1170.
  std::vector<Heartbeat> beats = Alive("a", 0, 600);
  std::vector<Heartbeat> again = Alive("a", 900, 1200);
  beats.insert(beats.end(), again.begin(), again.end());
  this->Feed(beats, 1300);

  UptimeResult u = this->Up("a", 300, 1500, 2000);
  EXPECT_EQ(u.up_seconds, 600);
  EXPECT_EQ(u.window_seconds, 1200);
  EXPECT_DOUBLE_EQ(u.uptime, 0.5);
  // Clipped to created_time (the first heartbeat) and to now; divided by the clipped window.
  u = this->Up("a", -3600, 5000, 1000);
  EXPECT_EQ(u.from, kT0);
  EXPECT_EQ(u.to, kT0 + 1000 * kS);
  EXPECT_DOUBLE_EQ(u.uptime, 0.7);
  // An empty window measures nothing.
  u = this->Up("a", 800, 700, 2000);
  EXPECT_EQ(u.window_seconds, 0);
  EXPECT_EQ(u.uptime, 0);
}

TYPED_TEST(HistoryContractTest, AServerOnScheduleIsOnThroughNow) {
  this->Feed(Alive("a", 0, 600), 615);  // last beat 570 s; timed out only after 630 s
  UptimeResult u = this->Up("a", 0, 3600, 615);
  EXPECT_EQ(u.window_seconds, 615);
  EXPECT_DOUBLE_EQ(u.uptime, 1.0);
}

TYPED_TEST(HistoryContractTest, ALateHeartbeatWithinGraceKeepsTheServerOn) {
  std::vector<Heartbeat> beats = Alive("a", 0, 300);   // last 270 s: on until 300 s
  std::vector<Heartbeat> late = Alive("a", 320, 600);  // 20 s late, within grace; to 620 s
  std::vector<Heartbeat> gone = Alive("a", 700, 900);  // 80 s late: off 620..700; to 910 s
  beats.insert(beats.end(), late.begin(), late.end());
  beats.insert(beats.end(), gone.begin(), gone.end());
  this->Feed(beats, 1000);
  EXPECT_EQ(this->Up("a", 0, 1000, 1000).up_seconds, 620 + 210);
  EXPECT_EQ(this->Up("a", 250, 310, 1000).up_seconds, 60);  // ends inside the late gap
}

TYPED_TEST(HistoryContractTest, ARedeliveredBatchChangesNothing) {
  std::vector<Heartbeat> beats = Alive("a", 0, 300);
  this->Feed(beats, 400);
  UptimeResult before = this->Up("a", 0, 1000, 1000);
  ASSERT_TRUE(testing::Deliver(*this->store_, this->history(), beats).ok());
  ASSERT_TRUE(this->backend_.Settle().ok());
  UptimeResult after = this->Up("a", 0, 1000, 1000);
  EXPECT_EQ(before.up_seconds, 300);
  EXPECT_EQ(after.up_seconds, before.up_seconds);
  EXPECT_EQ(after.window_seconds, before.window_seconds);
}

TYPED_TEST(HistoryContractTest, UptimeAllAgreesWithUptimeForEveryServerInOrder) {
  std::vector<Heartbeat> beats = Alive("b", 100, 400);  // on [100, 400)
  std::vector<Heartbeat> a = Alive("a", 0, 1000);       // on [0, 1020)
  std::vector<Heartbeat> c = Alive("c", 0, 60);         // on [0, 60): gone before the window
  beats.insert(beats.end(), a.begin(), a.end());
  beats.insert(beats.end(), c.begin(), c.end());
  this->Feed(beats, 1100);

  auto all = this->history().UptimeAll(kT0 + 200 * kS, kT0 + 800 * kS, kT0 + 2000 * kS);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].first, "a");
  EXPECT_DOUBLE_EQ((*all)[0].second.uptime, 1.0);
  EXPECT_EQ((*all)[1].first, "b");
  EXPECT_EQ((*all)[1].second.up_seconds, 200);
  EXPECT_EQ((*all)[1].second.window_seconds, 600);
  EXPECT_EQ((*all)[2].first, "c");
  EXPECT_EQ((*all)[2].second.uptime, 0);
  for (const auto& [id, got] : *all) {
    UptimeResult one = this->Up(id, 200, 800, 2000);
    EXPECT_EQ(one.up_seconds, got.up_seconds) << id;
    EXPECT_EQ(one.window_seconds, got.window_seconds) << id;
  }
}

TYPED_TEST(HistoryContractTest, WindowsThatCutAnOnRunCountOnlyTheirPart) {
  std::vector<Heartbeat> beats = Alive("a", 0, 600);  // on [0, 600)
  std::vector<Heartbeat> again = Alive("a", 900, 1200);  // on [900, 1200)
  beats.insert(beats.end(), again.begin(), again.end());
  this->Feed(beats, 1300);
  EXPECT_EQ(this->Up("a", 100, 200, 2000).up_seconds, 100);   // inside the first run
  EXPECT_EQ(this->Up("a", 500, 1000, 2000).up_seconds, 200);  // the end of one, start of next
  EXPECT_EQ(this->Up("a", 1100, 1500, 2000).up_seconds, 100);
  EXPECT_EQ(this->Up("a", 650, 850, 2000).up_seconds, 0);  // between the runs
}

TYPED_TEST(HistoryContractTest, AServerNeverOnIsDownThroughout) {
  ServerInput never;
  never.server_id = never.server_name = "never";
  ASSERT_TRUE(this->store_->CreateServer(never, kT0).ok());
  this->Feed(Alive("a", 0, 300), 400);
  UptimeResult u = this->Up("never", 0, 400, 400);
  EXPECT_EQ(u.window_seconds, 400);
  EXPECT_EQ(u.up_seconds, 0);
  auto all = this->history().UptimeAll(kT0, kT0 + 400 * kS, kT0 + 400 * kS);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].first, "never");
  EXPECT_EQ((*all)[1].second.up_seconds, 0);
  EXPECT_EQ((*all)[1].second.window_seconds, 400);
}

TYPED_TEST(HistoryContractTest, RedeliveredAndOutOfOrderHeartbeatsChangeNothing) {
  std::vector<Heartbeat> beats = Alive("a", 0, 300);  // on [0, 300)
  std::vector<Heartbeat> again = Alive("a", 600, 900);  // on [600, 900)
  beats.insert(beats.end(), again.begin(), again.end());
  this->Feed(beats, 1000);
  UptimeResult before = this->Up("a", 0, 1000, 1000);
  EXPECT_EQ(before.up_seconds, 600);
  // The first run's beats again, newest first, after both runs ended; then the second run's.
  std::vector<Heartbeat> old = Alive("a", 0, 300);
  std::reverse(old.begin(), old.end());
  ASSERT_TRUE(testing::Deliver(*this->store_, this->history(), old).ok());
  ASSERT_TRUE(testing::Deliver(*this->store_, this->history(), Alive("a", 600, 900)).ok());
  ASSERT_TRUE(testing::Sweep(*this->store_, this->history(), kT0 + 1000 * kS, kGrace).ok());
  ASSERT_TRUE(this->backend_.Settle().ok());
  UptimeResult after = this->Up("a", 0, 1000, 1000);
  EXPECT_EQ(after.up_seconds, before.up_seconds);
  EXPECT_EQ(this->Up("a", 250, 650, 1000).up_seconds, 50 + 50);
}

}  // namespace
}  // namespace sms::history
