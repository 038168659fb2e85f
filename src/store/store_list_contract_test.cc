// The Store contract, keyset paging of ListServers: a page's next and prev cursors walk the
// whole list both ways for every sort, stay stable while servers come and go, and a cursor
// that does not belong to the query is refused.
// Runs against every implementation in StoreFactories (store_test_util.h).

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/query.h"
#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

template <typename Factory>
class StoreListContractTest : public StoreTest<Factory> {
 public:
  ServerPage List(const ServerQuery& q) {
    Result<ServerPage> page = this->store_->ListServers(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : ServerPage{.total = -1};
  }
};
TYPED_TEST_SUITE(StoreListContractTest, StoreFactories, FactoryNames);

std::vector<std::string> Ids(const std::vector<Server>& servers) {
  std::vector<std::string> ids;
  for (const Server& s : servers) ids.push_back(s.server_id);
  return ids;
}

ServerQuery Sorted(const std::string& sort, SortOrder order, int limit) {
  ServerQuery q;
  q.sort = sort;
  q.order = order;
  q.limit = limit;
  return q;
}

std::string Describe(const ServerQuery& q) {
  return "sort=" + q.sort + " order=" + (q.order == SortOrder::kAsc ? "asc" : "desc");
}

// 23 servers with ties on every sortable column: ids out of creation order, shared and empty
// addresses and hostnames, created four to a millisecond, half of them seen (two at a time).
template <typename T>
void MakeTiedFleet(T* t) {
  for (int i = 0; i < 23; ++i) {
    int n = (i * 7) % 23;  // server_id order differs from creation order
    std::string id = "k" + std::string(n < 10 ? "0" : "") + std::to_string(n);
    std::string ipv4 = i % 4 == 0 ? "" : "10.0." + std::to_string(i % 3) + ".9";
    std::string hostname = i % 7 == 0 ? "" : "h" + std::to_string(i % 5);
    t->Create(Input(id, "name-" + std::to_string(100 - i), ipv4, hostname), kT0 + i / 4);
  }
  std::vector<Heartbeat> beats;
  for (int n = 0; n < 23; n += 2) {
    beats.push_back(
        Beat("k" + std::string(n < 10 ? "0" : "") + std::to_string(n), kT0 + 100 + n / 4));
  }
  t->Apply(beats);
}

TYPED_TEST(StoreListContractTest, NextAndPrevWalkEverySortBothWays) {
  MakeTiedFleet(this);
  for (const std::string& field : SortableFields()) {
    for (SortOrder order : {SortOrder::kAsc, SortOrder::kDesc}) {
      std::vector<std::string> all = Ids(this->List(Sorted(field, order, kMaxPageLimit)).items);
      ASSERT_EQ(all.size(), 23u);
      ServerQuery q = Sorted(field, order, 4);
      ServerPage page = this->List(q);
      EXPECT_EQ(page.prev, "") << Describe(q) << ": the first page has no prev";
      std::vector<std::string> forward = Ids(page.items);
      for (int guard = 0; !page.next.empty() && guard < 30; ++guard) {
        q.cursor = page.next;
        page = this->List(q);
        EXPECT_EQ(page.total, 23);
        EXPECT_NE(page.prev, "") << Describe(q);
        for (const Server& s : page.items) forward.push_back(s.server_id);
      }
      EXPECT_EQ(forward, all) << Describe(q) << " forward";
      // Back from the last page to the first.
      std::vector<std::string> backward = Ids(page.items);
      for (int guard = 0; !page.prev.empty() && guard < 30; ++guard) {
        q.cursor = page.prev;
        page = this->List(q);
        EXPECT_NE(page.next, "") << Describe(q);
        std::vector<std::string> ids = Ids(page.items);
        backward.insert(backward.begin(), ids.begin(), ids.end());
      }
      EXPECT_EQ(backward, all) << Describe(q) << " backward";
    }
  }
}

TYPED_TEST(StoreListContractTest, AFullLastPageHasNoNext) {
  for (int i = 0; i < 6; ++i)
    this->Create(Input("s" + std::to_string(i), "n" + std::to_string(i)), kT0);
  ServerPage first = this->List(Sorted("server_id", SortOrder::kAsc, 3));
  ASSERT_NE(first.next, "");
  ServerQuery q = Sorted("server_id", SortOrder::kAsc, 3);
  q.cursor = first.next;
  ServerPage last = this->List(q);
  EXPECT_EQ(Ids(last.items), (std::vector<std::string>{"s3", "s4", "s5"}));
  EXPECT_EQ(last.next, "");
  EXPECT_NE(last.prev, "");
  ServerPage everything = this->List(Sorted("server_id", SortOrder::kAsc, 6));
  EXPECT_EQ(everything.next, "");
  EXPECT_EQ(everything.prev, "");
}

TYPED_TEST(StoreListContractTest, AWalkSeesEveryServerThatStaysExactlyOnce) {
  std::set<std::string> stays;
  for (int i = 10; i < 40; ++i) {
    std::string id = "s" + std::to_string(i);
    this->Create(Input(id, "name-" + std::to_string(i), "", i % 2 ? "odd" : "even"), kT0);
    stays.insert(id);
  }
  for (const std::string& sort : {std::string("server_name"), std::string("hostname")}) {
    ServerQuery q = Sorted(sort, SortOrder::kAsc, 4);
    ServerPage page = this->List(q);
    std::vector<std::string> seen = Ids(page.items);
    for (int step = 0; !page.next.empty() && step < 40; ++step) {
      if (step < 3) {
        // Before and after the position: new servers, and one already seen and one ahead gone;
        // and the very row the cursor points at.
        for (const char* where : {"a", "z"}) {
          std::string id = std::string("new-") + where + sort + std::to_string(step);
          this->Create(Input(id, std::string(where) + "-" + id, "", where), kT0 + 1);
        }
        std::vector<std::string> doomed = {seen.front(), "s" + std::to_string(39 - step),
                                           page.items.back().server_id};
        for (const std::string& id : doomed) {
          if (this->store_->DeleteServer(id).ok()) stays.erase(id);
        }
      }
      q.cursor = page.next;
      page = this->List(q);
      for (const Server& s : page.items) seen.push_back(s.server_id);
    }
    std::map<std::string, int> times;
    for (const std::string& id : seen) ++times[id];
    for (const std::string& id : stays) EXPECT_EQ(times[id], 1) << sort << ": " << id;
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << sort << ": " << id << " repeated";
  }
}

TYPED_TEST(StoreListContractTest, ACursorOfAnotherQueryIsRefusedOnTheCursorField) {
  MakeTiedFleet(this);
  ServerQuery q = Sorted("hostname", SortOrder::kAsc, 5);
  q.status = ServerStatus::kOn;
  std::string next = this->List(q).next;
  ASSERT_NE(next, "");
  std::vector<std::pair<std::string, std::function<void(ServerQuery&)>>> misuses = {
      {"another sort", [](ServerQuery& c) { c.sort = "server_name"; }},
      {"another order", [](ServerQuery& c) { c.order = SortOrder::kDesc; }},
      {"another filter", [](ServerQuery& c) { c.status = ServerStatus::kOff; }},
      {"no filter", [](ServerQuery& c) { c.status.reset(); }},
      {"a tag filter", [](ServerQuery& c) { c.tags = {"web"}; }},
      {"an offset", [](ServerQuery& c) { c.offset = 5; }},
      {"cut short", [](ServerQuery& c) { c.cursor.pop_back(); }},
      {"not base64url", [](ServerQuery& c) { c.cursor = "a+b/c="; }},
      {"not JSON", [](ServerQuery& c) { c.cursor = "bm90IGpzb24"; }},
      {"JSON of nothing", [](ServerQuery& c) { c.cursor = "e30"; }},
      {"too long", [](ServerQuery& c) { c.cursor.append(kMaxCursorLength, 'A'); }},
  };
  for (const auto& [what, edit] : misuses) {
    ServerQuery misuse = q;
    misuse.cursor = next;
    edit(misuse);
    Result<ServerPage> page = this->store_->ListServers(misuse);
    ASSERT_FALSE(page.ok()) << what;
    EXPECT_EQ(page.status().code(), Code::kInvalidArgument) << what;
    EXPECT_EQ(page.status().field(), "cursor") << what;
  }
  q.cursor = next;
  q.limit = 2;  // the page size may change along a walk
  EXPECT_EQ(this->List(q).items.size(), 2u);
}

TYPED_TEST(StoreListContractTest, AnOffsetPageLinksToItsNeighbours) {
  for (int i = 0; i < 9; ++i)
    this->Create(Input("s" + std::to_string(i), "n" + std::to_string(i)), kT0);
  ServerQuery q = Sorted("server_id", SortOrder::kAsc, 3);
  q.offset = 3;
  ServerPage middle = this->List(q);
  ASSERT_EQ(Ids(middle.items), (std::vector<std::string>{"s3", "s4", "s5"}));
  q.offset = 0;
  q.cursor = middle.prev;
  EXPECT_EQ(Ids(this->List(q).items), (std::vector<std::string>{"s0", "s1", "s2"}));
  q.cursor = middle.next;
  EXPECT_EQ(Ids(this->List(q).items), (std::vector<std::string>{"s6", "s7", "s8"}));
}

}  // namespace
}  // namespace sms::store::testing
