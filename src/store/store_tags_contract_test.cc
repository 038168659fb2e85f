// The Store contract, tags: servers carry a list of tags through create, update, import,
// heartbeats and delete, and the list, its total and the export's scan filter by them (every
// tag given must match). Runs against every implementation in StoreFactories.

#include <functional>

#include "core/query.h"
#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

template <typename Factory>
class StoreTagsContractTest : public StoreTest<Factory> {
 public:
  Server CreateTagged(const std::string& id, std::vector<std::string> tags) {
    ServerInput in = Input(id, "name-" + id);
    in.tags = std::move(tags);
    return this->Create(in, kT0);
  }

  // server_ids of the page of servers carrying every tag of `tags`, and the total.
  std::pair<std::vector<std::string>, int64_t> List(std::vector<std::string> tags,
                                                    std::function<void(ServerQuery&)> edit = {}) {
    ServerQuery q;
    q.tags = std::move(tags);
    if (edit) edit(q);
    Result<ServerPage> page = this->store_->ListServers(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> ids;
    if (!page.ok()) return {ids, -1};
    for (const Server& s : page->items) ids.push_back(s.server_id);
    return {ids, page->total};
  }

  std::vector<std::string> Scan(std::vector<std::string> tags) {
    ServerQuery q;
    q.tags = std::move(tags);
    return ScanIds(*this->store_, q);
  }
};
TYPED_TEST_SUITE(StoreTagsContractTest, StoreFactories, FactoryNames);

TYPED_TEST(StoreTagsContractTest, CreateKeepsTheTagsInTheirOrder) {
  Server created = this->CreateTagged("a", {"prod", "rack:b7", "eu-west-1"});
  EXPECT_THAT(created.tags, ElementsAre("prod", "rack:b7", "eu-west-1"));
  EXPECT_THAT(this->Get("a").tags, ElementsAre("prod", "rack:b7", "eu-west-1"));
  EXPECT_THAT(this->CreateTagged("b", {}).tags, IsEmpty());
  EXPECT_THAT(this->Get("b").tags, IsEmpty());
}

TYPED_TEST(StoreTagsContractTest, EveryTagGivenMustMatch) {
  this->CreateTagged("a", {"prod", "web"});
  this->CreateTagged("b", {"prod", "db"});
  this->CreateTagged("c", {"staging", "web"});
  this->CreateTagged("d", {});
  EXPECT_EQ(this->List({"prod"}), std::make_pair(std::vector<std::string>{"a", "b"}, int64_t{2}));
  EXPECT_EQ(this->List({"web", "prod"}), std::make_pair(std::vector<std::string>{"a"}, int64_t{1}));
  EXPECT_EQ(this->List({"web", "db"}), std::make_pair(std::vector<std::string>{}, int64_t{0}));
  EXPECT_EQ(this->List({"pro"}), std::make_pair(std::vector<std::string>{}, int64_t{0}))
      << "a tag matches whole, not as a substring";
  EXPECT_EQ(this->List({}).second, 4);
  EXPECT_THAT(this->Scan({"web"}), ElementsAre("a", "c"));
}

TYPED_TEST(StoreTagsContractTest, TagFiltersCombineWithTheOthersSortAndPaging) {
  for (int i = 0; i < 6; ++i) {
    this->CreateTagged("s" + std::to_string(i), i % 2 == 0 ? std::vector<std::string>{"even"}
                                                           : std::vector<std::string>{"odd"});
  }
  auto desc = this->List({"even"}, [](ServerQuery& q) {
    q.order = SortOrder::kDesc;
    q.limit = 2;
    q.offset = 1;
  });
  EXPECT_EQ(desc, std::make_pair(std::vector<std::string>{"s2", "s0"}, int64_t{3}));
  auto by_id = this->List({"odd"}, [](ServerQuery& q) { q.server_id = "s3"; });
  EXPECT_EQ(by_id, std::make_pair(std::vector<std::string>{"s3"}, int64_t{1}));
  auto off = this->List({"odd"}, [](ServerQuery& q) { q.status = ServerStatus::kOn; });
  EXPECT_EQ(off.second, 0);
  auto search = this->List({"odd"}, [](ServerQuery& q) { q.q = "name-s5"; });
  EXPECT_EQ(search, std::make_pair(std::vector<std::string>{"s5"}, int64_t{1}));
}

// A tag most servers carry, read a page at a time in either order: the same answer whichever
// way the store reads it (a common tag may be read along the sort order, a rare one gathered).
TYPED_TEST(StoreTagsContractTest, CommonAndRareTagsPageAlike) {
  for (int i = 0; i < 20; ++i) {
    std::vector<std::string> tags = {"common"};
    if (i % 2 == 1) tags.push_back("half");
    if (i == 13) tags.push_back("rare");
    this->CreateTagged("s" + std::string(i < 10 ? "0" : "") + std::to_string(i), tags);
  }
  auto page = [](int offset, SortOrder order) {
    return [=](ServerQuery& q) {
      q.limit = 3;
      q.offset = offset;
      q.order = order;
    };
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(this->List({"common"}, page(0, SortOrder::kAsc)),
            std::make_pair(Ids{"s00", "s01", "s02"}, int64_t{20}));
  EXPECT_EQ(this->List({"half", "common"}, page(2, SortOrder::kDesc)),
            std::make_pair(Ids{"s15", "s13", "s11"}, int64_t{10}));
  EXPECT_EQ(this->List({"half", "rare"}, page(0, SortOrder::kAsc)),
            std::make_pair(Ids{"s13"}, int64_t{1}));
  EXPECT_EQ(this->List({"common"}, page(18, SortOrder::kAsc)),
            std::make_pair(Ids{"s18", "s19"}, int64_t{20}));
  auto on = this->List({"common"}, [](ServerQuery& q) { q.status = ServerStatus::kOff; });
  EXPECT_EQ(on.second, 20);
}

TYPED_TEST(StoreTagsContractTest, UpdateReplacesTheListAndTheFilterFollows) {
  this->CreateTagged("a", {"old", "keep"});
  Result<Server> s =
      this->store_->UpdateServer("a", {.tags = std::vector<std::string>{"keep", "new"}}, kT0 + 5);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_THAT(s->tags, ElementsAre("keep", "new"));
  EXPECT_EQ(s->last_updated, kT0 + 5);
  EXPECT_EQ(this->List({"old"}).second, 0);
  EXPECT_EQ(this->List({"new"}).second, 1);
  EXPECT_EQ(this->List({"keep"}).second, 1);
  // The same list again changes nothing, not even last_updated.
  s = this->store_->UpdateServer("a", {.tags = std::vector<std::string>{"keep", "new"}}, kT0 + 9);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->last_updated, kT0 + 5);
  // A patch without tags leaves them; an empty list clears them.
  s = this->store_->UpdateServer("a", {.hostname = "h"}, kT0 + 10);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->tags, ElementsAre("keep", "new"));
  s = this->store_->UpdateServer("a", {.tags = std::vector<std::string>{}}, kT0 + 11);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(this->Get("a").tags, IsEmpty());
  EXPECT_EQ(this->List({"keep"}).second, 0);
}

