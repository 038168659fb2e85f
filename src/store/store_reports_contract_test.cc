// The Store contract, part 4: reports (the claim of a scheduled one) and mail outcomes. Runs
// against every implementation in StoreFactories.

#include <atomic>
#include <thread>

#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

using ::testing::ElementsAre;

template <typename Factory>
class StoreReportsContractTest : public StoreTest<Factory> {};
TYPED_TEST_SUITE(StoreReportsContractTest, StoreFactories, FactoryNames);

ReportRecord Report(const std::string& id, Millis created_at) {
  ReportRecord r;
  r.id = id;
  r.kind = "daily";
  r.first_day = "2026-11-27";
  r.last_day = "2026-11-27";
  r.tz = "Asia/Ho_Chi_Minh";
  r.emails = {"ops@example.com", "Ops Two <ops2@example.com>"};
  r.summary = R"({"total":3})";
  r.created_at = created_at;
  return r;
}

TYPED_TEST(StoreReportsContractTest, AReportReadsBackAsInserted) {
  ASSERT_TRUE(this->store_->InsertReport(Report("daily-2026-11-27", kT0)).ok());
  auto r = this->store_->GetReport("daily-2026-11-27");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, "daily");
  EXPECT_EQ(r->first_day, "2026-11-27");
  EXPECT_EQ(r->tz, "Asia/Ho_Chi_Minh");
  EXPECT_THAT(r->emails, ElementsAre("ops@example.com", "Ops Two <ops2@example.com>"));
  EXPECT_EQ(r->summary, R"({"total":3})");
  EXPECT_EQ(r->created_at, kT0);
  EXPECT_EQ(r->queued_at, 0);
  EXPECT_EQ(this->store_->GetReport("daily-2026-11-26").status().code(), Code::kNotFound);
}

TYPED_TEST(StoreReportsContractTest, AnIdIsClaimedOnceEvenByConcurrentInserts) {
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Status s = this->store_->InsertReport(Report("daily-2026-11-28", kT0 + i));
      if (s.ok()) {
        ++won;
      } else if (s.code() == Code::kConflict && s.field() == "report_id") {
        ++lost;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 3);
}

TYPED_TEST(StoreReportsContractTest, UnqueuedReportsAreTheOnesNeverMarkedQueued) {
  ASSERT_TRUE(this->store_->InsertReport(Report("a", kT0)).ok());
  ASSERT_TRUE(this->store_->InsertReport(Report("b", kT0 + 1000)).ok());
  ASSERT_TRUE(this->store_->InsertReport(Report("c", kT0 + 2000)).ok());
  ASSERT_TRUE(this->store_->MarkReportQueued("a", kT0 + 5000).ok());
  Result<ReportRecord> a = this->store_->GetReport("a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->queued_at, kT0 + 5000);
  EXPECT_EQ(this->store_->MarkReportQueued("zzz", kT0).code(), Code::kNotFound);
  auto pending = this->store_->UnqueuedReports(kT0 + 1500, 10);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 1u);  // c is too recent, a is queued
  EXPECT_EQ((*pending)[0].id, "b");
}

TYPED_TEST(StoreReportsContractTest, UnsentReportsAreQueuedOnesWithoutAnOutcome) {
  for (const char* id : {"a", "b", "c", "d"}) {
    ASSERT_TRUE(this->store_->InsertReport(Report(id, kT0 + (id[0] - 'a') * 1000)).ok());
  }
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(this->store_->MarkReportQueued(id, kT0).ok());
  ASSERT_TRUE(this->store_->PutMailOutcome("b", {"sent", "", 1, kT0}).ok());
  auto unsent = this->store_->UnsentReports(kT0 - 1, 10);  // d was never queued
  ASSERT_TRUE(unsent.ok()) << unsent.status().ToString();
  std::vector<std::string> ids;
  for (const ReportRecord& r : *unsent) ids.push_back(r.id);
  EXPECT_THAT(ids, ElementsAre("a", "c"));
  EXPECT_THAT(*this->store_->UnsentReports(kT0, 10), ::testing::SizeIs(1));  // after a
}

TYPED_TEST(StoreReportsContractTest, AMailOutcomeIsRecordedAndReplaced) {
  auto none = this->store_->GetMailOutcome("job-1");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(this->store_->PutMailOutcome("job-1", {"failed", "550 no such user", 1, kT0}).ok());
  ASSERT_TRUE(this->store_->PutMailOutcome("job-1", {"sent", "", 3, kT0 + 10}).ok());
  auto got = this->store_->GetMailOutcome("job-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->outcome, "sent");
  EXPECT_EQ((*got)->error, "");
  EXPECT_EQ((*got)->attempts, 3);
  EXPECT_EQ((*got)->at, kT0 + 10);
}

}  // namespace
}  // namespace sms::store::testing
