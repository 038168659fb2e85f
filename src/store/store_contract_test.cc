// The Store contract, part 1: inventory CRUD, listing, events, stats, timelines.
// Runs against every implementation in StoreFactories (store_test_util.h).

#include <algorithm>
#include <functional>
#include <map>

#include "core/query.h"
#include "store/server_rules.h"
#include "store/store_test_util.h"
#include "support/assert_ok.h"

namespace sms::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

template <typename Factory>
class StoreContractTest : public StoreTest<Factory> {};
TYPED_TEST_SUITE(StoreContractTest, StoreFactories, FactoryNames);

std::vector<std::string> Ids(const ServerPage& page) {
  std::vector<std::string> ids;
  for (const Server& s : page.items) ids.push_back(s.server_id);
  return ids;
}

ServerQuery Query(std::function<void(ServerQuery&)> edit = nullptr) {
  ServerQuery q;
  q.limit = kMaxPageLimit;
  if (edit) edit(q);
  return q;
}

// ---- CRUD ------------------------------------------------------------------------------------

TYPED_TEST(StoreContractTest, CreateThenGetReturnsAnOffNeverSeenServer) {
  Server created = this->Create(Input("web-01", "Web 01", "10.0.0.5", "web-01.local"), kT0);
  Server s = this->Get("web-01");
  EXPECT_EQ(s.server_id, "web-01");
  EXPECT_EQ(s.server_name, "Web 01");
  EXPECT_EQ(s.ipv4, "10.0.0.5");
  EXPECT_EQ(s.hostname, "web-01.local");
  EXPECT_EQ(s.status, ServerStatus::kOff);
  EXPECT_EQ(s.created_time, kT0);
  EXPECT_EQ(s.last_updated, kT0);
  EXPECT_EQ(s.last_seen, 0);
  EXPECT_EQ(created.server_name, s.server_name);
  EXPECT_THAT(Describe(this->Events("web-01")),
              ElementsAre("off@" + std::to_string(kT0) + "/created"));
}

TYPED_TEST(StoreContractTest, CreateConflictsNameTheTakenField) {
  this->Create(Input("a", "alpha"), kT0);
  Result<Server> same_id = this->store_->CreateServer(Input("a", "other"), kT0);
  ASSERT_FALSE(same_id.ok());
  EXPECT_EQ(same_id.status().code(), Code::kConflict);
  EXPECT_EQ(same_id.status().field(), "server_id");
  Result<Server> same_name = this->store_->CreateServer(Input("b", "alpha"), kT0);
  ASSERT_FALSE(same_name.ok());
  EXPECT_EQ(same_name.status().code(), Code::kConflict);
  EXPECT_EQ(same_name.status().field(), "server_name");
  EXPECT_EQ(this->store_->GetServer("b").status().code(), Code::kNotFound);
}

TYPED_TEST(StoreContractTest, MissingServersAreNotFound) {
  EXPECT_EQ(this->store_->GetServer("nope").status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->UpdateServer("nope", {.server_name = "x"}, kT0).status().code(),
            Code::kNotFound);
  EXPECT_EQ(this->store_->DeleteServer("nope").code(), Code::kNotFound);
  EXPECT_EQ(this->store_->ListEvents("nope", 0, kT0).status().code(), Code::kNotFound);
}

TYPED_TEST(StoreContractTest, UpdateAppliesOnlyThePresentFields) {
  this->Create(Input("a", "alpha", "10.0.0.1", "host-a"), kT0);
  Result<Server> s = this->store_->UpdateServer("a", {.ipv4 = "10.0.0.2"}, kT0 + 5);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->ipv4, "10.0.0.2");
  EXPECT_EQ(s->server_name, "alpha");
  EXPECT_EQ(s->hostname, "host-a");
  EXPECT_EQ(s->last_updated, kT0 + 5);
  Server stored = this->Get("a");
  EXPECT_EQ(stored.ipv4, "10.0.0.2");
  EXPECT_EQ(stored.last_updated, kT0 + 5);
  // A patch that changes nothing leaves last_updated alone.
  ASSERT_TRUE(this->store_->UpdateServer("a", {.server_name = "alpha"}, kT0 + 9).ok());
  EXPECT_EQ(this->Get("a").last_updated, kT0 + 5);
}

