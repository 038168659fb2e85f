// The Store contract, part 2: ApplyHeartbeats and SweepOffline.
// Runs against every implementation in StoreFactories (store_test_util.h).

#include <thread>

#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

template <typename Factory>
class StoreIngestTest : public StoreTest<Factory> {};
TYPED_TEST_SUITE(StoreIngestTest, StoreFactories, FactoryNames);

std::string At(Millis t) { return std::to_string(t); }

bool SameRecord(const Server& a, const Server& b) {
  return a.server_id == b.server_id && a.server_name == b.server_name && a.ipv4 == b.ipv4 &&
         a.hostname == b.hostname && a.status == b.status && a.interval == b.interval &&
         a.created_time == b.created_time && a.last_updated == b.last_updated &&
         a.last_seen == b.last_seen && a.status_changed_at == b.status_changed_at;
}

// ---- Registration ----------------------------------------------------------------------------

TYPED_TEST(StoreIngestTest, UnknownServerIsRegisteredOnNamedAfterItsHostname) {
  ApplyResult r = this->Apply({Beat("id-1", kT0, "web-01", "10.0.0.5", 15)});
  EXPECT_EQ(r.applied, 1);
  EXPECT_EQ(r.registered, 1);
  EXPECT_EQ(r.turned_on, 0);
  ASSERT_EQ(r.changed.size(), 1u);
  EXPECT_EQ(r.changed[0].server_id, "id-1");
  Server s = this->Get("id-1");
  EXPECT_TRUE(SameRecord(s, r.changed[0]));
  EXPECT_EQ(s.server_name, "web-01");
  EXPECT_EQ(s.hostname, "web-01");
  EXPECT_EQ(s.ipv4, "10.0.0.5");
  EXPECT_EQ(s.interval, 15);
  EXPECT_EQ(s.status, ServerStatus::kOn);
  EXPECT_EQ(s.created_time, kT0);
  EXPECT_EQ(s.last_seen, kT0);
  EXPECT_EQ(s.status_changed_at, kT0);
  EXPECT_THAT(Describe(this->Events("id-1")), ElementsAre("on@" + At(kT0) + "/registered"));
}

TYPED_TEST(StoreIngestTest, RegistrationWithoutHostnameUsesTheServerId) {
  this->Apply({Beat("10.0.0.7", kT0)});
  EXPECT_EQ(this->Get("10.0.0.7").server_name, "10.0.0.7");
}

TYPED_TEST(StoreIngestTest, RegistrationMakesTheNameUnique) {
  this->Create(Input("manual", "web"), kT0);
  this->Apply({Beat("id-1", kT0 + 1, "web"), Beat("id-2", kT0 + 2, "web")});
  this->Apply({Beat("id-3", kT0 + 3, "web")});
  EXPECT_EQ(this->Get("id-1").server_name, "web-2");
  EXPECT_EQ(this->Get("id-2").server_name, "web-3");
  EXPECT_EQ(this->Get("id-3").server_name, "web-4");
  // Once the numbered names run out, the server_id makes the name unique.
  for (int n = 5; n <= 10; ++n)
    this->Create(Input("m" + std::to_string(n), "db-" + std::to_string(n)), kT0);
  this->Create(Input("m-db", "db"), kT0);
  this->Create(Input("m-db2", "db-2"), kT0);
  this->Create(Input("m-db3", "db-3"), kT0);
  this->Create(Input("m-db4", "db-4"), kT0);
  this->Apply({Beat("x9", kT0 + 4, "db")});
  EXPECT_EQ(this->Get("x9").server_name, "db-x9");
}

TYPED_TEST(StoreIngestTest, RegistrationNamesAreUniqueRegardlessOfCase) {
  this->Create(Input("manual", "WEB"), kT0);
  this->Create(Input("manual-3", "Web-3"), kT0);
  this->Apply({Beat("id-1", kT0 + 1, "web"), Beat("id-2", kT0 + 2, "Web")});
  this->Apply({Beat("id-3", kT0 + 3, "wEb")});
  EXPECT_EQ(this->Get("id-1").server_name, "web-2");
  EXPECT_EQ(this->Get("id-2").server_name, "Web-4");
  EXPECT_EQ(this->Get("id-3").server_name, "wEb-5");
}