TYPED_TEST(StoreTagsContractTest, HeartbeatsKeepTheTagsAndDeleteDropsThem) {
  this->CreateTagged("a", {"prod"});
  this->Apply({Beat("a", kT0 + 1000, "host-a", "10.0.0.9")});
  this->Apply({Beat("a", kT0 + 2000, "host-b", "10.0.0.8")});
  EXPECT_THAT(this->Get("a").tags, ElementsAre("prod"));
  EXPECT_EQ(this->List({"prod"}).second, 1);
  ASSERT_TRUE(this->store_->DeleteServer("a").ok());
  EXPECT_EQ(this->List({"prod"}).second, 0);
  this->CreateTagged("a", {});  // the same server_id again starts without tags
  EXPECT_EQ(this->List({"prod"}).second, 0);
}

TYPED_TEST(StoreTagsContractTest, ImportStoresTheTagsOfEachRow) {
  ServerInput a = Input("a", "alpha", "10.0.0.1");
  a.tags = {"prod", "web"};
  ServerInput b = Input("b", "beta", "10.0.0.2");
  ServerInput taken = Input("a", "again", "10.0.0.3");
  taken.tags = {"lost"};
  Result<ImportResult> r = this->store_->ImportServers({a, b, taken}, kT0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->imported.size(), 2u);
  EXPECT_THAT(r->imported[0].tags, ElementsAre("prod", "web"));
  EXPECT_THAT(this->Get("a").tags, ElementsAre("prod", "web"));
  EXPECT_THAT(this->Get("b").tags, IsEmpty());
  EXPECT_EQ(this->List({"web"}), std::make_pair(std::vector<std::string>{"a"}, int64_t{1}));
  EXPECT_EQ(this->List({"lost"}).second, 0);
}

}  // namespace
}  // namespace sms::store::testing
