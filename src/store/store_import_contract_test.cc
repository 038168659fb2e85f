// The Store contract, part 3: ImportServers (many servers in one transaction) and ScanServers
// (the export's stream). Runs against every implementation in StoreFactories.

#include <algorithm>
#include <thread>

#include "core/query.h"
#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

template <typename Factory>
class StoreImportContractTest : public StoreTest<Factory> {
 public:
  ImportResult Import(const std::vector<ServerInput>& rows, Millis now) {
    Result<ImportResult> r = this->store_->ImportServers(rows, now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : ImportResult{};
  }

  // server_ids in the order ScanServers hands them over.
  std::vector<std::string> Scan(const ServerQuery& q) { return ScanIds(*this->store_, q); }
};
TYPED_TEST_SUITE(StoreImportContractTest, StoreFactories, FactoryNames);

std::vector<std::string> Ids(const std::vector<Server>& servers) {
  std::vector<std::string> ids;
  for (const Server& s : servers) ids.push_back(s.server_id);
  return ids;
}

std::vector<std::string> Conflicts(const std::vector<ImportConflict>& conflicts) {
  std::vector<std::string> out;
  for (const ImportConflict& c : conflicts) out.push_back(std::to_string(c.index) + ":" + c.field);
  return out;
}

// ---- ImportServers ---------------------------------------------------------------------------

TYPED_TEST(StoreImportContractTest, ImportedServersAreLikeCreatedOnes) {
  ImportResult r = this->Import(
      {Input("web-01", "Web 01", "10.0.0.5", "web-01.local"), Input("db-01", "DB 01", "10.0.0.9")},
      kT0);
  EXPECT_THAT(Ids(r.imported), ElementsAre("web-01", "db-01"));
  EXPECT_THAT(r.conflicts, IsEmpty());
  EXPECT_EQ(r.imported[0].ipv4, "10.0.0.5");
  EXPECT_EQ(r.imported[0].status, ServerStatus::kOff);
  EXPECT_EQ(r.imported[0].created_time, kT0);
  Server s = this->Get("web-01");
  EXPECT_EQ(s.server_name, "Web 01");
  EXPECT_EQ(s.hostname, "web-01.local");
  EXPECT_EQ(s.status, ServerStatus::kOff);
  EXPECT_EQ(s.created_time, kT0);
  EXPECT_EQ(s.last_updated, kT0);
  EXPECT_EQ(s.last_seen, 0);
  EXPECT_THAT(Describe(this->Events("db-01")),
              ElementsAre("off@" + std::to_string(kT0) + "/created"));
  Result<FleetStats> stats = this->store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total, 2);
  EXPECT_EQ(stats->off, 2);
  // The search index knows them too.
  ServerQuery q;
  q.q = "web-01.loc";
  Result<ServerPage> page = this->store_->ListServers(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 1);
  // A heartbeat turns an imported server on, like any other.
  this->Apply({Beat("db-01", kT0 + kSecond)});
  EXPECT_EQ(this->Get("db-01").status, ServerStatus::kOn);
}

TYPED_TEST(StoreImportContractTest, TakenValuesAreReportedAndTheRestInserted) {
  this->Create(Input("a", "alpha"), kT0);
  ImportResult r = this->Import({Input("a", "new name"),   // 0: id stored
                                 Input("b", "alpha"),      // 1: name stored
                                 Input("a", "alpha"),      // 2: both: server_id
                                 Input("c", "gamma"),      // 3: inserted
                                 Input("c", "other"),      // 4: id of row 3
                                 Input("d", "gamma"),      // 5: name of row 3
                                 Input("e", "new name")},  // 6: row 0 was not inserted
                                kT0 + 1);
  EXPECT_THAT(Ids(r.imported), ElementsAre("c", "e"));
  EXPECT_THAT(Conflicts(r.conflicts), ElementsAre("0:server_id", "1:server_name", "2:server_id",
                                                 "4:server_id", "5:server_name"));
  EXPECT_EQ(this->Get("a").server_name, "alpha");
  EXPECT_EQ(this->Get("c").server_name, "gamma");
  EXPECT_EQ(this->Get("e").server_name, "new name");
  EXPECT_EQ(this->store_->GetServer("b").status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->GetServer("d").status().code(), Code::kNotFound);
}

TYPED_TEST(StoreImportContractTest, NamesThatDifferOnlyInCaseAreTaken) {
  this->Create(Input("a", "alpha"), kT0);
  ImportResult r = this->Import({Input("b", "ALPHA"),   // 0: a stored name in another case
                                 Input("c", "Gamma"),   // 1: inserted
                                 Input("d", "GAMMA"),   // 2: row 1's name in another case
                                 Input("e", "delta")},  // 3: inserted
                                kT0 + 1);
  EXPECT_THAT(Ids(r.imported), ElementsAre("c", "e"));
  EXPECT_THAT(Conflicts(r.conflicts), ElementsAre("0:server_name", "2:server_name"));
  EXPECT_EQ(this->Get("c").server_name, "Gamma");
  EXPECT_EQ(this->store_->GetServer("b").status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->GetServer("d").status().code(), Code::kNotFound);
}

TYPED_TEST(StoreImportContractTest, AnEmptyImportChangesNothing) {
  ImportResult r = this->Import({}, kT0);
  EXPECT_THAT(r.imported, IsEmpty());
  EXPECT_THAT(r.conflicts, IsEmpty());
  EXPECT_EQ(this->Stats().total, 0);
}

