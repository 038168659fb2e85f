// SearchHistory's retention against a real OpenSearch/Elasticsearch node named by
// SMS_SEARCH_URL (skipped when unset): which daily indices Expire() deletes, replicas expiring
// at once, and a window whose indices are gone answered from SQL by TieredHistory. Each test
// uses its own index prefixes and drops them afterwards.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "history/history_test_util.h"
#include "history/search_history.h"
#include "history/search_test_util.h"
#include "history/sql_history.h"
#include "history/tiered_history.h"
#include "store/store.h"

namespace sms::history {
namespace {

namespace json = boost::json;

constexpr Millis kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr Millis kS = 1000;
constexpr Millis kDay = 86'400'000;
constexpr std::chrono::seconds kTimeout{30};

using testing::Beat;

class SearchRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::SearchUrl().empty()) GTEST_SKIP() << testing::kNoSearchUrl;
    prefix_ = testing::UniquePrefix();
    search_ = Make();
    ASSERT_NE(search_, nullptr);
  }
  void TearDown() override {
    if (search_ == nullptr) return;
    EXPECT_TRUE(testing::DropIndices(search_->client(), prefix_));
    for (const std::string& index : foreign_) Call("DELETE", "/" + index);
  }

  // A SearchHistory on this test's prefix keeping 30 days, as a replica would have it.
  std::shared_ptr<SearchHistory> Make(store::StorePtr store = nullptr) {
    SearchHistoryOptions o;
    o.url = testing::SearchUrl();
    o.index_prefix = prefix_;
    o.retention_days = 30;
    auto made = SearchHistory::Make(o, std::move(store));
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? *made : nullptr;
  }
  void Call(const std::string& method, const std::string& path) {
    auto r = search_->client().Json(method, path, json::value(), kTimeout);
    EXPECT_TRUE(r.ok()) << method << " " << path << ": " << r.status().ToString();
  }
  // Heartbeats received at each of `times`, so that their daily indices exist.
  void RecordAt(const std::vector<Millis>& times) {
    std::vector<Heartbeat> beats;
    for (Millis t : times) beats.push_back(Beat("web-01", t));
    Status s = search_->Record(beats);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // The indices named `pattern`, sorted.
  std::vector<std::string> Indices(const std::string& pattern) {
    auto listed = search_->client().Json("GET", "/_cat/indices/" + pattern + "?format=json&h=index",
                                         json::value(), kTimeout);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> names;
    if (listed.ok() && listed->is_array()) {
      for (const json::value& row : listed->as_array()) {
        names.emplace_back(row.at("index").as_string());
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string prefix_;
  std::vector<std::string> foreign_;  // indices of other prefixes this test made
  std::shared_ptr<SearchHistory> search_;
};

TEST_F(SearchRetentionTest, OldDailyIndicesGoRecentAndForeignOnesStay) {
  // As of kT0 with 30 days kept, the cutoff is 2026-12-16T08:00Z: the days up to 2026-12-15
  // ended before it; 2026-12-16 did not.
  RecordAt({kT0 - 40 * kDay, kT0 - 31 * kDay, kT0 - 30 * kDay, kT0 - kDay, kT0});
  foreign_ = {testing::UniquePrefix() + "-2026.12.01"};  // another installation's
  for (const std::string& name : {prefix_ + "-eu-2026.12.01", prefix_ + "-2026.12.01-restored",
                                  prefix_ + "-2026.02.30", foreign_[0]}) {
    Call("PUT", "/" + name);
  }
  Result<int64_t> deleted = search_->Expire(kT0);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 2);
  EXPECT_EQ(Indices(prefix_ + "-*"),
            (std::vector<std::string>{prefix_ + "-2026.02.30", prefix_ + "-2026.12.01-restored",
                                      prefix_ + "-2026.12.16", prefix_ + "-2027.01.14",
                                      prefix_ + "-2027.01.15", prefix_ + "-eu-2026.12.01"}));
  EXPECT_EQ(Indices(foreign_[0]), std::vector<std::string>{foreign_[0]});
  EXPECT_EQ(search_->Expire(kT0).value(), 0);  // nothing left to do
  // A day later, 2026-12-16 has ended 30 days ago too.
  EXPECT_EQ(search_->Expire(kT0 + kDay).value(), 1);
}

TEST_F(SearchRetentionTest, ReplicasExpiringAtOnceDeleteEachIndexOnceAndNeitherFails) {
  std::vector<Millis> old_days;
  for (int d = 31; d < 37; ++d) old_days.push_back(kT0 - d * kDay);
  RecordAt(old_days);
  std::shared_ptr<SearchHistory> other = Make();
  ASSERT_NE(other, nullptr);
  Result<int64_t> a = int64_t{0}, b = int64_t{0};
  std::thread one([&] { a = search_->Expire(kT0); });
  std::thread two([&] { b = other->Expire(kT0); });
  one.join();
  two.join();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*a + *b, 6);
  EXPECT_TRUE(Indices(prefix_ + "-*").empty());
}

TEST_F(SearchRetentionTest, AWindowWhoseIndicesAreGoneIsAnsweredFromSqlWithTheSameNumbers) {
  store::StorePtr store = *store::MakeStore({"sqlite::memory:"});
  search_ = Make(store);
  TieredHistory tiered(search_, std::make_shared<SqlHistory>(store));
  // On [0, 600 s) and [900, 1200 s) after kT0, fed as the worker does: SQL and documents.
  std::vector<Heartbeat> beats;
  for (Millis t = 0; t < 1200; t += 30) {
    if (t < 600 || t >= 900) beats.push_back(Beat("web-01", kT0 + t * kS));
  }
  size_t next = 0;
  for (Millis now = kT0; now <= kT0 + 1300 * kS; now += kS) {
    std::vector<Heartbeat> due;
    while (next < beats.size() && beats[next].received_at <= now) due.push_back(beats[next++]);
    if (!due.empty()) {
      ASSERT_TRUE(testing::Deliver(*store, tiered, due).ok());
    }
    ASSERT_TRUE(testing::Sweep(*store, tiered, now, 30 * kS).ok());
  }
  ASSERT_TRUE(search_->Refresh().ok());
  Server server = *store->GetServer("web-01");
  Millis from = kT0 + 300 * kS, to = kT0 + 1500 * kS;

  Result<UptimeResult> fresh = tiered.Uptime(server, from, to, kT0 + 2000 * kS);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(fresh->source, UptimeSource::kSearch);
  EXPECT_EQ(fresh->up_seconds, 600);
  EXPECT_EQ(fresh->window_seconds, 1200);

  Millis later = kT0 + 40 * kDay;
  EXPECT_EQ(tiered.Expire(later).value(), 1);  // <prefix>-2027.01.15
  ASSERT_TRUE(search_->Refresh().ok());
  // The heartbeat documents are gone; the on-runs (one document per run) stay.
  EXPECT_TRUE(Indices(prefix_ + "-*").empty());
  EXPECT_EQ(search_->Uptime(server, from, to, later)->up_seconds, 600);
  Result<UptimeResult> old = tiered.Uptime(server, from, to, later);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->source, UptimeSource::kSql);
  EXPECT_EQ(old->up_seconds, fresh->up_seconds);
  EXPECT_EQ(old->window_seconds, fresh->window_seconds);
  auto all = tiered.UptimeAll(from, to, later);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].second.source, UptimeSource::kSql);
  EXPECT_EQ((*all)[0].second.up_seconds, 600);
}

}  // namespace
}  // namespace sms::history
