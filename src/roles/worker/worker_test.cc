#include "roles/worker/worker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "bus/faulty_bus.h"
#include "core/heartbeat.h"
#include "history/forwarding_history.h"
#include "roles/healthcheck/healthcheck.h"
#include "store/store.h"
#include "support/assert_ok.h"
#include "support/faulty_store.h"
#include "support/metrics_sample.h"
#include "support/wait_until.h"

namespace sms::worker {
namespace {

using sms::testing::ValueOrThrow;
using sms::testing::WaitUntil;

constexpr Millis kT0 = 1'795'000'000'000;  // 2026-11-18, any fixed instant

Heartbeat Beat(const std::string& id, Millis at, int interval = 30) {
  Heartbeat hb;
  hb.id = NewHeartbeatId();
  hb.server_id = id;
  hb.hostname = id;
  hb.ipv4 = "10.0.0.1";
  hb.interval = interval;
  hb.received_at = at;
  return hb;
}

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kT0);
    ASSERT_OK_AND_ASSIGN(bus_, bus::MakeBus({}));
    ASSERT_OK_AND_ASSIGN(auto real, store::MakeStore({"sqlite::memory:"}));
    store_ = std::make_shared<testing::FaultyStore>(real);
    ASSERT_OK_AND_ASSIGN(cache_, cache::MakeCache({}));
    ASSERT_OK_AND_ASSIGN(history_, history::MakeHistory({}, store_));
    metrics_ = std::make_shared<metrics::Metrics>();
  }
  std::unique_ptr<Worker> MakeWorker(WorkerOptions o = {}) {
    return std::make_unique<Worker>(
        o, Backends{bus_, store_, store_, cache_, history_, clock_, metrics_, write_health_});
  }
  // What the store holds and what a sweep did; a failed read ends the test.
  Server Stored(const std::string& id) { return ValueOrThrow(store_->GetServer(id), id); }
  FleetStats Fleet() { return ValueOrThrow(store_->Stats(), "stats"); }
  static int64_t Swept(Worker& w) { return ValueOrThrow(w.Sweep(), "sweep"); }
  // The bus behind a switch that makes it unreachable, for a worker made after this.
  std::shared_ptr<bus::FaultyBus> FaultyBusUnder() {
    auto faulty = std::make_shared<bus::FaultyBus>(bus_);
    bus_ = faulty;
    return faulty;
  }
  // A worker with a 30 s grace whose first batch is `beats`.
  std::unique_ptr<Worker> WorkerAfter(const std::vector<Heartbeat>& beats) {
    WorkerOptions o;
    o.grace_ms = 30'000;
    auto w = MakeWorker(o);
    EXPECT_TRUE(w->ProcessBatch(beats).ok());
    return w;
  }
  std::shared_ptr<ManualClock> clock_;
  bus::BusPtr bus_;
  std::shared_ptr<testing::FaultyStore> store_;
  cache::CachePtr cache_;
  history::HistoryPtr history_;
  std::shared_ptr<metrics::Metrics> metrics_;
  roles::WriteHealthPtr write_health_;  // unset: nothing tracked
};

TEST_F(WorkerTest, FirstHeartbeatRegistersServerOn) {
  auto w = MakeWorker();
  ASSERT_TRUE(w->ProcessBatch({Beat("web-01", kT0)}).ok());
  auto s = store_->GetServer("web-01");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->status, ServerStatus::kOn);
  EXPECT_EQ(s->last_seen, kT0);
  EXPECT_EQ(s->server_name, "web-01");
  EXPECT_EQ(s->ipv4, "10.0.0.1");
}

TEST_F(WorkerTest, AHostnameWithACombiningAccentRegistersUnderAFreeNfcName) {
  ASSERT_TRUE(store_->CreateServer({"cafe", "Caf\xC3\xA9", "", ""}, kT0).ok());
  auto w = MakeWorker();
  // The hostname "Cafe" + U+0301 is "Café", which is taken: the server gets the next free one.
  auto hb = ParseHeartbeat(R"({"server_id":"cafe-2","hostname":"Cafe\u0301"})");
  ASSERT_TRUE(hb.ok()) << hb.status().ToString();
  hb->id = NewHeartbeatId();
  hb->received_at = kT0;
  ASSERT_TRUE(w->ProcessBatch({*hb}).ok());
  auto s = store_->GetServer("cafe-2");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->server_name, "Caf\xC3\xA9-2");
  EXPECT_EQ(s->hostname, "Caf\xC3\xA9");
}

