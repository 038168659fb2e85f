#pragma once
// DashboardStore: what the dashboard needs of the store beyond the inventory — the live feed
// of status transitions in commit order, and the overview's rollups. A narrow interface of Store
// (store.h): a consumer sees only what it uses. Implementations: SqliteStore, PostgresStore.
// Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

// A committed status transition as the live feed (GET /api/v1/events/stream) carries it.
struct FeedEvent {
  int64_t seq = 0;  // grows in the order transitions commit (migrations 0010_dashboard)
  std::string server_id;
  std::string server_name;
  ServerStatus status = ServerStatus::kOff;
  Millis at = 0;
  std::string cause;
};

// The fleet's counts at one minute (the overview's chart).
struct FleetMinute {
  Millis minute = 0;  // a multiple of 60 000
  int64_t total = 0;
  int64_t on = 0;
};

// One UTC day's mean uptime over the servers that existed that day, kept when the day closed.
struct UptimeDay {
  Millis day = 0;       // the day's start (UTC midnight)
  int64_t avg_ppb = 0;  // mean uptime x 1e9
  int64_t servers = 0;  // how many were averaged
  Millis computed_at = 0;
};

class DashboardStore {
 public:
  virtual ~DashboardStore() = default;
  DashboardStore() = default;
  DashboardStore(const DashboardStore&) = delete;
  DashboardStore& operator=(const DashboardStore&) = delete;

  // ---- The live feed ------------------------------------------------------------------------
  // Transitions with seq > `after`, by seq, at most `limit`. Every transition with a seq at or
  // below the last one returned is committed already: a reader that resumes after it misses
  // none, whichever replica it reads from. Transitions of deleted servers are gone.
  virtual Result<std::vector<FeedEvent>> EventsAfter(int64_t after, int limit) = 0;
  // The newest seq (0 when there is none): where a reader starting now begins.
  virtual Result<int64_t> LastEventSeq() = 0;

  // ---- Rollups for the overview (written once per minute / day, read per page load) -------
  // Records `m` unless its minute is recorded already (another replica was first): then
  // nothing changes.
  virtual Status RecordFleetMinute(const FleetMinute& m) = 0;
  // Recorded minutes in [from, to) that are multiples of `step` (a multiple of 60 000),
  // ascending.
  virtual Result<std::vector<FleetMinute>> FleetSeries(Millis from, Millis to, Millis step) = 0;
  // Records `d` unless its day is recorded already.
  virtual Status RecordUptimeDay(const UptimeDay& d) = 0;
  // Recorded days starting in [from, to), ascending.
  virtual Result<std::vector<UptimeDay>> UptimeDays(Millis from, Millis to) = 0;
};

using DashboardStorePtr = std::shared_ptr<DashboardStore>;

}  // namespace sms::store