TYPED_TEST(StoreIngestTest, UnknownServerIsRejectedWhenAutoRegisterIsOff) {
  this->Create(Input("known", "known"), kT0);
  ApplyResult r = this->Apply({Beat("ghost", kT0 + 1, "ghost"), Beat("known", kT0 + 2)},
                              {.auto_register = false});
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.registered, 0);
  EXPECT_EQ(r.applied, 1);
  EXPECT_EQ(this->store_->GetServer("ghost").status().code(), Code::kNotFound);
  EXPECT_EQ(this->Get("known").status, ServerStatus::kOn);
}

// ---- Idempotence and ordering ----------------------------------------------------------------

TYPED_TEST(StoreIngestTest, RedeliveredHeartbeatChangesNothing) {
  std::vector<Heartbeat> batch = {Beat("a", kT0, "host-a", "10.0.0.1"),
                                  Beat("a", kT0 + 30 * kSecond, "host-a", "10.0.0.1")};
  this->Apply(batch);
  Server before = this->Get("a");
  std::vector<StatusEvent> events_before = this->Events("a");
  ApplyResult again = this->Apply(batch);
  EXPECT_EQ(again.registered, 0);
  EXPECT_EQ(again.turned_on, 0);
  EXPECT_TRUE(SameRecord(before, this->Get("a")));
  EXPECT_EQ(Describe(this->Events("a")), Describe(events_before));
}

TYPED_TEST(StoreIngestTest, HeartbeatsOfOneServerApplyInReceivedOrder) {
  this->Apply({Beat("a", kT0, "host-a", "10.0.0.1")});
  // Out of order in the batch: the newest carries the fields that must win.
  this->Apply({Beat("a", kT0 + 60 * kSecond, "host-new", "10.0.0.3", 10),
               Beat("a", kT0 + 30 * kSecond, "host-old", "10.0.0.2", 20)});
  Server s = this->Get("a");
  EXPECT_EQ(s.last_seen, kT0 + 60 * kSecond);
  EXPECT_EQ(s.hostname, "host-new");
  EXPECT_EQ(s.ipv4, "10.0.0.3");
  EXPECT_EQ(s.interval, 10);
  // An older heartbeat arriving later neither moves last_seen back nor reverts fields.
  this->Apply({Beat("a", kT0 + 45 * kSecond, "host-old", "10.0.0.2", 20)});
  EXPECT_TRUE(SameRecord(s, this->Get("a")));
}

TYPED_TEST(StoreIngestTest, StaleRedeliveryAfterTimeoutDoesNotTurnTheServerOn) {
  Heartbeat hb = Beat("a", kT0, "host-a");
  this->Apply({hb});
  ASSERT_EQ(this->Sweep(kT0 + 90 * kSecond, 30 * kSecond).turned_off, 1);
  Server off = this->Get("a");
  ApplyResult r = this->Apply({hb});
  EXPECT_EQ(r.turned_on, 0);
  EXPECT_TRUE(SameRecord(off, this->Get("a")));
  EXPECT_THAT(
      Describe(this->Events("a")),
      ElementsAre("on@" + At(kT0) + "/registered", "off@" + At(kT0 + 30 * kSecond) + "/timeout"));
}

// ---- Status transitions and field changes ----------------------------------------------------