TYPED_TEST(StoreContractTest, UpdateToATakenNameConflictsOnServerName) {
  this->Create(Input("a", "alpha"), kT0);
  this->Create(Input("b", "beta"), kT0);
  Result<Server> s = this->store_->UpdateServer("b", {.server_name = "alpha"}, kT0 + 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kConflict);
  EXPECT_EQ(s.status().field(), "server_name");
  EXPECT_EQ(this->Get("b").server_name, "beta");
  EXPECT_TRUE(this->store_->UpdateServer("b", {.server_name = "gamma"}, kT0 + 1).ok());
  EXPECT_TRUE(this->store_->CreateServer(Input("c", "beta"), kT0 + 2).ok());  // freed
}

// Host names are case-insensitive (DNS), and so are server names: unique by NameKey
// (core/validation.h), kept as written.
TYPED_TEST(StoreContractTest, NamesThatDifferOnlyInCaseAreTaken) {
  this->Create(Input("a", "SRV-02"), kT0);
  this->Create(Input("c", "CAF\xC3\x89"), kT0);
  for (const char* name : {"srv-02", "Srv-02", "SRV-02", "caf\xC3\xA9", "Caf\xC3\xA9"}) {
    Result<Server> s = this->store_->CreateServer(Input("b", name), kT0);
    ASSERT_FALSE(s.ok()) << name;
    EXPECT_EQ(s.status().code(), Code::kConflict) << name;
    EXPECT_EQ(s.status().field(), "server_name") << name;
    EXPECT_EQ(s.status().message(), ServerNameTaken(name).message());
  }
  EXPECT_EQ(this->store_->GetServer("b").status().code(), Code::kNotFound);
  EXPECT_EQ(this->Get("a").server_name, "SRV-02");
  EXPECT_TRUE(this->store_->CreateServer(Input("b", "srv-03"), kT0).ok());
}

TYPED_TEST(StoreContractTest, RenamingToANameThatDiffersOnlyInCaseConflicts) {
  this->Create(Input("a", "alpha"), kT0);
  this->Create(Input("b", "beta"), kT0);
  Result<Server> s = this->store_->UpdateServer("b", {.server_name = "ALPHA"}, kT0 + 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kConflict);
  EXPECT_EQ(s.status().field(), "server_name");
  EXPECT_EQ(this->Get("b").server_name, "beta");
  // A server may change the case of its own name; the other case stays taken.
  ASSERT_OK_AND_ASSIGN(Server a,
                       this->store_->UpdateServer("a", {.server_name = "Alpha"}, kT0 + 2));
  EXPECT_EQ(a.server_name, "Alpha");
  EXPECT_EQ(this->store_->CreateServer(Input("c", "alpha"), kT0).status().code(), Code::kConflict);
  // A rename frees the old name in every case.
  ASSERT_TRUE(this->store_->UpdateServer("b", {.server_name = "gamma"}, kT0 + 3).ok());
  EXPECT_TRUE(this->store_->CreateServer(Input("c", "BETA"), kT0 + 4).ok());
  EXPECT_EQ(this->store_->CreateServer(Input("d", "Gamma"), kT0).status().code(), Code::kConflict);
}

TYPED_TEST(StoreContractTest, DeleteRemovesTheServerAndItsHistory) {
  this->Create(Input("a", "alpha"), kT0);
  this->Apply({Beat("a", kT0 + kSecond)});
  ASSERT_EQ(this->Events("a").size(), 2u);
  ASSERT_TRUE(this->store_->DeleteServer("a").ok());
  EXPECT_EQ(this->store_->GetServer("a").status().code(), Code::kNotFound);
  EXPECT_EQ(this->store_->DeleteServer("a").code(), Code::kNotFound);
  // The same server_id created again starts with an empty history.
  this->Create(Input("a", "alpha"), kT0 + 10 * kSecond);
  EXPECT_THAT(Describe(this->Events("a")),
              ElementsAre("off@" + std::to_string(kT0 + 10 * kSecond) + "/created"));
}