TYPED_TEST(StoreImportContractTest, ALargeImportIsOneTransaction) {
  std::vector<ServerInput> rows;
  for (int i = 0; i < 25'000; ++i) {  // more than one PostgreSQL chunk
    rows.push_back(Input("bulk-" + std::to_string(i), "Bulk " + std::to_string(i),
                         "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250)));
  }
  rows.push_back(Input("bulk-7", "duplicate"));
  ImportResult r = this->Import(rows, kT0);
  EXPECT_EQ(r.imported.size(), 25'000u);
  EXPECT_THAT(Conflicts(r.conflicts), ElementsAre("25000:server_id"));
  EXPECT_EQ(this->Stats().total, 25'000);
  EXPECT_EQ(this->Get("bulk-24999").ipv4, "10.1.99.249");
}

TYPED_TEST(StoreImportContractTest, ConcurrentImportsOfTheSameRowsInsertEachOnce) {
  std::vector<ServerInput> rows;
  for (int i = 0; i < 500; ++i)
    rows.push_back(Input("s" + std::to_string(i), "n" + std::to_string(i)));
  StorePtr other = this->factory_.Another();
  ASSERT_NE(other, nullptr);
  Result<ImportResult> a = Status::Internal("not run");
  Result<ImportResult> b = Status::Internal("not run");
  std::thread t([&] { b = other->ImportServers(rows, kT0); });
  a = this->store_->ImportServers(rows, kT0);
  t.join();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->imported.size() + b->imported.size(), 500u);
  EXPECT_EQ(a->conflicts.size() + b->conflicts.size(), 500u);
  EXPECT_EQ(this->Stats().total, 500);
}

// ---- ScanServers -----------------------------------------------------------------------------

TYPED_TEST(StoreImportContractTest, ScanFollowsTheListsFiltersAndSortWithoutPaging) {
  this->Create(Input("srv-c", "Gamma", "10.0.0.10", "zeta.example"), kT0 + 3);
  this->Create(Input("srv-a", "alpha", "10.0.0.9", "eta.example"), kT0 + 1);
  this->Create(Input("srv-b", "Beta", "", "theta.example"), kT0 + 2);
  this->Create(Input("web-1", "Web", "192.168.1.1", "web.example"), kT0 + 4);
  this->Apply({Beat("srv-b", kT0 + 10 * kSecond)});

  ServerQuery all;
  all.limit = 1;  // ignored: a scan has no pages
  all.offset = 2;
  EXPECT_THAT(this->Scan(all), ElementsAre("srv-a", "srv-b", "srv-c", "web-1"));
  ServerQuery by_ip;
  by_ip.sort = "ipv4";
  by_ip.order = SortOrder::kDesc;
  EXPECT_THAT(this->Scan(by_ip), ElementsAre("web-1", "srv-c", "srv-a", "srv-b"));
  ServerQuery by_seen;
  by_seen.sort = "last_seen";
  by_seen.order = SortOrder::kDesc;
  // Ties (never seen) break on creation order, reversed with the order.
  EXPECT_THAT(this->Scan(by_seen), ElementsAre("srv-b", "web-1", "srv-a", "srv-c"));
  ServerQuery search;
  search.q = "ETA.ex";  // eta, theta, zeta: ASCII case-insensitive
  search.sort = "created_time";
  EXPECT_THAT(this->Scan(search), ElementsAre("srv-a", "srv-b", "srv-c"));
  ServerQuery on;
  on.status = ServerStatus::kOn;
  EXPECT_THAT(this->Scan(on), ElementsAre("srv-b"));
  ServerQuery named;
  named.server_name = "a";
  named.sort = "server_name";
  EXPECT_THAT(this->Scan(named), ElementsAre("srv-b", "srv-c", "srv-a"));
  ServerQuery none;
  none.server_id = "nope";
  EXPECT_THAT(this->Scan(none), IsEmpty());
}

TYPED_TEST(StoreImportContractTest, ScanHandsOverWholeServersAndStopsWhenAsked) {
  std::vector<ServerInput> rows;
  for (int i = 0; i < 5000; ++i) {  // more than one PostgreSQL fetch
    rows.push_back(Input("n" + std::to_string(100000 + i), "N" + std::to_string(i), "10.0.0.1"));
  }
  this->Import(rows, kT0);
  int seen = 0;
  std::string last;
  bool ordered = true;
  Status st = this->store_->ScanServers(ServerQuery{}, [&](const Server& s) {
    ordered = ordered && s.server_id > last;
    last = s.server_id;
    EXPECT_EQ(s.ipv4, "10.0.0.1");
    EXPECT_EQ(s.created_time, kT0);
    return ++seen == 4321 ? Status::ResourceExhausted("enough") : Status::Ok();
  });
  EXPECT_EQ(st.code(), Code::kResourceExhausted);
  EXPECT_EQ(seen, 4321);
  EXPECT_TRUE(ordered);
  EXPECT_EQ(this->Scan(ServerQuery{}).size(), 5000u);  // the store is usable afterwards
}

TYPED_TEST(StoreImportContractTest, ScanRejectsAnUnknownSort) {
  ServerQuery q;
  q.sort = "password";
  Status st = this->store_->ScanServers(q, [](const Server&) { return Status::Ok(); });
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.field(), "sort");
}

}  // namespace
}  // namespace sms::store::testing