TYPED_TEST(StoreIngestTest, HeartbeatTurnsAnOffServerOnWithAnEvent) {
  this->Create(Input("a", "alpha", "10.0.0.1", "host-a"), kT0);
  ApplyResult r = this->Apply({Beat("a", kT0 + 5 * kSecond, "host-a", "10.0.0.1")});
  EXPECT_EQ(r.turned_on, 1);
  ASSERT_EQ(r.changed.size(), 1u);
  EXPECT_EQ(r.changed[0].status, ServerStatus::kOn);
  Server s = this->Get("a");
  EXPECT_EQ(s.status, ServerStatus::kOn);
  EXPECT_EQ(s.status_changed_at, kT0 + 5 * kSecond);
  EXPECT_EQ(s.last_updated, kT0 + 5 * kSecond);
  // Off by timeout, then on again at the next heartbeat's received_at.
  ASSERT_EQ(this->Sweep(kT0 + 100 * kSecond, 30 * kSecond).turned_off, 1);
  r = this->Apply({Beat("a", kT0 + 120 * kSecond, "host-a", "10.0.0.1")});
  EXPECT_EQ(r.turned_on, 1);
  EXPECT_THAT(
      Describe(this->Events("a")),
      ElementsAre("off@" + At(kT0) + "/created", "on@" + At(kT0 + 5 * kSecond) + "/heartbeat",
                  "off@" + At(kT0 + 35 * kSecond) + "/timeout",
                  "on@" + At(kT0 + 120 * kSecond) + "/heartbeat"));
}

TYPED_TEST(StoreIngestTest, ChangedFieldsAreStoredAndReported) {
  this->Apply({Beat("a", kT0, "host-a", "10.0.0.1", 30)});
  ApplyResult r = this->Apply({Beat("a", kT0 + 30 * kSecond, "host-b", "10.0.0.2", 60)});
  ASSERT_EQ(r.changed.size(), 1u);
  EXPECT_EQ(r.changed[0].hostname, "host-b");
  Server s = this->Get("a");
  EXPECT_EQ(s.hostname, "host-b");
  EXPECT_EQ(s.ipv4, "10.0.0.2");
  EXPECT_EQ(s.interval, 60);
  EXPECT_EQ(s.server_name, "host-a");  // the name is the operator's, never renamed
  EXPECT_EQ(s.last_updated, kT0 + 30 * kSecond);
  // A heartbeat without ipv4/hostname (the original agents' shape) keeps the stored values.
  this->Apply({Beat("a", kT0 + 90 * kSecond, "", "", 60)});
  EXPECT_EQ(this->Get("a").hostname, "host-b");
  EXPECT_EQ(this->Get("a").ipv4, "10.0.0.2");
}

TYPED_TEST(StoreIngestTest, KnownOnFastPathMovesOnlyLastSeen) {
  this->Apply({Beat("a", kT0, "host-a", "10.0.0.1")});
  Server before = this->Get("a");
  ApplyOptions known;
  known.known_on = {"a"};
  ApplyResult r = this->Apply({Beat("a", kT0 + 30 * kSecond, "host-a", "10.0.0.1")}, known);
  EXPECT_EQ(r.applied, 1);
  EXPECT_THAT(r.changed, IsEmpty());
  Server after = this->Get("a");
  EXPECT_EQ(after.last_seen, kT0 + 30 * kSecond);
  EXPECT_EQ(after.last_updated, before.last_updated);
  // A redelivered older heartbeat on the fast path does not move last_seen back.
  this->Apply({Beat("a", kT0, "host-a", "10.0.0.1")}, known);
  EXPECT_EQ(this->Get("a").last_seen, kT0 + 30 * kSecond);
}

TYPED_TEST(StoreIngestTest, KnownOnFallsBackToTheFullPathWhenSqlDisagrees) {
  this->Apply({Beat("off", kT0, "host-off"), Beat("moved", kT0, "host-m", "10.0.0.1")});
  ASSERT_EQ(this->Sweep(kT0 + 61 * kSecond, 30 * kSecond).turned_off, 2);
  this->Apply({Beat("moved", kT0 + 62 * kSecond, "host-m", "10.0.0.1")});
  ApplyOptions known;  // a stale cache: believes both are on with their old fields
  known.known_on = {"off", "moved", "unknown"};
  ApplyResult r = this->Apply({Beat("off", kT0 + 70 * kSecond, "host-off"),
                               Beat("moved", kT0 + 70 * kSecond, "host-m", "10.0.0.9"),
                               Beat("unknown", kT0 + 70 * kSecond, "host-u")},
                              known);
  EXPECT_EQ(r.applied, 3);
  EXPECT_EQ(r.turned_on, 1);
  EXPECT_EQ(r.registered, 1);
  std::vector<std::string> changed;
  for (const Server& s : r.changed) changed.push_back(s.server_id);
  EXPECT_THAT(changed, UnorderedElementsAre("off", "moved", "unknown"));
  EXPECT_EQ(this->Get("off").status, ServerStatus::kOn);
  EXPECT_EQ(this->Get("moved").ipv4, "10.0.0.9");
  EXPECT_EQ(this->Get("unknown").status, ServerStatus::kOn);
}

