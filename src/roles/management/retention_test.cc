// Retention: one run per period across replicas, what a run deletes and keeps, and how it
// goes on when one backend is down. The heartbeat indices run against the real node named by
// SMS_SEARCH_URL (skipped when unset), each test on its own index prefix.

#include "roles/management/retention.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "history/search_history.h"
#include "history/search_test_util.h"
#include "store/store.h"
#include "support/faulty_store.h"

namespace sms::management {
namespace {

constexpr Millis kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr Millis kMinute = 60'000;
constexpr Millis kDay = 86'400'000;

// A history whose Expire answers `expire` and counts its calls; it keeps nothing else.
class ExpiryStandIn final : public history::History {
 public:
  Status Ping() override { return Status::Ok(); }
  Status Record(const std::vector<Heartbeat>&) override { return Status::Ok(); }
  Result<UptimeResult> Uptime(const Server&, Millis, Millis, Millis) override {
    return UptimeResult{};
  }
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis, Millis,
                                                                      Millis) override {
    return std::vector<std::pair<std::string, UptimeResult>>{};
  }
  Millis Horizon(Millis) const override { return kKeepsEverything; }
  Result<int64_t> Expire(Millis) override {
    ++calls;
    return expire;
  }
  Result<int64_t> expire = int64_t{0};
  std::atomic<int> calls{0};
};

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    path_ = ::testing::TempDir() + "sms_retention_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter++) + ".db";
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->CreateUser({"ops", "$argon2id$ops", "admin", kT0, kT0}).ok());
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  // Another handle on the same database, as another replica has.
  store::StorePtr OpenStore() {
    Result<store::StorePtr> s = store::MakeStore({"sqlite:" + path_});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : nullptr;
  }
  std::unique_ptr<Retention> Replica(store::StorePtr store, history::HistoryPtr history) {
    RetentionOptions o;
    o.policy = {.report_days = 90, .bus_retention_days = 7};
    o.tick = std::chrono::hours(1);  // Start() ticks once at once; tests tick by hand
    return std::make_unique<Retention>(o,
                                       RetentionBackends{store, store, history, clock_, metrics_});
  }
  RetentionRun Tick(Retention& r) {
    Result<RetentionRun> run = r.Tick();
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? *run : RetentionRun{};
  }
  void AddSession(const std::string& jti, Millis expires_at) {
    ASSERT_TRUE(store_->InsertSession({jti, "ops", kT0 - 30 * kDay, expires_at}).ok());
  }
  bool SessionKept(const std::string& jti) {
    auto user = store_->SessionUser(jti, kT0 - 30 * kDay);
    return user.ok() && user->has_value();
  }
  bool Rendered(const std::string& line) {
    return metrics_->Render().find(line + "\n") != std::string::npos;
  }

  std::string path_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kT0);
  std::shared_ptr<metrics::Metrics> metrics_ = std::make_shared<metrics::Metrics>();
  std::shared_ptr<ExpiryStandIn> history_ = std::make_shared<ExpiryStandIn>();
  store::StorePtr store_;
};

TEST_F(RetentionTest, OneReplicaRunsEachPeriodWhateverTheNumberOfReplicas) {
  auto a = Replica(store_, history_);
  auto b = Replica(OpenStore(), history_);
  EXPECT_TRUE(Tick(*a).claimed);  // never run: due at once
  EXPECT_FALSE(Tick(*b).claimed);
  clock_->Advance(59 * kMinute);
  EXPECT_FALSE(Tick(*a).claimed);
  EXPECT_FALSE(Tick(*b).claimed);
  clock_->Advance(kMinute);
  EXPECT_TRUE(Tick(*b).claimed);
  EXPECT_FALSE(Tick(*a).claimed);
  EXPECT_EQ(history_->calls.load(), 2);  // one expiry per run
}

