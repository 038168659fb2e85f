#pragma once
// Retention: the schedule that deletes what would otherwise grow forever. Each run deletes the
// heartbeat indices past --history-retention-days (History::Expire), and expired sessions,
// reports past --report-retention-days and mail outcomes past the bus's retention
// (RetentionStore::Prune; store/retention_rule.h says what is old enough). Servers and their status
// history are kept, so uptime over any past window is still answered (from SQL).
//
// The management role runs it (every replica, and `smsd all`): it already runs the report
// schedule, reads the same history, and is off the ingest path, so the worker's batches never
// wait behind an index deletion or a large DELETE. Each replica looks whether a run is due at
// start and every `tick`; the run is claimed in SQL (ScheduleStore::ClaimRun, job kJob, next run
// `every` later), so one replica runs it per period whatever the number of replicas.
//
// Thread-safe; Start runs Tick on its own thread until Stop.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "history/history.h"
#include "metrics/metrics.h"
#include "store/retention_store.h"
#include "store/schedule_store.h"

namespace sms::management {

struct RetentionOptions {
  // --report-retention-days, --bus-retention-days, --alert-retention-days.
  store::RetentionPolicy policy;
  Millis every = 3'600'000;                 // one run per hour across replicas
  std::chrono::milliseconds tick{300'000};  // how often a replica looks whether one is due
  int max_prune_calls = 100;  // Store::Prune calls per run (each PruneRequest::limit per table)
};

struct RetentionBackends {
  store::RetentionStorePtr store;    // what is pruned
  store::ScheduleStorePtr schedule;  // the claim of each run
  history::HistoryPtr history;
  ClockPtr clock;
  std::shared_ptr<metrics::Metrics> metrics;
};

// What one Tick did.
struct RetentionRun {
  bool claimed = false;  // false: not due, or another replica claimed the run
  int64_t indices_deleted = 0;
  store::PruneCounts pruned;
};

class Retention {
 public:
  static constexpr const char* kJob = "retention";

  // /metrics: sms_retention_indices_deleted_total, sms_retention_rows_pruned_total{table}.
  Retention(RetentionOptions options, RetentionBackends backends);
  ~Retention();

  // Runs the retention when a run is due and this replica claims it. Unavailable when the
  // store is down (nothing ran), or when a deletion failed part-way: what went stays gone,
  // and the next run goes on from there.
  Result<RetentionRun> Tick();

  // Ticks now, then every options.tick, until Stop (which waits for a tick in progress).
  void Start();
  void Stop();

 private:
  Status Prune(Millis now, store::PruneCounts& total);

  RetentionOptions options_;
  RetentionBackends b_;
  metrics::Counter& indices_;
  metrics::Counter& sessions_;
  metrics::Counter& reports_;
  metrics::Counter& outcomes_;
  metrics::Counter& alerts_;
  metrics::Counter& notifications_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sms::management