// ---- Listing ---------------------------------------------------------------------------------

// A fleet where every sortable column has distinct-enough values, with some ties.
template <typename Test>
void MakeFleet(Test* t) {
  t->Create(Input("srv-c", "Gamma", "10.0.0.10", "zeta.example"), kT0 + 3);
  t->Create(Input("srv-a", "alpha", "10.0.0.9", "eta.example"), kT0 + 1);
  t->Create(Input("srv-b", "Beta_1", "192.168.1.1", "theta.example"), kT0 + 2);
  t->Create(Input("srv-e", "epsilon 100%", "", ""), kT0 + 2);
  t->Create(Input("srv-d", "delta\\x", "9.255.255.255", "iota.example"), kT0 + 5);
  // Heartbeats make statuses, last_seen and status_changed_at differ.
  t->Apply({Beat("srv-a", kT0 + 40), Beat("srv-d", kT0 + 20), Beat("srv-b", kT0 + 30)});
  ASSERT_TRUE(t->store_->UpdateServer("srv-e", {.hostname = "kappa.example"}, kT0 + 50).ok());
}

// The value a sort field compares on (ipv4 numerically, empty first).
std::function<bool(const Server&, const Server&)> LessBy(const std::string& field) {
  auto ip = [](const std::string& s) -> int64_t {
    if (s.empty()) return -1;
    int64_t v = 0;
    size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
      size_t dot = s.find('.', pos);
      v = v * 256 + std::stoll(s.substr(pos, dot - pos));
      pos = dot + 1;
    }
    return v;
  };
  std::map<std::string, std::function<bool(const Server&, const Server&)>> by = {
      {"server_id", [](auto& a, auto& b) { return a.server_id < b.server_id; }},
      {"server_name", [](auto& a, auto& b) { return a.server_name < b.server_name; }},
      {"ipv4", [ip](auto& a, auto& b) { return ip(a.ipv4) < ip(b.ipv4); }},
      {"hostname", [](auto& a, auto& b) { return a.hostname < b.hostname; }},
      {"status", [](auto& a, auto& b) { return a.status < b.status; }},
      {"created_time", [](auto& a, auto& b) { return a.created_time < b.created_time; }},
      {"last_updated", [](auto& a, auto& b) { return a.last_updated < b.last_updated; }},
      {"last_seen", [](auto& a, auto& b) { return a.last_seen < b.last_seen; }},
      {"status_changed_at",
       [](auto& a, auto& b) { return a.status_changed_at < b.status_changed_at; }},
  };
  auto it = by.find(field);
  return it == by.end() ? nullptr : it->second;
}

TYPED_TEST(StoreContractTest, SortsOnEveryWhitelistedFieldBothWaysWithStableTies) {
  MakeFleet(this);
  Result<ServerPage> all = this->store_->ListServers(Query());
  ASSERT_TRUE(all.ok());
  for (const std::string& field : SortableFields()) {
    auto less = LessBy(field);
    ASSERT_TRUE(less) << "the contract test does not know sort field " << field;
    for (SortOrder order : {SortOrder::kAsc, SortOrder::kDesc}) {
      std::vector<Server> expected = all->items;
      std::sort(expected.begin(), expected.end(), [&](const Server& a, const Server& b) {
        bool asc = order == SortOrder::kAsc;
        if (less(a, b) || less(b, a)) return asc ? less(a, b) : less(b, a);
        return asc ? a.id < b.id : a.id > b.id;  // ties: insertion order, reversed for desc
      });
      Result<ServerPage> page = this->store_->ListServers(Query([&](ServerQuery& q) {
        q.sort = field;
        q.order = order;
      }));
      ASSERT_TRUE(page.ok()) << field << ": " << page.status().ToString();
      EXPECT_EQ(Ids(*page), Ids(ServerPage{5, expected}))
          << "sort=" << field << " order=" << (order == SortOrder::kAsc ? "asc" : "desc");
    }
  }
}