// ---- SweepOffline ----------------------------------------------------------------------------

TYPED_TEST(StoreIngestTest, SweepStampsOffAtLastSeenPlusIntervalAfterTheGrace) {
  this->Apply({Beat("a", kT0, "a", "", 30), Beat("b", kT0, "b", "", 60)});
  Millis grace = 30 * kSecond;
  // a is due at +30 s: not off until +30 s + grace has passed.
  EXPECT_EQ(this->Sweep(kT0 + 60 * kSecond, grace).turned_off, 0);
  Result<SweepResult> r = this->store_->SweepOffline(kT0 + 60 * kSecond + 1, grace);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->turned_off, 1);
  EXPECT_THAT(r->server_ids, ElementsAre("a"));
  // The on-run it closed: from the registration to the off stamp.
  ASSERT_EQ(r->offs.size(), 1u);
  EXPECT_EQ(r->offs[0].server_id, "a");
  EXPECT_EQ(r->offs[0].on_since, kT0);
  EXPECT_EQ(r->offs[0].off_at, kT0 + 30 * kSecond);
  Server a = this->Get("a");
  EXPECT_EQ(a.status, ServerStatus::kOff);
  EXPECT_EQ(a.status_changed_at, kT0 + 30 * kSecond);
  EXPECT_EQ(a.last_seen, kT0);
  EXPECT_EQ(this->Get("b").status, ServerStatus::kOn);  // interval 60: due at +60 s
  EXPECT_THAT(
      Describe(this->Events("a")),
      ElementsAre("on@" + At(kT0) + "/registered", "off@" + At(kT0 + 30 * kSecond) + "/timeout"));
  // A second sweep finds nothing more to do for a.
  EXPECT_THAT(this->Sweep(kT0 + 90 * kSecond, grace).server_ids, IsEmpty());
  EXPECT_EQ(this->Events("a").size(), 2u);
  EXPECT_EQ(this->Sweep(kT0 + 121 * kSecond, grace).turned_off, 1);  // b
}

TYPED_TEST(StoreIngestTest, SweepNeverTouchesServersThatWereNeverSeen) {
  this->Create(Input("quiet", "quiet"), kT0);
  EXPECT_EQ(this->Sweep(kT0 + 3600 * kSecond, 0).turned_off, 0);
  EXPECT_EQ(this->Events("quiet").size(), 1u);
}

TYPED_TEST(StoreIngestTest, ConcurrentSweepsWriteEachTransitionOnce) {
  constexpr int kServers = 300;
  std::vector<Heartbeat> batch;
  for (int i = 0; i < kServers; ++i) batch.push_back(Beat("s" + std::to_string(i), kT0 + i));
  this->Apply(batch);
  StorePtr other = this->factory_.Another();
  ASSERT_NE(other, nullptr);
  int64_t off[2] = {0, 0};
  auto sweeps = [](Store& store, int64_t& turned_off) {
    for (int i = 0; i < 5; ++i) {
      Result<SweepResult> r = store.SweepOffline(kT0 + kServers + 90 * kSecond, 30 * kSecond);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (r.ok()) turned_off += r->turned_off;
    }
  };
  std::thread t1([&] { sweeps(*this->store_, off[0]); });
  std::thread t2([&] { sweeps(*other, off[1]); });
  t1.join();
  t2.join();
  EXPECT_EQ(off[0] + off[1], kServers);
  for (int i = 0; i < kServers; i += 37) {
    std::string id = "s" + std::to_string(i);
    EXPECT_THAT(Describe(this->Events(id)),
                ElementsAre("on@" + At(kT0 + i) + "/registered",
                            "off@" + At(kT0 + i + 30 * kSecond) + "/timeout"));
  }
  Result<FleetStats> stats = other->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->off, kServers);
}

}  // namespace
}  // namespace sms::store::testing
