// The MaintenanceStore contract: maintenance windows kept as given, listed by the interval
// they may cover, replaced and deleted. Runs against every implementation in StoreFactories.

#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

using ::testing::ElementsAre;

template <typename Factory>
class MaintenanceContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if constexpr (requires { Factory::SkipReason(); }) {
      if (!Factory::SkipReason().empty()) GTEST_SKIP() << Factory::SkipReason();
    }
    stores_ = factory_.MakeStores();
    ASSERT_NE(stores_.maintenance, nullptr);
  }

  std::vector<std::string> Ids(Millis from, Millis to) {
    Result<std::vector<MaintenanceWindow>> all = stores_.maintenance->ListMaintenance(from, to);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::vector<std::string> ids;
    if (all.ok()) {
      for (const MaintenanceWindow& w : *all) ids.push_back(w.id);
    }
    return ids;
  }

  Factory factory_;
  Stores stores_;
};
TYPED_TEST_SUITE(MaintenanceContractTest, StoreFactories, FactoryNames);

MaintenanceWindow OneOff(const std::string& id, Millis start, Millis end, Millis created) {
  MaintenanceWindow w;
  w.id = id;
  w.name = "window " + id;
  w.start = start;
  w.end = end;
  w.created_at = w.updated_at = created;
  return w;
}

MaintenanceWindow Weekly(const std::string& id, Millis created) {
  MaintenanceWindow w;
  w.id = id;
  w.name = "weekly " + id;
  w.weekly = WeeklyRecurrence{0b1000001, 23 * 60 + 30, 120};
  w.tags = {"prod", "rack:b7"};
  w.server_ids = {"web-01", "db:02"};
  w.created_at = w.updated_at = created;
  return w;
}

TYPED_TEST(MaintenanceContractTest, InsertedWindowsComeBackAsGiven) {
  MaintenanceStore& m = *this->stores_.maintenance;
  MaintenanceWindow one = OneOff("mw-1", kT0 + 100, kT0 + 200, kT0);
  one.tags = {"prod"};
  MaintenanceWindow weekly = Weekly("mw-2", kT0 + 1);
  ASSERT_TRUE(m.InsertMaintenance(one).ok());
  ASSERT_TRUE(m.InsertMaintenance(weekly).ok());
  Result<MaintenanceWindow> got = m.GetMaintenance("mw-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, one);
  got = m.GetMaintenance("mw-2");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, weekly);
  Status again = m.InsertMaintenance(one);
  EXPECT_EQ(again.code(), Code::kConflict);
  EXPECT_EQ(again.field(), "id");
  EXPECT_EQ(m.GetMaintenance("mw-none").status().code(), Code::kNotFound);
}

TYPED_TEST(MaintenanceContractTest, ListGivesWeeklyWindowsAndTheOneOffsThatOverlap) {
  MaintenanceStore& m = *this->stores_.maintenance;
  ASSERT_TRUE(m.InsertMaintenance(OneOff("mw-a", kT0 + 100, kT0 + 200, kT0 + 3)).ok());
  ASSERT_TRUE(m.InsertMaintenance(Weekly("mw-b", kT0 + 2)).ok());
  ASSERT_TRUE(m.InsertMaintenance(OneOff("mw-c", kT0 + 300, kT0 + 400, kT0 + 1)).ok());
  EXPECT_THAT(this->Ids(0, MaintenanceStore::kForever), ElementsAre("mw-c", "mw-b", "mw-a"));
  EXPECT_THAT(this->Ids(kT0 + 150, kT0 + 151), ElementsAre("mw-b", "mw-a"));
  EXPECT_THAT(this->Ids(kT0 + 200, kT0 + 300), ElementsAre("mw-b"));  // half-open spans
  EXPECT_THAT(this->Ids(kT0 + 199, kT0 + 301), ElementsAre("mw-c", "mw-b", "mw-a"));
}

TYPED_TEST(MaintenanceContractTest, ReplaceAndDelete) {
  MaintenanceStore& m = *this->stores_.maintenance;
  ASSERT_TRUE(m.InsertMaintenance(OneOff("mw-1", kT0 + 100, kT0 + 200, kT0)).ok());
  MaintenanceWindow changed = Weekly("mw-1", kT0 + 999);  // created_at is not replaced
  changed.updated_at = kT0 + 50;
  ASSERT_TRUE(m.ReplaceMaintenance(changed).ok());
  Result<MaintenanceWindow> got = m.GetMaintenance("mw-1");
  ASSERT_TRUE(got.ok());
  changed.created_at = kT0;
  EXPECT_EQ(*got, changed);
  EXPECT_EQ(m.ReplaceMaintenance(Weekly("mw-none", kT0)).code(), Code::kNotFound);
  ASSERT_TRUE(m.DeleteMaintenance("mw-1").ok());
  EXPECT_EQ(m.GetMaintenance("mw-1").status().code(), Code::kNotFound);
  EXPECT_EQ(m.DeleteMaintenance("mw-1").code(), Code::kNotFound);
  EXPECT_TRUE(this->Ids(0, MaintenanceStore::kForever).empty());
}

TYPED_TEST(MaintenanceContractTest, TheStoreAndItsMaintenanceShareOneDatabase) {
  ASSERT_TRUE(this->stores_.store->CreateServer(Input("a", "A"), kT0).ok());
  ASSERT_TRUE(this->stores_.maintenance->InsertMaintenance(Weekly("mw-1", kT0)).ok());
  EXPECT_EQ(this->stores_.store->Stats()->total, 1);
  EXPECT_EQ(this->Ids(0, MaintenanceStore::kForever).size(), 1u);
}

}  // namespace
}  // namespace sms::store::testing