TYPED_TEST(StoreContractTest, IpAddressesSortNumerically) {
  MakeFleet(this);
  Result<ServerPage> page =
      this->store_->ListServers(Query([](ServerQuery& q) { q.sort = "ipv4"; }));
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(Ids(*page), ElementsAre("srv-e", "srv-d", "srv-a", "srv-c", "srv-b"));
}

TYPED_TEST(StoreContractTest, EachFilterNarrowsTheListAndTheTotal) {
  MakeFleet(this);
  auto ids = [this](std::function<void(ServerQuery&)> edit) {
    Result<ServerPage> page = this->store_->ListServers(Query(edit));
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return std::vector<std::string>{};
    EXPECT_EQ(page->total, static_cast<int64_t>(page->items.size()));
    return Ids(*page);
  };
  EXPECT_THAT(ids([](auto& q) { q.server_id = "srv-b"; }), ElementsAre("srv-b"));
  EXPECT_THAT(ids([](auto& q) { q.server_id = "srv"; }), IsEmpty());  // exact, not substring
  EXPECT_THAT(ids([](auto& q) { q.server_name = "ET"; }), ElementsAre("srv-b"));  // Beta_1
  EXPECT_THAT(ids([](auto& q) { q.server_name = "a"; }),
              ElementsAre("srv-a", "srv-b", "srv-c", "srv-d"));
  EXPECT_THAT(ids([](auto& q) { q.ipv4 = "10.0.0.9"; }), ElementsAre("srv-a"));
  EXPECT_THAT(ids([](auto& q) { q.ipv4 = "10.0.0"; }), IsEmpty());  // exact
  EXPECT_THAT(ids([](auto& q) { q.status = ServerStatus::kOn; }),
              ElementsAre("srv-a", "srv-b", "srv-d"));
  EXPECT_THAT(ids([](auto& q) { q.status = ServerStatus::kOff; }), ElementsAre("srv-c", "srv-e"));
  EXPECT_THAT(ids([](auto& q) { q.q = "SRV-C"; }), ElementsAre("srv-c"));    // server_id
  EXPECT_THAT(ids([](auto& q) { q.q = "epsilon"; }), ElementsAre("srv-e"));  // server_name
  EXPECT_THAT(ids([](auto& q) { q.q = "kappa"; }), ElementsAre("srv-e"));    // hostname
  EXPECT_THAT(ids([](auto& q) { q.q = "192.168"; }), ElementsAre("srv-b"));  // ipv4
  EXPECT_THAT(ids([](auto& q) {
                q.status = ServerStatus::kOn;
                q.q = "example";
              }),
              ElementsAre("srv-a", "srv-b", "srv-d"));
}

TYPED_TEST(StoreContractTest, FilterTextIsLiteralNotSqlOrPattern) {
  MakeFleet(this);
  auto count = [this](std::function<void(ServerQuery&)> edit) -> int64_t {
    Result<ServerPage> page = this->store_->ListServers(Query(edit));
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->total : -1;
  };
  EXPECT_EQ(count([](auto& q) { q.server_name = "' OR '1'='1"; }), 0);
  EXPECT_EQ(count([](auto& q) { q.server_id = "x' OR 1=1 --"; }), 0);
  EXPECT_EQ(count([](auto& q) { q.q = "\") OR 1=1 --"; }), 0);
  EXPECT_EQ(count([](auto& q) { q.q = "%"; }), 1);   // only "epsilon 100%"
  EXPECT_EQ(count([](auto& q) { q.q = "_"; }), 1);   // only "Beta_1"
  EXPECT_EQ(count([](auto& q) { q.q = "\\"; }), 1);  // only "delta\x"
  EXPECT_EQ(count([](auto& q) { q.server_name = "a_1"; }), 1);
  EXPECT_EQ(count([](auto& q) { q.server_name = "t__1"; }), 0);  // "_" is no wildcard
  // Longer texts go through the search index; they must be just as literal.
  EXPECT_EQ(count([](auto& q) { q.server_name = "Beta_1"; }), 1);
  EXPECT_EQ(count([](auto& q) { q.server_name = "Betax1"; }), 0);
  EXPECT_EQ(count([](auto& q) { q.q = "eta_1"; }), 1);
  EXPECT_EQ(count([](auto& q) { q.q = "etaX1"; }), 0);
  EXPECT_EQ(count([](auto& q) { q.q = "100%"; }), 1);
  EXPECT_EQ(count([](auto& q) { q.q = "on 1%0"; }), 0);
  EXPECT_EQ(count([](auto& q) { q.q = "ta\\x"; }), 1);
  EXPECT_EQ(count([](auto& q) { q.q = "0.0.%"; }), 0);
  Result<ServerPage> bad = this->store_->ListServers(
      Query([](ServerQuery& q) { q.sort = "server_id; DROP TABLE servers"; }));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "sort");
  EXPECT_EQ(count([](auto&) {}), 5);
}

