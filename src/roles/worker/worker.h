#pragma once
// The worker role: consumes the "healthcheck" topic in batches, applies each batch to the
// Store in one transaction (registering unknown servers, turning servers on), records it in
// the History, and commits the batch only after those writes succeed (at-least-once; the
// Store makes redelivery harmless). A second loop sweeps servers silent for
// interval + grace to off. Known servers are cached so a steady heartbeat takes the Store's
// cheap path. Start/Stop from one thread; the loops run on their own threads.
//
// Silence is judged as of the time the worker has caught up to, not the wall clock, so a
// backlog or an outage of the pipeline does not turn live servers off:
// - while a batch is held (its writes failing and retried), as of its oldest heartbeat;
// - while heartbeats wait on the bus, as of the time the group has read every partition
//   through (Bus::ConsumedThrough: each commit records the arrival of the newest heartbeat it
//   covers, per partition; the least advanced partition where heartbeats wait decides, and
//   it covers the partitions of every worker of the group, since the sweep is fleet-wide);
//   it does not move while consumption stalls;
// - while the bus cannot tell how far it was read (it does not answer in time, or heartbeats
//   wait where no time was committed yet), no later than the last horizon it could tell (and
//   not at all before there was one): unknown counts as behind, never as caught up;
// - while the bus is unreachable (agents' heartbeats cannot get in), not at all; after it
//   comes back, for kOutageMemory, the outage does not count as silence. The outage is the
//   time nothing came through around it: from the newest heartbeat consumed before it (when
//   that is within a grace: a broker shutting down refuses writes before it stops answering)
//   until the first heartbeat received after the bus answered again (producers reconnect and
//   find the partitions' leaders later than a consumer's ping succeeds), at most kResumeWait.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bus/bus.h"
#include "cache/cache.h"
#include "core/clock.h"
#include "history/history.h"
#include "metrics/metrics.h"
#include "roles/common/write_health.h"
#include "store/schedule_store.h"
#include "store/server_store.h"

namespace sms::worker {

struct WorkerOptions {
  size_t batch_size = 5000;                  // heartbeats per transaction at most
  std::chrono::milliseconds batch_wait{50};  // how long a poll waits for the first one
  // After the first heartbeat of a batch, how long to keep collecting before writing a batch
  // smaller than batch_size: fewer, larger transactions under a steady trickle.
  std::chrono::milliseconds batch_linger{20};
  Millis grace_ms = 30'000;  // --heartbeat-grace
  bool auto_register = true;
  std::chrono::milliseconds sweep_every{1000};
  std::string group = "sms-worker";
  // Stop consumes until the bus is empty (an in-process bus); otherwise Stop finishes the batch
  // in hand, commits it, and leaves the rest on the bus.
  bool drain_on_stop = true;
};

struct Backends {
  bus::BusPtr bus;
  store::ServerStorePtr store;
  store::ScheduleStorePtr schedule;  // the claim of the runs index's one build
  cache::CachePtr cache;
  history::HistoryPtr history;
  ClockPtr clock;
  std::shared_ptr<metrics::Metrics> metrics;
  // Told the outcome of every batch write and of every sweep that fails or turns servers off
  // (a sweep with nothing to do writes nothing, so it proves nothing). Optional.
  roles::WriteHealthPtr write_health;
};

class Worker {
 public:
  Worker(WorkerOptions options, Backends backends);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Subscribes and starts the consume and sweep loops.
  Status Start();
  // With drain_on_stop, keeps consuming until the bus holds nothing for this group (or `drain`
  // passes); then (or at once otherwise) finishes the batch in hand, commits, joins the loops.
  void Stop(std::chrono::milliseconds drain = std::chrono::seconds(30));

  // One batch through Store, History and Cache (what the consume loop does per poll).
  Status ProcessBatch(const std::vector<Heartbeat>& batch);
  // One offline sweep (what the sweep loop does every sweep_every); 0 without looking while
  // the bus is unreachable. Called from one thread at a time.
  Result<int64_t> Sweep();
  // When the history keeps on-runs: builds them from the Store's transitions, once per
  // installation, by the one replica that claims it (for an installation upgraded from a
  // version without them). Called when the sweep thread starts; OK when there is nothing to do.
  Status BuildRunsOnce();
  // When the history keeps on-runs: closes the runs left open by a close that was lost (a
  // worker killed while the history refused it), at the off transition the Store holds. Looks
  // at open runs not extended for kLostRunAge, at most kLostRunsPerPass of them; a run whose
  // server is still on since its start is left open. Idempotent, so every replica may run it;
  // the sweep thread does when it starts and every kLostRunsEvery.
  Status CloseLostRuns();

  static constexpr Millis kLostRunAge = 10 * 60'000;
  static constexpr size_t kLostRunsPerPass = 1000;
  static constexpr auto kLostRunsEvery = std::chrono::minutes(10);

  // How long a bus outage is remembered: silence inside it is not counted for this long.
  static constexpr Millis kOutageMemory = 10 * 60'000;
  // How long after the bus answers again the sweep waits for a heartbeat to come through
  // before it counts silence anyway (a fleet that really went quiet during the outage).
  static constexpr Millis kResumeWait = 2 * 60'000;

 private:
  void ConsumeLoop();
  void SweepLoop();
  // True when the bus says every heartbeat published has been committed (false when unknown).
  bool Drained();
  // Polls, decodes and processes one batch, retrying the writes until they succeed or stop.
  // Returns the number of messages handled.
  size_t ConsumeOnce(bus::Consumer& consumer);
  // The servers of `batch` the cache says are on and unchanged, with since when into `on_since`.
  std::unordered_set<std::string> KnownOn(const std::vector<Heartbeat>& batch,
                                          std::unordered_map<std::string, Millis>& on_since);
  // Closes the on-runs of the sweep's off transitions in the history, with any whose close
  // failed before: the SQL status is off already, so a failed close is kept and retried.
  void CloseRuns(std::vector<history::RunUpdate> closes);

  void CacheServers(const std::vector<Server>& servers);
  // Keeps the bus outage bookkeeping (see the header comment); true while nobody is judged.
  bool OutageHolds(Millis now);
  // The instant silence is judged as of (see the header comment); nullopt: do not sweep.
  std::optional<Millis> SilenceHorizon(Millis now);

  WorkerOptions options_;
  Backends b_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> draining_{false};
  std::thread consume_thread_;
  std::thread sweep_thread_;
  std::atomic<double> lag_seconds_{0};
  std::atomic<Millis> held_since_{0};  // oldest heartbeat of the batch in hand; 0: none
  std::atomic<Millis> newest_{0};      // newest heartbeat written
  std::mutex closes_mu_;
  std::vector<history::RunUpdate> pending_closes_;  // guarded by closes_mu_
  // The bus outage bookkeeping of SilenceHorizon (sweep thread only).
  Millis outage_start_ = 0;  // when the outage began (see the header comment); 0: none
  Millis answered_at_ = 0;   // when the bus answered again after it; 0: not yet
  Millis outage_end_ = 0;    // when the last outage ended
  Millis outage_total_ = 0;  // unreachable time not to count as silence
  // The last horizon SilenceHorizon could tell (sweep thread only); 0: none yet.
  Millis known_horizon_ = 0;
  metrics::Counter& batches_;
  metrics::Counter& processed_;
  metrics::Counter& registered_;
  metrics::Counter& unknown_;
  metrics::Counter& turned_on_;
  metrics::Counter& turned_off_;
  metrics::Counter& errors_;
  metrics::Counter& undecodable_;
  metrics::Metrics::Histogram& lag_;
};

}  // namespace sms::worker
