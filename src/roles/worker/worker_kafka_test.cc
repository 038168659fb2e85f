// The worker on a real Kafka (SMS_KAFKA_BROKERS; skipped without it): a backlog on a topic of
// six partitions is read unevenly, one partition far ahead of another, and silence must be
// judged as of the least advanced one, so that servers that never stopped beating stay on.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/heartbeat.h"
#include "roles/worker/worker.h"
#include "store/store.h"
#include "support/assert_ok.h"
#include "support/wait_until.h"

namespace sms::worker {
namespace {

using namespace std::chrono_literals;
using sms::testing::WaitUntil;

constexpr int kServers = 60;
constexpr Millis kGraceMs = 3'000;  // with the 1 s interval: silent after 4 s

// The value of `sms_status_transitions_total{to="off"}` in `metrics`.
int64_t TurnedOff(metrics::Metrics& metrics) {
  const std::string rendered = metrics.Render();
  const std::string name = "sms_status_transitions_total{to=\"off\"} ";
  size_t at = rendered.find(name);
  return at == std::string::npos ? -1 : std::atoll(rendered.c_str() + at + name.size());
}

// Publishes a heartbeat of every server once a second (interval 1 s), and of "quiet" while
// `quiet_beats`, until destroyed.
class Fleet {
 public:
  Fleet(bus::BusPtr bus, ClockPtr clock) : bus_(std::move(bus)), clock_(std::move(clock)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Fleet() {
    stop_ = true;
    thread_.join();
  }
  std::atomic<bool> quiet_beats{true};

 private:
  void Run() {
    while (!stop_) {
      auto next = std::chrono::steady_clock::now() + 1s;
      for (int i = 0; i <= kServers && !stop_; ++i) {
        std::string id = i == kServers ? "quiet" : "s" + std::to_string(i);
        if (i == kServers && !quiet_beats) break;
        Heartbeat hb;
        hb.id = NewHeartbeatId();
        hb.server_id = hb.hostname = id;
        hb.ipv4 = "10.0.0.1";
        hb.interval = 1;
        hb.received_at = clock_->Now();
        EXPECT_TRUE(bus_->Publish(bus::kHeartbeatTopic, id, EncodeHeartbeat(hb)).ok());
      }
      std::this_thread::sleep_until(next);
    }
  }
  bus::BusPtr bus_;
  ClockPtr clock_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(WorkerKafkaTest, ServersThatKeepBeatingStayOnWhileAnUnevenlyReadBacklogIsWorkedOff) {
  const char* brokers = std::getenv("SMS_KAFKA_BROKERS");
  if (brokers == nullptr || *brokers == '\0') {
    GTEST_SKIP() << "SMS_KAFKA_BROKERS not set: start engines with scripts/services";
  }
  bus::BusConfig config;
  config.brokers = brokers;
  config.partitions = 6;
  config.topic_prefix =
      "worker-skew-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) +
      ".";
  ASSERT_OK_AND_ASSIGN(bus::BusPtr bus, bus::MakeBus(config));
  ASSERT_OK_AND_ASSIGN(store::StorePtr store, store::MakeStore({"sqlite::memory:"}));
  ASSERT_OK_AND_ASSIGN(cache::CachePtr cache, cache::MakeCache({}));
  ASSERT_OK_AND_ASSIGN(history::HistoryPtr history, history::MakeHistory({}, store));
  ClockPtr clock = std::make_shared<SystemClock>();
  auto metrics1 = std::make_shared<metrics::Metrics>();
  auto metrics2 = std::make_shared<metrics::Metrics>();
  WorkerOptions o;
  o.grace_ms = kGraceMs;
  o.sweep_every = 100ms;
  o.drain_on_stop = false;
  auto fleet = std::make_unique<Fleet>(bus, clock);
  auto first = std::make_unique<Worker>(o, Backends{bus, store, store, cache, history, clock, metrics1});
  ASSERT_TRUE(first->Start().ok());
  ASSERT_TRUE(
      WaitUntil([&] { return store->Stats().ok() && store->Stats()->on == kServers + 1; }, 30s));
  // The worker stops for longer than interval + grace while the fleet goes on beating ("quiet"
  // stops): a backlog builds on every partition.
  fleet->quiet_beats = false;
  first->Stop(0ms);
  std::this_thread::sleep_for(6s);
  // Small batches: the partitions fetched first are worked off long before the others.
  o.batch_size = 10;
  Worker second(o, Backends{bus, store, store, cache, history, clock, metrics2});
  ASSERT_TRUE(second.Start().ok());
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto depth = bus->Depth(bus::kHeartbeatTopic);
        return depth.ok() && *depth < kServers;
      },
      30s));
  std::this_thread::sleep_for(2s);  // caught up: "quiet" is judged
  fleet.reset();
  second.Stop(0ms);
  EXPECT_EQ(TurnedOff(*metrics1) + TurnedOff(*metrics2), 1) << "only quiet stopped beating";
  ASSERT_OK_AND_ASSIGN(Server quiet, store->GetServer("quiet"));
  EXPECT_EQ(quiet.status, ServerStatus::kOff);
  ASSERT_OK_AND_ASSIGN(FleetStats stats, store->Stats());
  EXPECT_EQ(stats.on, kServers);
}

}  // namespace
}  // namespace sms::worker