TYPED_TEST(StoreContractTest, SearchFoldsOnlyAsciiCase) {
  this->Create(Input("e1", "\u00c9clair-node", "", "p\u00e2tisserie.example"), kT0);
  auto count = [this](std::function<void(ServerQuery&)> edit) -> int64_t {
    Result<ServerPage> page = this->store_->ListServers(Query(edit));
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->total : -1;
  };
  EXPECT_EQ(count([](auto& q) { q.q = "\u00c9CLAIR"; }), 1);  // ÉCLAIR
  EXPECT_EQ(count([](auto& q) { q.server_name = "\u00c9cLaIr-NODE"; }), 1);
  EXPECT_EQ(count([](auto& q) { q.q = "\u00e9clair"; }), 0);      // é is not É
  EXPECT_EQ(count([](auto& q) { q.q = "P\u00c2TISSERIE"; }), 0);  // nor Â â
  EXPECT_EQ(count([](auto& q) { q.q = "P\u00e2TISSERIE"; }), 1);
}

TYPED_TEST(StoreContractTest, SearchFollowsUpdatesDeletesAndHeartbeats) {
  this->Create(Input("a", "alpha-server", "10.1.2.3", "first.example"), kT0);
  auto ids = [this](const std::string& text) {
    Result<ServerPage> page = this->store_->ListServers(Query([&](ServerQuery& q) { q.q = text; }));
    EXPECT_TRUE(page.ok());
    return page.ok() ? Ids(*page) : std::vector<std::string>{};
  };
  EXPECT_THAT(ids("first"), ElementsAre("a"));
  ASSERT_TRUE(this->store_->UpdateServer("a", {.server_name = "renamed-box"}, kT0 + 1).ok());
  EXPECT_THAT(ids("alpha"), IsEmpty());
  EXPECT_THAT(ids("renamed"), ElementsAre("a"));
  this->Apply({Beat("a", kT0 + 2, "second.example", "10.9.8.7")});
  EXPECT_THAT(ids("first"), IsEmpty());
  EXPECT_THAT(ids("second"), ElementsAre("a"));
  EXPECT_THAT(ids("10.9.8"), ElementsAre("a"));
  this->Apply({Beat("b", kT0 + 3, "second.example")});  // registered, named after its host
  EXPECT_THAT(ids("second"), ElementsAre("a", "b"));
  ASSERT_TRUE(this->store_->DeleteServer("a").ok());
  EXPECT_THAT(ids("renamed"), IsEmpty());
  EXPECT_THAT(ids("second"), ElementsAre("b"));
}