TEST_F(WorkerTest, RedeliveredBatchChangesNothing) {
  auto w = MakeWorker();
  std::vector<Heartbeat> batch = {Beat("a", kT0), Beat("b", kT0 + 10)};
  ASSERT_TRUE(w->ProcessBatch(batch).ok());
  ASSERT_OK_AND_ASSIGN(auto before, store_->ListEvents("a", 0, kT0 + 1000));
  ASSERT_TRUE(w->ProcessBatch(batch).ok());
  ASSERT_OK_AND_ASSIGN(auto after, store_->ListEvents("a", 0, kT0 + 1000));
  EXPECT_EQ(before.size(), after.size());
  EXPECT_EQ(Fleet().total, 2);
}

TEST_F(WorkerTest, SteadyHeartbeatsTakeTheCachedPath) {
  auto w = MakeWorker();
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0), Beat("b", kT0)}).ok());
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0 + 30'000), Beat("b", kT0 + 30'000)}).ok());
  auto sizes = store_->known_on_sizes();
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_EQ(sizes[0], 0u);
  EXPECT_EQ(sizes[1], 2u);
  EXPECT_EQ(Stored("a").last_seen, kT0 + 30'000);
  // A changed address leaves the cheap path, and the change is stored.
  Heartbeat moved = Beat("a", kT0 + 60'000);
  moved.ipv4 = "10.0.0.9";
  ASSERT_TRUE(w->ProcessBatch({moved}).ok());
  EXPECT_EQ(store_->known_on_sizes().back(), 0u);
  EXPECT_EQ(Stored("a").ipv4, "10.0.0.9");
}

TEST_F(WorkerTest, SweepTurnsSilentServerOffAtLastSeenPlusInterval) {
  WorkerOptions o;
  o.grace_ms = 30'000;
  auto w = MakeWorker(o);
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0, 10), Beat("b", kT0, 10)}).ok());
  clock_->Set(kT0 + 39'000);  // within interval + grace
  EXPECT_EQ(Swept(*w), 0);
  ASSERT_TRUE(w->ProcessBatch({Beat("b", kT0 + 39'000, 10)}).ok());
  clock_->Set(kT0 + 41'000);  // a silent for 41 s > 10 + 30
  EXPECT_EQ(Swept(*w), 1);
  EXPECT_EQ(Swept(*w), 0);  // idempotent
  Server a = Stored("a");
  EXPECT_EQ(a.status, ServerStatus::kOff);
  EXPECT_EQ(a.status_changed_at, kT0 + 10'000);
  EXPECT_EQ(Stored("b").status, ServerStatus::kOn);
  // Back on with its next heartbeat, stamped when it was received.
  clock_->Set(kT0 + 50'000);
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0 + 50'000, 10)}).ok());
  a = Stored("a");
  EXPECT_EQ(a.status, ServerStatus::kOn);
  EXPECT_EQ(a.status_changed_at, kT0 + 50'000);
  auto up = history_->Uptime(a, kT0, kT0 + 60'000, kT0 + 60'000);
  ASSERT_TRUE(up.ok());
  EXPECT_DOUBLE_EQ(up->up_seconds, 10 + 10);  // on 0-10 s and 50-60 s
}

// The SQL history, keeping what the worker tells a history that keeps on-runs of its own;
// RecordRuns fails while `fail` is set.
class RunsKept final : public history::ForwardingHistory {
 public:
  explicit RunsKept(history::HistoryPtr sql) : ForwardingHistory(std::move(sql)) {}
  Status RecordRuns(const std::vector<history::RunUpdate>& updates) override {
    if (fail) return Status::Unavailable("search backend down");
    for (const history::RunUpdate& u : updates) {
      std::string what = u.server_id + "@" + std::to_string(u.start - kT0) + ".." +
                         std::to_string(u.end - kT0) + (u.closes ? " closed" : "");
      kept.push_back(what);
      // As SearchHistory's script: a close sets the end for good, an extension moves an open
      // run's end later.
      auto [it, made] = runs.try_emplace({u.server_id, u.start}, Run{u.end, !u.closes});
      if (made) continue;
      if (u.closes) {
        it->second = Run{u.end, false};
      } else if (it->second.open && u.end > it->second.end) {
        it->second.end = u.end;
      }
    }
    return Status::Ok();
  }
  bool KeepsRuns() const override { return keeps; }
  Result<std::vector<history::RunUpdate>> OpenRunsEndedBefore(Millis before,
                                                              size_t limit) override {
    if (fail) return Status::Unavailable("search backend down");
    std::vector<history::RunUpdate> open;
    for (const auto& [key, run] : runs) {
      if (run.open && run.end < before) {
        open.push_back({.server_id = key.first, .start = key.second, .end = run.end});
      }
    }
    std::stable_sort(open.begin(), open.end(),
                     [](const auto& x, const auto& y) { return x.end < y.end; });
    if (open.size() > limit) open.resize(limit);
    return open;
  }

  bool keeps = true;
  bool fail = false;
  std::vector<std::string> kept;  // every update, as "<server>@<start>..<end>[ closed]" from kT0
  struct Run {
    Millis end = 0;
    bool open = true;
  };
  std::map<std::pair<std::string, Millis>, Run> runs;  // what they made
};

TEST_F(WorkerTest, OnRunsAreExtendedOncePerStepAndClosedBySweepsEvenAfterAFailedClose) {
  static_assert(history::kRunExtendStep == 60'000);
  auto runs = std::make_shared<RunsKept>(history_);
  history_ = runs;
  WorkerOptions o;
  o.grace_ms = 30'000;
  auto w = MakeWorker(o);
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0, 10)}).ok());           // registers: full path
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0 + 10'000, 10)}).ok());  // cached: cheap path
  // A stale beat from before the run changes nothing; the newest sets the end.
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0 + 20'000, 10), Beat("a", kT0 - 5'000, 10)}).ok());
  // The run is made by its first beat; the next ones leave its end within the first minute.
  EXPECT_EQ(runs->kept, (std::vector<std::string>{"a@0..10000"}));
  for (Millis at = 30'000; at <= 160'000; at += 10'000) {
    clock_->Set(kT0 + at);
    ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0 + at, 10)}).ok());
  }
  // A batch that holds two beats: the older one carries the end past 3 minutes.
  clock_->Set(kT0 + 180'000);
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0 + 180'000, 10), Beat("a", kT0 + 170'000, 10)}).ok());
  EXPECT_EQ(runs->kept,
            (std::vector<std::string>{"a@0..10000", "a@0..60000", "a@0..120000", "a@0..190000"}));
  runs->kept.clear();
  runs->fail = true;
  clock_->Set(kT0 + 221'000);
  EXPECT_EQ(Swept(*w), 1);  // off in SQL; the close could not be written
  EXPECT_TRUE(runs->kept.empty());
  runs->fail = false;
  EXPECT_EQ(Swept(*w), 0);  // nothing new to turn off: the kept close goes now, exact
  EXPECT_EQ(runs->kept, (std::vector<std::string>{"a@0..190000 closed"}));
  // Back on: a new run, named by its own start.
  clock_->Set(kT0 + 230'000);
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0 + 230'000, 10)}).ok());
  EXPECT_EQ(runs->kept.back(), "a@230000..240000");
}

// A worker killed while the history refused its sweep's closes takes them with it: the next
// worker closes those runs at the off transitions the Store holds, once they are old enough to
// be lost rather than late, and leaves open the run of a server still on.
TEST_F(WorkerTest, RunsWhoseCloseWasLostWithItsWorkerAreClosedAtTheStoresOffTransition) {
  auto runs = std::make_shared<RunsKept>(history_);
  history_ = runs;
  WorkerOptions o;
  o.grace_ms = 30'000;
  auto killed = MakeWorker(o);
  for (Millis at = 0; at <= 20'000; at += 10'000) {
    clock_->Set(kT0 + at);
    ASSERT_TRUE(killed
                    ->ProcessBatch({Beat("a", kT0 + at, 10), Beat("b", kT0 + at, 10),
                                    Beat("d", kT0 + at, 10), Beat("e", kT0 + at, 10)})
                    .ok());
  }
  // d stays on (its later beats reach the Store only); e is deleted.
  ASSERT_TRUE(store_->ApplyHeartbeats({Beat("d", kT0 + 50'000, 10)}, {}).ok());
  runs->fail = true;
  clock_->Set(kT0 + 61'000);
  EXPECT_EQ(Swept(*killed), 3);  // a, b, e: off in SQL, their closes held by this worker only
  killed.reset();
  runs->fail = false;
  ASSERT_TRUE(store_->DeleteServer("e").ok());
  clock_->Set(kT0 + 70'000);
  auto next = MakeWorker(o);
  ASSERT_TRUE(next->ProcessBatch({Beat("b", kT0 + 70'000, 10)}).ok());  // b: a new run
  ASSERT_TRUE(store_->ApplyHeartbeats({Beat("d", kT0 + 600'000, 10)}, {}).ok());
  runs->kept.clear();
  // Their runs were last extended to 10 s.
  clock_->Set(kT0 + 10'000 + Worker::kLostRunAge);
  ASSERT_TRUE(next->CloseLostRuns().ok());
  EXPECT_TRUE(runs->kept.empty()) << "not yet older than kLostRunAge: maybe late, not lost";
  clock_->Set(kT0 + 10'000 + Worker::kLostRunAge + 1);
  ASSERT_TRUE(next->CloseLostRuns().ok());
  EXPECT_EQ(runs->kept, (std::vector<std::string>{"a@0..30000 closed", "b@0..30000 closed",
                                                  "e@0..10000 closed"}));
  runs->kept.clear();
  ASSERT_TRUE(next->CloseLostRuns().ok());
  EXPECT_TRUE(runs->kept.empty()) << "closed once";
  EXPECT_TRUE(runs->runs.at({"d", kT0}).open) << "d is still on since its run's start";
  EXPECT_TRUE(runs->runs.at({"b", kT0 + 70'000}).open);
  runs->fail = true;
  EXPECT_EQ(next->CloseLostRuns().code(), Code::kUnavailable);
}

// An off stamped at the millisecond a run starts is the previous run's close, not this one's.
TEST(CloseOfOpenRunTest, TheCloseIsTheFirstOffAfterTheRunsOwnOn) {
  const history::RunUpdate run{.server_id = "a", .start = 100, .end = 110};
  auto event = [](ServerStatus status, Millis at) {
    return StatusEvent{.server_id = "a", .status = status, .at = at, .cause = ""};
  };
  using enum ServerStatus;
  EXPECT_FALSE(history::CloseOfOpenRun(run, {event(kOff, 50), event(kOn, 100)}));
  EXPECT_FALSE(history::CloseOfOpenRun(run, {event(kOff, 100), event(kOn, 100)}));
  auto closed = history::CloseOfOpenRun(run, {event(kOff, 100), event(kOn, 100), event(kOff, 140),
                                              event(kOn, 150), event(kOff, 170)});
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->end, 140);
  EXPECT_TRUE(closed->closes);
  EXPECT_EQ(closed->start, 100);
  // The Store's history of it is gone up to a later off: that off.
  closed = history::CloseOfOpenRun(run, {event(kOff, 160)});
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->end, 160);
}

// On-runs are worked out per batch only for a history that keeps them (the SQL history
// measures from the transitions): the embedded worker spends nothing on them.
TEST_F(WorkerTest, AHistoryThatKeepsNoRunsIsHandedNone) {
  auto runs = std::make_shared<RunsKept>(history_);
  runs->keeps = false;
  history_ = runs;
  auto w = MakeWorker({});
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0, 10)}).ok());           // registers: full path
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0 + 10'000, 10)}).ok());  // cached: cheap path
  EXPECT_TRUE(runs->kept.empty());
  EXPECT_EQ(Stored("a").last_seen, kT0 + 10'000);
}

TEST_F(WorkerTest, AnUpgradedInstallationGetsItsOnRunsFromTheTransitionsOnceByOneReplica) {
  // Transitions written before any history kept runs: a on then off, b on.
  WorkerOptions o;
  o.grace_ms = 30'000;
  auto before = MakeWorker(o);
  ASSERT_TRUE(before->ProcessBatch({Beat("a", kT0, 10), Beat("b", kT0 + 5'000, 10)}).ok());
  clock_->Set(kT0 + 45'000);
  ASSERT_TRUE(before->ProcessBatch({Beat("b", kT0 + 45'000, 10)}).ok());
  EXPECT_EQ(Swept(*before), 1);
  auto runs = std::make_shared<RunsKept>(history_);
  history_ = runs;
  auto w1 = MakeWorker(o);
  auto w2 = MakeWorker(o);
  ASSERT_TRUE(w1->BuildRunsOnce().ok());
  EXPECT_EQ(runs->kept, (std::vector<std::string>{"a@0..10000 closed", "b@5000..5000"}));
  ASSERT_TRUE(w2->BuildRunsOnce().ok());  // another replica, or a restart: nothing again
  clock_->Set(kT0 + 30LL * 86'400'000);
  ASSERT_TRUE(w1->BuildRunsOnce().ok());
  EXPECT_EQ(runs->kept.size(), 2u);
}

TEST_F(WorkerTest, LoopAppliesEveryAcceptedHeartbeatAndDrainsOnStop) {
  healthcheck::Healthcheck hc(bus_, clock_, metrics_);
  WorkerOptions o;
  o.batch_size = 64;
  auto w = MakeWorker(o);
  ASSERT_TRUE(w->Start().ok());
  constexpr int kServers = 300;
  for (int round = 0; round < 5; ++round) {
    clock_->Advance(1000);
    for (int i = 0; i < kServers; ++i) {
      http::Request req;
      req.body = R"({"server_id":"s)" + std::to_string(i) + R"(","interval":5})";
      ASSERT_EQ(hc.Accept(req).status, 202);
    }
  }
  w->Stop();
  EXPECT_EQ(bus_->Depth(bus::kHeartbeatTopic).value(), 0);
  EXPECT_EQ(Fleet().on, kServers);
  for (int i = 0; i < kServers; i += 37) {
    EXPECT_EQ(Stored("s" + std::to_string(i)).last_seen, kT0 + 5000);
  }
}

TEST_F(WorkerTest, FailedWritesAreRetriedAndNothingIsLost) {
  store_->FailNextApplies(3);
  healthcheck::Healthcheck hc(bus_, clock_, metrics_);
  auto w = MakeWorker();
  ASSERT_TRUE(w->Start().ok());
  for (int i = 0; i < 50; ++i) {
    http::Request req;
    req.body = R"({"server_id":"r)" + std::to_string(i) + R"("})";
    ASSERT_EQ(hc.Accept(req).status, 202);
  }
  w->Stop();
  EXPECT_GE(store_->apply_calls(), 4);
  EXPECT_EQ(Fleet().total, 50);
  EXPECT_NE(metrics_->Render().find("sms_worker_errors_total 3"), std::string::npos);
}

TEST_F(WorkerTest, HeldBatchStopsTheClockOfTheSweep) {
  WorkerOptions o;
  o.grace_ms = 30'000;
  o.sweep_every = std::chrono::hours(1);  // only the test sweeps
  auto w = MakeWorker(o);
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0, 10)}).ok());
  ASSERT_TRUE(w->Start().ok());
  store_->FailNextApplies(1'000'000);  // the database is down
  clock_->Set(kT0 + 20'000);
  healthcheck::Healthcheck hc(bus_, clock_, metrics_);
  http::Request req;
  req.body = R"({"server_id":"a","interval":10,"ipv4":"10.0.0.1","hostname":"a"})";
  ASSERT_EQ(hc.Accept(req).status, 202);
  ASSERT_TRUE(WaitUntil([&] { return store_->apply_calls() >= 3; }));
  // Long past interval + grace on the wall clock, but the heartbeat of kT0+20 s is held.
  clock_->Set(kT0 + 100'000);
  EXPECT_EQ(Swept(*w), 0);
  EXPECT_EQ(Stored("a").status, ServerStatus::kOn);
  store_->FailNextApplies(0);
  ASSERT_TRUE(WaitUntil([&] {
    auto a = store_->GetServer("a");
    return a.ok() && a->last_seen == kT0 + 20'000;
  }));
  w->Stop();
  // Caught up, and nothing newer arrived: now the silence counts.
  EXPECT_EQ(Swept(*w), 1);
  EXPECT_EQ(Stored("a").status_changed_at, kT0 + 30'000);
}

TEST_F(WorkerTest, AStalledBacklogStopsTheClockOfTheSweep) {
  WorkerOptions o;
  o.grace_ms = 30'000;
  auto w = MakeWorker(o);
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0, 10), Beat("b", kT0, 10)}).ok());
  // Heartbeats wait on the bus and nothing consumes them (a group rejoining after a broker
  // restart): however far the wall clock runs, silence is judged as of the point reached.
  ASSERT_OK_AND_ASSIGN(auto consumer, bus_->Subscribe(bus::kHeartbeatTopic, "sms-worker"));
  healthcheck::Healthcheck hc(bus_, clock_, metrics_);
  http::Request req;
  req.body = R"({"server_id":"a","interval":10})";
  clock_->Set(kT0 + 5'000);
  ASSERT_EQ(hc.Accept(req).status, 202);
  ASSERT_GT(bus_->Depth(bus::kHeartbeatTopic).value(), 0);
  clock_->Set(kT0 + 300'000);
  EXPECT_EQ(Swept(*w), 0);
  EXPECT_EQ(Fleet().on, 2);
}

TEST_F(WorkerTest, HeartbeatsWaitingOnABusThatCannotSayHowFarItWasReadAreNotCaughtUp) {
  auto faulty = FaultyBusUnder();
  auto w = WorkerAfter({Beat("a", kT0, 10), Beat("b", kT0, 10)});
  clock_->Set(kT0 + 20'000);
  EXPECT_EQ(Swept(*w), 0);  // nothing waits: judged as of now, and nobody is due
  // A heartbeat waits on the bus, which is too busy to answer how far its group has read (a
  // saturated Kafka): that is not "caught up", so the wall clock does not count.
  healthcheck::Healthcheck hc(bus_, clock_, metrics_);
  http::Request req;
  req.body = R"({"server_id":"a","interval":10})";
  clock_->Set(kT0 + 25'000);
  ASSERT_EQ(hc.Accept(req).status, 202);
  faulty->SetOffsetsUnknown(true);
  clock_->Set(kT0 + 300'000);
  EXPECT_EQ(Swept(*w), 0);
  EXPECT_EQ(Fleet().on, 2);
}

TEST_F(WorkerTest, QueueDepthThatCannotBeToldIsServedAsUnknownNotAsEmpty) {
  auto faulty = FaultyBusUnder();
  auto w = WorkerAfter({Beat("a", kT0, 10)});
  EXPECT_TRUE(testing::Serves(*metrics_, "sms_bus_queue_depth{topic=\"healthcheck\"} 0"))
      << metrics_->Render();
  faulty->SetOffsetsUnknown(true);  // a broker too busy to answer
  EXPECT_TRUE(testing::Serves(*metrics_, "sms_bus_queue_depth{topic=\"healthcheck\"} NaN"))
      << metrics_->Render();
}

TEST_F(WorkerTest, BusOutageIsNotCountedAsSilence) {
  auto faulty = FaultyBusUnder();
  auto w = WorkerAfter({Beat("a", kT0, 10), Beat("b", kT0, 10)});
  faulty->SetUnreachable(true);
  clock_->Set(kT0 + 20'000);
  EXPECT_EQ(Swept(*w), 0);  // the outage is seen at 20 s
  clock_->Set(kT0 + 300'000);
  EXPECT_EQ(Swept(*w), 0);  // agents cannot get in: no one is judged
  EXPECT_EQ(Fleet().on, 2);
  faulty->SetUnreachable(false);
  EXPECT_EQ(Swept(*w), 0);  // the bus answers, but no heartbeat has come through yet
  // The outage is the time nothing came through: from a's and b's beat at kT0 (within a grace
  // of the bus failing) to b's at 310 s.
  ASSERT_TRUE(w->ProcessBatch({Beat("b", kT0 + 310'000, 10)}).ok());
  clock_->Set(kT0 + 340'000);  // a: 30 s of silence outside the outage < 10 + 30
  EXPECT_EQ(Swept(*w), 0);
  clock_->Set(kT0 + 360'000);  // a: 50 s
  EXPECT_EQ(Swept(*w), 1);
  EXPECT_EQ(Stored("a").status, ServerStatus::kOff);
  EXPECT_EQ(Stored("a").status_changed_at, kT0 + 10'000);
  // Once the outage is forgotten, silence counts on the wall clock again.
  clock_->Set(kT0 + 310'000 + Worker::kOutageMemory);
  EXPECT_EQ(Swept(*w), 1);
  EXPECT_EQ(Stored("b").status, ServerStatus::kOff);
}

TEST_F(WorkerTest, SilenceAroundABusOutageIsNotCountedUntilHeartbeatsComeThrough) {
  // A broker shutting down refuses writes before it stops answering, and after a restart the
  // producers find it later than the worker's ping does: neither gap is the servers' silence.
  auto faulty = FaultyBusUnder();
  auto w = WorkerAfter({Beat("a", kT0, 10), Beat("b", kT0, 10)});
  clock_->Set(kT0 + 25'000);
  faulty->SetUnreachable(true);
  EXPECT_EQ(Swept(*w), 0);
  clock_->Set(kT0 + 60'000);
  faulty->SetUnreachable(false);
  EXPECT_EQ(Swept(*w), 0);
  ASSERT_TRUE(w->ProcessBatch({Beat("b", kT0 + 70'000, 10)}).ok());
  clock_->Set(kT0 + 80'000);  // the ping's outage (25 s to 60 s) alone would make a 45 s silent
  EXPECT_EQ(Swept(*w), 0);
  EXPECT_EQ(Fleet().on, 2);
  clock_->Set(kT0 + 115'000);  // a: 45 s of silence after heartbeats came through again
  EXPECT_EQ(Swept(*w), 1);
  EXPECT_EQ(Stored("a").status_changed_at, kT0 + 10'000);
}

TEST_F(WorkerTest, AQuietFleetAfterABusOutageIsJudgedAfterTheResumeWait) {
  auto faulty = FaultyBusUnder();
  auto w = WorkerAfter({Beat("a", kT0, 10)});
  faulty->SetUnreachable(true);
  clock_->Set(kT0 + 100'000);  // long after a's beat: the outage starts when it is seen
  EXPECT_EQ(Swept(*w), 0);
  clock_->Set(kT0 + 110'000);
  faulty->SetUnreachable(false);
  EXPECT_EQ(Swept(*w), 0);
  clock_->Set(kT0 + 110'000 + Worker::kResumeWait - 1);
  EXPECT_EQ(Swept(*w), 0);  // nothing came through yet: still waiting for the pipeline
  // a really went quiet: after the wait only the outage (100 s to the wait's end) is forgiven.
  clock_->Set(kT0 + 110'000 + Worker::kResumeWait);
  EXPECT_EQ(Swept(*w), 1);
  EXPECT_EQ(Stored("a").status_changed_at, kT0 + 10'000);
}

TEST_F(WorkerTest, BatchWritesAndSweepsThatWroteTellTheWriteHealth) {
  write_health_ = std::make_shared<roles::WriteHealth>(clock_);
  WorkerOptions o;
  o.grace_ms = 30'000;
  auto w = MakeWorker(o);
  ASSERT_TRUE(w->ProcessBatch({Beat("a", kT0, 10)}).ok());
  store_->SetWritesFail(true);  // a full disk
  for (int i = 1; i <= 3; ++i) EXPECT_FALSE(w->ProcessBatch({Beat("a", kT0 + i * 1000, 10)}).ok());
  EXPECT_EQ(write_health_->Check().code(), Code::kUnavailable);
  store_->SetWritesFail(false);
  clock_->Set(kT0 + 5'000);
  EXPECT_EQ(Swept(*w), 0);
  EXPECT_EQ(write_health_->Check().code(), Code::kUnavailable) << "a sweep that wrote nothing";
  clock_->Set(kT0 + 41'000);  // a is due: the sweep writes
  EXPECT_EQ(Swept(*w), 1);
  EXPECT_TRUE(write_health_->Check().ok());
}

TEST_F(WorkerTest, AutoRegisterOffRejectsUnknownServers) {
  WorkerOptions o;
  o.auto_register = false;
  auto w = MakeWorker(o);
  ASSERT_TRUE(store_->CreateServer({"known", "known", "", ""}, kT0).ok());
  ASSERT_TRUE(w->ProcessBatch({Beat("known", kT0), Beat("stranger", kT0)}).ok());
  EXPECT_EQ(Stored("known").status, ServerStatus::kOn);
  EXPECT_EQ(store_->GetServer("stranger").status().code(), Code::kNotFound);
  EXPECT_NE(metrics_->Render().find("sms_heartbeats_unknown_total 1"), std::string::npos);
}

}  // namespace
}  // namespace sms::worker
