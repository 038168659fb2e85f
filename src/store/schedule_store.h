#pragma once
// ScheduleStore: the claims by which one replica, and only one, runs each due run of a
// scheduled job (the retention, the close of an uptime day, the rebuild of the runs index). A
// narrow interface of Store (store.h), apart from the records a job works on, so that a
// consumer's signature says it coordinates with other replicas. Implementations: SqliteStore,
// PostgresStore. Thread-safe.

#include <memory>
#include <string>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;
  ScheduleStore() = default;
  ScheduleStore(const ScheduleStore&) = delete;
  ScheduleStore& operator=(const ScheduleStore&) = delete;

  // Claims the run of scheduled job `job` due at `now`: when no run of it is recorded, or the
  // recorded next run is at or before `now`, records `next` as its next run and returns true;
  // otherwise returns false and changes nothing. A conditional update: of replicas racing for
  // one due run, exactly one gets true. REQUIRES: next > now.
  virtual Result<bool> ClaimRun(const std::string& job, Millis now, Millis next) = 0;
};

using ScheduleStorePtr = std::shared_ptr<ScheduleStore>;

}  // namespace sms::store