TYPED_TEST(StoreContractTest, OffsetAndLimitPageThroughAStableOrder) {
  for (int i = 0; i < 23; ++i) {
    // Equal created_time for all: paging must still be stable (tiebreak on insertion).
    std::string id = "s" + std::to_string(100 + i);
    this->Create(Input(id, "name-" + id), kT0);
  }
  std::vector<std::string> seen;
  for (int64_t offset = 0; offset < 30; offset += 7) {
    Result<ServerPage> page = this->store_->ListServers(Query([&](ServerQuery& q) {
      q.sort = "created_time";
      q.order = SortOrder::kDesc;
      q.offset = offset;
      q.limit = 7;
    }));
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total, 23);
    EXPECT_EQ(page->items.size(), static_cast<size_t>(std::clamp<int64_t>(23 - offset, 0, 7)));
    for (const Server& s : page->items) seen.push_back(s.server_id);
  }
  ASSERT_EQ(seen.size(), 23u);
  EXPECT_EQ(seen.front(), "s122");  // desc: the last inserted first among equals
  EXPECT_EQ(seen.back(), "s100");
  std::vector<std::string> unique = seen;
  std::sort(unique.begin(), unique.end());
  EXPECT_EQ(std::unique(unique.begin(), unique.end()), unique.end());
}

// ---- Events, stats, timelines ----------------------------------------------------------------

TYPED_TEST(StoreContractTest, ListEventsIncludesTheLastTransitionBeforeFrom) {
  this->Create(Input("a", "alpha"), kT0);
  this->Apply({Beat("a", kT0 + 10 * kSecond)});
  ASSERT_TRUE(this->store_->SweepOffline(kT0 + 100 * kSecond, 30 * kSecond).ok());  // off @40s
  this->Apply({Beat("a", kT0 + 200 * kSecond)});
  auto at = [](int64_t seconds) { return std::to_string(kT0 + seconds * kSecond); };
  EXPECT_THAT(Describe(this->Events("a", kT0 + 50 * kSecond, kT0 + 300 * kSecond)),
              ElementsAre("off@" + at(40) + "/timeout", "on@" + at(200) + "/heartbeat"));
  EXPECT_THAT(Describe(this->Events("a", kT0 + 10 * kSecond, kT0 + 40 * kSecond)),
              ElementsAre("off@" + at(0) + "/created", "on@" + at(10) + "/heartbeat"));
  EXPECT_THAT(Describe(this->Events("a", kT0 + 500 * kSecond, kT0 + 600 * kSecond)),
              ElementsAre("on@" + at(200) + "/heartbeat"));
  EXPECT_THAT(this->Events("a", kT0 - 10, kT0), IsEmpty());
}

// The live feed: every transition once, in commit order, resumable after any seq; a deleted
// server's transitions are gone from it.
TYPED_TEST(StoreContractTest, TheFeedCarriesEveryTransitionInOrderAndResumes) {
  ASSERT_OK_AND_ASSIGN(int64_t start, this->store_->LastEventSeq());
  this->Create(Input("a", "alpha"), kT0);
  this->Apply({Beat("a", kT0 + 10 * kSecond), Beat("new", kT0 + 12 * kSecond, "new-host")});
  ASSERT_TRUE(this->store_->SweepOffline(kT0 + 100 * kSecond, 30 * kSecond).ok());
  auto describe = [](const std::vector<FeedEvent>& events) {
    std::vector<std::string> out;
    for (const FeedEvent& e : events) {
      out.push_back(e.server_id + "/" + e.server_name + ":" +
                    (e.status == ServerStatus::kOn ? "on/" : "off/") + e.cause);
    }
    return out;
  };
  ASSERT_OK_AND_ASSIGN(auto all, this->store_->EventsAfter(start, 100));
  ASSERT_EQ(all.size(), 5u);
  EXPECT_THAT(describe(all), ElementsAre("a/alpha:off/created", "a/alpha:on/heartbeat",
                                         "new/new-host:on/registered", "a/alpha:off/timeout",
                                         "new/new-host:off/timeout"));
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].seq, all[i - 1].seq);
  EXPECT_EQ(all[3].at, kT0 + 40 * kSecond);
  ASSERT_OK_AND_ASSIGN(auto rest, this->store_->EventsAfter(all[1].seq, 2));
  EXPECT_THAT(describe(rest), ElementsAre("new/new-host:on/registered", "a/alpha:off/timeout"));
  ASSERT_OK_AND_ASSIGN(int64_t last, this->store_->LastEventSeq());
  EXPECT_EQ(last, all.back().seq);
  ASSERT_OK_AND_ASSIGN(auto none, this->store_->EventsAfter(last, 100));
  EXPECT_THAT(none, IsEmpty());
  ASSERT_TRUE(this->store_->DeleteServer("new").ok());
  this->Create(Input("b", "bravo"), kT0);  // numbered after everything before, never again
  ASSERT_OK_AND_ASSIGN(auto after_delete, this->store_->EventsAfter(start, 100));
  EXPECT_THAT(describe(after_delete), ElementsAre("a/alpha:off/created", "a/alpha:on/heartbeat",
                                                  "a/alpha:off/timeout", "b/bravo:off/created"));
  EXPECT_GT(after_delete.back().seq, last);
}