TEST_F(RetentionTest, ARunDeletesWhatIsOldEnoughAndKeepsTheRest) {
  AddSession("expired", kT0 - kMinute);
  AddSession("live", kT0 + kMinute);
  store::ReportRecord report{"rpt-old", "manual",   "2026-10-01", "2026-10-01",
                             "UTC",     {"a@b.io"}, "{}",         kT0 - 91 * kDay};
  ASSERT_TRUE(store_->InsertReport(report).ok());
  report.id = "rpt-recent";
  report.created_at = kT0 - 89 * kDay;
  ASSERT_TRUE(store_->InsertReport(report).ok());
  ASSERT_TRUE(store_->PutMailOutcome("job-old", {"sent", "", 1, kT0 - 9 * kDay}).ok());
  ASSERT_TRUE(store_->PutMailOutcome("job-recent", {"sent", "", 1, kT0 - 2 * kDay}).ok());
  history_->expire = int64_t{3};

  RetentionRun run = Tick(*Replica(store_, history_));
  ASSERT_TRUE(run.claimed);
  EXPECT_EQ(run.indices_deleted, 3);
  EXPECT_EQ(run.pruned.sessions, 1);
  EXPECT_EQ(run.pruned.reports, 1);
  EXPECT_EQ(run.pruned.mail_outcomes, 1);
  EXPECT_FALSE(SessionKept("expired"));
  EXPECT_TRUE(SessionKept("live"));
  EXPECT_EQ(store_->GetReport("rpt-old").status().code(), Code::kNotFound);
  EXPECT_TRUE(store_->GetReport("rpt-recent").ok());
  EXPECT_FALSE(store_->GetMailOutcome("job-old")->has_value());
  EXPECT_TRUE(store_->GetMailOutcome("job-recent")->has_value());
  EXPECT_TRUE(Rendered("sms_retention_indices_deleted_total 3"));
  EXPECT_TRUE(Rendered("sms_retention_rows_pruned_total{table=\"sessions\"} 1"));
  EXPECT_TRUE(Rendered("sms_retention_rows_pruned_total{table=\"reports\"} 1"));
  EXPECT_TRUE(Rendered("sms_retention_rows_pruned_total{table=\"mail_outcomes\"} 1"));
}

TEST_F(RetentionTest, ASearchOutageDoesNotKeepExpiredRows) {
  AddSession("expired", kT0 - kMinute);
  history_->expire = Status::Unavailable("search backend down");
  Result<RetentionRun> run = Replica(store_, history_)->Tick();
  EXPECT_EQ(run.status().code(), Code::kUnavailable);
  EXPECT_FALSE(SessionKept("expired"));
}

TEST_F(RetentionTest, AStoreOutageRunsNothing) {
  auto faulty = std::make_shared<testing::FaultyStore>(store_);
  faulty->SetDown(true);
  Result<RetentionRun> run = Replica(faulty, history_)->Tick();
  EXPECT_EQ(run.status().code(), Code::kUnavailable);
  EXPECT_EQ(history_->calls.load(), 0);
  faulty->SetDown(false);
  EXPECT_TRUE(Tick(*Replica(faulty, history_)).claimed);  // nothing was claimed meanwhile
}

TEST_F(RetentionTest, StartRunsOnceAtOnce) {
  AddSession("expired", kT0 - kMinute);
  auto replica = Replica(store_, history_);
  replica->Start();
  replica->Stop();  // waits for the first tick, which Start runs before any wait
  EXPECT_FALSE(SessionKept("expired"));
  EXPECT_EQ(history_->calls.load(), 1);
}

TEST_F(RetentionTest, ReplicasRacingOverRealIndicesDeleteEachOnceAndNeitherFails) {
  if (history::testing::SearchUrl().empty()) GTEST_SKIP() << history::testing::kNoSearchUrl;
  history::SearchHistoryOptions o;
  o.url = history::testing::SearchUrl();
  o.index_prefix = history::testing::UniquePrefix();
  o.retention_days = 30;
  auto one = *history::SearchHistory::Make(o);
  auto two = *history::SearchHistory::Make(o);
  std::vector<Heartbeat> beats;
  for (int d : {31, 32, 33, 1}) {  // three days past the retention, one within
    Heartbeat hb;
    hb.id = "web-01@" + std::to_string(d);
    hb.server_id = "web-01";
    hb.interval = 30;
    hb.received_at = kT0 - d * kDay;
    beats.push_back(hb);
  }
  ASSERT_TRUE(one->Record(beats).ok());
  auto a = Replica(store_, one);
  auto b = Replica(OpenStore(), two);
  Result<RetentionRun> ra = RetentionRun{}, rb = RetentionRun{};
  std::thread ta([&] { ra = a->Tick(); });
  std::thread tb([&] { rb = b->Tick(); });
  ta.join();
  tb.join();
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(int(ra->claimed) + int(rb->claimed), 1);
  EXPECT_EQ(ra->indices_deleted + rb->indices_deleted, 3);
  EXPECT_TRUE(Rendered("sms_retention_indices_deleted_total 3"));
  auto left =
      one->client().Json("GET", "/_cat/indices/" + o.index_prefix + "-*?format=json&h=index",
                         boost::json::value(), std::chrono::seconds(10));
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  ASSERT_EQ(left->as_array().size(), 1u);
  EXPECT_EQ(left->as_array()[0].at("index").as_string(), o.index_prefix + "-2027.01.14");
  EXPECT_TRUE(history::testing::DropIndices(one->client(), o.index_prefix));
}

}  // namespace
}  // namespace sms::management