TYPED_TEST(StoreContractTest, StatsCountTheFleetByStatus) {
  auto stats = [this] {
    Result<FleetStats> s = this->store_->Stats();
    EXPECT_TRUE(s.ok());
    return s.ok() ? std::vector<int64_t>{s->total, s->on, s->off} : std::vector<int64_t>{};
  };
  EXPECT_THAT(stats(), ElementsAre(0, 0, 0));
  this->Create(Input("a", "alpha"), kT0);
  this->Create(Input("b", "beta"), kT0);
  this->Apply({Beat("a", kT0 + kSecond), Beat("new", kT0 + kSecond, "new-host")});
  EXPECT_THAT(stats(), ElementsAre(3, 2, 1));
  ASSERT_TRUE(this->store_->SweepOffline(kT0 + 100 * kSecond, 30 * kSecond).ok());
  EXPECT_THAT(stats(), ElementsAre(3, 0, 3));
  this->Apply({Beat("new", kT0 + 101 * kSecond)});
  ASSERT_TRUE(this->store_->DeleteServer("a").ok());
  EXPECT_THAT(stats(), ElementsAre(2, 1, 1));
  ASSERT_TRUE(this->store_->DeleteServer("new").ok());
  EXPECT_THAT(stats(), ElementsAre(1, 0, 1));
  Result<ServerPage> on =
      this->store_->ListServers(Query([](auto& q) { q.status = ServerStatus::kOn; }));
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->total, 0);
}

TYPED_TEST(StoreContractTest, TimelinesGiveEveryServerItsWindowAndPriorState) {
  this->Create(Input("b", "beta"), kT0);
  this->Create(Input("a", "alpha"), kT0 + kSecond);
  this->Apply({Beat("a", kT0 + 10 * kSecond)});
  ASSERT_TRUE(this->store_->SweepOffline(kT0 + 100 * kSecond, 30 * kSecond).ok());  // a off @40s
  this->Apply({Beat("b", kT0 + 150 * kSecond), Beat("c", kT0 + 160 * kSecond, "c")});
  Result<std::vector<ServerTimeline>> t =
      this->store_->Timelines(kT0 + 20 * kSecond, kT0 + 155 * kSecond);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 3u);
  auto at = [](int64_t seconds) { return std::to_string(kT0 + seconds * kSecond); };
  EXPECT_EQ((*t)[0].server_id, "a");
  EXPECT_EQ((*t)[0].created_time, kT0 + kSecond);
  EXPECT_THAT(Describe((*t)[0].events),
              ElementsAre("on@" + at(10) + "/heartbeat", "off@" + at(40) + "/timeout"));
  EXPECT_EQ((*t)[1].server_id, "b");
  EXPECT_THAT(Describe((*t)[1].events),
              ElementsAre("off@" + at(0) + "/created", "on@" + at(150) + "/heartbeat"));
  EXPECT_EQ((*t)[2].server_id, "c");  // registered after the window: no events inside
  EXPECT_EQ((*t)[2].created_time, kT0 + 160 * kSecond);
  EXPECT_THAT((*t)[2].events, IsEmpty());
  for (const ServerTimeline& tl : *t) {
    for (const StatusEvent& e : tl.events) EXPECT_EQ(e.server_id, tl.server_id);
  }
}

TYPED_TEST(StoreContractTest, PingAnswers) { EXPECT_TRUE(this->store_->Ping().ok()); }

}  // namespace
}  // namespace sms::store::testing
